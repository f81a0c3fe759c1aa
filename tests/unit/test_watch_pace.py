"""Presentation mode's pace: estimated seconds from the training's work, and watchable settings when too quick."""

from __future__ import annotations

import pytest

from cnnlab import architecture, recipe, watch_pace
from cnnlab.limits import TRAINING_FLOPS_PER_SECOND

FRACTIONS = (0.05, 0.1, 0.25, 0.5, 1.0)
N_TRAIN, N_TEST = 8000, 2000


@pytest.fixture(scope="module")
def chapter():
    return architecture.analyze(architecture.chapter_spec())


def by_hand(analysis, config) -> float:
    """Forward FLOPs × (3 × trained images + validation images) per epoch, plus the test pass, at the rate."""
    n_used = round(N_TRAIN * config.data_fraction)
    n_val = round(n_used * config.validation_split)
    flops = analysis.forward_flops * ((3 * (n_used - n_val) + n_val) * config.epochs + N_TEST)
    return flops / TRAINING_FLOPS_PER_SECOND


def test_the_chapters_settings_are_watchable_as_they_are(chapter):
    config = recipe.TrainConfig()
    found = watch_pace.pace(chapter, config, N_TRAIN, N_TEST, FRACTIONS)
    assert found.seconds == pytest.approx(by_hand(chapter, config))
    assert watch_pace.WATCH_SECONDS[0] <= found.seconds <= watch_pace.WATCH_SECONDS[1]
    assert not found.too_quick and found.watchable is None


@pytest.mark.parametrize(("epochs", "fraction"), [(1, 1.0), (1, 0.25), (2, 0.05), (1, 0.05)])
def test_too_quick_settings_get_the_nearest_watchable_ones(chapter, epochs, fraction):
    config = recipe.TrainConfig(epochs=epochs, data_fraction=fraction, validation_split=0.1)
    found = watch_pace.pace(chapter, config, N_TRAIN, N_TEST, FRACTIONS)
    assert found.too_quick and found.seconds == pytest.approx(by_hand(chapter, config))
    chosen = found.watchable
    low, high = watch_pace.WATCH_SECONDS
    assert low <= by_hand(chapter, chosen) <= high and found.watchable_seconds == pytest.approx(by_hand(chapter, chosen))
    # only epochs and the data share change, never fewer of either; the fewest epochs that reach the low end
    assert (chosen.batch_size, chosen.optimizer, chosen.validation_split) == (32, "adam", 0.1)
    assert chosen.epochs >= epochs and chosen.data_fraction >= fraction
    fewer = recipe.TrainConfig(epochs=chosen.epochs - 1, data_fraction=chosen.data_fraction, validation_split=0.1)
    assert chosen.epochs == epochs or by_hand(chapter, fewer) < low
