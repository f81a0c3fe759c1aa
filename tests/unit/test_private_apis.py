"""Every reach into a library's private API fails here the day it stops applying (the libraries are pinned).

Streamlit: `script_runner._clean_problem_modules` is replaced and `SessionState.on_script_will_rerun` is
wrapped (components/streamlit_patches.py), and `Runtime.is_active_session` is read (components/session_life.py). Keras' optimizer patch is tested in
tests/unit/test_training.py, the canvas' restyling in tests/browser/test_canvas.py.
"""

from __future__ import annotations

import inspect
import logging
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from components import session_life, streamlit_patches

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clear_session_calls(monkeypatch):
    """Every keras.backend.clear_session() call from now on (the call itself does nothing)."""
    import keras

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append(1))
    return calls


# ------------------------------------------------------------------ Streamlit's after-run cleanup

def test_the_cleanup_patch_fits_the_installed_streamlit():
    from streamlit.runtime.scriptrunner import script_runner

    assert streamlit_patches.why_it_cannot_apply(script_runner) is None


def test_after_each_run_streamlit_calls_our_cleanup_which_keeps_keras(monkeypatch, clear_session_calls):
    """Our replacement is what ScriptRunner calls: it closes matplotlib's figures and leaves Keras alone."""
    from streamlit.testing.v1 import AppTest

    closed = []
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", types.SimpleNamespace(close=closed.append))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)  # app.py applies the patch
    at.run()
    at.run()
    assert not at.exception
    assert clear_session_calls == []
    assert closed == ["all", "all"]  # one cleanup after each run


def test_streamlit_itself_still_clears_keras_after_a_run(monkeypatch, clear_session_calls):
    """Without the patch Streamlit clears Keras after every run. The day this fails, the patch can go."""
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(script_runner, streamlit_patches.FUNCTION, streamlit_patches.streamlit_cleanup(script_runner))
    at = AppTest.from_string("import keras", default_timeout=60)
    at.run()
    assert not at.exception
    assert clear_session_calls == [1]


def fake_script_runner(calls_cleanup: bool = True, cleanup=None) -> types.ModuleType:
    module = types.ModuleType(streamlit_patches.MODULE)

    class CallsIt:
        def _run_script(self):
            _clean_problem_modules()  # noqa: F821 - only its name matters here

    class DoesNot:
        def _run_script(self):
            pass

    module.ScriptRunner = CallsIt if calls_cleanup else DoesNot
    if cleanup is not None:
        module._clean_problem_modules = cleanup
    return module


def test_a_cleanup_that_moved_or_changed_is_named():
    def clears_keras_and_more():
        if "keras" in sys.modules:
            sys.modules["keras"].backend.clear_session()
        sys.modules["torch"].cuda.empty_cache()

    why = streamlit_patches.why_it_cannot_apply
    assert "gone" in why(fake_script_runner())
    assert "no longer calls" in why(fake_script_runner(calls_cleanup=False, cleanup=clears_keras_and_more))
    assert "changed" in why(fake_script_runner(cleanup=clears_keras_and_more))


def test_a_patch_that_no_longer_fits_logs_an_error_and_replaces_nothing(monkeypatch, caplog):
    fake = fake_script_runner(calls_cleanup=False, cleanup=print)
    monkeypatch.setitem(sys.modules, streamlit_patches.MODULE, fake)
    monkeypatch.setattr(streamlit_patches, "_applied", False)
    with caplog.at_level(logging.ERROR, logger=streamlit_patches.__name__):
        assert streamlit_patches.keep_keras_state_between_runs() is False
    assert fake._clean_problem_modules is print
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "no longer calls" in errors[0] and "requirements.txt" in errors[0]


# ------------------------------------------------------------------ Runtime.is_active_session

def test_is_active_session_takes_a_session_id():
    from streamlit.runtime import Runtime

    assert list(inspect.signature(Runtime.is_active_session).parameters) == ["self", "session_id"]


# A real Streamlit Runtime (no browser): one session runs a script that makes the checker, then its
# websocket closes (disconnect_session) and it reconnects, as a tab does.
LIVE_SESSION = """
import asyncio, pathlib, sys, tempfile, threading, types
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime import Runtime, RuntimeConfig
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

box = sys.modules["probe_box"] = types.ModuleType("probe_box")
box.checkers, finished = [], threading.Event()
script = pathlib.Path(tempfile.mkdtemp()) / "probe.py"
script.write_text("import sys\\nfrom components import session_life\\n"
                  "sys.modules['probe_box'].checkers.append(session_life.session_alive_checker(grace_s=0))\\n")

class Client:
    client_context = None
    def write_forward_msg(self, msg):
        if msg.WhichOneof("type") == "script_finished":
            finished.set()

async def main():
    runtime = Runtime(RuntimeConfig(str(script), media_file_storage=MemoryMediaFileStorage("/media"),
                                    uploaded_file_manager=MemoryUploadedFileManager("/upload")))
    await runtime.start()
    session_id = runtime.connect_session(client=Client(), user_info={})
    runtime.handle_backmsg(session_id, BackMsg(rerun_script={}))
    assert await asyncio.get_running_loop().run_in_executor(None, finished.wait, 60), "the script did not run"
    alive = box.checkers[0]
    answers = [alive is not None and alive()]
    runtime.disconnect_session(session_id)
    answers.append(alive())
    runtime.connect_session(client=Client(), user_info={}, existing_session_id=session_id)
    answers.append(alive())
    runtime.stop()
    await runtime.stopped
    print(*answers)

asyncio.run(main())
"""


def test_a_live_session_is_alive_until_its_websocket_closes_and_again_when_it_reconnects():
    env = {k: v for k, v in os.environ.items() if k != "CNNLAB_WARMUP"}
    run = subprocess.run([sys.executable, "-c", LIVE_SESSION], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split() == ["True", "False", "True"]


def test_a_runtime_without_is_active_session_logs_an_error(monkeypatch, caplog):
    import streamlit.runtime
    import streamlit.runtime.scriptrunner

    class RuntimeWithoutIt:
        exists = staticmethod(lambda: True)
        instance = staticmethod(lambda: object())

    monkeypatch.setattr(streamlit.runtime, "Runtime", RuntimeWithoutIt)
    monkeypatch.setattr(streamlit.runtime.scriptrunner, "get_script_run_ctx",
                        lambda: types.SimpleNamespace(session_id="s1"))
    with caplog.at_level(logging.ERROR, logger=session_life.__name__):
        assert session_life.session_alive_checker() is None
    assert any(r.levelno == logging.ERROR and "is_active_session" in r.getMessage() for r in caplog.records)


# ------------------------------------------------------------------ deprecations

@pytest.mark.parametrize("category", [DeprecationWarning, PendingDeprecationWarning])
def test_a_deprecation_fails_the_test_that_meets_it(category):
    """pyproject.toml turns deprecations into errors: they are the first sign that an API we use moves."""
    import warnings

    with pytest.raises(category):
        warnings.warn("an API this app uses is going away", category, stacklevel=1)


# ------------------------------------------------------------------ a widget value that is not JSON

CANVAS_ID = "$$ID-0123-draw_canvas"


def _widget_states(value: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    states = WidgetStates()
    state = states.widgets.add()
    state.id, state.json_value = CANVAS_ID, value
    return states


def _session_with_a_json_widget():
    """A SessionState that knows one json_value widget (a component such as the canvas), as after its first run."""
    import json

    from streamlit.runtime.state.common import WidgetMetadata
    from streamlit.runtime.state.session_state import SessionState

    session = SessionState()
    session._set_widget_metadata(WidgetMetadata(CANVAS_ID, deserializer=lambda v: v, serializer=json.dumps,
                                                value_type="json_value"))
    session.on_script_will_rerun(_widget_states('{"drawing": 1}'))
    return session


def test_the_json_guard_fits_the_installed_streamlit():
    from streamlit.runtime.state import session_state

    assert streamlit_patches.json_guard_problem(session_state) is None
    fake = types.ModuleType("fake")
    fake.SessionState = type("SessionState", (), {"on_script_will_rerun": lambda self, states=None: None})
    assert "not the browser's widget states" in streamlit_patches.json_guard_problem(fake)


def test_streamlit_itself_raises_on_a_widget_value_that_is_not_json_and_the_guard_drops_it(caplog):
    """The day Streamlit stops parsing the value before the script (or stops raising), the first half fails:
    the guard is then no longer needed."""
    from streamlit.runtime.state.session_state import SessionState

    streamlit_patches.drop_unreadable_widget_values()
    streamlits_own = SessionState.on_script_will_rerun.__wrapped__
    with pytest.raises(ValueError):
        streamlits_own(_session_with_a_json_widget(), _widget_states("{not json"))

    session = _session_with_a_json_widget()
    with caplog.at_level(logging.WARNING, logger="components.streamlit_patches"):
        session.on_script_will_rerun(_widget_states("{not json"))  # every later rerun works too
        session.on_script_will_rerun(None)
    assert session[CANVAS_ID] == {"drawing": 1}, "the last good value is kept"
    assert "cannot be read; dropped" in caplog.text


def test_streamlit_itself_raises_on_data_editor_edits_of_the_wrong_shape_and_the_guard_drops_them():
    from streamlit.elements.widgets.data_editor import DataEditorSerde
    from streamlit.proto.WidgetStates_pb2 import WidgetStates
    from streamlit.runtime.state.common import WidgetMetadata
    from streamlit.runtime.state.session_state import SessionState

    editor = "$$ID-4567-pooling_editor"
    serde = DataEditorSerde()

    def edits(text: str):
        states = WidgetStates()
        state = states.widgets.add()
        state.id, state.string_value = editor, text
        return states

    def session():
        s = SessionState()
        s._set_widget_metadata(WidgetMetadata(editor, deserializer=serde.deserialize, serializer=serde.serialize,
                                              value_type="string_value"))
        s.on_script_will_rerun(edits('{"edited_rows": {"0": {"1": "5"}}}'))
        return s

    streamlit_patches.drop_unreadable_widget_values()
    with pytest.raises(AttributeError):  # 'str' object has no attribute 'items'
        SessionState.on_script_will_rerun.__wrapped__(session(), edits('{"edited_rows": "x"}'))
    guarded = session()
    guarded.on_script_will_rerun(edits('{"edited_rows": "x"}'))
    guarded.on_script_will_rerun(edits("not json"))
    assert guarded[editor]["edited_rows"] == {0: {"1": "5"}}
