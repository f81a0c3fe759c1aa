"""How long a training will last, and settings a class can watch (presentation mode's Train page).

A class needs time to see the live chart move: a training that ends in a few seconds shows a finished curve,
one that runs for minutes loses the room. The duration is the training's estimated work (recipe.training_cost)
at the rate one training slot gets (limits.TRAINING_FLOPS_PER_SECOND); it is an estimate, said as "about".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from cnnlab import architecture, recipe
from cnnlab.limits import TRAINING_FLOPS_PER_SECOND

WATCH_SECONDS = (15.0, 30.0)  # long enough to see the curve move, short enough to keep the room
MAX_EPOCHS = 20  # the Train page's epochs slider ends there


def estimated_seconds(analysis: architecture.Analysis, config: recipe.TrainConfig, n_train: int, n_test: int) -> float:
    return recipe.training_cost(analysis, config, n_train, n_test).total / TRAINING_FLOPS_PER_SECOND


@dataclass(frozen=True)
class Pace:
    """The settings' estimated seconds, and (only when they end sooner than a class can watch) the nearest
    settings that last WATCH_SECONDS: the same data share with more epochs, else a larger share."""

    seconds: float
    watchable: recipe.TrainConfig | None = None
    watchable_seconds: float | None = None

    @property
    def too_quick(self) -> bool:
        return self.seconds < WATCH_SECONDS[0]


def pace(analysis: architecture.Analysis, config: recipe.TrainConfig, n_train: int, n_test: int,
         fractions: tuple[float, ...]) -> Pace:
    """`fractions`: the data shares the page offers (ascending)."""
    seconds = estimated_seconds(analysis, config, n_train, n_test)
    if seconds >= WATCH_SECONDS[0]:
        return Pace(seconds)
    for fraction in (f for f in fractions if f >= config.data_fraction):
        for epochs in range(config.epochs, MAX_EPOCHS + 1):
            candidate = dataclasses.replace(config, epochs=epochs, data_fraction=fraction)
            lasts = estimated_seconds(analysis, candidate, n_train, n_test)
            if lasts >= WATCH_SECONDS[0]:
                return Pace(seconds, candidate, lasts)
    return Pace(seconds)
