"""Is the session that started some background work still there? (For trainings: cnnlab.training and
cnnlab.learner_trainings, where a training belongs to its learner: any of the learner's sessions keeps it.)

Streamlit keeps one AppSession per browser tab. When the tab's websocket closes (tab closed,
browser gone, network lost) the runtime drops the session from its active sessions at once;
it may keep it a while for a reconnect, and a reconnecting tab makes it active again.
`Runtime.instance().is_active_session(session_id)` answers exactly that; Streamlit's source
documents it as safe to call from any thread (streamlit/runtime/runtime.py). It is not part of
Streamlit's public API: Streamlit is pinned (requirements.txt), a missing method is logged as an
error, and tests/unit/test_private_apis.py checks it against a live session.

A short grace period lets a tab whose connection blipped (Wi-Fi, a laptop lid opened again)
reconnect without losing its training; after it the work is abandoned.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

RECONNECT_GRACE_S = 3.0  # a session inactive this long has ended


def session_alive_checker(grace_s: float = RECONNECT_GRACE_S) -> Callable[[], bool] | None:
    """A function, callable from any thread, that is False once this script's session has ended.

    None outside a served app (AppTest, bare scripts): there is no session that could end.
    """
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return None
    is_active = getattr(Runtime.instance(), "is_active_session", None)
    if not callable(is_active):
        logger.error("Streamlit's Runtime has no is_active_session: trainings will not end with their browser tab; "
                     "check streamlit/runtime/runtime.py against components/session_life.py and the pin in "
                     "requirements.txt")
        return None
    return alive_while_active(is_active, ctx.session_id, grace_s)


def alive_while_active(is_active: Callable[[str], bool], session_id: str,
                       grace_s: float = RECONNECT_GRACE_S) -> Callable[[], bool]:
    """True while `is_active(session_id)`, and for `grace_s` after it last was."""
    last_seen = [time.monotonic()]

    def alive() -> bool:
        now = time.monotonic()
        if is_active(session_id):
            last_seen[0] = now
            return True
        return now - last_seen[0] < grace_s

    return alive


def current_session_id() -> str | None:
    """This script run's session id (None outside a served app)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.session_id


def connected_check() -> Callable[[str], bool] | None:
    """A function, callable from any thread, answering whether a session (by id) is connected now; None
    outside a served app. The learner's trainings ask it about every session of their learner
    (cnnlab.learner_trainings)."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return None
    is_active = getattr(Runtime.instance(), "is_active_session", None)
    return is_active if callable(is_active) else None
