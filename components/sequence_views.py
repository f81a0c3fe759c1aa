"""The sequences page's figures and views: sequential data, network diagrams, the RNN step-through, the experiment.

Every figure goes through components.charts.styled(); text on figures comes in as arguments. The views
at the end draw the page's sections with st.* and translate their text; the page's `*_ui` functions
collect the widgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cnnlab import codegen, latex, notebook, rnn_cells, sequence_data, training
from cnnlab import sequence_experiment as experiment
from cnnlab.limits import TRAINING_BUDGET_FLOPS
from components import chart_texts, limits_views, presentation
from components import state_keys as keys
from components.charts import ACCENT, PALETTE, SIGNED_SCALE, cell_text_layers, line_chart, styled
from components.i18n import current_language, t
from components.notebook_views import notebook_button
from components.pages import page_info
from components.training_views import live_panel, start_job
from components.ui import code_panel, show_chart

INK = "#31333f"
GREY = "#9aa0a6"
PREVIEW_START = 40  # the example window of the experiment's preview starts here (inside the training part)


def _legend_below(fig: go.Figure) -> go.Figure:
    """Several long (translated) legend entries: below the plot, so they never run into the title."""
    fig.update_layout(legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom", x=0, xanchor="left"),
                      margin=dict(b=75))
    return fig


# --------------------------------------------------------------------------------------
# Sequential data, seen
# --------------------------------------------------------------------------------------

def sequence_line(values: np.ndarray, *, name: str, xaxis_title: str, yaxis_title: str, title: str,
                  color: str = PALETTE[0], height: int = 260, markers: bool = False) -> go.Figure:
    """One sequence drawn in its (possibly shuffled) order."""
    fig = line_chart({name: (np.arange(len(values)), values)}, height=height, title=title,
                     xaxis_title=xaxis_title, yaxis_title=yaxis_title)
    fig.update_traces(line_color=color, mode="lines+markers" if markers else "lines", marker_size=4,
                      showlegend=False)
    return fig


def token_strip(words: Sequence[str], original_positions: Sequence[int], *, title: str,
                xaxis_title: str, height: int = 260) -> go.Figure:
    """Tokens in reading order, one per row, coloured by their place in the original sentence.

    In order the colours run smoothly from light to dark; shuffled, the gradient breaks up.
    """
    n = len(words)
    z = np.asarray(original_positions, dtype=float).reshape(n, 1)
    zmax = max(n - 1, 1)
    texts = np.asarray(words, dtype=object).reshape(n, 1)
    fig = go.Figure(go.Heatmap(
        z=z, x=[0], y=list(range(n)), colorscale="Blues", zmin=-2, zmax=zmax, showscale=False, text=texts,
        xgap=2, ygap=3, hovertemplate="%{text}<extra></extra>"))
    # The words in black or white, whichever reads at WCAG AA on their cell's blue.
    fig.add_traces(cell_text_layers(texts, z, "Blues", -2, zmax, [0], list(range(n)), size=15))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=list(range(n)),
                     ticktext=[f"t={i + 1}" for i in range(n)], showgrid=False, zeroline=False,
                     title=xaxis_title)
    return styled(fig, height=height, title=title)


# --------------------------------------------------------------------------------------
# Standard network vs recurrent network
# --------------------------------------------------------------------------------------

def _node(fig: go.Figure, x: float, y: float, text: str, *, color: str, shape: str = "rect", size: float = 0.32,
          fill: str = "white") -> None:
    kind = "circle" if shape == "circle" else "rect"
    fig.add_shape(type=kind, x0=x - size, x1=x + size, y0=y - size, y1=y + size, line=dict(color=color, width=2),
                  fillcolor=fill, layer="above")
    fig.add_annotation(x=x, y=y, text=text, showarrow=False, font=dict(size=14, color=INK))


def _arrow(fig: go.Figure, x0: float, y0: float, x1: float, y1: float, *, color: str = GREY, width: float = 1.5,
           text: str = "") -> None:
    fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                       arrowhead=2, arrowsize=1, arrowwidth=width, arrowcolor=color, text="")
    if text:
        vertical = abs(x1 - x0) < abs(y1 - y0)
        fig.add_annotation(x=(x0 + x1) / 2, y=(y0 + y1) / 2, text=text, showarrow=False,
                           xanchor="left" if vertical else "center", xshift=6 if vertical else 0,
                           yshift=0 if vertical else 12, font=dict(size=14, color=color))


def _diagram_frame(fig: go.Figure, x_range: tuple[float, float], title: str, height: int) -> go.Figure:
    fig.update_xaxes(visible=False, range=list(x_range), fixedrange=True)
    fig.update_yaxes(visible=False, range=[-1.0, 3.3], fixedrange=True)
    return styled(fig, height=height, title=title)


def _step_label(i: int, n: int) -> str:
    offset = n - 1 - i
    return "x<sub>t</sub>" if offset == 0 else f"x<sub>t-{offset}</sub>"


def feedforward_diagram(window: int, *, title: str, window_label: str, hidden: int = 3,
                        height: int = 340) -> go.Figure:
    """A standard network: one fixed window of inputs, every input wired to every hidden unit, one output."""
    fig = go.Figure()
    xs = np.arange(window, dtype=float)
    centre = (window - 1) / 2
    hidden_xs = centre + (np.arange(hidden) - (hidden - 1) / 2) * 1.1
    for x in xs:
        for hx in hidden_xs:
            fig.add_shape(type="line", x0=x, y0=0.32, x1=hx, y1=1.3 - 0.3, line=dict(color=GREY, width=1))
    for hx in hidden_xs:
        fig.add_shape(type="line", x0=hx, y0=1.6, x1=centre, y1=2.6 - 0.3, line=dict(color=GREY, width=1))
    for i, x in enumerate(xs):
        _node(fig, x, 0.0, _step_label(i, window), color=PALETTE[0])
    for hx in hidden_xs:
        _node(fig, hx, 1.3, "", color=PALETTE[2], shape="circle", size=0.28)
    _node(fig, centre, 2.6, "ŷ<sub>t+1</sub>", color=ACCENT, shape="circle", size=0.32)
    fig.add_shape(type="path", path=f"M -0.35,-0.5 L -0.35,-0.65 L {window - 0.65},-0.65 L {window - 0.65},-0.5",
                  line=dict(color=PALETTE[0], width=2))
    fig.add_annotation(x=centre, y=-0.85, text=window_label, showarrow=False, font=dict(size=13, color=PALETTE[0]))
    return _diagram_frame(fig, (-0.8, window - 0.2), title, height)


def rnn_diagram(steps: int, *, title: str, state_label: str, height: int = 340) -> go.Figure:
    """A recurrent network unrolled over time: one cell (the same W, U, b) per step, h carried to the right."""
    fig = go.Figure()
    gap = 1.5
    xs = np.arange(steps, dtype=float) * gap + 1.2
    _node(fig, 0.0, 1.3, "h<sub>0</sub>", color=GREY, size=0.3)
    previous = 0.0
    for i, x in enumerate(xs):
        t = i + 1
        _arrow(fig, x, 0.33, x, 1.3 - 0.36, color=PALETTE[0], text="W" if i == 0 else "")
        _arrow(fig, previous + 0.33, 1.3, x - 0.37, 1.3, color=ACCENT, width=2.5, text="U" if i == 0 else "")
        _node(fig, x, 0.0, f"x<sub>{t}</sub>", color=PALETTE[0])
        _node(fig, x, 1.3, f"h<sub>{t}</sub>", color=ACCENT, size=0.36, fill="#fdebe6")
        previous = x
    last = xs[-1]
    _arrow(fig, last, 1.3 + 0.37, last, 2.6 - 0.34, color=PALETTE[2])
    _node(fig, last, 2.6, f"ŷ<sub>{steps + 1}</sub>", color=ACCENT, shape="circle", size=0.32)
    fig.add_annotation(x=(xs[0] + xs[-1]) / 2 - 0.4, y=2.05, text=state_label, showarrow=False,
                       font=dict(size=13, color=ACCENT))
    return _diagram_frame(fig, (-0.6, last + 0.8), title, height)


# --------------------------------------------------------------------------------------
# SimpleRNN step-through
# --------------------------------------------------------------------------------------

def input_steps(x: np.ndarray, current: int, *, title: str, xaxis_title: str, height: int = 220) -> go.Figure:
    """The input sequence as bars, the current step (1-based) in the accent colour, future steps faded."""
    values = np.asarray(x, dtype=float).reshape(len(x), -1)[:, 0]
    colors = [ACCENT if i + 1 == current else (PALETTE[0] if i + 1 < current else "#c9d4ea")
              for i in range(len(values))]
    fig = go.Figure(go.Bar(x=[f"x<sub>{i + 1}</sub>" for i in range(len(values))], y=values, marker_color=colors,
                           texttemplate="%{y:.2f}", textposition="outside", cliponaxis=False,
                           hovertemplate="%{x}: %{y:.2f}<extra></extra>"))
    lim = max(1.0, float(np.max(np.abs(values)))) * 1.35
    fig.update_yaxes(range=[-lim, lim], zeroline=True, zerolinecolor=GREY)
    fig.update_xaxes(type="category", title=xaxis_title)
    return styled(fig, height=height, title=title)


def hidden_state_heatmap(states: np.ndarray, current: int, *, title: str, xaxis_title: str,
                         row_labels: Sequence[str], height: int = 240) -> go.Figure:
    """Hidden states (T, units) as units × steps; only columns 1..current are filled, one more per step."""
    T, units = states.shape
    z = np.full((units, T), np.nan)
    z[:, :current] = states[:current].T
    text = np.where(np.isnan(z), "", np.vectorize(lambda v: f"{v:.2f}")(np.nan_to_num(z)))
    columns = [f"h<sub>{i + 1}</sub>" for i in range(T)]
    fig = go.Figure(go.Heatmap(
        z=z, x=columns, y=list(row_labels), colorscale=SIGNED_SCALE, zmin=-1, zmax=1, showscale=True,
        colorbar=dict(thickness=12, len=0.9), xgap=2, ygap=2, hovertemplate="%{x}, %{y}: %{z:.3f}<extra></extra>"))
    # The numbers in black or white, whichever reads at WCAG AA on their cell's colour.
    fig.add_traces(cell_text_layers(text, z, SIGNED_SCALE, -1, 1, columns, list(row_labels), width=5, size=14))
    fig.update_xaxes(type="category", title=xaxis_title, showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.add_shape(type="rect", xref="x", yref="paper", x0=current - 1.5, x1=current - 0.5, y0=0, y1=1,
                  line=dict(color=ACCENT, width=3))
    return styled(fig, height=height, title=title)


# --------------------------------------------------------------------------------------
# Experiment
# --------------------------------------------------------------------------------------

def window_preview(series: np.ndarray, window: int, split: int, *, start: int, names: dict[str, str],
                   title: str, height: int = 300) -> go.Figure:
    """The whole series, the held-out part shaded, and one example window with the value it must predict."""
    x = np.arange(len(series))
    fig = go.Figure(go.Scatter(x=x, y=series, mode="lines", name=names["series"],
                               line=dict(color=PALETTE[0], width=1.5)))
    fig.add_vrect(x0=split - 0.5, x1=len(series) - 0.5, fillcolor=GREY, opacity=0.15, line_width=0,
                  annotation_text=names["test"], annotation_position="top left")
    win = slice(start, start + window)
    fig.add_trace(go.Scatter(x=x[win], y=series[win], mode="lines+markers", name=names["window"],
                             line=dict(color=PALETTE[3], width=4), marker=dict(size=6)))
    fig.add_trace(go.Scatter(x=[start + window], y=[series[start + window]], mode="markers", name=names["target"],
                             marker=dict(color=ACCENT, size=13, symbol="star")))
    fig.update_xaxes(title=names["xaxis"])
    return _legend_below(styled(fig, height=height, title=title))


def predictions_figure(truth: np.ndarray, start: int, predictions: dict[str, np.ndarray], *, truth_name: str,
                       title: str, xaxis_title: str, height: int = 340) -> go.Figure:
    """Held-out truth and each model's one-step-ahead predictions."""
    x = np.arange(start, start + len(truth))
    fig = go.Figure(go.Scatter(x=x, y=truth, mode="lines+markers", name=truth_name,
                               line=dict(color=INK, width=2), marker=dict(size=4)))
    for (name, pred), color in zip(predictions.items(), PALETTE, strict=False):
        fig.add_trace(go.Scatter(x=x, y=pred, mode="lines", name=name, line=dict(color=color, width=2, dash="dash")))
    fig.update_xaxes(title=xaxis_title)
    return _legend_below(styled(fig, height=height, title=title))


def loss_figure(losses: dict[str, list[float]], epochs: int, *, title: str, xaxis_title: str, yaxis_title: str,
                height: int = 300) -> go.Figure:
    """Training loss per epoch for each model; the x axis already spans all epochs so curves grow into it."""
    fig = line_chart({name: (np.arange(1, len(v) + 1), v) for name, v in losses.items()}, height=height,
                     title=title, xaxis_title=xaxis_title, yaxis_title=yaxis_title)
    fig.update_traces(mode="lines+markers", marker_size=5)
    fig.update_xaxes(range=[0.5, epochs + 0.5])
    ticks = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]
    fig.update_yaxes(type="log", tickvals=ticks, ticktext=[f"{v:g}" for v in ticks])
    return _legend_below(fig)


# --------------------------------------------------------------------------------------
# The page's views
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepSettings:
    """The step-through's controls: which input sequence, how strong the memory (U's scale), which step t."""

    inputs: str = "pulse"
    memory: float = 1.0
    t: int = 1


def section_heading(number: int) -> None:
    st.subheader(t(f"sequences.s{number}_heading"))
    st.markdown(t(f"sequences.s{number}_body"))


def _order(n: int, seed: int, shuffled: bool) -> np.ndarray:
    return sequence_data.shuffle_order(n, seed=seed) if shuffled else np.arange(n)


def _correlation_caption(key: str, values: np.ndarray) -> None:
    r = sequence_data.neighbour_correlation(values)
    st.caption(t(key, r=f"{r:.2f}"), help=t("sequences.r_help"))


def sequential_data_view(shuffled: bool) -> None:
    """A stock price, a sentence and a sound, in their order or shuffled: order carries information."""
    state = "shuffled" if shuffled else "ordered"
    stock = sequence_data.stock_walk(80, seed=3)
    words = sequence_data.tokens(t("sequences.text_sentence"))
    audio = sequence_data.audio_wave(240, seed=5)
    stock, audio = stock[_order(len(stock), 1, shuffled)], audio[_order(len(audio), 3, shuffled)]
    word_order = _order(len(words), 2, shuffled)
    shown_words = [words[i] for i in word_order]
    stock_col, text_col, audio_col = st.columns(3)
    with stock_col:
        show_chart(sequence_line(stock, name=t("sequences.stock_y"), title=t("sequences.stock_title"),
                                 xaxis_title=t("sequences.stock_x"), yaxis_title=t("sequences.stock_y"),
                                 color=PALETTE[0], markers=True), key=keys.SEQUENCES_STOCK_CHART,
                   alt=chart_texts.series(stock))
        _correlation_caption(f"sequences.stock_{state}", stock)
    with text_col:
        show_chart(token_strip(shown_words, word_order, title=t("sequences.text_title"),
                               xaxis_title=t("sequences.text_axis")), key=keys.SEQUENCES_TEXT_CHART,
                   alt=chart_texts.words(shown_words, list(word_order)))
        st.caption(t(f"sequences.text_{state}"))
    with audio_col:
        show_chart(sequence_line(audio, name=t("sequences.audio_y"), title=t("sequences.audio_title"),
                                 xaxis_title=t("sequences.audio_x"), yaxis_title=t("sequences.audio_y"),
                                 color=PALETTE[2]), key=keys.SEQUENCES_AUDIO_CHART,
                   alt=chart_texts.series(audio))
        _correlation_caption(f"sequences.audio_{state}", audio)
    st.markdown(t("sequences.applications"))


def networks_view(steps: int) -> None:
    """A standard network over a fixed window beside a recurrent one unrolled over `steps`."""
    ff_col, rnn_col = st.columns(2)
    with ff_col:
        show_chart(feedforward_diagram(steps, title=t("sequences.ff_title"),
                                       window_label=t("sequences.ff_window", n=steps)),
                   key=keys.SEQUENCES_FEEDFORWARD_CHART, alt=chart_texts.feedforward(steps))
        st.caption(t("sequences.ff_caption", n=steps, w=steps * 3))
    with rnn_col:
        show_chart(rnn_diagram(steps, title=t("sequences.rnn_title"), state_label=t("sequences.rnn_state")),
                   key=keys.SEQUENCES_RNN_CHART, alt=chart_texts.unrolled(steps))
        st.caption(t("sequences.rnn_caption", n=steps))
    with st.container(border=True):
        st.markdown(t("sequences.fukushima"))
        conv = page_info("conv")
        st.page_link(conv.path, label=t("sequences.fukushima_link"), icon=conv.icon)


def step_through_view(step: StepSettings) -> None:
    """Step t of the SimpleRNN cell on the chosen input: the formula with its numbers, the states so far, code."""
    x = rnn_cells.demo_inputs(step.inputs)
    weights = rnn_cells.demo_weights(step.memory)
    current = rnn_cells.simple_rnn_steps(x, weights)[step.t - 1]
    for line in latex.rnn_step_latex(current, weights.W, weights.U):
        st.latex(line)
    st.caption(t("sequences.weights_caption"))
    in_col, h_col = st.columns([2, 3])
    states = rnn_cells.simple_rnn_states(x, weights)
    with in_col:
        show_chart(input_steps(x, step.t, title=t("sequences.input_title"), xaxis_title=t("sequences.time_axis")),
                   key=keys.SEQUENCES_INPUTS_CHART, alt=chart_texts.rnn_inputs(x, step.t))
    with h_col:
        show_chart(hidden_state_heatmap(states, step.t,
                                        title=t("sequences.hidden_title"), xaxis_title=t("sequences.time_axis"),
                                        row_labels=[t("sequences.unit", j=j + 1) for j in range(weights.units)]),
                   key=keys.SEQUENCES_HIDDEN_CHART, alt=chart_texts.hidden_state(states, step.t))
    if step.memory == 0:
        st.info(t("sequences.no_memory_note"), icon=":material/link_off:")
    elif step.inputs == "pulse":
        st.info(t("sequences.pulse_note"), icon=":material/memory:")
    st.caption(t("sequences.keras_note"))
    with st.expander(t("sequences.code_expander"), icon=":material/code:"):
        code_panel(codegen.step_code(x, weights, lang=current_language()))


def experiment_summary_view(settings: experiment.ExperimentSettings) -> None:
    """The series with one window and its target, and each model's layers and parameters."""
    data = settings.data()
    show_chart(window_preview(data.series, settings.window, data.split, start=PREVIEW_START, title=t("sequences.preview_title"),
                              names={"series": t("sequences.name_series"), "test": t("sequences.name_test"),
                                     "window": t("sequences.name_window"), "target": t("sequences.name_target"),
                                     "xaxis": t("sequences.time_axis")}), key=keys.SEQUENCES_PREVIEW_CHART,
               alt=chart_texts.window_target(data.series, settings.window, PREVIEW_START, data.split))
    st.markdown(f"**{t('sequences.summary_heading')}**")
    for column, kind in zip(presentation.card_columns(len(settings.kinds)), settings.kinds, strict=True):
        with column.container(border=True):
            st.markdown(f"**{t(f'sequences.model_{kind}')}**")
            st.markdown(t("sequences.summary_input", shape=experiment.input_shape(kind, settings.window)))
            rows = experiment.model_layers(kind, settings.window, settings.units)
            st.dataframe(pd.DataFrame({t("sequences.col_layer"): [r.name for r in rows],
                                       t("sequences.col_output"): [str(r.output_shape) for r in rows],
                                       t("sequences.col_params"): [f"{r.params:,}" for r in rows]}),
                         hide_index=True, width="stretch")
            st.markdown(t("sequences.summary_total", n=sum(r.params for r in rows)))
    st.caption(t("sequences.summary_note", window=settings.window, units=settings.units,
                 first=(settings.window + 1) * settings.units))
    st.caption(limits_views.cost_note(experiment.experiment_cost(settings), TRAINING_BUDGET_FLOPS))


def experiment_code_view(settings: experiment.ExperimentSettings) -> None:
    with st.expander(t("sequences.code_expander"), icon=":material/code:"):
        code_panel(codegen.experiment_code(settings, lang=current_language()))
    notebook_button("sequences", lambda lang: notebook.sequences(settings, lang))


# ---------------------------------------------------------------- the experiment's job and results

def start_experiment(settings: experiment.ExperimentSettings) -> None:
    """Train the experiment's models in the background, for this session (in line with every training)."""
    start_job(keys.SEQUENCES_JOB, lambda owner_alive: training.SequencesJob(settings, owner_alive=owner_alive))


def experiment_view(settings: experiment.ExperimentSettings) -> None:
    """The session's experiment: live while it trains with these settings, else the latest results.

    A running experiment whose settings are no longer the page's is stopped: nobody asked for its numbers.
    """
    job = st.session_state.get(keys.SEQUENCES_JOB)
    if job is not None and job.active and job.settings != settings:
        job.stop()
    if job is not None and job.active and not job.stop_requested:
        live_panel(keys.SEQUENCES_JOB, experiment_live)
        return
    if job is not None and job.result is not None:
        st.session_state[keys.SEQUENCES_RESULT] = job.result
    if job is not None and job.state == training.FAILED and job.settings == settings:
        st.error(limits_views.failure_text(job), icon=":material/error:")
    if job is not None and job.time_limited and job.settings == settings:
        st.warning(limits_views.time_limited_text(job), icon=":material/timer_off:")
    result = st.session_state.get(keys.SEQUENCES_RESULT)
    if result is None:
        st.info(t("sequences.train_hint"), icon=":material/model_training:")
    else:
        experiment_results(result, settings)


def _model_name(kind: str) -> str:
    return t(f"sequences.model_{kind}")


def _loss_chart(losses: dict[str, list[float]], epochs: int, key: str) -> None:
    named = {_model_name(k): v for k, v in losses.items()}
    show_chart(loss_figure(named, epochs, title=t("sequences.loss_title"), xaxis_title=t("sequences.loss_x"),
                           yaxis_title=t("sequences.loss_y")), key=key, alt=chart_texts.losses(named) or None)


def experiment_live(job: training.SequencesJob) -> None:
    """Where the experiment is (in line, building, which model and epoch) and each model's loss so far."""
    progress = job.progress()
    if progress.queue_position is not None:
        st.warning(t("sequences.queued", position=progress.queue_position,
                     capacity=training.shared_slots().capacity), icon=":material/hourglass_top:")
    elif progress.model is None:
        st.caption(t("sequences.preparing"))
    else:
        st.caption(t("sequences.training", model=_model_name(progress.model), epoch=progress.epoch,
                     epochs=progress.epochs))
    loss_col, _ = st.columns(2)
    if progress.model is not None:
        with loss_col:
            _loss_chart(progress.losses, progress.epochs, key=keys.SEQUENCES_LIVE_LOSS_CHART)


def settings_text(kind: str, window: int, units: int, epochs: int) -> str:
    return t("sequences.settings", series=t(f"sequences.series_{kind}"), window=window, units=units, epochs=epochs)


def experiment_results(result: experiment.ExperimentResult, settings: experiment.ExperimentSettings) -> None:
    """The finished experiment: whether it is the current settings', each model's loss and predictions, errors."""
    if not settings.made(result):
        st.warning(t("sequences.stale", settings=settings_text(result.kind, result.window, result.units,
                                                               result.epochs)), icon=":material/history:")
    else:
        st.success(t("sequences.done", seconds=f"{result.seconds:.1f}"), icon=":material/check_circle:")
    names = {k: _model_name(k) for k in result.models}
    loss_col, pred_col = st.columns(2)
    with loss_col:
        _loss_chart({k: m.losses for k, m in result.models.items()}, result.epochs, key=keys.SEQUENCES_LOSS_CHART)
    start = len(sequence_data.prepare_data(result.kind, result.window).series) - len(result.truth)
    predictions = {names[k]: m.predictions for k, m in result.models.items()}
    with pred_col:
        show_chart(predictions_figure(result.truth, start, predictions, truth_name=t("sequences.truth"),
                                      title=t("sequences.pred_title"), xaxis_title=t("sequences.time_axis")),
                   key=keys.SEQUENCES_PREDICTIONS_CHART,
                   alt=chart_texts.last_prediction(result.truth, start, predictions))
    experiment_errors(result, names)


def experiment_errors(result: experiment.ExperimentResult, names: dict[str, str]) -> None:
    """Each model's test errors beside the naive guess, as metrics and a table, and who won."""
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
    ratio = experiment.error_ratio(result)
    if ratio is not None:
        st.markdown(t("sequences.rnn_wins" if ratio >= 1 else "sequences.dense_wins",
                      ratio=f"{max(ratio, 1 / ratio):.1f}"))
    if result.kind == "random_walk":
        st.info(t("sequences.random_walk_note"), icon=":material/casino:")
    elif result.kind == "changing_wave":
        st.info(t("sequences.changing_wave_note", every=sequence_data.CHANGE_EVERY), icon=":material/memory:")
