"""Presentation mode's Train page: how long the settings will train, and a pace a class can watch.

The settings stay the chapter's unless the teacher picks the watchable ones, and the page says which settings
run and why: nothing is changed silently.
"""

from __future__ import annotations

import streamlit as st

from cnnlab import architecture as arch
from cnnlab import recipe, watch_pace
from components import state_keys as keys
from components.i18n import t


def settings_text(config: recipe.TrainConfig, n_train: int) -> str:
    """"5 epochs on 8,000 digits"."""
    count = recipe.split_sizes(n_train, config)
    return t("pace.settings", quantity=config.epochs, epochs=config.epochs, count=f"{count.train + count.val:,}")


def _use(config: recipe.TrainConfig) -> None:
    st.session_state[keys.TRAIN_EPOCHS] = config.epochs
    st.session_state[keys.TRAIN_FRACTION] = config.data_fraction
    st.session_state[keys.TRAIN_WATCH_PACE] = config


def pace_view(area, stack, config: recipe.TrainConfig, chapter: recipe.TrainConfig, data,
              fractions: tuple[float, ...]) -> None:
    """Under Start: about how long these settings train, whether a class can watch that, and what was chosen."""
    analysis = arch.analyze(stack)
    if not analysis.ok:
        return  # the editor says why it cannot train
    n_train, n_test = len(data.x_train), len(data.x_test)
    found = watch_pace.pace(analysis, config, n_train, n_test, fractions)
    seconds = f"{found.seconds:.0f}"
    if st.session_state.get(keys.TRAIN_WATCH_PACE) == config:
        area.info(t("pace.chosen", settings=settings_text(config, n_train), seconds=seconds,
                    chapter=settings_text(chapter, n_train)), icon=":material/visibility:")
    elif found.too_quick and found.watchable is not None:
        area.warning(t("pace.too_quick", settings=settings_text(config, n_train), seconds=seconds),
                     icon=":material/fast_forward:")
        area.button(t("pace.use", settings=settings_text(found.watchable, n_train),
                      seconds=f"{found.watchable_seconds:.0f}"),
                    key=keys.TRAIN_WATCH_PACE_BUTTON, on_click=_use, args=(found.watchable,), icon=":material/visibility:")
    else:
        which = "pace.chapter" if config == chapter else "pace.estimate"
        area.caption(t(which, settings=settings_text(config, n_train), seconds=seconds,
                       low=f"{watch_pace.WATCH_SECONDS[0]:.0f}", high=f"{watch_pace.WATCH_SECONDS[1]:.0f}"))
