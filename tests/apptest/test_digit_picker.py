"""The one digit picker (Conv2D, MaxPooling2D, Network): a test digit by number, or the last drawing once there is one."""

from __future__ import annotations

import numpy as np

from cnnlab.data import load_bundled
from components import state_keys as keys
from tests.conftest import APPTEST_TIMEOUT


def _picker_page(page_keys: str) -> None:
    import streamlit as st

    from components import state_keys
    from components.digit_picker import pick_digit

    st.session_state["picked"] = pick_digit(getattr(state_keys, page_keys), side_by_side=page_keys == "NETWORK_DIGIT")


def _picker(page_keys: str, drawing: np.ndarray | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_picker_page, args=(page_keys,), default_timeout=APPTEST_TIMEOUT)
    at.session_state[keys.LANG] = "en"
    if drawing is not None:
        at.session_state[keys.LAST_DRAWN_DIGIT] = drawing
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_without_a_drawing_a_test_digit_is_picked_by_number_as_a_unit_image():
    test = load_bundled()
    for page_keys in ("CONV_DIGIT", "POOLING_DIGIT", "NETWORK_DIGIT"):
        at = _picker(page_keys)
        assert not at.radio, "nothing drawn: nothing to choose"
        at.number_input(key=getattr(keys, page_keys).index).set_value(5).run()
        picked = at.session_state["picked"]
        assert (picked.index, picked.label, picked.drawn) == (5, int(test.y_test[5]), False)
        assert picked.image.dtype == np.float32 and picked.image.shape == (28, 28)
        np.testing.assert_array_equal(picked.image, test.x_test[5].astype(np.float32) / 255)


def test_a_drawing_is_offered_and_followed_first():
    drawing = np.zeros((28, 28), np.float32)
    drawing[4:24, 13:15] = 1.0
    at = _picker("NETWORK_DIGIT", drawing)
    source = at.radio(key=keys.NETWORK_DIGIT.source)
    assert source.options == ["My drawing", "A test digit"] and source.value == "drawn"
    assert at.session_state["picked"].drawn and not at.number_input
    np.testing.assert_array_equal(at.session_state["picked"].image, drawing)
    source.set_value("test").run()
    assert at.session_state["picked"].index == at.number_input(key=keys.NETWORK_DIGIT.index).value == 0


def test_each_page_keeps_its_own_choice():
    pickers = (keys.CONV_DIGIT, keys.POOLING_DIGIT, keys.NETWORK_DIGIT)
    assert len({key for picker in pickers for key in (picker.source, picker.index)}) == 6
