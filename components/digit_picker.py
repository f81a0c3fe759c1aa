"""The one way a page picks the digit it follows: the last one drawn on the Draw page, or a test digit by number.

Used by the Conv2D and MaxPooling2D explorers and the Network page, each with its own keys
(state_keys.DigitPickerKeys), so each page keeps its own choice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnlab.images import unit_image
from components import state_keys
from components.i18n import t
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
    """The source (the drawing, offered once there is one; a test digit) and the test digit's number.

    side_by_side: the number beside the source, not under it.
    """
    drawing = st.session_state.get(state_keys.LAST_DRAWN_DIGIT)
    sources = [DRAWN, TEST] if drawing is not None else [TEST]
    # Seeded here, never given a widget default as well: the drawing first, once there is one.
    if st.session_state.get(keys.source) not in sources:
        st.session_state[keys.source] = sources[0]
    source_col, index_col = st.columns([1.3, 1], vertical_alignment="bottom") if side_by_side else (st, st)
    source = source_col.radio(t("common.digit_source"), sources, key=keys.source, horizontal=True,
                              format_func=lambda s: t(f"common.digit_{s}"), **P)
    if source == DRAWN:
        return PickedDigit(np.asarray(drawing, dtype=np.float32))
    test = mnist()
    index = int(index_col.number_input(t("common.digit_index", count=len(test.x_test) - 1), 0,
                                       len(test.x_test) - 1, 0, key=keys.index, **P))
    return PickedDigit(unit_image(test.x_test[index]), index, int(test.y_test[index]))
