"""Two changes to Streamlit's runtime, applied once per process (by resources.start_warmup, at server start).

1. Keras' state is kept between runs:

After every script run Streamlit's ScriptRunner calls a private function,
`streamlit.runtime.scriptrunner.script_runner._clean_problem_modules`, which calls
`keras.backend.clear_session()` in that session's thread. That resets Keras' and TensorFlow's
process-wide state (default graph, kernel cache, name counters) and runs a full garbage collection
while other sessions' threads trace and run models, which can hang the server. Rule: no session resets
process-wide state (docs/server-design.md). The replacement does what Streamlit's cleanup does except
clearing Keras.

2. A widget value the widget cannot read is dropped: `SessionState.on_script_will_rerun` deserializes the
browser's new values before any of our code runs (to compare them with the last ones), so a forged message
(issue 22: a canvas value that is not JSON, data-editor edits of the wrong shape) raised on that session's
every later rerun, navigation included. The replacement reads each such value first, for the widgets whose
reading is pure (a component's json_value, st.data_editor's edits), and drops one that fails, with a
warning in the log; the widget keeps its last good value.

Streamlit is pinned for this (requirements.txt). The day a private function moves or changes, applying
the patch logs an error that says what to check, and tests/unit/test_private_apis.py fails.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
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


# ------------------------------------------------------------------ 2. widget values their widgets cannot read

STATE_MODULE = "streamlit.runtime.state.session_state"
RERUN_METHOD = "on_script_will_rerun"
_json_guard_applied = False


def _reads(state, metadata) -> bool:
    """Whether the widget can read this value from the browser (only tried where reading has no side effect)."""
    from streamlit.runtime.state.common import unpack_widget_state_value

    try:
        if state.WhichOneof("value") == "json_value":
            json.loads(state.json_value)
        if metadata is not None and type(getattr(metadata.deserializer, "__self__", None)).__name__ == "DataEditorSerde":
            metadata.deserializer(unpack_widget_state_value(state))
    except (ValueError, TypeError, AttributeError, KeyError):
        return False
    return True


def unreadable_values(widget_states, metadata: dict | None = None) -> list:
    """The WidgetState messages in `widget_states` their widgets cannot read (metadata: by widget id)."""
    metadata = metadata or {}
    return [state for state in widget_states.widgets if not _reads(state, metadata.get(state.id))]


def json_guard_problem(session_state_module: ModuleType) -> str | None:
    """None when the guard fits this Streamlit; else what no longer matches."""
    cls = getattr(session_state_module, "SessionState", None)
    method = getattr(cls, RERUN_METHOD, None)
    if not callable(method):
        return f"SessionState.{RERUN_METHOD} is gone"
    first = list(inspect.signature(method).parameters)[1:2]
    if first != ["fresh_widget_states"]:
        return f"SessionState.{RERUN_METHOD} takes {first} first, not the browser's widget states"
    return None


def drop_unreadable_widget_values() -> bool:
    """Wrap SessionState.on_script_will_rerun so that a value its widget cannot read is dropped; True if applied now."""
    global _json_guard_applied
    with _lock:
        if _json_guard_applied:
            return False
        module = importlib.import_module(STATE_MODULE)
        problem = json_guard_problem(module)
        if problem is not None:
            logger.error("a widget value that cannot be read will break its session (%s): check %s.SessionState.%s "
                         "against components/streamlit_patches.py and the pin in requirements.txt", problem,
                         STATE_MODULE, RERUN_METHOD)
            return False
        streamlit_rerun = module.SessionState.on_script_will_rerun

        @functools.wraps(streamlit_rerun)
        def on_script_will_rerun(self, fresh_widget_states, *args, **kwargs):
            if fresh_widget_states is not None:
                known = getattr(getattr(self, "_new_widget_state", None), "widget_metadata", {})
                for state in unreadable_values(fresh_widget_states, known):
                    logger.warning("widget %s: its value from the browser cannot be read; dropped", state.id[:60])
                    fresh_widget_states.widgets.remove(state)
            return streamlit_rerun(self, fresh_widget_states, *args, **kwargs)

        module.SessionState.on_script_will_rerun = on_script_will_rerun
        _json_guard_applied = True
        return True
