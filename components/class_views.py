"""The student's side of a class: "your class" in the sidebar (join with the code and an optional nickname,
leave), Draw's "send to my class: this was a 7", and the class's model offered on Draw.

A student sees their own membership and how many drawings they sent, never another student's drawings.
Nicknames and class names are the users' text: shown with st.text or escaped, never as Markdown or HTML.
"""

from __future__ import annotations

import math
import time

import numpy as np
import streamlit as st

from cnnlab import limits
from cnnlab.store import Backoff, Membership, StoreError
from components import learner
from components import state_keys as keys
from components.i18n import t
from components.saved_work import error_text, store
from components.ui import plain_text

# Wrong join codes slow the next try of that learner (as wrong teacher keys do): codes cannot be guessed fast.
CODE_BACKOFF = Backoff()
_last_sweep = [-math.inf]  # when this process last looked for expired classes (time.monotonic)


def membership() -> Membership | None:
    """This learner's class, or None (not in one, or the store cannot be reached)."""
    s = store()
    if s is None:
        return None
    try:
        return s.membership(learner.learner_id())
    except StoreError:
        return None


def sweep_expired() -> None:
    """Delete the classes past their retention period: at a process's first run, then at most every
    limits.RETENTION_CHECK_S (one cheap query; a failure is tried again at the next run)."""
    now = time.monotonic()
    if now - _last_sweep[0] < limits.RETENTION_CHECK_S:
        return
    _last_sweep[0] = now
    s = store()
    try:
        if s is not None:
            s.delete_expired_classes()
    except StoreError:
        _last_sweep[0] = -math.inf


def sidebar_control() -> None:
    """The sidebar's "your class": built only while open."""
    sweep_expired()
    panel = st.expander(t("class.panel_title"), icon=":material/groups:", key=keys.CLASS_PANEL, on_change="rerun")
    if not panel.open:
        return
    with panel:
        member = membership()
        if member is None:
            join_form()
        else:
            member_view(member)


def join_form() -> None:
    st.caption(t("class.join_lead"))
    st.text_input(t("class.code_label"), key=keys.CLASS_CODE_INPUT, max_chars=12, placeholder="ABC234")
    st.text_input(t("class.nickname_label"), key=keys.CLASS_NICKNAME_INPUT, max_chars=limits.NICKNAME_MAX_CHARS,
                  help=t("class.nickname_help"))
    if st.button(t("class.join"), key=keys.CLASS_JOIN, icon=":material/login:"):
        join(st.session_state.get(keys.CLASS_CODE_INPUT, ""), st.session_state.get(keys.CLASS_NICKNAME_INPUT, ""))


def join(code: str, nickname: str) -> None:
    who, s = learner.learner_id(), store()
    wait = CODE_BACKOFF.wait_s(who)
    if s is None:
        st.error(t("store.err_unavailable"), icon=":material/error:")
    elif wait > 0:
        st.error(t("class.err_wait", seconds=int(np.ceil(wait))), icon=":material/hourglass:")
    else:
        try:
            s.join_class(who, code, nickname)
        except StoreError as exc:
            if exc.reason == "not_found":
                CODE_BACKOFF.failed(who)
                st.error(t("class.err_no_class"), icon=":material/error:")
            else:
                st.error(error_text(exc), icon=":material/error:")
            return
        CODE_BACKOFF.succeeded(who)
        st.rerun()


def member_view(member: Membership) -> None:
    st.caption(t("class.you_are_in"))
    st.text(member.name or member.code)  # the teacher's text: plain
    st.caption(t("class.code_is", code=member.code))
    if member.nickname:
        st.caption(t("class.nickname_is", nickname=plain_text(member.nickname)))
    try:
        sent = store().sent_count(learner.learner_id())
    except (StoreError, AttributeError):
        sent = 0
    st.caption(t("class.sent", sent=sent, limit=limits.CLASS_DRAWINGS_PER_STUDENT,
                 per_minute=limits.CLASS_DRAWINGS_PER_MINUTE))
    st.caption(t("class.private_note"))
    st.button(t("class.leave"), key=keys.CLASS_LEAVE, icon=":material/logout:", on_click=_leave)


def _leave() -> None:
    s = store()
    if s is not None:
        try:
            s.leave_class(learner.learner_id())
        except StoreError:
            return
    st.session_state.pop(keys.CLASS_USE_MODEL, None)
    st.session_state.pop(keys.CLASS_MODEL, None)


# ------------------------------------------------------------------ Draw

def send_button(member: Membership | None, meant: int) -> bool:
    """Draw's "send to my class: this was a 7" beside "save drawing" (nothing outside a class)."""
    if member is None:
        return False
    return st.button(t("class.send", digit=int(meant)), key=keys.CLASS_SEND, icon=":material/send:",
                     help=t("class.send_help", per_minute=limits.CLASS_DRAWINGS_PER_MINUTE,
                            limit=limits.CLASS_DRAWINGS_PER_STUDENT))


def send(png: bytes, image: np.ndarray, meant: int) -> None:
    s = store()
    try:
        if s is None:
            raise StoreError("unavailable")
        s.send_class_drawing(learner.learner_id(), png, image, int(meant))
        # the count here: sending reruns only Draw's fragment, not the sidebar's "Drawings you sent"
        st.success(t("class.sent_done", digit=int(meant), sent=s.sent_count(learner.learner_id()),
                     limit=limits.CLASS_DRAWINGS_PER_STUDENT), icon=":material/check_circle:")
    except StoreError as exc:
        st.error(error_text(exc), icon=":material/error:")


def model_offer(member: Membership | None) -> None:
    """Draw: a member of a class with its own model may read with it (a toggle; off by default)."""
    if member is None or member.model_id is None:
        st.session_state.pop(keys.CLASS_USE_MODEL, None)
        return
    st.toggle(t("class.use_model"), key=keys.CLASS_USE_MODEL, help=t("class.use_model_help"))
