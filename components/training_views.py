"""Background jobs in a session (one way to start, follow and stop them), and the Train page's views.

A job's thread never calls st.*: it updates its cnnlab.training job and, through `on_update`, objects
the page gave it (plain attribute writes). Pages only read the job. `start_job` starts a job for this
session (it ends with the session: components.session_life) and keeps it under a session key;
`live_panel` draws it in a fragment that refreshes itself while the job is active.

The Train page's training belongs to the learner, not the session: `start_training` starts it in the
process's registry (cnnlab.learner_trainings, at most one per learner) and every session of the learner
follows it (`current_job` adopts it: a reload or a second tab reattaches). What only this session needs
about it (figures built for it) lives in a `TrainingRun` next to it in the session, not in the core job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnlab import architecture as arch
from cnnlab import learner_trainings, recipe, training
from cnnlab.data import MnistData
from cnnlab.training_history import History
from components import chart_texts, family_comparison_views, limits_views, training_watch_views
from components import state_keys as keys
from components.active_model import trained_model
from components.i18n import current_language, t
from components.learner import learner_id
from components.pages import page_info
from components.resources import mnist
from components.saved_work import notice, store
from components.session_life import session_alive_checker
from components.training_charts import confusion_figure, history_figure, mistakes_figure, per_class_figure
from components.ui import show_chart

REFRESH_S = 1.0


# ------------------------------------------------------------------ a session's jobs

def start_job(key: str, make_job: Callable[..., training.Job]) -> training.Job:
    """Start `make_job(owner_alive=...)` for this session and keep it at st.session_state[key].

    The job ends when the session does; an active job already kept there is stopped first.
    """
    previous = st.session_state.get(key)
    if previous is not None and previous.active:
        previous.stop()
    job = make_job(owner_alive=session_alive_checker())
    st.session_state[key] = job
    return job.start()


def live_panel(key: str, draw: Callable[[training.Job], None]) -> None:
    """Draw the job at st.session_state[key] now, and every REFRESH_S while it is active, in a fragment.

    When the job leaves the queue or ends, the whole page reruns: the notes beside Start ("waiting in line",
    "your training is running") and the locked controls are drawn outside the fragment.
    """
    job = st.session_state.get(key)
    was_active = job is not None and job.active
    was_queued = job is not None and job.state == training.QUEUED

    @st.fragment(run_every=REFRESH_S if was_active else None)
    def live() -> None:
        current = st.session_state.get(key)
        if current is None:
            return
        draw(current)
        if (was_active and not current.active) or (was_queued and current.state != training.QUEUED):
            st.rerun()

    live()


# ------------------------------------------------------------------ the Train page's job

@dataclass(eq=False)
class TrainingRun:
    """The UI's record of the learner's latest job in this session (st.session_state[keys.TRAINING_RUN])."""

    job: training.TrainingJob
    figures: dict = field(default_factory=dict)  # memo_figure's (key, figure) per name


def current_job() -> training.TrainingJob | None:
    """The learner's latest training, which this session follows: the one of this process's registry when there
    is one (started from any tab of the learner's), adopted on the session's next run."""
    entry = learner_trainings.shared_registry().entry(learner_id())
    job = st.session_state.get(keys.TRAINING_JOB)
    if entry is not None and entry.job is not job:
        job = st.session_state[keys.TRAINING_JOB] = entry.job
        st.session_state[keys.TRAINING_RUN] = TrainingRun(job)
    return job


def show_job_settings(job: training.TrainingJob) -> None:
    """While the learner's training is active the (locked) settings show its own, also in a tab that reattached.

    Call before the settings' widgets are drawn."""
    c = job.config
    for key, value in ((keys.TRAIN_EPOCHS, c.epochs), (keys.TRAIN_BATCH_SIZE, c.batch_size),
                       (keys.TRAIN_OPTIMIZER, c.optimizer), (keys.TRAIN_LEARNING_RATE, c.learning_rate),
                       (keys.TRAIN_FRACTION, c.data_fraction), (keys.TRAIN_VALIDATION, c.validation_split)):
        if st.session_state.get(key) != value:  # a value set anew is what Streamlit warns about, once
            st.session_state[key] = value


def current_run() -> TrainingRun | None:
    run = st.session_state.get(keys.TRAINING_RUN)
    return run if run is not None and run.job is current_job() else None


def start_training(stack, config: recipe.TrainConfig) -> training.TrainingJob:
    """Start the learner's training, or follow the one they already have running (from another tab).

    Its model is the learner's active one while it trains; once it ends it is saved and chosen
    (cnnlab.learner_trainings).
    """
    data = mnist()

    def make_job(on_update, owner_alive) -> training.TrainingJob:
        return training.TrainingJob(stack, config, data, on_update=on_update, owner_alive=owner_alive,
                                    published_model=recipe.publishable_model(stack, config))

    entry, started = learner_trainings.shared_registry().start(learner_id(), make_job, data.source, store())
    if not started:
        notice("success", t("train.already_running"))
    st.session_state.pop(keys.TRAIN_SHOWN_MODEL, None)
    return current_job() or entry.job


# ------------------------------------------------------------------ the Train page's views

def model_card(stack, data: MnistData) -> None:
    """Which model trains (the chapter's or the user's own, with a link to edit it) on which digits."""
    analysis = arch.analyze(stack)
    with st.container(border=True):
        which = {arch.chapter_spec(): t("train.model_chapter"), arch.rnn_spec(): t("rnn.model_start")}.get(
            tuple(stack), t("train.model_custom"))
        with st.container(horizontal=True, vertical_alignment="center"):
            if analysis.ok:
                st.markdown(t("train.model_card", layers=len(stack), params=f"{analysis.total_params:,}", which=which))
            else:  # a partial sum would mislead
                st.markdown(t("train.model_card_unknown", layers=len(stack), which=which))
            model_page = page_info("model")
            st.page_link(model_page.path, label=t("train.edit_model"), icon=model_page.icon)
        st.markdown(t("train.data_card", source=t(f"common.source_{data.source}")))
        if not data.is_full:
            st.caption(t("train.offline_accuracy_note"))


def split_note(n_train: int, config: recipe.TrainConfig) -> None:
    """How many images train and validate, and the batches per epoch, for these settings."""
    sizes = recipe.split_sizes(n_train, config)
    st.caption(t("train.samples_note" if sizes.val else "train.samples_note_no_val", train=f"{sizes.train:,}",
                 val=f"{sizes.val:,}", steps=f"{sizes.steps:,}"))


def run_notes(area, blocker: str | None, busy_job: training.TrainingJob | None) -> None:
    """Why Start is disabled: the stack cannot train, or this session's own training (busy_job) is active."""
    if blocker:
        area.warning(blocker, icon=":material/block:")  # it says that training waits for the fix
    if busy_job is not None:
        queued = busy_job.state == training.QUEUED
        area.info(t("train.busy_queued" if queued else "train.busy"),
                  icon=":material/hourglass_top:" if queued else ":material/model_training:")


def job_panels(job: training.TrainingJob | None, live_area, watch_area=None) -> None:
    """The session's training: live (in `live_area`) while it runs, and its results once it has ended.

    watch_area (a projector): the watch panel there, the whole width under the live chart, not in its column.
    """
    if job is None:
        return
    live_area.subheader(t("train.live_heading"))
    with live_area:
        live_panel(keys.TRAINING_JOB, training_live if watch_area is None else training_progress)
    if watch_area is not None:
        with watch_area:
            live_panel(keys.TRAINING_JOB, training_watch_views.watch_panel)
    if not job.active and st.session_state.get(keys.TRAIN_SHOWN_MODEL) is None:  # else a saved model's are shown
        results_panel(job_results(job))


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
    if state == training.STOPPED and job.time_limited:
        return limits_views.time_limited_text(job)
    if state == training.STOPPED:
        return t("train.state_stopped", quantity=job.epochs_done, epochs=job.epochs_done, seconds=duration(progress.elapsed_s))
    if state == training.CANCELLED:
        return t("train.state_cancelled")
    return limits_views.failure_text(job)


# ------------------------------------------------------------------ the live chart

def memo_figure(run: TrainingRun | None, name: str, key: tuple, build) -> go.Figure:
    """The figure `build()` made for the same `key` last time, kept on the session's run (one per name).

    A rerun that changes nothing (the live panel's refresh between batches, a click elsewhere on a finished
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


def training_live(job: training.TrainingJob) -> None:
    """Status, progress bar, chart and the watch view of the session's training (live_panel's drawing)."""
    training_progress(job)
    training_watch_views.watch_panel(job)
    if job.active:
        st.caption(t("train.half_trained_note"))


def training_progress(job: training.TrainingJob) -> None:
    """Status, progress bar and chart of the session's training."""
    progress = job.progress()
    text = status_text(job, progress)
    if job.state == training.FAILED:
        st.error(text, icon=":material/error:")
    elif job.state == training.CANCELLED:
        st.info(text, icon=":material/cancel:")
    elif job.state == training.QUEUED:
        st.warning(text, icon=":material/hourglass_top:")
    else:
        st.progress(progress.fraction, text=text)
    history = job.history()
    if history.batch_loss:
        key = (progress.batches_done, len(history.epochs), job.state, job.config.epochs, current_language())
        show_chart(memo_figure(current_run(), "history", key, lambda: history_figure(history, job.config.epochs)),
                   key=keys.TRAIN_HISTORY_CHART, alt=chart_texts.training(history, job.config.epochs))
    elif job.active:
        st.caption(t("train.chart_empty"))


# ------------------------------------------------------------------ results

@dataclass(frozen=True)
class Results:
    """What the results panel shows: a finished job's, or a saved model's (the same, read from the store)."""

    evaluation: recipe.Evaluation
    epochs_done: int
    config: recipe.TrainConfig
    train_samples: int
    seconds: float
    data_source: str
    history: History
    stack: tuple  # the model's layers (LayerSpecs)
    model: Callable[[], object]  # the Keras model, built only for a download
    is_active: bool  # the model the learner's pages use now
    saved_id: int | None
    run: TrainingRun | None = None  # where figures are memoised (the session's latest job)


def job_results(job: training.TrainingJob) -> Results | None:
    if job.evaluation is None:
        return None
    entry = learner_trainings.shared_registry().entry(learner_id())
    saved_id = entry.saved_model_id if entry is not None and entry.job is job else None
    own = trained_model()
    return Results(job.evaluation, job.epochs_done, job.config, job.train_samples, job.progress().elapsed_s,
                   entry.data_source if entry is not None else mnist().source, job.history(), tuple(job.stack),
                   lambda: job.model,
                   own is not None and own.model is job.model, saved_id, current_run())


def results_panel(results: Results | None) -> None:
    if results is None:
        return
    evaluation, config = results.evaluation, results.config
    st.subheader(t("train.results_heading") if results.run is not None
                 else t("train.saved_results_heading", number=results.saved_id))
    acc_col, loss_col, epochs_col, time_col = st.columns(4)
    acc_col.metric(t("train.test_accuracy"), f"{evaluation.test_accuracy:.2%}")
    loss_col.metric(t("train.test_loss"), f"{evaluation.test_loss:.4f}")
    epochs_col.metric(t("train.epochs_done"), f"{results.epochs_done} / {config.epochs}")
    time_col.metric(t("train.train_time"), duration(results.seconds))
    st.caption(t("train.test_size", count=f"{evaluation.test_size:,}"))
    if results.saved_id is not None:
        st.caption(t("train.saved_note", number=results.saved_id))
    if results.data_source == "bundled":  # why not the chapter's ~99%
        st.caption(t("train.results_offline_note"))
    run = results.run
    if results.is_active:
        with st.container(border=True):
            st.markdown(t("train.active_note", quantity=results.epochs_done, epochs=results.epochs_done,
                          optimizer=config.optimizer, batch=config.batch_size, samples=f"{results.train_samples:,}",
                          accuracy=f"{evaluation.test_accuracy:.2%}"))
            with st.container(horizontal=True, vertical_alignment="center"):
                draw = page_info("draw")
                st.page_link(draw.path, label=t("train.draw_link"), icon=draw.icon)
                st.download_button(t("train.download"), data=lambda: recipe.model_bytes(results.model()),
                                   file_name="cnnlab_model.keras", mime="application/octet-stream",
                                   icon=":material/download:", key=keys.TRAIN_DOWNLOAD, help=t("train.download_help"))

    matrix_col, class_col = st.columns([1.1, 1])
    with matrix_col:
        st.markdown(f"**{t('train.confusion_heading')}**")
        st.caption(t("train.confusion_caption"))
        show_chart(memo_figure(run, "confusion", (id(evaluation), current_language()),
                               lambda: confusion_figure(evaluation.confusion)), key=keys.TRAIN_CONFUSION_CHART,
                   alt=chart_texts.confusion(evaluation.confusion))
    with class_col:
        st.markdown(f"**{t('train.per_class_heading')}**")
        st.caption(t("train.per_class_caption"))
        show_chart(memo_figure(run, "per_class", (id(evaluation),), lambda: per_class_figure(evaluation)),
                   key=keys.TRAIN_PER_CLASS_CHART, alt=chart_texts.per_digit(evaluation.per_class_accuracy))
        epoch_table(results.history)

    st.markdown(f"**{t('train.mistakes_heading')}**")
    mistakes = evaluation.mistakes
    if not mistakes:
        st.success(t("train.no_mistakes"))
    else:
        shown = min(24, len(mistakes))
        wrong_total = int(evaluation.confusion.sum() - np.trace(evaluation.confusion))
        st.caption(t("train.mistakes_caption", shown=shown, total=f"{wrong_total:,}"))
        show_chart(memo_figure(run, "mistakes", (id(evaluation), shown), lambda: mistakes_figure(evaluation, shown)),
                   key=keys.TRAIN_MISTAKES_CHART, alt=chart_texts.mistakes(list(mistakes[:shown]), wrong_total))
    family_comparison_views.results_comparison(results, keys.TRAIN_COMPARE_CHART)


def epoch_table(history: History) -> None:
    records = history.epochs
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
