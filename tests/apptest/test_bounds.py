"""Bounded inputs through AppTest: values a browser can send that the pages' controls never would.

The drawable canvas is a custom component AppTest cannot drive: its value is injected at the canvas's
session-state key, where Streamlit's deserializer puts what the browser sends (as tests/apptest/test_draw.py
does). Every case ends with no exception on the page and a session that still works.
"""

from __future__ import annotations

import numpy as np
import pytest
from markdown_it import MarkdownIt

from cnnlab.drawn_digits import drawn_digits
from cnnlab.layers import LayerSpec
from components import state_keys as keys
from components.ui import plain_text
from tests.apptest.test_draw import CANVAS, canvas_value, metric_values, png
from tests.unit.test_preprocess import bomb_png, canvas_url, huge_png_header

DRAW = "app_pages/draw.py"
# The widgets bound to the URL (bind="query-params"), per page.
BOUND_PARAMS = {
    "conv": ["conv_batch", "conv_channels", "conv_height", "conv_width", "conv_filters", "conv_kernel",
             "conv_strides", "conv_padding", "conv_dilation"],
    "pooling": ["pooling_pool_h", "pooling_pool_w", "pooling_stride_h", "pooling_stride_w", "pooling_padding"],
    "sequences": ["sequences_window", "sequences_units", "sequences_epochs"],
}
ODD_VALUES = ["", "zzz", "99999999999", "-5", "1.5", "nan", "1e309", "same\x00", "%00"]


@pytest.mark.parametrize("page", sorted(BOUND_PARAMS))
def test_empty_unknown_huge_negative_and_non_numeric_url_values_fall_back(app_test, page):
    at = app_test("en")
    for value in ODD_VALUES:
        for param in BOUND_PARAMS[page]:
            at.query_params[param] = value
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (value, [e.value for e in at.exception])
        assert at.title, f"{page} with {value!r}: nothing rendered"
    for param in BOUND_PARAMS[page]:
        at.query_params.pop(param, None)
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception


def test_an_empty_padding_in_the_url_is_the_default_valid():
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APPTEST_TIMEOUT, ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APPTEST_TIMEOUT)
    at.session_state[keys.LANG] = "en"
    at.query_params["conv_padding"] = ""
    at.switch_page("app_pages/conv.py").run()
    assert not at.exception
    assert any("26×26" in m.value or "26" in m.value for m in at.metric)  # 28 - 3 + 1: 'valid'


@pytest.fixture(scope="module")
def seven():
    return next(d for d in drawn_digits(40, seed=5) if d.label == 7)


MALFORMED_CANVAS = {
    "drawing is a string": {"drawing": "str"},
    "objects is a number": {"drawing": {"raw": {"objects": 5}, "data": None}},
    "raw is a string": {"drawing": {"raw": "x", "data": None}},
    "data is a number": {"drawing": {"raw": {"objects": []}, "data": 5}},
    "background fit is a number": {"backgroundFit": 5},
    "background fit without its keys": {"backgroundFit": {}},
    "not JSON at all": "{not json",
    "a list": [1, 2, 3],
    "the canvas bomb": {"drawing": {"raw": {"objects": [{}]}, "data": canvas_url(bomb_png(10_000))}},
    "a 560 px PNG": {"drawing": {"raw": {"objects": [{}]},
                                 "data": canvas_url(png(np.zeros((560, 560, 4), np.uint8)))}},
    "bad base64": {"drawing": {"raw": {"objects": [{}]}, "data": "data:image/png;base64,%%%"}},
}


@pytest.mark.parametrize("value", MALFORMED_CANVAS.values(), ids=MALFORMED_CANVAS.keys())
def test_a_canvas_value_of_the_wrong_shape_is_refused_and_the_next_drawing_is_read(app_test, seven, value):
    at = app_test("en", DRAW)
    at.session_state[CANVAS] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if isinstance(value, str):  # Streamlit's deserializer turns invalid JSON into the component's default
        assert at.session_state[keys.DRAW_CANVAS_CLEARS] in (0, 1)
    else:
        assert at.session_state[keys.DRAW_CANVAS_CLEARS] == 1, "the canvas was cleared"
        assert any("could not be read" in w.value for w in at.warning)
    assert not at.metric
    at.session_state[keys.draw_canvas(at.session_state[keys.DRAW_CANVAS_CLEARS])] = canvas_value(seven.image)
    at.run()
    assert not at.exception and metric_values(at) == [("Prediction", "7")], "the session still reads drawings"


def rendered_text(markdown: str) -> str:
    """What CommonMark shows for a Markdown text: the reference parser's HTML, checked for tags."""
    html = MarkdownIt("commonmark").render(markdown)
    assert html.startswith("<p>") and html.rstrip().endswith("</p>") and html.count("<") == 2, html
    return html.strip()[3:-4]


def test_an_upload_name_shows_as_written_and_a_huge_upload_says_its_true_size(app_test):
    at = app_test("en", DRAW)
    name = "![x](http://attacker.example/x.png) <img src=x> $x^2$ [a](b).png"
    at.file_uploader(key=keys.DRAW_UPLOAD).set_value((name, b"not a picture", "image/png")).run()
    assert not at.exception
    shown = at.error[0].value
    assert plain_text(name) in shown and "<img" not in rendered_text(shown).replace("&lt;img", "")
    at.file_uploader(key=keys.DRAW_UPLOAD).set_value(("big.png", huge_png_header(50_000, 40_000), "image/png")).run()
    assert not at.exception
    assert "50,000×40,000" in at.error[0].value and "2000 megapixels" in at.error[0].value


def test_a_file_name_the_uploader_does_not_take_costs_one_run_and_the_session_recovers(app_test, seven):
    """A crafted upload named "x.exe": Streamlit's own check refuses it before any page code runs (its on-change
    pass reads every widget), so no app code can catch it; the next run works and the drawing is still read."""
    at = app_test("en", DRAW)
    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    at.file_uploader(key=keys.DRAW_UPLOAD).set_value(("x.exe", b"MZ", "application/octet-stream")).run()
    at.run()
    assert not at.exception and metric_values(at) == [("Prediction", "7")]


def test_malformed_pooling_edits_are_dropped_and_the_matrix_still_works(app_test):
    at = app_test("en", "app_pages/pooling.py")
    for edits in ({"edited_rows": {"999": {"1": "5"}}}, {"edited_rows": {"0": {"99": "5"}}}, {"edited_rows": "x"},
                  {"added_rows": [{"1": "3"}] * 50}, "not json", {"edited_rows": {"0": {"1": ["a list"]}}}):
        at.session_state[keys.POOLING_EDITOR] = edits
        at.run()
        assert not at.exception, (edits, [e.value for e in at.exception])
        assert at.get("arrow_data_frame") or at.dataframe, "the matrix editor is still there"


def test_a_training_over_the_budget_cannot_start_and_says_what_to_shrink(app_test):
    heavy = (LayerSpec("Conv2D", filters=256, kernel_size=11, padding="same", uid=1),
             LayerSpec("Conv2D", filters=256, kernel_size=6, padding="same", uid=2),
             LayerSpec("MaxPooling2D", pool_size=8, uid=3), LayerSpec("Flatten", uid=4),
             LayerSpec("Dense", units=10, activation="softmax", uid=5))
    at = app_test("en", "app_pages/train.py")
    assert any("Work this training asks of the server" in c.value for c in at.caption)  # the chapter's: it fits
    assert not at.button(key=keys.TRAIN_START).disabled
    at.session_state[keys.MODEL_SPEC] = heavy
    at.run()
    assert not at.exception
    assert at.button(key=keys.TRAIN_START).disabled
    refusal = next(w.value for w in at.warning if "trillion operations" in w.value)
    assert "layer 2, Conv2D(256, 6x6" in refusal and "fewer filters" in refusal
    assert keys.TRAINING_JOB not in at.session_state, "no training was started"


def test_verify_with_keras_at_the_largest_url_settings_checks_a_crop(app_test):
    at = app_test("en")
    for param, value in {"conv_batch": "256", "conv_height": "512", "conv_width": "512", "conv_channels": "64",
                         "conv_filters": "64", "conv_kernel": "11", "conv_padding": "same"}.items():
        at.query_params[param] = value
    at.switch_page("app_pages/conv.py").run()
    assert not at.exception
    at.button(key=keys.CONV_VERIFY).click().run()
    assert not at.exception, [e.value for e in at.exception]
    message = at.success[-1].value
    assert "(256, 512, 512, 64)" in message and "1×32×32×64" in message


def test_korean_messages_for_a_refused_canvas(app_test):
    at = app_test("ko", DRAW)
    at.session_state[CANVAS] = {"drawing": "str"}
    at.run()
    assert not at.exception and any("캔버스" in w.value for w in at.warning)
