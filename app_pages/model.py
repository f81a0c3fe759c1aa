"""Model: the chapter's CNN as an editable layer stack with live shapes, parameters, summary and code."""

import streamlit as st

from cnnlab import architecture as arch
from cnnlab import codegen, notebook, shapes
from components import model_editor as editor
from components import page_checks, page_paths
from components import state_keys as keys
from components.i18n import t
from components.notebook_views import notebook_button
from components.pages import page_info
from components.ui import code_panel, page_header


def metrics_view(stack: tuple, analysis: arch.Analysis) -> None:
    params_col, output_col, layers_col, status_col = st.columns(4)
    complete = all(r.output_shape is not None for r in analysis.layers)
    params_col.metric(t("model.metric_params"), f"{analysis.total_params:,}" if complete else "—")
    output_col.metric(t("model.metric_output"), shapes.format_shape(analysis.output_shape))
    layers_col.metric(t("model.metric_layers"), len(stack))
    status_col.metric(t("model.metric_status"), t("model.status_ok") if analysis.ok else t("model.status_bad"))


def chapter_ui(stack: tuple) -> None:
    """Whether this is still the family's starting model (the chapter's CNN, the starting RNN), and the button
    that brings it back."""
    family = arch.family_of(stack)
    texts = {"cnn": ("model.is_chapter", "model.changed", "model.reset"),
             "rnn": ("rnn.is_start", "rnn.changed", "rnn.reset")}[family]
    with st.container(horizontal=True, vertical_alignment="center"):
        if stack == arch.starting_spec(family):
            st.success(t(texts[0]), icon=":material/menu_book:")
        else:
            st.info(t(texts[1]), icon=":material/edit:")
        st.button(t(texts[2]), icon=":material/restart_alt:", key=keys.MODEL_RESET, on_click=editor.reset_to_start)
    editor.direction_toggle(stack)


def editor_ui(stack: tuple, analysis: arch.Analysis) -> None:
    """The input, one row per layer (its settings, shape, parameters, problem), the "add layer" controls."""
    st.subheader(t("model.editor_heading"))
    st.caption(t("model.editor_caption"))
    if arch.family_of(stack) == "rnn":
        st.caption(t("rnn.editor_caption"))
    editor.input_row()
    for report in analysis.layers:
        editor.layer_row(report, len(stack))
    if analysis.model_issue is not None:
        st.error(editor.issue_message(analysis.model_issue), icon=":material/error:")
    editor.add_layer_controls(stack)


def train_link_view(analysis: arch.Analysis) -> None:
    """On to the Train page, or why this model cannot be trained."""
    blocker = editor.training_blocker(analysis)
    if blocker:
        st.warning(blocker, icon=":material/block:")
    else:
        train = page_info("train")
        st.page_link(train.path, label=t("model.train_link"), icon=train.icon)


def summary_and_code_view(stack: tuple, analysis: arch.Analysis) -> None:
    st.subheader(t("model.summary_heading"))
    if analysis.ok:
        st.caption(t("model.summary_caption"))
        st.code(editor.summary_for(stack), language=None)
    else:
        st.info(t("model.summary_invalid"), icon=":material/info:")
    st.subheader(t("model.code_heading"))
    code_panel(codegen.keras_code(stack), caption_key="model.code_caption")
    if analysis.ok:  # a stack Keras would refuse makes no notebook
        notebook_button("model", lambda lang: notebook.model(stack, lang))


page_header("model")
editor.family_picker(keys.MODEL_FAMILY)
model_stack = editor.current_spec()
model_analysis = arch.analyze(model_stack)
metrics_view(model_stack, model_analysis)
chapter_ui(model_stack)
editor_ui(model_stack, model_analysis)
train_link_view(model_analysis)
summary_and_code_view(model_stack, model_analysis)
page_checks.model(model_stack)
page_paths.model(model_stack)
