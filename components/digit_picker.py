"""The one way a page picks the digit it follows: the last one drawn on the Draw page, or a test digit by number.

Until something is drawn there is nothing to choose: only the test digit's number is shown. Used by the
Conv2D and MaxPooling2D explorers and the Network page, each with its own keys (state_keys.DigitPickerKeys),
so each page keeps its own choice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnlab.images import unit_image
from components import state_keys
from components.i18n import t
from components.number_box import number_box
from components.resources import mnist

DRAWN, TEST = "drawn", "test"
P = dict(persist_state="session")


@dataclass(frozen=True)
class PickedDigit:
    """The digit a page follows: float32 (28, 28) in [0, 1]; index and label for a test digit (else None)."""

    image: np.ndarray
    index: int | None = None
    label: int | None = None

    @property
    def drawn(self) -> bool:
        return self.index is None


def pick_digit(keys: state_keys.DigitPickerKeys, *, side_by_side: bool = False) -> PickedDigit:
    """The source (once there is a drawing: the drawing or a test digit) and the test digit's number.

    side_by_side: the number beside the source, not under it.
    """
    drawing = st.session_state.get(state_keys.LAST_DRAWN_DIGIT)
    source_col, index_col = st.columns([1.3, 1], vertical_alignment="bottom") if side_by_side else (st, st)
    source = TEST
    if drawing is None:
        index_col = source_col  # nothing to choose yet: the number takes the source's place
    else:
        # Seeded here, never given a widget default as well: a new drawing is followed first.
        if st.session_state.get(keys.source) not in (DRAWN, TEST):
            st.session_state[keys.source] = DRAWN
        source = source_col.radio(t("common.digit_source"), (DRAWN, TEST), key=keys.source, horizontal=True,
                                  format_func=lambda s: t(f"common.digit_{s}"), **P)
    if source == DRAWN:
        return PickedDigit(np.asarray(drawing, dtype=np.float32))
    test = mnist()
    index = number_box(t("common.digit_index", count=len(test.x_test) - 1), 0, len(test.x_test) - 1, value=0,
                       key=keys.index, container=index_col, **P)
    return PickedDigit(unit_image(test.x_test[index]), index, int(test.y_test[index]))
