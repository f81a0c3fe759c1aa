"""The learner's saved work in the UI: the store's one door (`store()`), its messages, the sidebar's
"your saved work" (counts, forget me) and the session's part in the learner's trainings.

Every store call of a page goes through `store()` (None when the database cannot be reached: the page
says so and works on without saving) and turns a StoreError into a sentence with `error_text`.
"""

from __future__ import annotations

import logging

import streamlit as st

from cnnlab import learner_trainings, limits
from cnnlab import store as store_module
from cnnlab.store import StoreError
from components import learner, session_life
from components import state_keys as keys
from components.i18n import t

logger = logging.getLogger(__name__)

# What a session keeps of the learner that "forget me" must drop too.
SESSION_WORK = (keys.TRAINED_MODEL, keys.TRAINING_JOB, keys.TRAINING_RUN, keys.LAST_DRAWN_DIGIT, keys.DRAW_READING,
                keys.TRAIN_SHOWN_MODEL, keys.PROGRESS, keys.CHECKS_ANSWERED)


def store() -> store_module.Store | None:
    """The process's store, or None (logged) while its database cannot be opened."""
    try:
        return store_module.shared()
    except StoreError:
        return None


def error_text(error: StoreError) -> str:
    """The learner's sentence for a refused or failed store call."""
    values = dict(error.values)
    if "limit" in values and "size" in values:
        values = {"size": _size_text(values["size"]), "limit": _size_text(values["limit"])}
    try:
        return t(f"store.err_{error.reason}", **values)
    except KeyError:
        return t("store.err_unavailable")


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} kB"


def notice(kind: str, text: str) -> None:
    """Show `text` on the next run (after st.rerun)."""
    st.session_state[keys.STORE_NOTICE] = (kind, text)


def show_notice() -> None:
    pending = st.session_state.pop(keys.STORE_NOTICE, None)
    if pending is not None:
        kind, text = pending
        (st.success if kind == "success" else st.error)(text, icon=":material/check_circle:" if kind == "success"
                                                         else ":material/error:")


# ------------------------------------------------------------------ the session's part in trainings

def track_session() -> None:
    """Each run: this session is one of its learner's (their training lives while one is connected)."""
    registry = learner_trainings.shared_registry()
    registry.is_connected = registry.is_connected or session_life.connected_check()
    who, session_id = learner.learner_id(), session_life.current_session_id()
    if session_id is not None:
        registry.seen(who, session_id)


# ------------------------------------------------------------------ the sidebar

def sidebar_summary() -> None:
    """What the learner has kept on this server, and "forget me"."""
    if st.session_state.get(keys.FORGET_ASKING):
        forget_dialog()
    panel = st.expander(t("store.sidebar_title"), icon=":material/inventory_2:", key=keys.SAVED_WORK_PANEL,
                        on_change="rerun")
    if not panel.open:
        return
    with panel:
        s = store()
        if s is None:
            st.caption(t("store.err_unavailable"))
            return
        try:
            counts = s.counts(learner.learner_id())
        except StoreError as exc:
            st.caption(error_text(exc))
            return
        st.markdown(t("store.counts", models=counts.models, max_models=counts.max_models, drawings=counts.drawings,
                      max_drawings=counts.max_drawings) + "  \n" + t("store.answers_kept", answers=counts.answers, max_answers=limits.MAX_ANSWERS))
        st.caption(t("store.where_note", minutes=int(limits.ABANDON_AFTER_S // 60)))
        st.button(t("store.forget"), icon=":material/delete_forever:", key=keys.FORGET_ME, on_click=_asking, args=(True,))


def forget_dialog() -> None:
    """Ask before deleting: a dialog titled in the session's language (so made at each call)."""
    st.dialog(t("store.forget_title"), width="small", on_dismiss=_stop_asking)(_forget_question)()


def _asking(value: bool) -> None:
    st.session_state[keys.FORGET_ASKING] = value


def _stop_asking() -> None:
    _asking(False)


def _forget_question() -> None:
    st.markdown(t("store.forget_body"))
    with st.container(horizontal=True):
        if st.button(t("store.forget_confirm"), type="primary", icon=":material/delete_forever:",
                     key=keys.FORGET_CONFIRM):
            forget_everything()
        if st.button(t("store.forget_cancel"), key=keys.FORGET_CANCEL):
            _asking(False)
            st.rerun()


def forget_everything() -> None:
    """Delete everything of this learner's (store, this process's training, this session), then a new id."""
    _asking(False)
    who = learner.learner_id()
    learner_trainings.shared_registry().forget(who)
    s = store()
    try:
        if s is None:
            raise StoreError("unavailable")
        s.forget_learner(who)
    except StoreError as exc:
        notice("error", error_text(exc))
        st.rerun()
    for key in SESSION_WORK:
        st.session_state.pop(key, None)
    learner.forget()
    notice("success", t("store.forgotten"))
    st.rerun()
