"""Training you can watch: the first Conv2D layer's filters, one test digit's maps and a stream of predictions.

Reads the job's cnnlab.training_watch.TrainingWatch (filled by the training thread with each weight
snapshot) and draws its latest record. The figures of one record are built once and kept in the
session (keys.TRAINING_WATCH_FIGURES): the page refreshes every second, a record arrives every ~2 s.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnlab import training
from cnnlab.training_watch import WATCH_DIGIT, TrainingWatch, WatchRecord
from components import charts
from components import state_keys as keys
from components.i18n import current_language, t
from components.ui import show_chart

RIGHT, WRONG = "#1f8a4c", "#c8361b"


def filters_figure(record: WatchRecord) -> go.Figure:
    """The first Conv2D layer's kernels on one shared, symmetric scale (red +, blue −), so growth shows."""
    filters = [record.filters[..., f] for f in range(record.filters.shape[-1])]
    bound = max(float(np.abs(record.filters).max()), 1e-6)
    fig = charts.heatmap_grid(filters, columns=8, colorscale=charts.SIGNED_SCALE, ranges=[(-bound, bound)] * len(filters),
                              cell_px=62, title=t("train.watch_filters", count=len(filters),
                                                  size="×".join(map(str, record.filters.shape[:2]))))
    fig.update_traces(hovertemplate="%{z:.3f}<extra></extra>")
    return fig


def maps_figure(record: WatchRecord, label: int) -> go.Figure:
    """The watched digit's feature maps in the first Conv2D layer (each map on its own range)."""
    maps = [record.maps[..., f] for f in range(record.maps.shape[-1])]
    ranges = [(float(m.min()), float(m.min()) + 1.0) if m.max() == m.min() else None for m in maps]
    return charts.heatmap_grid(maps, columns=8, cell_px=62, ranges=ranges,
                               title=t("train.watch_maps", label=label, count=len(maps)))


def stream_figure(watch: TrainingWatch, record: WatchRecord) -> go.Figure:
    """The fixed test digits with the model's current answer: green when right, red when wrong."""
    titles = []
    for label, probs in zip(watch.labels, record.probabilities, strict=True):
        guess = int(np.argmax(probs))
        colour, mark = (RIGHT, "✓") if guess == label else (WRONG, "✗")
        titles.append(f"<span style='color:{colour}'><b>{mark} {guess}</b> {probs[guess]:.0%}</span>")
    right = int(np.sum(record.predicted == watch.labels))
    fig = charts.heatmap_grid(list(watch.images), titles=titles, columns=len(titles), colorscale=charts.IMAGE_SCALE,
                              cell_px=80, ranges=[(0, 255)] * len(titles),
                              title=t("train.watch_stream", right=right, count=len(titles)))
    fig.update_annotations(font_size=14)
    return fig


def record_figures(watch: TrainingWatch, record: WatchRecord, job_id: str) -> dict[str, go.Figure]:
    """The three figures of this record, built once per record and language."""
    key = (job_id, record.number, current_language())
    cached = st.session_state.get(keys.TRAINING_WATCH_FIGURES)
    if cached is not None and cached[0] == key:
        return cached[1]
    figures = {"stream": stream_figure(watch, record)}
    if record.filters is not None:
        figures["filters"] = filters_figure(record)
        figures["maps"] = maps_figure(record, int(watch.labels[WATCH_DIGIT]))
    st.session_state[keys.TRAINING_WATCH_FIGURES] = (key, figures)
    return figures


def watch_panel(job: training.TrainingJob) -> None:
    """What the network looks like now: filters, one digit's maps, a stream of predictions (latest snapshot)."""
    watch = getattr(job, "watch", None)
    record = None if watch is None else watch.latest()
    if record is None:
        return
    st.markdown(f"**{t('train.watch_heading')}**")
    st.caption(t("train.watch_caption", epochs=record.epochs_done, batches=f"{record.batches_done:,}"))
    figures = record_figures(watch, record, job.id)
    if "filters" in figures:
        filters_col, maps_col = st.columns(2)
        with filters_col:
            show_chart(figures["filters"], key="train_watch_filters")
        with maps_col:
            show_chart(figures["maps"], key="train_watch_maps")
    else:
        st.caption(t("train.watch_no_conv"))
    show_chart(figures["stream"], key="train_watch_stream")
