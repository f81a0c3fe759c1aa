"""Draw a digit: the canvas (or an upload) -> MNIST-style 28×28 -> the active model, layer by layer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cnnlab import inspect_model, preprocess
from cnnlab.limits import UPLOAD_MAX_MB
from components import chart_texts, class_views, page_checks, page_paths, rnn_reader_views, saved_drawings
from components import state_keys as keys
from components.active_model import active_model, describe
from components.canvas import CANVAS_SIZE, CanvasDrawing, clear_canvas, digit_canvas
from components.charts import bar_chart, heatmap, tiled_maps
from components.i18n import t
from components.ood_views import caution_view
from components.pages import page_info
from components.ui import page_header, plain_text, show_chart
from components.widget_texts import file_uploader

CANVAS_COLUMN_PX = CANVAS_SIZE + 20  # the canvas, and room for its outline
RESULTS_COLUMN_PX = 440  # beside the canvas from ~800 px of page width (presentation mode at 1280×720, 150%)
ROW_GAP = "4rem"  # Streamlit's gap="large" between the two
# The one-line reading under the canvas shows only while the row is too narrow for the results beside the
# canvas (they wrap below it, past a phone's first screen); a container query on the row decides, so the page
# needs no screen width from the browser.
QUICK_READING_CSS = f"""
.st-key-{keys.DRAW_ROW} {{ container-type: inline-size; }}
@container (min-width: calc({CANVAS_COLUMN_PX + RESULTS_COLUMN_PX}px + {ROW_GAP})) {{
  .st-key-{keys.DRAW_QUICK_READING} {{ display: none; }} }}
.st-key-{keys.DRAW_QUICK_READING} p {{ font-size: 1.35rem; margin: 0; }}
"""
MAX_MAPS = 64  # feature maps drawn per layer (the chapter's model has at most 64)


@st.cache_data(max_entries=4, show_spinner=False)
def decode_upload(data: bytes) -> np.ndarray:
    """Uploaded bytes -> RGBA (cached: the same file is decoded once, not on every rerun)."""
    return preprocess.decode_image_bytes(data)


def read_upload(uploaded) -> preprocess.Preprocessed | None:
    """The uploaded digit's preprocessing, or None after showing a clear message for bad input."""
    name = plain_text(uploaded.name)  # the browser names the file: shown as written, never as Markdown
    try:
        return preprocess.preprocess_steps(decode_upload(uploaded.getvalue()))
    except preprocess.ImageTooLarge as exc:
        st.error(t("draw.err_too_large", name=name, width=f"{exc.width:,}", height=f"{exc.height:,}",
                   megapixels=f"{exc.megapixels:.0f}", limit=f"{exc.limit / 1e6:.0f}"), icon=":material/error:")
    except preprocess.UnreadableImage:
        st.error(t("draw.err_unreadable", name=name), icon=":material/error:")
    except preprocess.EmptyDrawing:
        st.warning(t("draw.err_upload_empty", name=name), icon=":material/warning:")
    return None


def model_status_view(active) -> None:
    if active is None:
        st.error(describe(active), icon=":material/error:")
    else:
        st.caption(describe(active))


def prediction_view(probs: np.ndarray, image: np.ndarray) -> None:
    verdict = preprocess.probabilities_verdict(probs)
    left, right = st.columns([1, 1], vertical_alignment="center")
    with left:
        st.metric(t("draw.prediction"), str(verdict["digit"]))
        st.caption(t("draw.confidence", percent=f"{verdict['p']:.0%}"))
    with right:
        show_chart(heatmap(image, zmin=0, zmax=1, height=170, title=t("draw.model_sees")), key=keys.DRAW_INPUT_CHART,
                   alt=None)  # a picture of the input: its numbers are the next charts'
    if verdict["reason"] == "low":
        st.warning(t("draw.unsure_low", digit=verdict["digit"], percent=f"{verdict['p']:.0%}"),
                   icon=":material/help:")
    elif verdict["reason"] == "close":
        st.warning(t("draw.unsure_close", digit=verdict["digit"], percent=f"{verdict['p']:.0%}",
                     second=verdict["second"], second_percent=f"{verdict['p_second']:.0%}"), icon=":material/help:")
    fig = bar_chart([str(d) for d in range(10)], probs, highlight=verdict["digit"], height=230,
                    title=t("draw.probabilities"), value_range=(0, 1.18), tick_format=".0%")
    show_chart(fig, key=keys.DRAW_PROBABILITIES_CHART, alt=chart_texts.probabilities(probs))


def steps_view(steps: preprocess.Preprocessed) -> None:
    st.caption(t("draw.steps_intro"))
    h, w = steps.ink.shape
    ch, cw = steps.cropped.shape
    sh, sw = steps.scaled.shape
    views = [
        (preprocess.preview(steps.ink), t("draw.step_ink", width=w, height=h)),
        (preprocess.preview(steps.cropped), t("draw.step_crop", width=cw, height=ch)),
        (steps.scaled, t("draw.step_scale", width=sw, height=sh)),
        (steps.image, t("draw.step_center")),
    ]
    for index, (column, (values, title)) in enumerate(zip(st.columns(4), views, strict=True)):
        with column:
            st.caption(title)
            show_chart(heatmap(values, zmin=0, zmax=1, height=170), key=keys.draw_step_chart(index),
                       alt=None)  # a picture; its caption above states the step's size


def layer_view(layer: inspect_model.LayerOutput, is_last: bool) -> None:
    shape = inspect_model.shape_text(layer.shape)
    if layer.is_spatial:
        height, width, count = layer.shape
        caption = {"Conv2D": "draw.layer_conv" if layer.activation == "relu" else "draw.layer_conv_other",
                   "MaxPooling2D": "draw.layer_pool"}.get(layer.kind, "draw.layer_spatial")
        st.caption(t(caption, count=count, height=height, width=width, kind=layer.kind,
                     activation=layer.activation))
        maps = layer.feature_maps(MAX_MAPS)
        columns = 16 if len(maps) > 16 else 8
        show_chart(tiled_maps(maps, columns), key=keys.draw_maps_chart(layer.index),
                   alt=chart_texts.feature_maps(layer.output))
        note = ("draw.maps_shown", {"shown": len(maps), "count": count}) if len(maps) < count else ("draw.maps_order", {})
        st.caption(t(note[0], **note[1]))
    elif layer.kind == "Flatten":
        st.caption(t("draw.layer_flatten", shape=shape, count=layer.shape[0]))
    elif layer.kind == "Dense" and layer.is_vector:
        count = layer.shape[0]
        st.caption(t("draw.layer_output" if is_last else "draw.layer_dense", count=count))
        fig = bar_chart([str(i) for i in range(count)], layer.output, highlight=int(np.argmax(layer.output)),
                        height=240, value_format=".2f", yaxis_title=t("draw.activation"), xaxis_title=t("draw.unit"),
                        show_values=count <= 16)
        show_chart(fig, key=keys.draw_dense_chart(layer.index),
                   alt=chart_texts.probabilities(layer.output) if is_last else chart_texts.units(layer.output))
    else:
        st.caption(t("draw.layer_other", kind=layer.kind, shape=shape))


def inside_view(layers: list[inspect_model.LayerOutput] | None) -> None:
    st.subheader(t("draw.inside_title"))
    if layers is None:
        st.caption(t("draw.inside_waiting"))
        return
    st.caption(t("draw.inside_lead"))
    network = page_info("network")
    st.page_link(network.path, label=t("draw.network_link"), icon=network.icon)
    labels = [t("draw.layer_tab", index=i + 1, kind=layer.kind, shape=inspect_model.shape_text(layer.shape))
              for i, layer in enumerate(layers)]
    # Lazy tabs: only the open tab builds its figure (a grid of up to 64 maps is the page's heaviest).
    for tab, layer in zip(st.tabs(labels, key=keys.DRAW_LAYER_TAB, on_change="rerun"), layers, strict=True):
        if tab.open is not False:
            with tab:
                layer_view(layer, is_last=layer is layers[-1])


@dataclass(frozen=True)
class Reading:
    """The digit the page reads (from the canvas or an upload) and what the model made of it."""

    steps: preprocess.Preprocessed | None  # None: nothing to read
    layers: list[inspect_model.LayerOutput] | None  # every layer's output, the last one the probabilities
    message: str | None = None  # an i18n key when the drawing is too little to read


def read_digit(drawing: CanvasDrawing, upload: preprocess.Preprocessed | None, active) -> Reading:
    """Preprocess and run the model, or reuse the last result when neither the drawing nor the model changed.

    Reruns that change no drawing (the steps toggle, a layer tab, the stroke width) then cost nothing here.
    A model that is still training is read afresh every time: its weights change between reruns.
    """
    model = None if active is None else active.model
    training = active is not None and active.trained is not None and not active.trained.finished
    source = upload if upload is not None else drawing.png
    last = st.session_state.get(keys.DRAW_READING)  # (source, model, reading)
    same_source = last is not None and (last[0] is source or isinstance(source, bytes) and last[0] == source)
    if same_source and last[1] is model and not training:
        return last[2]
    steps, message = upload, None
    if steps is None and not drawing.is_blank:
        try:
            steps = preprocess.preprocess_steps(drawing.image)
        except preprocess.EmptyDrawing as empty:
            message = "draw.too_little" if empty.pixels > 0 else None
    # ONE forward pass gives both the probabilities (the last layer's output) and every layer's maps: while
    # this session's model is training, its weights change between two separate calls.
    layers = None if steps is None or model is None else inspect_model.layer_outputs(model, steps.image)
    reading = Reading(steps, layers, message)
    st.session_state[keys.DRAW_READING] = (source, model, reading)
    return reading


def canvas_ui() -> tuple[CanvasDrawing, preprocess.Preprocessed | None, DeltaGenerator]:
    """Stroke width, Clear, the canvas and the upload: the drawing, the uploaded digit if any, and the place
    right under the canvas for the one-line reading."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        stroke = st.slider(t("draw.stroke_width"), 4, 40, 18, key=keys.DRAW_STROKE_WIDTH, persist_state="session")
        st.button(t("draw.clear"), key=keys.DRAW_CLEAR, icon=":material/delete:", on_click=clear_canvas)
    drawing = digit_canvas(stroke_width=stroke)
    quick = st.container(key=keys.DRAW_QUICK_READING)
    st.caption(t("draw.canvas_help"))
    with st.expander(t("draw.upload_title"), icon=":material/upload:"):
        uploaded = file_uploader(t("draw.upload_label"), types=["png", "jpg", "jpeg"], key=keys.DRAW_UPLOAD,
                                 max_upload_size=UPLOAD_MAX_MB)
        upload_steps = read_upload(uploaded) if uploaded is not None else None
        if upload_steps is not None:
            st.info(t("draw.using_upload", name=plain_text(uploaded.name)), icon=":material/image:")
    return drawing, upload_steps, quick


def quick_reading(area: DeltaGenerator, reading: Reading, cautioned: bool) -> None:
    """The prediction in one line under the canvas, for a phone: the full results are below the fold there.
    cautioned: the results say the drawing does not look like one digit; so does this line."""
    if reading.layers is None:
        return
    verdict = preprocess.probabilities_verdict(reading.layers[-1].output)
    key = "draw.quick_caution" if cautioned else "draw.quick_reading"
    area.markdown(t(key, digit=verdict["digit"], percent=f"{verdict['p']:.0%}"))


def results_view(reading: Reading, active, png: bytes | None, member) -> bool:
    """Which model reads, then the prediction first (the heavier pictures of the network come after); True when
    the drawing got the not-one-digit caution instead of a prediction."""
    # Beside the canvas, not above it: nothing above the canvas may change height between reruns.
    class_views.model_offer(member)
    model_status_view(active)
    if reading.layers is None:
        if reading.message:
            st.warning(t(reading.message), icon=":material/gesture:")
        else:
            st.info(t("draw.invite"), icon=":material/draw:")
        saved_drawings.saved_drawings_ui(None, None, 0)
        return False
    st.session_state[keys.LAST_DRAWN_DIGIT] = reading.steps.image
    probs = reading.layers[-1].output
    cautioned = caution_view(reading.layers, reading.steps.image, active)
    if not cautioned:  # not one digit: no confident digit
        prediction_view(probs, reading.steps.image)
    # a drawing on the canvas can be saved (an upload is the learner's own file already)
    saved_drawings.saved_drawings_ui(png, reading.steps.image, int(np.argmax(probs)), member)
    st.caption(t("draw.saved_for_conv"))
    if st.toggle(t("draw.show_steps"), key=keys.DRAW_SHOW_STEPS, persist_state="session"):
        steps_view(reading.steps)
    return cautioned


@st.fragment
def draw_and_read() -> None:
    """The whole drawing area: a stroke reruns only this, not the app's frame and the page's header."""
    # Fixed widths: side by side when both fit, the results below the canvas when they do not (shares of the
    # page's width would cut the canvas and its Clear button at projector size).
    st.html(f"<style>{QUICK_READING_CSS}</style>")
    row = st.container(horizontal=True, gap="large", key=keys.DRAW_ROW)
    left, right = row.container(width=CANVAS_COLUMN_PX), row.container(width=RESULTS_COLUMN_PX)
    with left:
        drawing, upload_steps, quick = canvas_ui()
    member = class_views.membership()
    active = active_model()
    reading = read_digit(drawing, upload_steps, active)
    with right:
        cautioned = results_view(reading, active, drawing.png if upload_steps is None else None, member)
    quick_reading(quick, reading, cautioned)
    st.divider()
    rnn_reader_views.reader_section(reading.steps, reading.layers, active)
    if active is not None:
        inside_view(reading.layers)
    page_checks.draw(active, reading.layers, CANVAS_SIZE)
    page_paths.draw(reading.layers)


# --- the page ----------------------------------------------------------------------------------

page_header("draw")
draw_and_read()
