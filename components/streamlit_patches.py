"""One change to Streamlit's runtime, applied once per process (by resources.start_warmup, at server start).

After every script run Streamlit calls `keras.backend.clear_session()` in that session's thread
(streamlit/runtime/scriptrunner/script_runner.py, `_clean_problem_modules`). That resets Keras'
and TensorFlow's process-wide state (default graph, kernel cache, name counters) and runs a full
garbage collection while other threads train: with a training building its graph, the server hung
(reproduced: open Draw, then start a training; both threads stuck, see tests/unit/
test_concurrency_runtime.py). A server shared by a class must never reset process-wide state from one
session, so the Keras part is dropped; everything else Streamlit does after a run stays.
"""

from __future__ import annotations

import logging
import sys
import threading

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_applied = False


def _clean_problem_modules_without_keras() -> None:
    """Streamlit's cleanup minus keras.backend.clear_session(): matplotlib figures are still closed."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close("all")
        except Exception:  # noqa: BLE001 - as in Streamlit: a cleanup must not break the app
            logger.warning("closing matplotlib figures failed", exc_info=True)


def keep_keras_state_between_runs() -> bool:
    """Stop Streamlit from clearing the Keras session after each script run; True if applied now."""
    global _applied
    with _lock:
        if _applied:
            return False
        from streamlit.runtime.scriptrunner import script_runner

        if not hasattr(script_runner, "_clean_problem_modules"):
            logger.warning("Streamlit has no _clean_problem_modules any more: check whether it still clears Keras")
            return False
        script_runner._clean_problem_modules = _clean_problem_modules_without_keras
        _applied = True
        return True
