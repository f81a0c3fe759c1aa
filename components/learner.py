"""Who the learner is: an anonymous id that this browser keeps in a cookie (no account, no name).

Every tab and every reload of the same browser is the same learner; the id is never put in a URL (a
shared link must not carry someone's work). A new browser gets a random id from the server, which a
small component stores in a first-party cookie; later sessions read it from the websocket request
(st.context.cookies). A tab that started without the cookie adopts the id the browser ends up holding,
so two tabs opened at the same moment still agree. `forget()` gives the browser a new id.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
from pathlib import Path

import streamlit as st

from components import state_keys as keys

logger = logging.getLogger(__name__)

COOKIE = "cnnlab_learner"
MAX_AGE_S = 365 * 24 * 3600
_VALID = re.compile(r"^[0-9a-f]{32}$")
_SCRIPT = Path(__file__).with_name("learner_cookie.js")


def is_valid(value: object) -> bool:
    """A learner id is 32 lowercase hex digits (128 random bits); anything else a browser sends is ignored."""
    return isinstance(value, str) and bool(_VALID.match(value))


def new_id() -> str:
    return secrets.token_hex(16)


@functools.cache
def _cookie_component():
    # No styles of its own, so no shadow root: it renders nothing and only reads and writes the cookie.
    return st.components.v2.component("cnnlab.learner_cookie", js=_SCRIPT.read_text(encoding="utf-8"),
                                      isolate_styles=False)


def learner_id() -> str:
    """This session's learner id (read or made at the session's first run; see ensure())."""
    return st.session_state.get(keys.LEARNER_ID) or ensure()


def ensure() -> str:
    """Establish the learner id once per run (app.py calls it before any page).

    From the browser's cookie when it sent one; else a new id, which the cookie component writes to the
    browser (and, if the browser already held another one, the session takes that one on the next run).
    """
    current = st.session_state.get(keys.LEARNER_ID)
    if current is None:
        sent = st.context.cookies.get(COOKIE)
        if is_valid(sent):
            st.session_state[keys.LEARNER_ID] = sent
            logger.debug("learner %s… from the browser's cookie", sent[:6])
            return sent
        current = st.session_state[keys.LEARNER_ID] = new_id()
        st.session_state[keys.LEARNER_COOKIE_PENDING] = True
    if st.session_state.get(keys.LEARNER_COOKIE_PENDING):
        _sync_cookie(current)
    return st.session_state[keys.LEARNER_ID]


def _sync_cookie(proposed: str) -> None:
    replace = bool(st.session_state.get(keys.LEARNER_REPLACE_COOKIE))
    result = _cookie_component()(data={"name": COOKIE, "proposed": proposed, "maxAge": MAX_AGE_S,
                                       "replace": replace},
                                 key=keys.learner_cookie(proposed), on_id_change=lambda: None, width="content",
                                 height="content")  # a key per proposal: no answer about an earlier id is read
    held = getattr(result, "id", None)
    if is_valid(held):
        st.session_state[keys.LEARNER_COOKIE_PENDING] = False
        st.session_state.pop(keys.LEARNER_REPLACE_COOKIE, None)
        if held != proposed:
            logger.debug("learner %s… adopted from the browser (proposed %s…)", held[:6], proposed[:6])
            st.session_state[keys.LEARNER_ID] = held


def forget() -> str:
    """Give this browser a new learner id (after the store has deleted everything of the old one)."""
    fresh = st.session_state[keys.LEARNER_ID] = new_id()
    st.session_state[keys.LEARNER_COOKIE_PENDING] = True
    st.session_state[keys.LEARNER_REPLACE_COOKIE] = True
    return fresh
