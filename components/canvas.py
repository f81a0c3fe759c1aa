"""A thin wrapper over streamlit-drawable-canvas: a digit canvas, white ink on black.

`streamlit_drawable_canvas` registers a Streamlit component when imported, which
fails outside a running Streamlit app — so it is imported inside `digit_canvas`
only, and this module itself is free to import anywhere (tests, benchmarks).

Clearing: the canvas's toolbar has undo/redo; "Clear" remounts the canvas by
changing its key (a counter in session state is part of the key), which is the
one reliable way to empty a component from Python.

A small companion component (canvas_tuning.js) gives the canvas's toolbar its own
row above the drawing area (the component floats it, invisible, over the top
strip, where a stroke would start on the toolbar instead of the canvas) and sends
each stroke at mouse-up instead of after the component's debounce. It reaches into
the canvas's DOM: when that no longer applies, it reports it and this module logs
an error (tests/browser/test_canvas.py checks both).

The canvas's value comes from the browser: anything can arrive there. Before the canvas is drawn, its
value is checked (`canvas_value_problem`: the shape streamlit-drawable-canvas 0.13 reads, and a PNG data
URL of a canvas-sized drawing, cnnlab.limits); a value that fails is refused: logged, the canvas
cleared (a new key: the value is dropped with the old one) and the student told to draw again.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from cnnlab import preprocess
from cnnlab.limits import CANVAS_SIDE
from components import state_keys as keys
from components.i18n import t

CANVAS_SIZE = CANVAS_SIDE  # px, 10x the model's 28x28 input
INK = "#FFFFFF"
PAPER = "#000000"
TUNING_JS = Path(__file__).with_name("canvas_tuning.js")
TUNING_FRAMES = 600  # animation frames the tuning waits for its canvas to mount before it reports a failure

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CanvasDrawing:
    """What the canvas sent back: its PNG (None before the first stroke) and its stroke count."""

    png: bytes | None  # the canvas as PNG bytes: also what tells two drawings apart
    strokes: int

    @property
    def is_blank(self) -> bool:
        """Nothing sent yet (whether pixels hold a digit is preprocessing's call, not the stroke count's)."""
        return self.image is None

    @functools.cached_property
    def image(self) -> np.ndarray | None:
        """The RGBA pixels, (280, 280, 4) uint8; None before the first stroke or for a PNG that is not a canvas's."""
        if self.png is None:
            return None
        try:
            return preprocess.canvas_pixels(self.png)
        except preprocess.CanvasRefused:  # checked before the canvas was drawn: only a test's own value gets here
            return None


def canvas_value_problem(value) -> str | None:
    """What is wrong with a canvas value from the browser (None: nothing, or no value yet).

    The component's state is {"drawing": {"raw": Fabric's JSON, "data": a PNG data URL}, "backgroundFit": ...}:
    streamlit-drawable-canvas reads those keys without checking them (a wrong type raises inside st_canvas,
    on every rerun while the value stays). We draw no background image, so "backgroundFit" stays None.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        return f"a {type(value).__name__}, not the component's state"
    if value.get("backgroundFit") is not None:
        return "a background fit for a canvas without a background image"
    drawing = value.get("drawing")
    if drawing is None:
        return None
    if not isinstance(drawing, Mapping):
        return f"a drawing that is a {type(drawing).__name__}"
    raw = drawing.get("raw")
    if raw is not None and not (isinstance(raw, Mapping) and isinstance(raw.get("objects", []), list)):
        return "Fabric's JSON without a list of objects"
    data = drawing.get("data")
    if data is None:
        return None
    try:
        preprocess.canvas_pixels(preprocess.data_url_bytes(data))
    except preprocess.CanvasRefused as refused:
        return str(refused)
    return None


def canvas_key() -> str:
    """The canvas's current widget key (it changes on every Clear)."""
    return keys.draw_canvas(st.session_state.get(keys.DRAW_CANVAS_CLEARS, 0))


def clear_canvas() -> None:
    """on_click for the Clear button: a new key mounts a fresh, empty canvas."""
    st.session_state[keys.DRAW_CANVAS_CLEARS] = st.session_state.get(keys.DRAW_CANVAS_CLEARS, 0) + 1


@functools.cache
def _tuning_component():
    """The companion component, registered once (identical re-registrations are no-ops anyway)."""
    return st.components.v2.component("cnnlab.canvas_tuning", js=TUNING_JS.read_text(encoding="utf-8"),
                                      isolate_styles=False)


def tune_canvas(canvas: str, *, key: str, frames: int = TUNING_FRAMES) -> None:
    """Mount the tuning for the canvas with widget key `canvas`; log an error when it reports a failure."""
    result = _tuning_component()(data={"key": canvas, "frames": frames}, key=key, width="content", height="content",
                                 on_failed_change=_ignore)
    problem = result.get("failed")
    if problem:
        logger.error("the digit canvas' tuning did not apply (%r): its toolbar may cover the canvas's top strip and "
                     "strokes reach the app only after its debounce; check streamlit-drawable-canvas's DOM against "
                     "components/canvas_tuning.js and the pin in requirements.txt", problem)


def _ignore() -> None:
    """A trigger's callback: the component's result is read where it is mounted."""


def digit_canvas(*, stroke_width: int, size: int = CANVAS_SIZE) -> CanvasDrawing:
    """Draw the canvas; the drawing reaches Python on every mouse-up (prediction on every stroke).

    A value the canvas could not have sent is refused first (canvas_value_problem): the canvas is cleared.
    """
    from streamlit_drawable_canvas import st_canvas

    problem = canvas_value_problem(st.session_state.get(canvas_key()))
    if problem is not None:
        logger.warning("canvas value refused, the canvas is cleared: %s", problem)
        clear_canvas()
    result = st_canvas(
        stroke_width=int(stroke_width),
        stroke_color=INK,
        background_color=PAPER,
        height=size,
        width=size,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key=canvas_key(),
    )
    tune_canvas(canvas_key(), key=keys.DRAW_CANVAS_TUNING)
    if problem is not None:
        st.warning(t("limits.canvas_refused", side=CANVAS_SIZE), icon=":material/block:")
    objects = (result.json_data or {}).get("objects") or []  # checked above: a list, or nothing
    return CanvasDrawing(png=result.image_bytes, strokes=len(objects))
