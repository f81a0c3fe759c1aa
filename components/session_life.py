"""Is the session that started some background work still there? (For trainings: cnnlab.training.)

Streamlit keeps one AppSession per browser tab. When the tab's websocket closes (tab closed,
browser gone, network lost) the runtime drops the session from its active sessions at once;
it may keep it a while for a reconnect, and a reconnecting tab makes it active again.
`Runtime.instance().is_active_session(session_id)` answers exactly that and is documented in
Streamlit's source as safe to call from any thread (streamlit/runtime/runtime.py).

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
    return alive_while_active(Runtime.instance().is_active_session, ctx.session_id, grace_s)


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
