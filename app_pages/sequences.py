"""Sequential data and RNNs (chapter 10, section 1): order matters, standard vs recurrent network,
a SimpleRNN cell step by step, and a next-value prediction experiment (Dense vs SimpleRNN vs LSTM).

TensorFlow is imported only when the user presses Train, so the page renders instantly.
"""

import logging

import numpy as np
import pandas as pd
import streamlit as st

from cnnlab import codegen, rnn_cells, sequence_data, sequence_experiment, trainer_pool, training
from components import presentation
from components import sequence_views as views
from components import state_keys as keys
from components.charts import PALETTE
from components.i18n import t
from components.session_life import session_alive_checker
from components.ui import code_panel, page_header, show_chart

logger = logging.getLogger("app_pages.sequences")  # a page runs as __main__: name it

page_header("sequences")

# ---------------------------------------------------------------------------------------
# 1. Sequential data, seen
# ---------------------------------------------------------------------------------------
st.subheader(t("sequences.s1_heading"))
st.markdown(t("sequences.s1_body"))
shuffled = st.toggle(t("sequences.shuffle"), key="sequences_shuffle", help=t("sequences.shuffle_help"),
                     persist_state="session")
state = "shuffled" if shuffled else "ordered"

stock = sequence_data.stock_walk(80, seed=3)
words = sequence_data.tokens(t("sequences.text_sentence"))
audio = sequence_data.audio_wave(240, seed=5)
stock_order = sequence_data.shuffle_order(len(stock), seed=1) if shuffled else np.arange(len(stock))
word_order = sequence_data.shuffle_order(len(words), seed=2) if shuffled else np.arange(len(words))
audio_order = sequence_data.shuffle_order(len(audio), seed=3) if shuffled else np.arange(len(audio))

stock_col, text_col, audio_col = st.columns(3)
with stock_col:
    show_chart(views.sequence_line(stock[stock_order], name=t("sequences.stock_y"), title=t("sequences.stock_title"),
                                   xaxis_title=t("sequences.stock_x"), yaxis_title=t("sequences.stock_y"),
                                   color=PALETTE[0], markers=True), key="sequences_stock")
    r = sequence_data.neighbour_correlation(stock[stock_order])
    st.caption(t(f"sequences.stock_{state}", r=f"{r:.2f}"), help=t("sequences.r_help"))
with text_col:
    show_chart(views.token_strip([words[i] for i in word_order], word_order, title=t("sequences.text_title"),
                                 xaxis_title=t("sequences.text_axis")), key="sequences_text")
    st.caption(t(f"sequences.text_{state}"))
with audio_col:
    show_chart(views.sequence_line(audio[audio_order], name=t("sequences.audio_y"), title=t("sequences.audio_title"),
                                   xaxis_title=t("sequences.audio_x"), yaxis_title=t("sequences.audio_y"),
                                   color=PALETTE[2]), key="sequences_audio")
    r = sequence_data.neighbour_correlation(audio[audio_order])
    st.caption(t(f"sequences.audio_{state}", r=f"{r:.2f}"), help=t("sequences.r_help"))
st.markdown(t("sequences.applications"))

# ---------------------------------------------------------------------------------------
# 2. Standard network vs recurrent network
# ---------------------------------------------------------------------------------------
st.subheader(t("sequences.s2_heading"))
st.markdown(t("sequences.s2_body"))
steps = st.slider(t("sequences.diagram_steps"), 3, 8, 4, key="sequences_diagram_steps", persist_state="session",
                  width=360)
ff_col, rnn_col = st.columns(2)
with ff_col:
    show_chart(views.feedforward_diagram(steps, title=t("sequences.ff_title"),
                                         window_label=t("sequences.ff_window", n=steps)), key="sequences_ff")
    st.caption(t("sequences.ff_caption", n=steps, w=steps * 3))
with rnn_col:
    show_chart(views.rnn_diagram(steps, title=t("sequences.rnn_title"), state_label=t("sequences.rnn_state")),
               key="sequences_rnn")
    st.caption(t("sequences.rnn_caption", n=steps))
with st.container(border=True):
    st.markdown(t("sequences.fukushima"))
    st.page_link("app_pages/conv.py", label=t("sequences.fukushima_link"), icon=":material/filter:")

# ---------------------------------------------------------------------------------------
# 3. A SimpleRNN cell, step by step
# ---------------------------------------------------------------------------------------
st.subheader(t("sequences.s3_heading"))
st.markdown(t("sequences.s3_body"))
c_input, c_memory, c_step = st.columns(3)
inputs_kind = c_input.segmented_control(t("sequences.step_input"), rnn_cells.STEP_INPUTS, default="pulse", required=True,
                                        format_func=lambda v: t(f"sequences.input_{v}"), key="sequences_step_input",
                                        persist_state="session")
memory = c_memory.slider(t("sequences.step_memory"), 0.0, 2.0, 1.0, 0.25, key="sequences_memory",
                         help=t("sequences.step_memory_help"), persist_state="session")
x_steps = rnn_cells.demo_inputs(inputs_kind)
step_t = c_step.slider(t("sequences.step_t"), 1, len(x_steps), 1, key="sequences_step_t", persist_state="session")

weights = rnn_cells.demo_weights(memory)
steps_done = rnn_cells.simple_rnn_steps(x_steps, weights)
states = rnn_cells.simple_rnn_states(x_steps, weights)
current = steps_done[step_t - 1]

for line in views.step_latex(current, weights.W, weights.U):
    st.latex(line)
st.caption(t("sequences.weights_caption"))

in_col, h_col = st.columns([2, 3])
with in_col:
    show_chart(views.input_steps(x_steps, step_t, title=t("sequences.input_title"),
                                 xaxis_title=t("sequences.time_axis")), key="sequences_inputs")
with h_col:
    show_chart(views.hidden_state_heatmap(states, step_t, title=t("sequences.hidden_title"),
                                          xaxis_title=t("sequences.time_axis"),
                                          row_labels=[t("sequences.unit", j=j + 1) for j in range(weights.units)]),
               key="sequences_hidden")
if memory == 0:
    st.info(t("sequences.no_memory_note"), icon=":material/link_off:")
elif inputs_kind == "pulse":
    st.info(t("sequences.pulse_note"), icon=":material/memory:")
st.caption(t("sequences.keras_note"))
with st.expander(t("sequences.code_expander"), icon=":material/code:"):
    code_panel(codegen.step_code(x_steps, weights))

# ---------------------------------------------------------------------------------------
# 4. Experiment: next-value prediction
# ---------------------------------------------------------------------------------------
st.subheader(t("sequences.s4_heading"))
st.markdown(t("sequences.s4_body"))
c_series, c_lstm = st.columns([2, 1], vertical_alignment="bottom")
kind = c_series.segmented_control(t("sequences.series"), sequence_data.SERIES_KINDS, default=sequence_experiment.DEFAULT_SERIES,
                                  required=True, format_func=lambda v: t(f"sequences.series_{v}"), key="sequences_series",
                                  persist_state="session")
with_lstm = c_lstm.toggle(t("sequences.lstm"), key="sequences_lstm", persist_state="session")
c_window, c_units, c_epochs = st.columns(3)
window = c_window.slider(t("sequences.window"), 2, 60, sequence_experiment.DEFAULT_WINDOW, key="sequences_window",
                         bind="query-params", persist_state="session")
units = c_units.slider(t("sequences.units"), 2, 64, sequence_experiment.DEFAULT_UNITS, key="sequences_units", bind="query-params",
                       persist_state="session")
epochs = c_epochs.slider(t("sequences.epochs"), 1, 100, sequence_experiment.DEFAULT_EPOCHS, key="sequences_epochs",
                         bind="query-params", persist_state="session")
kinds = ("dense", "rnn", "lstm") if with_lstm else ("dense", "rnn")

data = sequence_data.prepare_data(kind, window)
show_chart(views.window_preview(data.series, window, data.split, start=40, title=t("sequences.preview_title"),
                                names={"series": t("sequences.name_series"), "test": t("sequences.name_test"),
                                       "window": t("sequences.name_window"), "target": t("sequences.name_target"),
                                       "xaxis": t("sequences.time_axis")}), key="sequences_preview")

st.markdown(f"**{t('sequences.summary_heading')}**")
for column, model_kind in zip(presentation.card_columns(len(kinds)), kinds, strict=True):
    with column.container(border=True):
        st.markdown(f"**{t(f'sequences.model_{model_kind}')}**")
        st.markdown(t("sequences.summary_input", shape=sequence_experiment.input_shape(model_kind, window)))
        rows = sequence_experiment.model_layers(model_kind, window, units)
        st.dataframe(pd.DataFrame({t("sequences.col_layer"): [r.name for r in rows],
                                   t("sequences.col_output"): [str(r.output_shape) for r in rows],
                                   t("sequences.col_params"): [f"{r.params:,}" for r in rows]}),
                     hide_index=True, width="stretch")
        st.markdown(t("sequences.summary_total", n=sum(r.params for r in rows)))
st.caption(t("sequences.summary_note", window=window, units=units, first=(window + 1) * units))


def settings_text(kind: str, window: int, units: int, epochs: int) -> str:
    return t("sequences.settings", series=t(f"sequences.series_{kind}"), window=window, units=units, epochs=epochs)


train = st.button(t("sequences.train_button"), type="primary", icon=":material/play_arrow:", key="sequences_train")
status = st.empty()
loss_col, pred_col = st.columns(2)
loss_slot = loss_col.empty()
pred_slot = pred_col.empty()

if train:
    live: dict[str, list[float]] = {t(f"sequences.model_{k}"): [] for k in kinds}

    def on_epoch(model_kind: str, epoch: int, loss: float) -> None:
        """Called in this script's thread as the worker reports each epoch: redraw the loss chart."""
        name = t(f"sequences.model_{model_kind}")
        live[name].append(loss)
        status.caption(t("sequences.training", model=name, epoch=epoch, epochs=epochs))
        with loss_slot:
            show_chart(views.loss_figure(live, epochs, title=t("sequences.loss_title"), xaxis_title=t("sequences.loss_x"),
                                         yaxis_title=t("sequences.loss_y")), key=f"sequences_live_{model_kind}_{epoch}")

    def on_wait(position: int) -> None:
        """In line for the server's training slots (shared with the Train page): say where."""
        status.warning(t("sequences.queued", position=position, capacity=training.shared_slots().capacity),
                       icon=":material/hourglass_top:")

    alive = session_alive_checker()  # a tab closed while it waits in line, or trains, ends the experiment
    gone = None if alive is None else lambda: not alive()
    try:
        with training.training_slot(on_wait=on_wait, cancelled=gone):
            status.caption(t("sequences.preparing"))
            # in a worker process (cnnlab.trainer_worker): the class's pages keep the server's lock
            result = trainer_pool.sequences_experiment(data, kinds, units=units, epochs=epochs,
                                                       on_epoch=on_epoch, cancelled=gone)
        if result is None:
            logger.info("sequences experiment: its session ended while it trained")
        else:
            st.session_state[keys.SEQUENCES_RESULT] = result
    except training.SlotCancelled:  # nobody is left to show the experiment to
        logger.info("sequences experiment: its session ended while it waited for a training slot")
    except Exception as exc:  # noqa: BLE001 - shown to the user instead of a traceback
        logger.exception("sequences experiment failed")
        st.error(t("sequences.train_failed", reason=str(exc)[:300]), icon=":material/error:")

result = st.session_state.get(keys.SEQUENCES_RESULT)
if result is None:
    status.info(t("sequences.train_hint"), icon=":material/model_training:")
else:
    if result.settings() != (kind, window, units, epochs, kinds):
        status.warning(t("sequences.stale", settings=settings_text(result.kind, result.window, result.units,
                                                                   result.epochs)), icon=":material/history:")
    else:
        status.success(t("sequences.done", seconds=f"{result.seconds:.1f}"), icon=":material/check_circle:")
    names = {k: t(f"sequences.model_{k}") for k in result.models}
    with loss_slot:
        show_chart(views.loss_figure({names[k]: m.losses for k, m in result.models.items()}, result.epochs,
                                     title=t("sequences.loss_title"), xaxis_title=t("sequences.loss_x"),
                                     yaxis_title=t("sequences.loss_y")), key="sequences_loss")
    result_series = sequence_data.prepare_data(result.kind, result.window).series
    with pred_slot:
        show_chart(views.predictions_figure(result.truth, len(result_series) - len(result.truth),
                                            {names[k]: m.predictions for k, m in result.models.items()},
                                            truth_name=t("sequences.truth"), title=t("sequences.pred_title"),
                                            xaxis_title=t("sequences.time_axis")), key="sequences_predictions")
    st.markdown(f"**{t('sequences.errors_heading')}**")
    metric_cols = st.columns(len(result.models) + 1)
    for column, (k, m) in zip(metric_cols, result.models.items(), strict=False):
        column.metric(names[k], f"MSE {m.mse:.4f}", f"MAE {m.mae:.4f}", delta_color="off", delta_arrow="off",
                      border=True, chart_data=m.losses, chart_type="line")
    metric_cols[-1].metric(t("sequences.naive"), f"MSE {result.naive_mse:.4f}", f"MAE {result.naive_mae:.4f}",
                           delta_color="off", delta_arrow="off", border=True)
    mse_col, mae_col = t("sequences.col_mse"), t("sequences.col_mae")
    st.dataframe(pd.DataFrame({
        t("sequences.col_model"): [names[k] for k in result.models] + [t("sequences.naive")],
        t("sequences.col_params"): [f"{m.params:,}" for m in result.models.values()] + ["0"],
        mse_col: [m.mse for m in result.models.values()] + [result.naive_mse],
        mae_col: [m.mae for m in result.models.values()] + [result.naive_mae],
        t("sequences.col_seconds"): [f"{m.seconds:.2f}" for m in result.models.values()] + ["—"],
    }), hide_index=True, width="stretch", column_config={mse_col: st.column_config.NumberColumn(format="%.4f"),
                                                          mae_col: st.column_config.NumberColumn(format="%.4f")})
    st.caption(t("sequences.errors_note"))
    ratio = sequence_experiment.error_ratio(result)
    if ratio is not None:
        st.markdown(t("sequences.rnn_wins" if ratio >= 1 else "sequences.dense_wins",
                      ratio=f"{max(ratio, 1 / ratio):.1f}"))
    if result.kind == "random_walk":
        st.info(t("sequences.random_walk_note"), icon=":material/casino:")
    elif result.kind == "changing_wave":
        st.info(t("sequences.changing_wave_note", every=sequence_data.CHANGE_EVERY), icon=":material/memory:")

with st.expander(t("sequences.code_expander"), icon=":material/code:"):
    code_panel(codegen.experiment_code(sequence_experiment.ExperimentSettings(kind, window, units, epochs, kinds)))
