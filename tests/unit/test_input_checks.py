"""The checks on what a browser sends, on arbitrary values (Hypothesis): they never raise, and what they
let through is what the libraries and the pages read without raising."""

from __future__ import annotations

import base64
import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from cnnlab import matrix_input, preprocess
from components.canvas import CanvasDrawing, canvas_value_problem
from components.ui import plain_text
from tests.unit.test_preprocess import huge_png_header, png_bytes

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10)
pngs = st.one_of(
    st.builds(huge_png_header, st.integers(1, 100_000), st.integers(1, 100_000)),
    st.sampled_from([png_bytes(np.zeros((280, 280, 4), np.uint8)), png_bytes(np.zeros((280, 280, 3), np.uint8)),
                     png_bytes(np.zeros((28, 28), np.uint8))]),
    st.binary(max_size=300),
)
data_urls = st.one_of(
    st.text(max_size=40),
    pngs.map(lambda b: "data:image/png;base64," + base64.b64encode(b).decode()),
    st.text(max_size=40).map(lambda s: "data:image/png;base64," + s),
)
drawings = st.one_of(json_values, st.fixed_dictionaries(
    {"raw": st.one_of(json_values, st.fixed_dictionaries({"objects": json_values})), "data": data_urls}))
canvas_values = st.one_of(json_values, st.fixed_dictionaries({"drawing": drawings},
                                                              optional={"backgroundFit": json_values}))


def read_as_the_library_does(value):
    """What streamlit-drawable-canvas 0.13's st_canvas, its CanvasResult.image_bytes and our wrapper read from an
    accepted value (the library registers its component when imported, so it cannot be imported here; the
    AppTest fuzz in tests/apptest/test_fuzz.py runs the real one)."""
    default = {"raw": {"objects": []}, "data": None}
    drawing = value.get("drawing") if value is not None else None
    drawing = drawing or default
    assert (value or {}).get("backgroundFit") is None  # st_canvas indexes a non-None one by its six keys
    raw, url = drawing.get("raw"), drawing.get("data")
    png = None if url is None else base64.b64decode(url.split(";base64,", 1)[1])
    objects = (raw or {}).get("objects") or []
    return CanvasDrawing(png=png, strokes=len(objects)).image


@FAST
@given(canvas_values)
def test_an_accepted_canvas_value_is_read_without_raising(value):
    if canvas_value_problem(value) is None:
        image = read_as_the_library_does(value)
        assert image is None or image.shape == (280, 280, 4)


@FAST
@given(st.one_of(json_values, st.fixed_dictionaries({"edited_rows": st.dictionaries(
    st.one_of(st.text(max_size=3), st.integers(-3, 5).map(str)),
    st.one_of(json_values, st.dictionaries(st.integers(-1, 5).map(str), json_values, max_size=3)), max_size=3)},
    optional={"added_rows": json_values, "deleted_rows": json_values})), st.integers(1, 4), st.integers(1, 4))
def test_accepted_pooling_edits_apply_to_the_matrix_without_raising(edits, rows, cols):
    if matrix_input.edits_problem(edits, rows, cols) is None:
        cells = [["0"] * cols for _ in range(rows)]
        for r, changes in ((edits or {}).get("edited_rows") or {}).items():
            for c, value in changes.items():
                cells[int(r)][int(c) - 1] = value  # as components.pooling_views applies them
        matrix_input.parse_matrix(cells)


@FAST
@given(st.binary(max_size=400) | pngs)
def test_upload_bytes_are_read_or_refused_with_a_reason(data):
    try:
        pixels = preprocess.decode_image_bytes(data)
    except (preprocess.UnreadableImage, preprocess.ImageTooLarge):
        return
    assert pixels.ndim == 3 and pixels.shape[2] == 4


@FAST
@given(st.text(max_size=200))
def test_a_shown_name_renders_as_plain_text_in_commonmark(name):
    html = MarkdownIt("commonmark").render(f"Reading “{plain_text(name)}” now")
    assert html.count("<") == 2, html  # <p> and </p>: no link, image, emphasis or code
    cleaned = "".join(" " if ch < " " or ch == "\x7f" else ch for ch in name)
    shown = cleaned if len(cleaned) <= 80 else cleaned[:79] + "…"
    expected = shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    spaces = re.compile(r"[ \t\n]+")  # CommonMark folds and trims these; every other character stays as written
    assert spaces.sub(" ", html[3:-5]).strip() == spaces.sub(" ", f"Reading “{expected}” now").strip()
