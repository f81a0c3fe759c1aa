"""Draw's "watch the RNN read": a recurrent model reads the drawn digit row by row, beside the CNN.

The page makes ONE call, `reader_section`. The RNN is the session's own trained recurrent model when there
is one, else the shipped one (assets/mnist_rnn.keras). Its reading (cnnlab.rnn_reader: one probe call gives
every row's hidden state and answer) is kept in the session while neither the drawing nor the model
changes. The watch figure steps through the rows in the browser (plotly frames: its Play button and slider
cost the server nothing); the worked step below has its own row slider, in a fragment of its own.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from cnnlab import architecture as arch
from cnnlab import codegen, images, latex, models, rnn_cells, rnn_reader
from components import chart_texts, charts, family_comparison_views
from components import state_keys as keys
from components.active_model import ActiveModel, trained_model
from components.i18n import t
from components.pages import page_info
from components.resources import pretrained_model, pretrained_rnn_model
from components.ui import show_chart

SHOWN_UNITS = 8  # rows of the worked step's table: the units this row moved most
WATCH_HEIGHT = 600
FUTURE_FILL = "rgba(16,20,36,0.78)"  # over the rows not read yet
GREY_LINE = "#b9c0cc"


# ------------------------------------------------------------------ which models read

def reader_model():
    """(the recurrent model, the session's TrainedModel when it is the learner's own, else None)."""
    own = trained_model()
    if own is not None and own.origin.get("family") == "rnn":
        return own.model, own
    return pretrained_rnn_model(), None


def cnn_probabilities(image: np.ndarray, page_probs: np.ndarray | None, active) -> tuple[np.ndarray | None, bool]:
    """The CNN's answer to compare with, and whether it is the page's own model (else the shipped CNN).

    The page's model is the CNN unless the learner's active model is their recurrent one."""
    own = None if active is None else active.trained
    if page_probs is not None and (own is None or own.origin.get("family") != "rnn"):
        return np.asarray(page_probs), True
    shipped = pretrained_model()
    if shipped is None:
        return None, False
    return models.predict_proba(shipped, images.one_image_batch(image))[0], False


def cached_reading(image: np.ndarray, model, own) -> rnn_reader.RowReading | None:
    """The model's reading of this image, reused while neither changes (a model in training is read afresh)."""
    training = own is not None and not own.finished
    last = st.session_state.get(keys.RNN_READING)  # (image, model, reading)
    if last is not None and last[0] is image and last[1] is model and not training:
        return last[2]
    reading = rnn_reader.read_rows(model, image)
    st.session_state[keys.RNN_READING] = (image, model, reading)
    return reading


# ------------------------------------------------------------------ the section

def reader_section(steps, layers, active) -> None:
    """Everything about the RNN reading the digit the page read: its preprocessing `steps` (None: nothing to
    read) and, when the page's model read it, that model's `layers` (the last one its probabilities)."""
    image = None if steps is None else steps.image
    page_probs = layers[-1].output if layers else None
    with st.container(key=keys.RNN_SECTION):
        st.subheader(t("rnn.section_title"))
        model, own = reader_model()
        if model is None:
            st.info(t("rnn.no_model"), icon=":material/info:")
            return
        st.caption(t("rnn.section_lead"))
        if image is None:
            st.caption(t("rnn.waiting"))
            return
        reading = cached_reading(image, model, own)
        if reading is None:
            st.warning(t("rnn.not_recurrent"), icon=":material/warning:")
            return
        cnn_probs, page_cnn = cnn_probabilities(image, page_probs, active)
        answers_view(reading, cnn_probs, own, page_cnn)
        # The play-through and the worked step are built only while their expander is open (and the comparison
        # likewise): a class drawing at once pays for the answers above, not for pictures nobody opened.
        watch = st.expander(t("rnn.watch_expander"), icon=":material/play_circle:", key=keys.RNN_WATCH_PANEL,
                            on_change="rerun")
        if watch.open:
            with watch:
                show_chart(watch_figure(reading, image, None if cnn_probs is None else int(np.argmax(cnn_probs))),
                           key=keys.RNN_WATCH_CHART,
                           alt=chart_texts.rnn_rows(reading.per_row, reading.probabilities, reading.decided_at))
                st.caption(t(f"rnn.watch_caption_{reading.reader.direction}", steps=reading.steps,
                             units=reading.hidden.shape[1]))
                step_view(model, reading)
        compare = st.expander(t("rnn.compare_expander"), icon=":material/compare_arrows:", key=keys.RNN_COMPARE_PANEL,
                              on_change="rerun")
        if compare.open:
            with compare:
                family_comparison_views.comparison_view(keys.RNN_COMPARE_CHART)


def _model_note(reading: rnn_reader.RowReading, own) -> str:
    if own is None:
        info = models.pretrained_info("rnn") or {}
        return t("rnn.model_shipped", layers=codegen.stack_text(arch.rnn_spec()),  # its architecture (a test checks)
                 params=f"{info.get('params', 0):,}", accuracy=latex.percent(info.get("test_accuracy", 0.0), 1))
    key = "rnn.model_own_training" if not own.finished else "rnn.model_own"
    return t(key, kind=reading.reader.kind, params=f"{own.origin.get('params', 0):,}", epochs=own.epochs_done)


def answers_view(reading: rnn_reader.RowReading, cnn_probs: np.ndarray | None, own, page_cnn: bool) -> None:
    """The two answers side by side, where the RNN made up its mind, and which models these are."""
    rnn_digit = reading.digit
    cnn_col, rnn_col, decided_col = st.columns(3)
    if cnn_probs is not None:
        cnn_digit = int(np.argmax(cnn_probs))
        cnn_col.metric(t("rnn.cnn_answer"), str(cnn_digit), latex.percent(float(cnn_probs[cnn_digit]), 0),
                       delta_color="off", delta_arrow="off", help=t("rnn.cnn_answer_help"))
    rnn_col.metric(t("rnn.rnn_answer"), str(rnn_digit), latex.percent(float(reading.probabilities[rnn_digit]), 0),
                   delta_color="off", delta_arrow="off", help=t("rnn.rnn_answer_help", steps=reading.steps))
    decided = reading.decided_at
    if decided is not None:
        decided_col.metric(t("rnn.decided"), t("rnn.decided_value", row=decided, steps=reading.steps),
                           help=t("rnn.decided_help"))
    st.caption(f"{_model_note(reading, own)} " + t("rnn.cnn_is_page" if page_cnn else "rnn.cnn_is_shipped"))
    if cnn_probs is not None and int(np.argmax(cnn_probs)) != rnn_digit:
        st.info(t("rnn.disagree", cnn=int(np.argmax(cnn_probs)), rnn=rnn_digit), icon=":material/call_split:")


# ------------------------------------------------------------------ the watch figure

@charts.skeleton_cache(maxsize=16)
def watch_skeleton(steps: int, units: int, titles: tuple[str, ...], play: tuple[str, str, str],
                   height: int) -> go.Figure:
    """Image (rows as they are read) | answer after the row / every digit over the rows / hidden state."""
    fig = make_subplots(rows=3, cols=2, specs=[[{"rowspan": 3}, {}], [None, {}], [None, {}]], column_widths=[0.36, 0.64],
                        row_heights=[0.3, 0.32, 0.38], horizontal_spacing=0.06, vertical_spacing=0.11,
                        subplot_titles=titles)
    fig.add_trace(go.Heatmap(z=((0.0,),), colorscale=charts.IMAGE_SCALE, zmin=0, zmax=1, showscale=False,
                             hovertemplate=charts.CELL_HOVER), row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines", fill="toself", fillcolor=FUTURE_FILL, line=dict(width=0),
                             hoverinfo="skip", showlegend=False), row=1, col=1)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(color=charts.ACCENT, width=3), hoverinfo="skip",
                             showlegend=False), row=1, col=1)
    fig.add_trace(go.Bar(x=[str(d) for d in range(10)], y=[0.0] * 10, texttemplate="%{text}", textposition="outside",
                         cliponaxis=False, hovertemplate="%{x}: %{y:.1%}<extra></extra>", showlegend=False), row=1, col=2)
    for colour, width, dash in ((GREY_LINE, 1.5, None), (charts.ACCENT, 3, None), (charts.PALETTE[0], 2.5, "dot")):
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(color=colour, width=width, dash=dash),
                                 hovertemplate="%{customdata}: %{y:.1%}<extra></extra>", connectgaps=False,
                                 showlegend=False), row=2, col=2)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(color=charts.ACCENT, width=2), hoverinfo="skip",
                             showlegend=False), row=2, col=2)
    fig.add_trace(go.Heatmap(z=((0.0,),), colorscale=charts.SIGNED_SCALE, zmin=-1, zmax=1, showscale=False,
                             hovertemplate="h<sub>%{x}</sub>[%{y}] = %{z:.3f}<extra></extra>"), row=3, col=2)
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(color=charts.ACCENT, width=3), hoverinfo="skip",
                             showlegend=False), row=3, col=2)
    _watch_axes(fig, steps, units)
    _play_controls(fig, steps, play)
    return charts.styled(fig, height=height, margin_top=40)


def _watch_axes(fig: go.Figure, steps: int, units: int) -> None:
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain", row=1, col=1)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed", scaleanchor="x",
                     constrain="domain", row=1, col=1)
    fig.update_xaxes(type="category", row=1, col=2)
    fig.update_yaxes(range=[0, 1.25], tickformat=".0%", row=1, col=2)
    fig.update_xaxes(range=[0.5, steps + 0.5], row=2, col=2)
    fig.update_yaxes(range=[-0.02, 1.05], tickformat=".0%", row=2, col=2)
    fig.update_xaxes(range=[0.5, steps + 0.5], row=3, col=2)
    fig.update_yaxes(range=[units - 0.5, -0.5], showgrid=False, row=3, col=2)


def _play_controls(fig: go.Figure, steps: int, play: tuple[str, str, str]) -> None:
    """Plotly's own Play button and row slider: the frames play in the browser, no round trip to the server."""
    play_label, pause_label, prefix = play
    still = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0, y=-0.04, xanchor="left", yanchor="top",
                          pad=dict(t=0, r=8), showactive=False, buttons=[
                              dict(label=play_label, method="animate",
                                   args=[None, dict(frame=dict(duration=260, redraw=True), transition=dict(duration=0),
                                                    fromcurrent=False, mode="immediate")]),
                              dict(label=pause_label, method="animate", args=[[None], still])])],
        sliders=[dict(active=steps - 1, x=0.16, len=0.84, y=-0.02, yanchor="top", pad=dict(t=0, b=0),
                      currentvalue=dict(prefix=prefix, xanchor="right", font=dict(size=14)),
                      steps=[dict(label=str(s), method="animate", args=[[str(s)], still]) for s in range(1, steps + 1)])])


def _rect(x0: float, x1: float, y0: float, y1: float) -> tuple[list, list]:
    return [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0]


def _row_traces(reading: rnn_reader.RowReading, image_shape: tuple[int, int], s: int, bars: np.ndarray) -> list[dict]:
    """Traces 1, 2, 3, 7, 9 after time step s: the part not read yet, the row being read, the answer, the markers."""
    h, w = image_shape
    direction, units = reading.reader.direction, reading.hidden.shape[1]
    future = outline = ([], [])
    if direction == "rows":
        future = _rect(-0.5, w - 0.5, s - 0.5, h - 0.5) if s < h else ([], [])
        outline = _rect(-0.5, w - 0.5, s - 1.5, s - 0.5)
    elif direction == "columns":
        future = _rect(s - 0.5, w - 0.5, -0.5, h - 0.5) if s < w else ([], [])
        outline = _rect(s - 1.5, s - 0.5, -0.5, h - 0.5)
    best = int(np.argmax(bars))
    colours = [charts.ACCENT if d == best else charts.PALETTE[0] for d in range(len(bars))]
    return [dict(type="scatter", x=future[0], y=future[1]), dict(type="scatter", x=outline[0], y=outline[1]),
            dict(type="bar", y=[round(float(v), 4) for v in bars], marker=dict(color=colours),  # frames: plain lists
                 text=[latex.percent(float(v), 0) if v >= 0.005 else "" for v in bars]),
            dict(type="scatter", x=[s, s], y=[0, 1.05]),
            dict(type="scatter", x=_rect(s - 0.5, s + 0.5, -0.5, units - 0.5)[0],
                 y=_rect(s - 0.5, s + 0.5, -0.5, units - 0.5)[1])]


FRAME_TRACES = [1, 2, 3, 7, 9]


def _digit_lines(per_row: np.ndarray, answer: int, cnn_digit: int | None) -> list[tuple[np.ndarray, ...]]:
    """(x, y, digit) arrays of the other digits (one line, each digit's part ended by a gap), the answer, the
    CNN's other answer (empty when it is the same). float32 arrays: plotly sends them as compact binary."""
    steps = per_row.shape[0]

    def lines(digits: list[int]) -> tuple[np.ndarray, ...]:
        x = np.tile(np.append(np.arange(1, steps + 1, dtype=np.float32), np.nan), len(digits))
        y = np.concatenate([np.append(per_row[:, d], np.nan) for d in digits]).astype(np.float32) if digits else x
        return x, y, np.repeat(np.array(digits, dtype=np.int8), steps + 1)

    others = [d for d in range(per_row.shape[1]) if d not in (answer, cnn_digit)]
    return [lines(others), lines([answer]), lines([] if cnn_digit in (None, answer) else [cnn_digit])]


def watch_figure(reading: rnn_reader.RowReading, image: np.ndarray, cnn_digit: int | None) -> go.Figure:
    """The reading, one plotly frame per time step (the last one shown first)."""
    steps, units = reading.steps, reading.hidden.shape[1]
    titles = (t("rnn.fig_image"), t("rnn.fig_answer"), t("rnn.fig_lines"), t("rnn.fig_hidden", units=units))
    spec = charts.spec_of(watch_skeleton(steps, units, titles, (t("rnn.play"), t("rnn.pause"), t("rnn.row_prefix")),
                                         WATCH_HEIGHT))
    data = spec["data"]
    picture = np.asarray(image, dtype=np.float32).reshape(image.shape[0], image.shape[1])
    data[0]["z"] = picture
    per_row = reading.per_row if reading.per_row is not None else np.tile(reading.probabilities, (steps, 1))
    for trace, (x, y, digits) in zip(data[4:7], _digit_lines(per_row, reading.digit, cnn_digit), strict=True):
        trace.update(x=x, y=y, customdata=digits)
    data[8].update(z=reading.hidden.T, x=list(range(1, steps + 1)))
    frames = []
    for s in range(1, steps + 1):
        frames.append(dict(name=str(s), traces=FRAME_TRACES, data=_row_traces(reading, picture.shape, s, per_row[s - 1])))
    for index, update in zip(FRAME_TRACES, frames[-1]["data"], strict=True):
        data[index].update({k: v for k, v in update.items() if k != "type"})
    spec["frames"] = frames
    decided = reading.decided_at
    if decided is not None:  # on the probabilities over the rows and on the hidden state
        spec["layout"]["shapes"] = [dict(type="line", xref=f"x{axis}", yref=f"y{axis} domain", x0=decided - 0.5,
                                         x1=decided - 0.5, y0=0, y1=1, line=dict(color=charts.ACCENT, width=1.5, dash="dash"))
                                    for axis in (3, 4)]
    return charts.unvalidated(spec)


# ------------------------------------------------------------------ one step with real numbers

@st.fragment
def step_view(model, reading: rnn_reader.RowReading) -> None:
    """Row t's step of the first recurrent layer, in numpy with the layer's own weights, checked against Keras."""
    st.markdown(f"**{t('rnn.step_heading')}**")
    steps = reading.steps
    if keys.RNN_STEP_ROW not in st.session_state:  # seeded by code: the middle of the digit to start with
        st.session_state[keys.RNN_STEP_ROW] = (steps + 1) // 2
    elif st.session_state[keys.RNN_STEP_ROW] > steps:  # a model with fewer time steps
        st.session_state[keys.RNN_STEP_ROW] = steps
    row = st.slider(t("rnn.step_row"), 1, steps, key=keys.RNN_STEP_ROW, help=t("rnn.step_row_help"))
    worked = rnn_reader.step_through(model, reading)
    step = worked.steps[row - 1]
    kind = worked.weights.kind
    for line in latex.CELL_FORMULAS[kind]:
        st.latex(line)
    show_chart(input_strip(step.x, row), key=keys.RNN_STEP_INPUT_CHART,
               alt=None)  # the row's picture: the formulas and the table under it carry the numbers
    shown = rnn_reader.units_to_show(step, SHOWN_UNITS)
    unit = int(shown[np.argmax(np.abs(step.h - step.h_prev)[shown])])
    st.caption(t("rnn.step_unit", unit=unit, row=row))
    for line in unit_lines(worked, step, row, unit):
        st.latex(line)
    st.caption(t(f"rnn.step_table_{kind}", count=len(shown), units=worked.weights.units))
    st.dataframe(step_table(worked, step, shown), hide_index=True, width="stretch")
    st.caption(t("rnn.keras_check", steps=steps, units=worked.weights.units,
                 difference=latex.exponent(worked.keras_difference, 1)))


def input_strip(x: np.ndarray, row: int) -> go.Figure:
    """x_t: the row's pixels as one strip of cells, each with its value."""
    return charts.heatmap(np.asarray(x, dtype=float).reshape(1, -1), zmin=0, zmax=1, height=90,
                          title=t("rnn.step_input", row=row, count=len(x)), cell_text=latex.grid_number, text_size=9,
                          hover="x[%{x}] = %{z:.3f}<extra></extra>", fixed_range=True)


def unit_lines(worked: rnn_reader.StepThrough, step, row: int, unit: int) -> list[str]:
    terms = rnn_cells.unit_terms(step, worked.weights, unit)
    inked = np.flatnonzero(step.x > 0)
    first_block = worked.weights.kernel[:, unit]  # the first gate's column: h (SimpleRNN), i (LSTM), z (GRU)
    pixels = [(float(first_block[i]), float(step.x[i])) for i in inked]
    state = {"h": float(step.h[unit]), "h_prev": float(step.h_prev[unit])}
    if worked.weights.kind == "LSTM":
        state.update(c=float(step.c[unit]), c_prev=float(step.c_prev[unit]))
    return latex.unit_step_latex(worked.weights.kind, row, unit, terms, pixels, state)


def step_table(worked: rnn_reader.StepThrough, step, shown: np.ndarray) -> dict[str, list]:
    """One row per shown unit: a SimpleRNN's three terms and their sum, or each gate's value; the states."""
    table: dict[str, list] = {t("rnn.col_unit"): [int(j) for j in shown]}
    kind = worked.weights.kind
    for j in shown:
        for g in rnn_cells.unit_terms(step, worked.weights, int(j)):
            columns = ({"W·xₜ": g.x_part, "U·hₜ₋₁": g.h_part, "b": g.bias, "W·xₜ + U·hₜ₋₁ + b": g.pre}
                       if kind == "SimpleRNN" else {GATE_COLUMNS[g.name]: g.value})
            for name, value in columns.items():
                table.setdefault(name, []).append(round(float(value), 3))
    states = [("cₜ₋₁", step.c_prev), ("cₜ", step.c)] if kind == "LSTM" else []
    for name, values in [*states, ("hₜ₋₁", step.h_prev), ("hₜ", step.h)]:
        table[name] = [round(float(values[j]), 3) for j in shown]
    return table


GATE_COLUMNS = {"i": "i (σ)", "f": "f (σ)", "o": "o (σ)", "z": "z (σ)", "r": "r (σ)", "g": "g (tanh)"}


# ------------------------------------------------------------------ links from other pages

def spatial_order_link() -> None:
    """Sequences, section 1: an order in space — a digit read row by row on the Draw page."""
    with st.container(border=True):
        st.markdown(t("rnn.sequences_link_text"))
        draw = page_info("draw")
        st.page_link(draw.path, label=t("rnn.sequences_link"), icon=draw.icon)


def cnn_for_network(active: ActiveModel | None) -> ActiveModel | None:
    """The model the Network page follows: always a CNN (its views are feature maps and one traced cell).

    The learner's own RNN is read row by row on Draw: the page then follows the shipped CNN and says so."""
    own = None if active is None else active.trained
    if own is None or own.origin.get("family") != "rnn":
        return active
    st.info(t("rnn.network_own_rnn"), icon=":material/info:")
    shipped = pretrained_model()
    return None if shipped is None else ActiveModel(shipped, "pretrained",
                                                    (models.pretrained_info() or {}).get("test_accuracy"))


def network_note() -> None:
    """Under the Network page: it shows a CNN; where an RNN reads a digit instead."""
    st.caption(t("rnn.network_cnn_only"))
    draw = page_info("draw")
    st.page_link(draw.path, label=t("rnn.network_link"), icon=draw.icon)
