"""One change to Streamlit's runtime, applied once per process (by resources.start_warmup, at server start).

After every script run Streamlit's ScriptRunner calls a private function,
`streamlit.runtime.scriptrunner.script_runner._clean_problem_modules`, which calls
`keras.backend.clear_session()` in that session's thread. That resets Keras' and TensorFlow's
process-wide state (default graph, kernel cache, name counters) and runs a full garbage collection
while other sessions' threads trace and run models, which can hang the server. Rule: no session resets
process-wide state (docs/server-design.md). The replacement does what Streamlit's cleanup does except
clearing Keras.

Streamlit is pinned for this (requirements.txt). The day the private function moves or changes,
applying the patch logs an error that says what to check, and tests/unit/test_private_apis.py fails.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import sys
import threading
from types import CodeType, ModuleType

logger = logging.getLogger(__name__)

MODULE = "streamlit.runtime.scriptrunner.script_runner"
FUNCTION = "_clean_problem_modules"
# The names Streamlit's cleanup uses in the pinned version: it clears keras and closes matplotlib's
# figures. Any other set means it does something the replacement does not know about.
CLEANUP_NAMES = frozenset({"sys", "modules", "cast", "backend", "clear_session", "Exception", "close"})
WHAT_TO_CHECK = (f"check {MODULE}.{FUNCTION} in the installed Streamlit against "
                 "components/streamlit_patches.py, and update the replacement and the pin in requirements.txt")

_lock = threading.Lock()
_applied = False
_streamlit_cleanup = None  # Streamlit's own function, kept once replaced


def _clean_problem_modules_without_keras() -> None:
    """Streamlit's cleanup minus keras.backend.clear_session(): matplotlib figures are still closed."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close("all")
        except Exception:  # noqa: BLE001 - as in Streamlit: a cleanup must not break the app
            logger.warning("closing matplotlib figures failed", exc_info=True)


def streamlit_cleanup(script_runner: ModuleType):
    """Streamlit's own after-run cleanup (also once replaced), or None if the module has none."""
    current = getattr(script_runner, FUNCTION, None)
    return _streamlit_cleanup if current is _clean_problem_modules_without_keras else current


def _code_objects(code: CodeType):
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _code_objects(const)


def _names_used_by(cls: type) -> set[str]:
    """Every global or attribute name the methods of `cls` (nested functions included) refer to."""
    names: set[str] = set()
    for member in vars(cls).values():
        if inspect.isfunction(member):
            for code in _code_objects(member.__code__):
                names.update(code.co_names)
    return names


def why_it_cannot_apply(script_runner: ModuleType) -> str | None:
    """None when the replacement fits this Streamlit; else what no longer matches."""
    cleanup = streamlit_cleanup(script_runner)
    if not callable(cleanup):
        return f"{FUNCTION} is gone"
    runner = getattr(script_runner, "ScriptRunner", None)
    if not isinstance(runner, type) or FUNCTION not in _names_used_by(runner):
        return f"ScriptRunner no longer calls {FUNCTION}: replacing it changes nothing"
    code = getattr(cleanup, "__code__", None)
    names = set(code.co_names) if code is not None else set()
    if names != CLEANUP_NAMES:
        return f"{FUNCTION} changed: it uses {sorted(names)}, the replacement knows {sorted(CLEANUP_NAMES)}"
    return None


def keep_keras_state_between_runs() -> bool:
    """Stop Streamlit from clearing the Keras session after each script run; True if applied now.

    When the patch no longer fits the installed Streamlit, nothing is replaced and an error is logged.
    """
    global _applied, _streamlit_cleanup
    with _lock:
        if _applied:
            return False
        try:
            script_runner = importlib.import_module(MODULE)
        except ImportError as exc:
            problem = f"{MODULE} cannot be imported ({exc})"
        else:
            problem = why_it_cannot_apply(script_runner)
        if problem is not None:
            logger.error("Streamlit will clear the Keras session after every run (%s): %s", problem, WHAT_TO_CHECK)
            return False
        _streamlit_cleanup = getattr(script_runner, FUNCTION)
        setattr(script_runner, FUNCTION, _clean_problem_modules_without_keras)
        _applied = True
        return True
