"""The whole network on one screen: a digit → every layer's maps → the probabilities; one cell traced back."""

from __future__ import annotations

import streamlit as st

from cnnlab import inspect_model, network_trace
from components import network_view as view
from components import page_checks, page_paths, rnn_reader_views
from components import state_keys as keys
from components.active_model import active_model, describe
from components.digit_picker import PickedDigit, pick_digit
from components.i18n import t
from components.pages import page_info
from components.ui import page_header


def digit_caption(digit: PickedDigit) -> str:
    """Which digit the page follows (and, while nothing is drawn yet, how to follow one's own)."""
    if digit.drawn:
        return t("network.input_drawn")
    caption = t("network.input_test", index=digit.index, label=digit.label)
    if st.session_state.get(keys.LAST_DRAWN_DIGIT) is None:
        caption += " " + t("network.no_drawing")
    return caption


def trace_ui(layers) -> view.Selection | None:
    """The traced cell's controls under their heading (None when no layer can be traced)."""
    st.subheader(t("network.trace_title"))
    return view.trace_controls(layers)


def network_page() -> None:
    page_header("network")
    active = rnn_reader_views.cnn_for_network(active_model())
    if active is None:
        st.error(describe(active), icon=":material/error:")
        page_paths.network(None, None)
        return
    digit = pick_digit(keys.NETWORK_DIGIT, side_by_side=True)
    # ONE forward pass for every view: while this session's model trains, its weights change between calls.
    layers = inspect_model.layer_outputs(active.model, digit.image)
    overview_slot = st.container()  # filled after the trace controls below, whose choice it highlights
    selection = trace_ui(layers)
    trace = None if selection is None else network_trace.trace_cell(
        active.model, digit.image, layers, selection.position, selection.channel, selection.row, selection.col)
    with overview_slot:
        view.overview_view(digit.image, layers, selection, trace, f"{digit_caption(digit)} {describe(active)}")
        draw = page_info("draw")
        st.page_link(draw.path, label=t("network.draw_link"), icon=draw.icon)
    if trace is not None:
        view.trace_view(digit.image, layers, selection, trace)
    else:
        st.info(t("network.nothing_to_trace"), icon=":material/info:")
    view.softmax_view(active.model, layers)
    rnn_reader_views.network_note()
    page_checks.network(active.model, layers, selection)
    page_paths.network(layers, None if selection is None else selection.position)


network_page()
