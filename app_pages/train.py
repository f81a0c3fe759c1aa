"""Train: the Model page's stack trained in the background, a live chart, then test results."""

import streamlit as st

from cnnlab import architecture as arch
from cnnlab import codegen, notebook, optimizers, recipe
from components import limits_views, page_checks, page_paths, presentation, saved_models_views
from components import model_editor as editor
from components import state_keys as keys
from components import training_views as views
from components.i18n import current_language, t
from components.notebook_views import notebook_button
from components.resources import mnist
from components.ui import code_panel, page_header
from components.watch_pace_views import pace_view

BATCH_SIZES = [8, 16, 32, 64, 128, 256]
LEARNING_RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1]
FRACTIONS = [0.05, 0.1, 0.25, 0.5, 1.0]
VALIDATION_SPLITS = [0.0, 0.1, 0.2, 0.3]
CHAPTER = recipe.TrainConfig()  # the chapter's settings are the page's defaults


def optimizer_changed() -> None:
    optimizer = st.session_state[keys.TRAIN_OPTIMIZER]
    st.session_state[keys.TRAIN_LEARNING_RATE] = optimizers.default_learning_rate(optimizer)


def settings_ui(n_train: int, busy: bool) -> recipe.TrainConfig:
    """The training settings, locked while this session's training is active."""
    st.subheader(t("train.settings_heading"))
    # Seeded, not given as widget defaults: presentation mode's pace, the optimizer's callback and "try this next"
    # write them (Streamlit warns when a widget has a default and a Session State value).
    for key, value in ((keys.TRAIN_EPOCHS, CHAPTER.epochs), (keys.TRAIN_FRACTION, CHAPTER.data_fraction),
                       (keys.TRAIN_LEARNING_RATE, CHAPTER.learning_rate), (keys.TRAIN_BATCH_SIZE, CHAPTER.batch_size),
                       (keys.TRAIN_VALIDATION, CHAPTER.validation_split)):
        st.session_state.setdefault(key, value)
    left, middle, right = st.columns(3)
    with left:
        epochs = st.slider(t("train.epochs"), 1, 20, key=keys.TRAIN_EPOCHS, help=t("train.epochs_help"),
                           disabled=busy, persist_state="session")
        batch_size = st.select_slider(t("train.batch_size"), BATCH_SIZES, key=keys.TRAIN_BATCH_SIZE,
                                      help=t("train.batch_size_help"), disabled=busy, persist_state="session")
    with middle:
        optimizer = st.selectbox(t("train.optimizer"), optimizers.NAMES, key=keys.TRAIN_OPTIMIZER,
                                 format_func={o: t(f"train.opt_{o}") for o in optimizers.NAMES}.get,
                                 help=t("train.optimizer_help"),
                                 on_change=optimizer_changed, disabled=busy, persist_state="session")
        learning_rate = st.select_slider(t("train.learning_rate"), LEARNING_RATES, key=keys.TRAIN_LEARNING_RATE,
                                         format_func=lambda v: f"{v:g}", help=t("train.learning_rate_help"),
                                         disabled=busy, persist_state="session")
    with right:
        fraction = st.select_slider(
            t("train.fraction"), FRACTIONS, key=keys.TRAIN_FRACTION,
            help=t("train.fraction_help"),
            format_func={f: t("train.fraction_option", percent=f"{f:.0%}", count=f"{round(n_train * f):,}")
                         for f in FRACTIONS}.get,
            disabled=busy, persist_state="session")
        validation_split = st.select_slider(
            t("train.validation"), VALIDATION_SPLITS, key=keys.TRAIN_VALIDATION,
            help=t("train.validation_help"),
            format_func={v: f"{v:.0%}" if v else t("train.validation_none") for v in VALIDATION_SPLITS}.get,
            disabled=busy, persist_state="session")
    return recipe.TrainConfig(epochs=epochs, batch_size=batch_size, optimizer=optimizer, learning_rate=learning_rate,
                              data_fraction=fraction, validation_split=validation_split)


def start_stop_ui(start_area, stack, config: recipe.TrainConfig, busy: bool, blocker: str | None) -> None:
    """Start (disabled while this session trains, or when the stack cannot train) and Stop."""
    job = views.current_job()
    with start_area, st.container(horizontal=True, vertical_alignment="center"):
        start = st.button(t("train.start"), icon=":material/play_arrow:", type="primary", key=keys.TRAIN_START,
                          disabled=busy or blocker is not None)
        if start and not busy and blocker is None:  # a disabled button's click is still a message from the browser
            views.start_training(stack, config)
            st.rerun()  # draw the page again with the controls locked and the live panel
        if busy and job is not None:
            st.button(t("train.stop"), icon=":material/stop:", key=keys.TRAIN_STOP, on_click=job.stop)
    views.run_notes(start_area, blocker, job if busy else None)


def train_page() -> None:
    page_header("train")
    saved_models_views.lost_training_panel()
    # On a projector Start and the live chart come right under the title, above the fold; the settings follow.
    run_row = st.container() if presentation.is_on() else None
    data, stack = mnist(), editor.current_spec()
    job = views.current_job()
    busy = job is not None and job.active
    editor.family_picker(keys.TRAIN_FAMILY, disabled=busy)
    if busy:
        views.show_job_settings(job)
    views.model_card(job.stack if busy else stack, data)
    config = settings_ui(len(data.x_train), busy)
    views.split_note(len(data.x_train), config)
    over_budget = limits_views.cost_view(stack, config, data)
    with run_row if run_row is not None else st.container():
        start_area, live_area = presentation.side_by_side()  # presentation mode: the live chart beside Start
        watch_area = st.container() if run_row is not None else None  # ...and the watch panel under both
    start_stop_ui(start_area, stack, config, busy, editor.training_blocker(arch.analyze(stack)) or over_budget)
    if run_row is not None and not busy:  # a projector: how long the class will watch, beside Start (the live
        pace_view(live_area, stack, config, CHAPTER, data, tuple(FRACTIONS))  # chart's place until Start)
    views.job_panels(job, live_area, watch_area)
    saved_models_views.saved_models_section()
    st.subheader(t("train.code_heading"))
    code_panel(codegen.training_code(stack, config, source=data.source, train_size=len(data.x_train),
                                     lang=current_language()))
    notebook_button("train", lambda lang: notebook.training(stack, config, data.source, len(data.x_train), lang),
                    with_digits=data.source == "bundled")
    page_checks.train(len(data.x_train), config)
    page_paths.train(len(data.x_train), config, busy)


train_page()
