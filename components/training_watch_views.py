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
from components import charts
from components import state_keys as keys
from components.i18n import t
from components.ui import show_chart

RIGHT, WRONG = "#1f8a4c", "#c8361b"
COLUMNS = 8  # filters and maps per row
STREAM_GAP = 4  # pixels between two stream digits
HEIGHT = 280  # filters and maps side by side


def filters_figure(record: WatchRecord) -> go.Figure:
    """The first Conv2D layer's kernels, tiled, on one shared symmetric scale (red +, blue −), so growth shows."""
    bound = max(float(np.abs(record.filters).max()), 1e-6)
    return charts.heatmap(tile(np.moveaxis(record.filters, -1, 0), columns=COLUMNS), colorscale=charts.SIGNED_SCALE,
                          zmin=-bound, zmax=bound, height=HEIGHT, hover="%{z:.3f}<extra></extra>",
                          title=t("train.watch_filters", count=record.filters.shape[-1],
                                  size=shape_text(record.filters.shape[:2])))


def maps_figure(record: WatchRecord, label: int) -> go.Figure:
    """The watched digit's feature maps in the first Conv2D layer, tiled, each on its own range."""
    return charts.tiled_maps(list(np.moveaxis(record.maps, -1, 0)), COLUMNS, height=HEIGHT,
                             title=t("train.watch_maps", label=label, count=record.maps.shape[-1]))


def _answers(watch: TrainingWatch, record: WatchRecord) -> list[dict]:
    """Above each stream digit: ✓/✗, the current answer and its probability, green when right, red when wrong."""
    gap, width = STREAM_GAP, watch.images.shape[2]
    notes = []
    for i, (label, probs) in enumerate(zip(watch.labels, record.probabilities, strict=True)):
        guess = int(np.argmax(probs))
        colour, mark = (RIGHT, "✓") if guess == label else (WRONG, "✗")
        notes.append(dict(text=f"<b>{mark} {guess}</b> {latex.percent(probs[guess], 0)}", x=i * (width + gap) + (width - 1) / 2,
                          y=-0.5, xref="x", yref="y", yanchor="bottom", showarrow=False,
                          font=dict(size=15, color=colour)))
    return notes


def stream_figure(watch: TrainingWatch, record: WatchRecord) -> go.Figure:
    """The fixed test digits in a row with the model's current answer above each."""
    title = t("train.watch_stream", right=int(np.sum(record.predicted == watch.labels)), count=len(watch.images))
    return charts.heatmap(tile(watch.images, columns=len(watch.images), gap=STREAM_GAP), zmin=0, zmax=255,
                          height=190, title=title, hover=None, margin_top=70, annotations=_answers(watch, record))


def record_figures(watch: TrainingWatch, record: WatchRecord) -> dict[str, go.Figure]:
    """The watch view's figures for `record`: the stream, and the filters and maps when the model has a Conv2D."""
    figures = {"stream": stream_figure(watch, record)}
    if record.filters is not None:
        figures["filters"] = filters_figure(record)
        figures["maps"] = maps_figure(record, int(watch.labels[WATCH_DIGIT]))
    return figures


def watch_panel(job: training.TrainingJob) -> None:
    """What the network looks like now: filters, one digit's maps, a stream of predictions (latest snapshot)."""
    watch = getattr(job, "watch", None)
    record = None if watch is None else watch.latest()
    if record is None:
        return
    st.markdown(f"**{t('train.watch_heading')}**")
    st.caption(t("train.watch_caption", quantity=record.epochs_done, epochs=record.epochs_done, batches=latex.thousands(record.batches_done)))
    figures = record_figures(watch, record)
    if "filters" in figures:
        filters_col, maps_col = st.columns(2)
        with filters_col:
            show_chart(figures["filters"], key=keys.TRAIN_WATCH_FILTERS_CHART)
        with maps_col:
            show_chart(figures["maps"], key=keys.TRAIN_WATCH_MAPS_CHART)
    else:  # a recurrent model's view of its learning is its reading, row by row, on the Draw page
        st.caption(t("rnn.watch_recurrent" if family_of(job.stack) == "rnn" else "train.watch_no_conv"))
    show_chart(figures["stream"], key=keys.TRAIN_WATCH_STREAM_CHART)
