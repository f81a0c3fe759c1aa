"""Training you can watch: the first Conv2D layer's filters, one test digit's maps and a stream of predictions.

Reads the job's cnnlab.training_watch.TrainingWatch (filled by the training thread with each weight
snapshot) and draws its latest record. Each view is ONE heatmap of tiled maps (cnnlab.inspect_model.tile),
not a grid of subplots, filled into the cached figures of components.charts: refreshing them takes little
of the interpreter lock the training thread shares.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnlab import latex, training
from cnnlab.architecture import family_of
from cnnlab.inspect_model import shape_text, tile
from cnnlab.training_watch import WATCH_DIGIT, TrainingWatch, WatchRecord
from components import chart_texts, charts, presentation
from components import state_keys as keys
from components.i18n import t
from components.ui import show_chart

RIGHT, WRONG = "#1b7a43", "#c8361b"  # with ✓/✗ beside them (colour is never the only cue); 5.4 and 5.2:1 on white
COLUMNS = 8  # filters and maps per row
STREAM_GAP = 4  # pixels between two stream digits
HEIGHT = 280  # filters and maps side by side
# On a projector: fewer filters (and the maps they make), larger, in rows of 4; the answers on two lines.
PRESENT_SHOWN, PRESENT_COLUMNS, PRESENT_HEIGHT = 8, 4, 230


def filters_figure(record: WatchRecord, compact: bool = False) -> go.Figure:
    """The first Conv2D layer's kernels, tiled, on one shared symmetric scale (red +, blue −), so growth shows.

    compact (a projector): the first PRESENT_SHOWN filters only, larger, and a title short enough for the figure.
    """
    count = record.filters.shape[-1]
    shown = min(count, PRESENT_SHOWN) if compact else count
    kernels = np.moveaxis(record.filters, -1, 0)[:shown]
    bound = max(float(np.abs(kernels).max()), 1e-6)
    size = shape_text(record.filters.shape[:2])
    title = t("train.watch_filters_some", shown=shown, count=count, size=size) if shown < count \
        else t("train.watch_filters", count=count, size=size)
    return charts.heatmap(tile(kernels, columns=PRESENT_COLUMNS if compact else COLUMNS), colorscale=charts.SIGNED_SCALE,
                          zmin=-bound, zmax=bound, height=PRESENT_HEIGHT if compact else HEIGHT,
                          hover="%{z:.3f}<extra></extra>", title=title)


def maps_figure(record: WatchRecord, label: int, compact: bool = False) -> go.Figure:
    """The watched digit's feature maps in the first Conv2D layer, tiled, each on its own range (compact: the maps
    of the filters filters_figure shows)."""
    maps = list(np.moveaxis(record.maps, -1, 0))
    shown = min(len(maps), PRESENT_SHOWN) if compact else len(maps)
    return charts.tiled_maps(maps[:shown], PRESENT_COLUMNS if compact else COLUMNS,
                             height=PRESENT_HEIGHT if compact else HEIGHT,
                             title=t("train.watch_maps", label=label, count=shown))


def _answers(watch: TrainingWatch, record: WatchRecord, compact: bool) -> list[dict]:
    """Above each stream digit: ✓/✗, the current answer and its probability, green when right, red when wrong
    (compact: on two lines, so neighbours never overlap on a projector's narrower digits)."""
    gap, width = STREAM_GAP, watch.images.shape[2]
    notes = []
    for i, (label, probs) in enumerate(zip(watch.labels, record.probabilities, strict=True)):
        guess = int(np.argmax(probs))
        colour, mark = (RIGHT, "✓") if guess == label else (WRONG, "✗")
        notes.append(dict(text=f"<b>{mark} {guess}</b>{'<br>' if compact else ' '}{latex.percent(probs[guess], 0)}",
                          x=i * (width + gap) + (width - 1) / 2, y=-0.5, xref="x", yref="y", yanchor="bottom",
                          showarrow=False, font=dict(size=15, color=colour)))
    return notes


def stream_figure(watch: TrainingWatch, record: WatchRecord, compact: bool = False) -> go.Figure:
    """The fixed test digits in a row with the model's current answer above each."""
    title = t("train.watch_stream", right=int(np.sum(record.predicted == watch.labels)), count=len(watch.images))
    return charts.heatmap(tile(watch.images, columns=len(watch.images), gap=STREAM_GAP), zmin=0, zmax=255,
                          height=210 if compact else 190, title=title, hover=None, margin_top=95 if compact else 70,
                          annotations=_answers(watch, record, compact))


def record_figures(watch: TrainingWatch, record: WatchRecord, compact: bool = False) -> dict[str, go.Figure]:
    """The watch view's figures for `record`: the stream, and the filters and maps when the model has a Conv2D
    (compact: for a projector)."""
    figures = {"stream": stream_figure(watch, record, compact)}
    if record.filters is not None:
        figures["filters"] = filters_figure(record, compact)
        figures["maps"] = maps_figure(record, int(watch.labels[WATCH_DIGIT]), compact)
    return figures


def watch_panel(job: training.TrainingJob) -> None:
    """What the network looks like now: filters, one digit's maps, a stream of predictions (latest snapshot)."""
    watch = getattr(job, "watch", None)
    record = None if watch is None else watch.latest()
    if record is None:
        return
    st.markdown(f"**{t('train.watch_heading')}**")
    st.caption(t("train.watch_caption", quantity=record.epochs_done, epochs=record.epochs_done, batches=latex.thousands(record.batches_done)))
    figures = record_figures(watch, record, compact=presentation.is_on())
    if "filters" in figures:
        filters_col, maps_col = st.columns(2)
        with filters_col:
            show_chart(figures["filters"], key=keys.TRAIN_WATCH_FILTERS_CHART, alt=None)  # pictures of the kernels
        with maps_col:
            show_chart(figures["maps"], key=keys.TRAIN_WATCH_MAPS_CHART, alt=chart_texts.feature_maps(record.maps))
    else:  # a recurrent model's view of its learning is its reading, row by row, on the Draw page
        st.caption(t("rnn.watch_recurrent" if family_of(job.stack) == "rnn" else "train.watch_no_conv"))
    show_chart(figures["stream"], key=keys.TRAIN_WATCH_STREAM_CHART,
               alt=chart_texts.answers(watch.labels, record.predicted))
