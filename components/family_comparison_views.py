"""CNN vs RNN on the same digits: a table, the accuracy per digit, and why each family suits what it suits.

Shown on Draw (under the RNN reading) and on Train (under a finished training's results). The shipped
models always take part (components.resources.shipped_numbers); the learner's own finished trainings join
them, the latest per family (recorded by `record_own` when Train shows a training's results).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnlab import architecture, family_comparison, latex
from cnnlab.family_comparison import FamilyNumbers
from components import chart_texts, charts
from components import state_keys as keys
from components.i18n import t
from components.resources import shipped_numbers
from components.ui import show_chart

COLOURS = {("cnn", False): charts.PALETTE[0], ("rnn", False): charts.ACCENT, ("cnn", True): "#8fb0e8",
           ("rnn", True): "#f2a58c"}


def record_own(stack, evaluation, history) -> None:
    """Keep a finished training's numbers as the learner's latest of its family (once per evaluation)."""
    if evaluation is None:
        return
    results = st.session_state.setdefault(keys.FAMILY_RESULTS, {})
    family = architecture.family_of(stack)
    if family in results and results[family][0] is evaluation:
        return
    seconds = [r.seconds for r in history.epochs if r.complete]
    results[family] = (evaluation, family_comparison.own_numbers(stack, evaluation, seconds))


def compared() -> list[FamilyNumbers]:
    """The shipped CNN and RNN (those present), then the learner's own CNN and RNN (those trained)."""
    own = st.session_state.get(keys.FAMILY_RESULTS, {})
    shipped = [shipped_numbers(family) for family in ("cnn", "rnn")]
    return [n for n in shipped if n is not None] + [own[f][1] for f in ("cnn", "rnn") if f in own]


def column_name(n: FamilyNumbers) -> str:
    return t(f"rnn.col_{'own' if n.own else 'shipped'}_{n.family}")


def _seconds(n: FamilyNumbers) -> str:
    return "—" if n.epoch_seconds is None else t("rnn.seconds", value=f"{n.epoch_seconds:.1f}")


def comparison_table(numbers: list[FamilyNumbers]) -> dict[str, list[str]]:
    """Rows: what is compared; one column per model."""
    def confusion(n: FamilyNumbers) -> str:
        top = n.top_confusion()
        return "—" if top is None else t("rnn.confusion_value", true=top[0], predicted=top[1], count=top[2])

    rows = {
        t("rnn.row_params"): lambda n: latex.thousands(n.params),
        t("rnn.row_epoch"): _seconds,
        t("rnn.row_accuracy"): lambda n: t("rnn.accuracy_value", accuracy=latex.percent(n.test_accuracy, 2),
                                           size=latex.thousands(n.test_size)),
        t("rnn.row_drawn"): lambda n: "—" if n.drawn_accuracy is None else latex.percent(n.drawn_accuracy, 1),
        t("rnn.row_worst"): lambda n: t("rnn.worst_value", digit=n.worst_digit,
                                        accuracy=latex.percent(float(n.per_class[n.worst_digit]), 1)),
        t("rnn.row_confusion"): confusion,
    }
    table = {"": list(rows)}
    for n in numbers:
        table[column_name(n)] = [cell(n) for cell in rows.values()]
    return table


def per_digit_figure(numbers: list[FamilyNumbers]) -> go.Figure:
    """Accuracy per true digit, one bar per model, side by side (the y axis starts near the lowest bar)."""
    spec = charts.spec_of(per_digit_skeleton(tuple(column_name(n) for n in numbers),
                                             tuple(COLOURS[(n.family, n.own)] for n in numbers),
                                             t("rnn.per_digit_title"), t("rnn.per_digit_axis"), t("rnn.digit_axis")))
    for trace, n in zip(spec["data"], numbers, strict=True):
        trace["y"] = np.asarray(n.per_class, dtype=np.float32)
    low = min(float(np.min(n.per_class)) for n in numbers)
    spec["layout"]["yaxis"]["range"] = [max(0.0, low - 0.05), 1.0]
    return charts.unvalidated(spec)


@charts.skeleton_cache(maxsize=16)
def per_digit_skeleton(names: tuple[str, ...], colours: tuple[str, ...], title: str, y_title: str,
                       x_title: str) -> go.Figure:
    """per_digit_figure's chart: one group of bars per digit, one bar per model (names), no values yet."""
    fig = go.Figure([go.Bar(x=[str(d) for d in range(10)], y=[0.0] * 10, name=name, marker_color=colour,
                            hovertemplate="%{x}: %{y:.1%}<extra>" + name + "</extra>")
                     for name, colour in zip(names, colours, strict=True)])
    fig.update_yaxes(range=[0, 1], tickformat=".0%", title=y_title)
    fig.update_xaxes(type="category", title=x_title)
    fig = charts.styled(fig, height=300, title=title)
    fig.update_layout(barmode="group", legend=dict(x=1, xanchor="right"))  # the title keeps the top left
    return fig


SIMILAR_TIME = 1.15  # epoch times within this ratio of each other are "about as long"


def why_text(numbers: list[FamilyNumbers]) -> str | None:
    """The sentence on why a CNN suits images and an RNN sequences, with the shipped models' numbers."""
    shipped = {n.family: n for n in numbers if not n.own}
    if set(shipped) != {"cnn", "rnn"}:
        return None
    cnn, rnn = shipped["cnn"], shipped["rnn"]
    time_sentence = ""
    if cnn.epoch_seconds and rnn.epoch_seconds:
        ratio = rnn.epoch_seconds / cnn.epoch_seconds
        pace = "similar" if 1 / SIMILAR_TIME <= ratio <= SIMILAR_TIME else ("slower" if ratio > 1 else "faster")
        time_sentence = t(f"rnn.why_time_{pace}", rnn_seconds=_seconds(rnn), cnn_seconds=_seconds(cnn),
                          ratio=f"{ratio:.1f}")
    return t("rnn.why", cnn_params=latex.thousands(cnn.params), rnn_params=latex.thousands(rnn.params),
             cnn_accuracy=latex.percent(cnn.test_accuracy, 1), rnn_accuracy=latex.percent(rnn.test_accuracy, 1),
             size=latex.thousands(cnn.test_size), time_sentence=time_sentence)


def gap_text(numbers: list[FamilyNumbers]) -> str | None:
    """The per-digit chart's text alternative: where the first CNN and the first RNN shown (the shipped ones when
    present) differ most."""
    cnn = next((n for n in numbers if n.family == "cnn"), None)
    rnn = next((n for n in numbers if n.family == "rnn"), None)
    if cnn is None or rnn is None:
        return None
    return chart_texts.family_gap((column_name(cnn), cnn.per_class), (column_name(rnn), rnn.per_class))


def comparison_view(chart_key: str) -> None:
    """The table, the per-digit chart and the sentence (the learner's own models when they have trained some)."""
    numbers = compared()
    if not numbers:
        st.info(t("rnn.compare_missing"), icon=":material/info:")
        return
    text = why_text(numbers)
    if text:
        st.markdown(text)
    st.dataframe(comparison_table(numbers), hide_index=True, width="stretch")
    st.caption(t("rnn.compare_caption"))
    show_chart(per_digit_figure(numbers), key=chart_key, alt=gap_text(numbers))
    if not any(n.own for n in numbers):
        st.caption(t("rnn.compare_train_own"))


def results_comparison(results, chart_key: str) -> None:
    """Under a finished training's (or a saved model's) results, a training_views.Results: keep its numbers, and
    compare the two families (folded)."""
    record_own(results.stack, results.evaluation, results.history)
    with st.expander(t("rnn.compare_expander"), icon=":material/compare_arrows:"):
        comparison_view(chart_key)
