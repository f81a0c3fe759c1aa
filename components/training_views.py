"""The Train page's pieces: starting a background job, the live chart, and the results.

The training thread never calls st.*: it updates its cnnlab.training.TrainingJob and, through
`on_update`, the TrainedModel this module published in the session (plain attribute writes).
Pages only read the job. What only the UI needs about a job (the model to give back if it never
trains, the published model, figures built for it) lives in a `TrainingRun` next to it in the
session, not in the core job. A job ends with its session (components.session_life).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from cnnlab import architecture as arch
from cnnlab import training
from cnnlab.i18n import translate
from components import state_keys as keys
from components import training_watch_views
from components.active_model import TrainedModel, trained_model
from components.charts import IMAGE_SCALE, PALETTE, bar_chart, heatmap_grid, styled
from components.i18n import current_language, t
from components.pages import page_info
from components.resources import mnist
from components.session_life import session_alive_checker
from components.ui import show_chart

REFRESH_S = 1.0


@dataclass(eq=False)
class TrainingRun:
    """The UI's record of the session's latest job (st.session_state[keys.TRAINING_RUN])."""

    job: training.TrainingJob
    published: TrainedModel  # the session's active model while and after this job trains
    previous: TrainedModel | None  # given back if the job never trains (cancelled, failed)
    figures: dict = field(default_factory=dict)  # memo_figure's (key, figure) per name
    restored: bool = False


def current_job() -> training.TrainingJob | None:
    return st.session_state.get(keys.TRAINING_JOB)


def current_run() -> TrainingRun | None:
    run = st.session_state.get(keys.TRAINING_RUN)
    return run if run is not None and run.job is current_job() else None


def _sync(published: TrainedModel, job: training.TrainingJob) -> None:
    """Called from the training thread: keep the session's TrainedModel current (no st.* here)."""
    published.epochs_done = job.epochs_done
    if job.evaluation is not None:
        published.test_accuracy = job.evaluation.test_accuracy
    published.stopped = job.stop_requested
    published.finished = not job.active


def start_training(stack, config: training.TrainConfig) -> training.TrainingJob:
    """Queue a job for this session and publish its (still untrained) model as the active one."""
    data = mnist()
    model = training.publishable_model(stack, config)
    analysis = arch.analyze(stack)
    published = TrainedModel(model=model, test_accuracy=None, epochs_done=0, data_source=data.source,
                             finished=False, origin={})
    job = training.TrainingJob(stack, config, data, on_update=lambda j: _sync(published, j), published_model=model,
                               owner_alive=session_alive_checker())
    published.origin = {"layers": len(stack), "params": analysis.total_params, "optimizer": config.optimizer,
                        "learning_rate": config.learning_rate, "batch_size": config.batch_size,
                        "epochs": config.epochs, "train_samples": job.train_samples,
                        "chapter_model": tuple(stack) == arch.chapter_spec()}
    st.session_state[keys.TRAINING_RUN] = TrainingRun(job, published, previous=trained_model())
    st.session_state[keys.TRAINED_MODEL] = published
    st.session_state[keys.TRAINING_JOB] = job
    return job.start()


def restore_after_cancel(job: training.TrainingJob) -> None:
    """A job that never trained (cancelled in the queue, or failed) gives the previous model back.

    Once the job is final the run lets go of the previous model either way (given back, or replaced).
    """
    run = current_run()
    if run is None or run.job is not job or run.restored or job.active:
        return
    if job.state in (training.CANCELLED, training.FAILED) and st.session_state.get(keys.TRAINED_MODEL) is run.published:
        if run.previous is None:
            st.session_state.pop(keys.TRAINED_MODEL, None)
        else:
            st.session_state[keys.TRAINED_MODEL] = run.previous
    run.previous = None
    run.restored = True


# ------------------------------------------------------------------ formatting

def duration(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return t("train.seconds", value=seconds)
    return t("train.minutes", minutes=int(seconds // 60), seconds=int(round(seconds % 60)))


def status_text(job: training.TrainingJob, progress: training.Progress) -> str:
    state = progress.state
    if state == training.QUEUED:
        return t("train.state_queued", position=progress.queue_position or 1, capacity=training.shared_slots().capacity)
    if state == training.RUNNING:
        if progress.batches_done == 0:
            return t("train.state_starting")
        eta = duration(progress.eta_s) if progress.eta_s is not None else "…"
        return t("train.state_running", epoch=max(progress.epoch, 1), epochs=progress.epochs,
                 percent=f"{progress.fraction:.0%}", eta=eta)
    if state == training.EVALUATING:
        return t("train.state_evaluating")
    if state == training.DONE:
        return t("train.state_done", quantity=job.epochs_done, epochs=job.epochs_done, seconds=duration(progress.elapsed_s))
    if state == training.STOPPED:
        return t("train.state_stopped", quantity=job.epochs_done, epochs=job.epochs_done, seconds=duration(progress.elapsed_s))
    if state == training.CANCELLED:
        return t("train.state_cancelled")
    return t("train.state_failed", error=job.error or "?")


# ------------------------------------------------------------------ the live chart

def history_figure(history: training.History, epochs_planned: int = 1) -> go.Figure:
    """Loss and accuracy side by side: each batch (faint), smoothed, and per epoch (training, validation).

    Rebuilt every second while a job trains, in a script thread that shares the interpreter lock with
    the training: made from a cached empty figure (history_skeleton) with the lines filled in, ~1 ms
    instead of ~35 ms for make_subplots and validated traces.
    """
    series = training.chart_series(history)
    with_val = bool(np.isfinite(series.val_loss).any() or np.isfinite(series.val_accuracy).any())
    epochs = max(1, epochs_planned, len(history.epochs))
    spec = json.loads(history_skeleton(current_language(), epochs, with_val))  # a private copy
    lines = [(series.x, series.loss), (series.x, series.loss_smooth), (series.epoch_x, series.epoch_loss)]
    lines += [(series.epoch_x, series.val_loss)] if with_val else []
    lines += [(series.x, series.accuracy), (series.x, series.accuracy_smooth),
              (series.epoch_x, series.epoch_accuracy)]
    lines += [(series.epoch_x, series.val_accuracy)] if with_val else []
    for trace, (x, y) in zip(spec["data"], lines, strict=True):
        trace["x"], trace["y"] = x, y
    return go.Figure(spec, _validate=False)


@functools.lru_cache(maxsize=32)
def history_skeleton(language: str, epochs: int, with_val: bool) -> str:
    """history_figure's empty figure as JSON, built once per language, epoch count and validation.

    A JSON string, not a figure: the script threads of many sessions share this cache, and plotly
    figures are not thread-safe even for reading (see components/charts.py).
    """
    def text(key: str) -> str:
        return translate(key, language)

    fig = make_subplots(rows=1, cols=2, subplot_titles=(text("train.chart_loss"), text("train.chart_accuracy")),
                        horizontal_spacing=0.08, vertical_spacing=0.0)
    for col in (1, 2):
        first = col == 1
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=text("train.series_batch"),
                                 line=dict(color=PALETTE[0], width=1), opacity=0.25, legendgroup="batch",
                                 showlegend=first, hovertemplate="%{y:.3f}<extra></extra>"), row=1, col=col)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=text("train.series_smooth"),
                                 line=dict(color=PALETTE[0], width=2.5), legendgroup="smooth", showlegend=first,
                                 hovertemplate="%{y:.3f}<extra></extra>"), row=1, col=col)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=text("train.series_epoch"),
                                 line=dict(color=PALETTE[2], width=2), marker=dict(size=9), legendgroup="epoch",
                                 showlegend=first, hovertemplate="%{y:.4f}<extra></extra>"), row=1, col=col)
        if with_val:
            fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=text("train.series_val"),
                                     line=dict(color=PALETTE[1], width=2, dash="dash"), marker=dict(size=9),
                                     legendgroup="val", showlegend=first, hovertemplate="%{y:.4f}<extra></extra>"),
                          row=1, col=col)
    fig.update_xaxes(title=text("train.chart_epoch"), range=[0, epochs * 1.02], dtick=1 if epochs <= 20 else None)
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    fig.update_layout(uirevision="train")
    styled(fig, height=400)
    # Legend below the plots so it never covers the two subplot titles.
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="center", x=0.5),
                      margin=dict(t=40, b=20))
    fig.update_annotations(font_size=16)
    return fig.to_json()


def memo_figure(run: TrainingRun | None, name: str, key: tuple, build) -> go.Figure:
    """The figure `build()` made for the same `key` last time, kept on the session's run (one per name).

    A rerun that changes nothing (the 1-second refresh between batches, a click elsewhere on a finished
    job's page) reuses it instead of rebuilding; st.plotly_chart only reads the figure.
    """
    if run is None:
        return build()
    cached = run.figures.get(name)
    if cached is not None and cached[0] == key:
        return cached[1]
    fig = build()
    run.figures[name] = (key, fig)
    return fig


def live_panel(job: training.TrainingJob) -> None:
    """Status, progress bar and chart; refreshes itself every second while the job is active."""
    was_active = job.active

    @st.fragment(run_every=REFRESH_S if was_active else None)
    def live() -> None:
        current = current_job()
        if current is None:
            return
        progress = current.progress()
        text = status_text(current, progress)
        if current.state == training.FAILED:
            st.error(text, icon=":material/error:")
        elif current.state == training.CANCELLED:
            st.info(text, icon=":material/cancel:")
        elif current.state == training.QUEUED:
            st.warning(text, icon=":material/hourglass_top:")
        else:
            st.progress(progress.fraction, text=text)
        history = current.history()
        if history.batch_loss:
            key = (progress.batches_done, len(history.epochs), current.state, current.config.epochs,
                   current_language())
            show_chart(memo_figure(current_run(), "history", key,
                                   lambda: history_figure(history, current.config.epochs)),
                       key="train_chart")
        elif current.active:
            st.caption(t("train.chart_empty"))
        training_watch_views.watch_panel(current)
        if current.active:
            st.caption(t("train.half_trained_note"))
        if was_active and not current.active:
            st.rerun()  # the whole page: enable the controls and show the results

    live()


# ------------------------------------------------------------------ results

def confusion_figure(confusion: np.ndarray) -> go.Figure:
    labels = [str(d) for d in range(10)]
    fig = go.Figure(go.Heatmap(
        z=confusion, x=labels, y=labels, colorscale="Blues", showscale=False, text=confusion,
        texttemplate="%{text}", hovertemplate=f"{t('train.true_label')} %{{y}} → {t('train.predicted_label')} "
                                              f"%{{x}}: %{{z}}<extra></extra>"))
    # constrain="domain": the square grid shrinks its axes with it, so the labels on top stay on the grid.
    fig.update_xaxes(title=t("train.predicted_label"), type="category", side="top", constrain="domain")
    fig.update_yaxes(title=t("train.true_label"), type="category", autorange="reversed", scaleanchor="x",
                     constrain="domain")
    return styled(fig, height=460)


def results_panel(job: training.TrainingJob) -> None:
    evaluation = job.evaluation
    if evaluation is None:
        return
    st.subheader(t("train.results_heading"))
    progress = job.progress()
    acc_col, loss_col, epochs_col, time_col = st.columns(4)
    acc_col.metric(t("train.test_accuracy"), f"{evaluation.test_accuracy:.2%}")
    loss_col.metric(t("train.test_loss"), f"{evaluation.test_loss:.4f}")
    epochs_col.metric(t("train.epochs_done"), f"{job.epochs_done} / {job.config.epochs}")
    time_col.metric(t("train.train_time"), duration(progress.elapsed_s))
    st.caption(t("train.test_size", count=f"{evaluation.test_size:,}"))
    run = current_run()
    published = run.published if run is not None and run.job is job else None
    if published is not None and published.data_source == "bundled":  # why not the chapter's ~99%
        st.caption(t("train.results_offline_note"))

    if published is not None and st.session_state.get(keys.TRAINED_MODEL) is published:
        with st.container(border=True):
            st.markdown(t("train.active_note", quantity=job.epochs_done, epochs=job.epochs_done, optimizer=job.config.optimizer,
                          batch=job.config.batch_size, samples=f"{job.train_samples:,}",
                          accuracy=f"{evaluation.test_accuracy:.2%}"))
            with st.container(horizontal=True, vertical_alignment="center"):
                draw = page_info("draw")
                st.page_link(draw.path, label=t("train.draw_link"), icon=draw.icon)
                st.download_button(t("train.download"), data=lambda: training.model_bytes(job.model),
                                   file_name="cnnlab_model.keras", mime="application/octet-stream",
                                   icon=":material/download:", key="train_download", help=t("train.download_help"))

    matrix_col, class_col = st.columns([1.1, 1])
    with matrix_col:
        st.markdown(f"**{t('train.confusion_heading')}**")
        st.caption(t("train.confusion_caption"))
        show_chart(memo_figure(run, "confusion", (id(evaluation), current_language()),
                               lambda: confusion_figure(evaluation.confusion)), key="train_confusion")
    with class_col:
        st.markdown(f"**{t('train.per_class_heading')}**")
        st.caption(t("train.per_class_caption"))
        show_chart(memo_figure(run, "per_class", (id(evaluation),), lambda: per_class_figure(evaluation)),
                   key="train_per_class")
        epoch_table(job)

    st.markdown(f"**{t('train.mistakes_heading')}**")
    mistakes = evaluation.mistakes
    if not mistakes:
        st.success(t("train.no_mistakes"))
    else:
        shown = min(24, len(mistakes))
        wrong_total = int(evaluation.confusion.sum() - np.trace(evaluation.confusion))
        st.caption(t("train.mistakes_caption", shown=shown, total=f"{wrong_total:,}"))
        show_chart(memo_figure(run, "mistakes", (id(evaluation), shown), lambda: mistakes_figure(evaluation, shown)),
                   key="train_mistakes")


LABEL_FITS_INSIDE = 0.3  # share of the axis a bar needs to hold "100.0%" upright at 15 px (300 px chart)


def per_class_figure(evaluation: training.Evaluation) -> go.Figure:
    per_class = evaluation.per_class_accuracy
    fig = bar_chart([str(d) for d in range(10)], per_class, highlight=int(np.argmin(per_class)),
                    height=300, value_format=".1%")
    # Written upright at a fixed size: outside, plotly shrank them to fit a narrow bar (~5 px). A bar shorter
    # than its label (a digit the model hardly gets) has it above instead: clipped inside, it read ".6%".
    low = max(0.0, float(per_class.min()) - 0.1)
    fits = (per_class - low) / (1.0 - low) >= LABEL_FITS_INSIDE
    fig.update_traces(textposition=["inside" if f else "outside" for f in fits], insidetextanchor="end",
                      textangle=-90, cliponaxis=False, insidetextfont=dict(size=15, color="white"),
                      outsidetextfont=dict(size=15))
    fig.update_layout(uniformtext=dict(minsize=13, mode="show"))
    fig.update_yaxes(range=[low, 1.0], tickformat=".0%")
    return fig


def mistakes_figure(evaluation: training.Evaluation, shown: int) -> go.Figure:
    titles = [f"{true} → {pred} ({conf:.0%})" for _i, true, pred, conf in evaluation.mistakes[:shown]]
    return heatmap_grid(list(evaluation.mistake_images[:shown]), titles=titles, columns=8,
                        colorscale=IMAGE_SCALE, cell_px=130)


def epoch_table(job: training.TrainingJob) -> None:
    records = job.history().epochs
    if not records:
        return
    st.markdown(f"**{t('train.epoch_table_heading')}**")
    rows = {
        t("train.col_epoch"): [str(r.epoch) if r.complete else t("train.partial_epoch", epoch=r.epoch) for r in records],
        t("train.col_loss"): [round(r.loss, 4) for r in records],
        t("train.col_accuracy"): [f"{r.accuracy:.2%}" for r in records],
    }
    if any(r.val_loss is not None for r in records):  # no validation split: no columns of "None"
        rows[t("train.col_val_loss")] = [None if r.val_loss is None else round(r.val_loss, 4) for r in records]
        rows[t("train.col_val_accuracy")] = [None if r.val_accuracy is None else f"{r.val_accuracy:.2%}"
                                             for r in records]
    rows[t("train.col_seconds")] = [round(r.seconds, 1) for r in records]
    st.dataframe(rows, hide_index=True, width="stretch")
