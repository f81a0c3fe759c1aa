"""The whole network on one screen: a digit → every layer's maps → the probabilities; one cell traced back."""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab import inspect_model, latex, network_trace
from components import network_view as view
from components import state_keys as keys
from components.active_model import active_model, describe
from components.i18n import t
from components.pages import page_info
from components.resources import mnist
from components.ui import page_header, show_chart

SOURCES = ("drawn", "test")


def input_controls() -> tuple[np.ndarray, str]:
    """The digit to follow (the last drawn one or a test digit) and a caption saying which it is."""
    drawn = st.session_state.get(keys.LAST_DRAWN_DIGIT)
    test = mnist()
    source_col, index_col = st.columns([1.3, 1], vertical_alignment="bottom")
    with source_col:
        if drawn is None and st.session_state.get("network_source") == "drawn":
            st.session_state["network_source"] = "test"
        source = st.segmented_control(t("network.source"), SOURCES, key="network_source", required=True,
                                      default="drawn" if drawn is not None else "test",
                                      format_func=lambda s: t(f"network.source_{s}"))
    if source == "drawn" and drawn is not None:
        return np.asarray(drawn, np.float32), t("network.input_drawn")
    with index_col:
        index = st.number_input(t("conv.digit_index", count=len(test.x_test) - 1), 0, len(test.x_test) - 1,
                                value=0, key="network_test_index")
    caption = t("network.input_test", index=index, label=int(test.y_test[index]))
    if drawn is None:
        caption += " " + t("network.no_drawing")
    return test.x_test[index].astype(np.float32) / 255.0, caption


def overview(image, layers, selection, trace) -> None:
    columns = view.overview_columns(image, layers, selection)
    view.show_clickable(view.overview_figure(columns, layers, selection, trace), key="network_overview")
    st.caption(t("network.overview_caption", shown=view.MAPS_SHOWN))


def trace_section(model, image, layers, selection, trace) -> None:
    st.caption(t("network.trace_lead"))
    layer = layers[selection.position]
    is_input = selection.position == 0
    previous = network_trace.previous_output(image, layers, selection.position)
    previous_name = t("network.col_input") if is_input else layers[selection.position - 1].kind
    map_col, previous_col = st.columns([1, 1.4 if not is_input and trace.kind == "Conv2D" else 1])
    with map_col:
        view.show_clickable(view.map_figure(layer, selection.position, selection), key="network_map_chart")
    with previous_col:
        title = t("network.window_in", layer=previous_name, rows=f"{trace.rows[0]}–{trace.rows[1]}",
                  cols=f"{trace.cols[0]}–{trace.cols[1]}")
        show_chart(view.previous_figure(previous, trace, is_input, title), key="network_previous")
    view.arithmetic_view(trace)


def softmax_section(model, layers) -> None:
    steps = network_trace.model_softmax(model, layers)
    if steps is None:
        return
    st.subheader(t("network.softmax_title"))
    st.caption(t("network.softmax_lead", inputs=layers[-2].shape[0], classes=len(steps.logits)))
    st.latex(latex.softmax_latex(steps))
    st.markdown(t("network.softmax_sum", total=latex.significant(steps.total, 4), digit=steps.predicted,
                  percent=latex.percent(steps.probabilities[steps.predicted], 2)))
    if steps.shift:
        st.caption(t("network.softmax_shift", shift=latex.decimals(steps.shift, 2)))
    st.table(view.softmax_table(steps))


# --- the page ----------------------------------------------------------------------------------

page_header("network")
active = active_model()
if active is None:
    st.error(describe(active), icon=":material/error:")
    st.stop()
image, input_caption = input_controls()
# ONE forward pass for every view: while this session's model trains, its weights change between calls.
layers = inspect_model.layer_outputs(active.model, image)
overview_slot = st.container()  # filled after the trace controls below, whose choice it highlights
st.subheader(t("network.trace_title"))
selection = view.trace_controls(layers)
trace = None if selection is None else network_trace.trace_cell(
    active.model, image, layers, selection.position, selection.channel, selection.row, selection.col)
with overview_slot:
    overview(image, layers, selection, trace)
    st.caption(f"{input_caption} {describe(active)}")
    draw = page_info("draw")
    st.page_link(draw.path, label=t("network.draw_link"), icon=draw.icon)
if trace is not None:
    trace_section(active.model, image, layers, selection, trace)
else:
    st.info(t("network.nothing_to_trace"), icon=":material/info:")
softmax_section(active.model, layers)
