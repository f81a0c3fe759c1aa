"""The Teacher page's parts: sign in with the teacher key (or create a class), then the class's live view made
for the projector (gallery by digit, confusion matrix with a click to its drawings, the questions the class
misses), the fine-tune on the class's drawings, and the class's data (export, delete).

Rules:
- Everything after sign-in needs this session's TEACHER_CLASS, which only a right teacher key sets (kept
  in the session, never in a URL). A wrong key gets a plain message; that learner's next try waits a
  growing while (cnnlab.store.Backoff: nothing sleeps).
- Live without cost: a small fragment reads the class's version every REFRESH_S and reruns the page only
  when it changed; the readings of the drawings are reused while version and model stay the same.
- Nicknames and class names are users' text: st.text, dataframe cells or plain_text, never Markdown.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnlab import class_results, data, fine_tune, limits, models, training
from cnnlab import store as store_module
from cnnlab.store import Backoff, ClassInfo, ClassVersion, StoreError
from components import chart_texts, learner
from components import state_keys as keys
from components.charts import click_targets, selected_cell
from components.i18n import t
from components.pages import PAGES
from components.resources import pretrained_model, pretrained_rnn_model
from components.saved_work import error_text, store
from components.training_charts import confusion_figure
from components.training_views import live_panel, start_job
from components.ui import plain_text, show_chart, thumbnail

logger = logging.getLogger(__name__)

REFRESH_S = 3.0  # the live check's period: a new drawing shows within this
KEY_BACKOFF = Backoff()
THUMB_PX = 56
CELL_PX = 72
CODE_METRIC_PX = 180  # six characters at the metric's size, never wrapped
COUNT_METRIC_PX = 100
CELL_COLUMNS = 3  # a cell's drawings beside the matrix
CONFUSION_PX = 380  # the matrix and its labels within a projector's 480 px
CLICK_MARKER_PX = 30  # a confusion cell's click target (the 460 px chart's cells are ~38 px)


@dataclass(frozen=True)
class ClassData:
    drawings: list  # cnnlab.store.ClassDrawing, oldest first
    readings: class_results.Readings
    model_name: str

    @property
    def meant(self) -> np.ndarray:
        return np.array([d.digit for d in self.drawings], dtype=np.int64)


# ------------------------------------------------------------------ signing in

def signed_in() -> ClassInfo | None:
    """The class this session's teacher key opened (None: not signed in, or the class is gone)."""
    opened, s = st.session_state.get(keys.TEACHER_CLASS), store()
    if opened is None or s is None:
        return None
    try:
        info = s.class_info(opened[0])
    except StoreError:
        info = None
    # the id and the code: a deleted class's id taken by a new class does not open the new one
    if info is None or info.code != opened[1]:
        sign_out()
        return None
    return info


def sign_in_ui() -> None:
    if store() is None:
        st.error(t("store.err_unavailable"), icon=":material/error:")
        return
    st.info(t("teacher.students_note"), icon=":material/info:")
    open_tab, create_tab = st.tabs([t("teacher.open_tab"), t("teacher.create_tab")])
    with open_tab, st.form(keys.TEACHER_OPEN_FORM):
        code = st.text_input(t("teacher.code_label"), key=keys.TEACHER_CODE_INPUT, max_chars=12)
        key = st.text_input(t("teacher.key_label"), key=keys.TEACHER_KEY_INPUT, type="password",
                            max_chars=limits.TEACHER_KEY_MAX_CHARS)
        if st.form_submit_button(t("teacher.open"), icon=":material/key:", key=keys.TEACHER_OPEN):
            open_class(code, key)
    with create_tab, st.form(keys.TEACHER_CREATE_FORM):
        name = st.text_input(t("teacher.name_label"), key=keys.TEACHER_NAME_INPUT,
                             max_chars=limits.CLASS_NAME_MAX_CHARS, placeholder=t("teacher.name_placeholder"))
        st.caption(t("teacher.create_note", days=int(store_module.retention_days())))
        if st.form_submit_button(t("teacher.create"), icon=":material/add:", key=keys.TEACHER_CREATE):
            create_class(name)


def open_class(code: str, key: str) -> None:
    who = learner.learner_id()
    wait = KEY_BACKOFF.wait_s(who)
    if wait > 0:
        st.error(t("teacher.err_wait", seconds=math.ceil(wait)), icon=":material/hourglass:")
        return
    try:
        info = store().class_with_key(code, key)
    except StoreError as exc:
        st.error(error_text(exc), icon=":material/error:")
        return
    if info is None:
        delay = KEY_BACKOFF.failed(who)
        st.error(t("teacher.err_wrong_key", seconds=math.ceil(delay)), icon=":material/error:")
        return
    KEY_BACKOFF.succeeded(who)
    st.session_state[keys.TEACHER_CLASS] = (info.id, info.code)
    st.rerun()


def create_class(name: str) -> None:
    try:
        info, key = store().create_class(learner.learner_id(), name or t("teacher.name_placeholder"))
    except StoreError as exc:
        st.error(error_text(exc), icon=":material/error:")
        return
    st.session_state[keys.TEACHER_CLASS] = (info.id, info.code)
    st.session_state[keys.TEACHER_NEW_KEY] = (info.id, info.code, key)
    st.rerun()


def sign_out() -> None:
    for key in (keys.TEACHER_CLASS, keys.TEACHER_NEW_KEY, keys.TEACHER_READINGS, keys.TEACHER_BUILT_VERSION,
                keys.TEACHER_QUESTIONS, keys.TEACHER_CELL_MEANT, keys.TEACHER_CELL_READ):
        st.session_state.pop(key, None)


def new_key_notice(info: ClassInfo) -> None:
    """A new class's teacher key, shown this once (copy or download it), until the teacher says it is kept."""
    shown = st.session_state.get(keys.TEACHER_NEW_KEY)
    if shown is None or shown[0] != info.id:
        return
    _, code, key = shown
    with st.container(border=True):
        st.warning(t("teacher.key_once"), icon=":material/key:")
        st.code(key, language=None)
        with st.container(horizontal=True):
            st.download_button(t("teacher.key_download"), f"CNN Lab\n{t('teacher.code_label')}: {code}\n"
                               f"{t('teacher.key_label')}: {key}\n", file_name=f"cnnlab-class-{code}.txt",
                               mime="text/plain", key=keys.TEACHER_NEW_KEY_DOWNLOAD, icon=":material/download:")
            st.button(t("teacher.key_kept"), key=keys.TEACHER_NEW_KEY_KEPT, icon=":material/check:",
                      on_click=lambda: st.session_state.pop(keys.TEACHER_NEW_KEY, None))


# ------------------------------------------------------------------ the class, live

def header(info: ClassInfo, version: ClassVersion) -> str:
    """One row for the projector's first screen: the join code, the counts, the model that reads; the model's name."""
    with st.container(horizontal=True, vertical_alignment="bottom", key=keys.TEACHER_HEADER):
        st.metric(t("teacher.join_code"), info.code, width=CODE_METRIC_PX)
        st.metric(t("teacher.students"), version.members, width=COUNT_METRIC_PX)
        st.metric(t("teacher.drawings"), version.drawings, width=COUNT_METRIC_PX)
        choice = model_choice(info, version)
        st.button(t("teacher.sign_out"), key=keys.TEACHER_SIGN_OUT, icon=":material/logout:", on_click=sign_out)
    # the class's name is the teacher's text: escaped, never Markdown
    st.caption(t("teacher.join_how", name=plain_text(info.name, limits.CLASS_NAME_MAX_CHARS), code=info.code))
    return choice


def live_check(class_id: int) -> None:
    """Every REFRESH_S: read the class's version (cheap) and rerun the page only when it changed."""

    @st.fragment(run_every=REFRESH_S)
    def check() -> None:
        try:
            version = store().class_version(class_id)
        except (StoreError, AttributeError):
            return
        if version != st.session_state.get(keys.TEACHER_BUILT_VERSION):
            st.rerun()

    check()


def model_choice(info: ClassInfo, version: ClassVersion) -> str:
    """Which model reads the drawings: the shipped CNN, the shipped RNN (if present), the class's model."""
    options = ["cnn"] + (["rnn"] if models.pretrained_info("rnn") is not None else [])
    options += ["class"] if version.model_id is not None else []
    if st.session_state.get(keys.TEACHER_MODEL) not in options:
        st.session_state[keys.TEACHER_MODEL] = "cnn"
    return st.segmented_control(t("teacher.model_label"), options, key=keys.TEACHER_MODEL, required=True,
                                format_func=lambda o: t(f"teacher.model_{o}"))


@st.cache_resource(max_entries=4, show_spinner=False)
def _class_keras_model(class_id: int, model_id: int):
    """A class's model, built once per process (it is read by the teacher's view, never trained)."""
    found = store().class_model(class_id)
    return None if found is None else store_module.restore_model(found[1])


def reader(info: ClassInfo, version: ClassVersion, choice: str):
    if choice == "class" and version.model_id is not None:
        return _class_keras_model(info.id, version.model_id)
    return pretrained_rnn_model() if choice == "rnn" else pretrained_model()


def class_data(info: ClassInfo, version: ClassVersion, choice: str) -> ClassData | None:
    """The class's drawings and the chosen model's readings, reused while neither changed."""
    held = st.session_state.get(keys.TEACHER_READINGS)
    if held is not None and held[:3] == (info.id, version, choice):
        return held[3]
    model = reader(info, version, choice)
    if model is None:
        st.error(t("common.model_missing"), icon=":material/error:")
        return None
    same_reader = held is not None and held[0] == info.id and held[2] == choice and held[1].model_id == version.model_id
    known = class_results.known_readings([d.id for d in held[3].drawings], held[3].readings) if same_reader else {}
    drawings = store().class_drawings(info.id)
    found = ClassData(drawings, class_results.read_new(model, [d.id for d in drawings], [d.image for d in drawings],
                                                      known), t(f"teacher.model_{choice}"))
    st.session_state[keys.TEACHER_READINGS] = (info.id, version, choice, found)
    return found


def gallery_view(found: ClassData) -> None:
    """Per digit meant, the drawings with what the model read: misread ones first."""
    if not found.drawings:
        st.info(t("teacher.gallery_empty"), icon=":material/draw:")
        return
    predicted = found.readings.predicted
    st.caption(t("teacher.gallery_lead", model=found.model_name, shown=limits.CLASS_GALLERY_PER_DIGIT))
    for digit, order in class_results.gallery_order(found.meant, predicted).items():
        wrong = sum(1 for i in order if predicted[i] != digit)
        st.markdown(t("teacher.gallery_digit", quantity=len(order), digit=digit, count=len(order), wrong=wrong))
        shown = order[:limits.CLASS_GALLERY_PER_DIGIT]
        st.image([thumbnail(found.drawings[i].png, THUMB_PX) for i in shown], width=THUMB_PX,
                 caption=[("✗ " if predicted[i] != digit else "✓ ") + str(int(predicted[i])) for i in shown])


def _picked_cell() -> None:
    cell = selected_cell(st.session_state.get(keys.TEACHER_CONFUSION_CHART), 2)
    if cell is not None:
        st.session_state[keys.TEACHER_CELL_MEANT], st.session_state[keys.TEACHER_CELL_READ] = (
            min(max(cell[0], 0), 9), min(max(cell[1], 0), 9))


def confusion_view(info: ClassInfo, found: ClassData) -> None:
    """The class's confusion matrix for the chosen model; a click on a cell (or the two pickers) shows its drawings."""
    if not found.drawings:
        st.info(t("teacher.gallery_empty"), icon=":material/draw:")
        return
    matrix = class_results.confusion(found.meant, found.readings.predicted)
    st.caption(t("teacher.confusion_lead", model=found.model_name,
                 accuracy=f"{np.trace(matrix) / max(matrix.sum(), 1):.0%}", count=int(matrix.sum())))
    fig = confusion_figure(matrix)
    fig.update_layout(height=CONFUSION_PX)
    # plotly selects scatter points, not heatmap cells: invisible markers on the cells take the click (and the hover)
    fig.update_traces(hoverinfo="skip", hovertemplate=None, selector={"type": "heatmap"})
    fig.add_trace(click_targets((10, 10), size=CLICK_MARKER_PX, values=matrix, hovertemplate=(
        f"{t('train.true_label')} %{{customdata[0]}} → {t('train.predicted_label')} %{{customdata[1]}}: "
        "%{customdata[2]}<extra></extra>")))
    if keys.TEACHER_CELL_MEANT not in st.session_state:  # first show the class's most frequent misreading
        wrong = matrix - np.diag(np.diag(matrix))
        start = np.unravel_index(int(np.argmax(wrong if wrong.any() else matrix)), matrix.shape)
        st.session_state[keys.TEACHER_CELL_MEANT], st.session_state[keys.TEACHER_CELL_READ] = map(int, start)
    chart, cell = st.columns([3, 2])
    with chart:
        show_chart(fig, key=keys.TEACHER_CONFUSION_CHART, on_select=_picked_cell, projector_scaled=False,
                   alt=chart_texts.confusion(matrix))
    with cell:
        with st.container(horizontal=True):
            meant = st.selectbox(t("teacher.cell_meant"), range(10), key=keys.TEACHER_CELL_MEANT, width=120)
            read = st.selectbox(t("teacher.cell_read"), range(10), key=keys.TEACHER_CELL_READ, width=120)
        cell_view(info, found, int(meant), int(read))


def cell_view(info: ClassInfo, found: ClassData, meant: int, read: int) -> None:
    positions = class_results.in_cell(found.meant, found.readings.predicted, meant, read)
    st.markdown(t("teacher.cell_title", quantity=len(positions), meant=meant, read=read, count=len(positions)))
    for start in range(0, len(positions), CELL_COLUMNS):
        for column, i in zip(st.columns(CELL_COLUMNS), positions[start:start + CELL_COLUMNS], strict=False):
            drawing = found.drawings[i]
            with column:
                st.image(thumbnail(drawing.png, CELL_PX), width=CELL_PX)
                st.text(drawing.nickname or t("teacher.no_nickname"))
                st.button(t("teacher.delete_drawing"), key=keys.teacher_delete_drawing(drawing.id),
                          icon=":material/delete:", type="tertiary", on_click=_delete_drawing,
                          args=(info.id, drawing.id))


def _delete_drawing(class_id: int, drawing_id: int) -> None:
    try:
        store().delete_class_drawing(class_id, drawing_id)
    except (StoreError, AttributeError) as exc:  # already gone, or no store: the view shows what is left
        logger.info("teacher: drawing %s not deleted: %s", drawing_id, exc)


def questions_view(info: ClassInfo, version: ClassVersion) -> None:
    """Per page, the check questions the class's members answered since joining, most often wrong first."""
    held = st.session_state.get(keys.TEACHER_QUESTIONS)  # (class id, last answer, members, stats): reused
    if held is not None and held[:3] == (info.id, version.last_answer, version.members):
        stats = held[3]
    else:
        try:
            stats = store().class_questions(info.id)
        except StoreError as exc:
            st.error(error_text(exc), icon=":material/error:")
            return
        st.session_state[keys.TEACHER_QUESTIONS] = (info.id, version.last_answer, version.members, stats)
    if not stats:
        st.info(t("teacher.questions_empty"), icon=":material/quiz:")
        return
    st.caption(t("teacher.questions_lead"))
    order = {p.name: n for n, p in enumerate(PAGES)}
    for page in sorted({s.page for s in stats}, key=lambda p: order.get(p, len(order))):
        lines = [t("teacher.question_line", question=question_title(s.question_id), wrong=s.wrong,
                   students=s.students, share=f"{s.wrong / s.students:.0%}")
                 for s in stats if s.page == page]
        st.markdown(f"**{plain_text(page_title(page))}**  \n" + "  \n".join(lines))


def page_title(page: str) -> str:
    try:
        return t(f"nav.{page}")
    except KeyError:
        return page


def question_title(question_id: str) -> str:
    try:
        return t(f"teacher.q_{question_id}")
    except KeyError:
        return plain_text(question_id)


# ------------------------------------------------------------------ fine-tune

def fine_tune_view(info: ClassInfo, found: ClassData | None) -> None:
    """Start a fine-tune of the shipped CNN on the class's drawings; follow it; show before/after; adopt it."""
    st.caption(t("teacher.fine_tune_lead", held=f"{fine_tune.FineTuneSettings().held_out_share:.0%}",
                 epochs=fine_tune.FineTuneSettings().epochs, least=fine_tune.MIN_DRAWINGS))
    count = 0 if found is None else len(found.drawings)
    job = st.session_state.get(keys.TEACHER_FINE_TUNE_JOB)
    busy = job is not None and job.active
    if st.button(t("teacher.fine_tune_start", count=count), key=keys.TEACHER_FINE_TUNE_START,
                 icon=":material/model_training:", disabled=busy or count < fine_tune.MIN_DRAWINGS, type="primary"):
        start_fine_tune(info, found)
    if st.session_state.get(keys.TEACHER_FINE_TUNE_JOB) is not None:
        live_panel(keys.TEACHER_FINE_TUNE_JOB, fine_tune_progress)
        keep_result(info)
    numbers_view(info)


def start_fine_tune(info: ClassInfo, found: ClassData) -> None:
    settings = fine_tune.FineTuneSettings()
    images, labels = np.stack([d.image for d in found.drawings]), found.meant

    def make_job(owner_alive) -> training.FineTuneJob:
        return training.FineTuneJob(images, labels, settings, owner_alive=owner_alive)

    try:
        start_job(keys.TEACHER_FINE_TUNE_JOB, make_job)
    except (ValueError, training.OverBudget) as exc:
        st.error(t("teacher.fine_tune_refused", reason=plain_text(str(exc))), icon=":material/error:")


def fine_tune_progress(job: training.FineTuneJob) -> None:
    progress = job.progress()
    if progress.state == training.QUEUED:
        st.info(t("teacher.fine_tune_queued", position=progress.queue_position or 1), icon=":material/hourglass:")
    elif job.active:
        st.progress(progress.epoch / progress.epochs, text=t("teacher.fine_tune_running", epoch=progress.epoch,
                                                               epochs=progress.epochs))
    elif progress.state == training.FAILED:
        st.error(t("teacher.fine_tune_failed", error=plain_text(job.error or "")), icon=":material/error:")
    elif job.result is None:
        st.warning(t("teacher.fine_tune_stopped"), icon=":material/stop_circle:")


def keep_result(info: ClassInfo) -> None:
    """A finished fine-tune is saved with the class once (not yet its model: the teacher decides)."""
    job = st.session_state.get(keys.TEACHER_FINE_TUNE_JOB)
    saved = st.session_state.setdefault(keys.TEACHER_FINE_TUNE_SAVED, {})
    if job is None or job.result is None or job.id in saved:
        return
    record = fine_tune.model_record(job.result, job.settings, data.load_bundled(),
                                    f"{info.code} fine-tune {len(saved) + 1}")
    try:
        saved[job.id] = store().save_class_model(info.id, record, fine_tune.numbers(
            job.result, job.result.held_count + job.result.train_count))
    except StoreError as exc:
        st.error(error_text(exc), icon=":material/error:")


def numbers_view(info: ClassInfo) -> None:
    """The last fine-tune's numbers, before → after, and "make it the class's model"."""
    numbers, version = store().fine_tune_numbers(info.id), store().class_version(info.id)
    if numbers is None:
        return
    st.markdown(t("teacher.fine_tune_result", drawings=numbers["drawings"], held=numbers["held_count"]))
    held, test = st.columns(2)
    if numbers["held_before"] is not None:
        held.metric(t("teacher.held_accuracy"), f"{numbers['held_after']:.1%}",
                    delta=f"{(numbers['held_after'] - numbers['held_before']) * 100:+.1f} %p")
        held.caption(t("teacher.before", value=f"{numbers['held_before']:.1%}"))
    test.metric(t("teacher.test_accuracy"), f"{numbers['test_after']:.2%}",
                delta=f"{(numbers['test_after'] - numbers['test_before']) * 100:+.2f} %p")
    test.caption(t("teacher.before", value=f"{numbers['test_before']:.2%}"))
    if version.model_id == numbers["model_id"]:
        st.success(t("teacher.is_class_model"), icon=":material/check_circle:")
        st.button(t("teacher.back_to_shipped"), key=keys.TEACHER_SHIPPED_MODEL, on_click=_set_model,
                  args=(info.id, None))
    else:
        st.button(t("teacher.make_class_model"), key=keys.TEACHER_MAKE_CLASS_MODEL, type="primary",
                  icon=":material/verified:", on_click=_set_model, args=(info.id, numbers["model_id"]))


def _set_model(class_id: int, model_id: int | None) -> None:
    try:
        store().set_class_model(class_id, model_id)
    except (StoreError, AttributeError) as exc:  # gone meanwhile: the view says what is there
        logger.info("teacher: class %s's model not set: %s", class_id, exc)


# ------------------------------------------------------------------ the class's data

def data_view(info: ClassInfo, found: ClassData | None) -> None:
    """The members, export as one .zip, delete a student's drawings or the whole class."""
    members = store().class_members(info.id)
    st.caption(t("teacher.data_lead", days=int(store_module.retention_days())))
    if members:
        st.dataframe({t("teacher.col_nickname"): [m.nickname or t("teacher.no_nickname") for m in members],
                      t("teacher.col_drawings"): [m.drawings for m in members]}, hide_index=True)
    if found is not None and found.drawings:
        st.download_button(t("teacher.export", count=len(found.drawings)), key=keys.TEACHER_EXPORT,
                           data=lambda: class_results.export_zip(found.drawings, found.readings.predicted,
                                                                 found.model_name),
                           file_name=f"cnnlab-class-{info.code}.zip", mime="application/zip",
                           icon=":material/download:")
    if members:
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.selectbox(t("teacher.student_pick"), [m.learner for m in members], key=keys.TEACHER_STUDENT_PICK,
                         format_func=lambda w: next((m.nickname for m in members if m.learner == w), "")
                         or t("teacher.no_nickname"))
            st.button(t("teacher.delete_student"), key=keys.TEACHER_DELETE_STUDENT, icon=":material/delete:",
                      on_click=_delete_student, args=(info.id,))
    delete_class_ui(info)


def _delete_student(class_id: int) -> None:
    # the pick as it is now: a callback's args are from the run before (a pick changed with the click would be lost)
    who = st.session_state.get(keys.TEACHER_STUDENT_PICK)
    try:
        store().delete_student_drawings(class_id, who)
    except (StoreError, AttributeError) as exc:  # the view shows what is left
        logger.info("teacher: a student's drawings not deleted: %s", exc)


def delete_class_ui(info: ClassInfo) -> None:
    if not st.session_state.get(keys.TEACHER_DELETE_ASKING):
        st.button(t("teacher.delete_class"), key=keys.TEACHER_DELETE_CLASS, icon=":material/delete_forever:",
                  on_click=lambda: st.session_state.update({keys.TEACHER_DELETE_ASKING: True}))
        return
    st.warning(t("teacher.delete_class_ask"), icon=":material/warning:")
    with st.container(horizontal=True):
        st.button(t("teacher.delete_class_confirm"), key=keys.TEACHER_DELETE_CONFIRM, type="primary",
                  on_click=_delete_class, args=(info.id,))
        st.button(t("teacher.cancel"), key=keys.TEACHER_DELETE_CANCEL,
                  on_click=lambda: st.session_state.pop(keys.TEACHER_DELETE_ASKING, None))


def _delete_class(class_id: int) -> None:
    try:
        store().delete_class(class_id)
    except (StoreError, AttributeError):
        return
    st.session_state.pop(keys.TEACHER_DELETE_ASKING, None)
    sign_out()
