"""Streamlit must not reset Keras' process-wide state after a session's script run (other threads train)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_a_script_run_does_not_clear_the_keras_session(monkeypatch):
    """Streamlit calls keras.backend.clear_session() after every run; with a training tracing its graph in
    another thread the server hung. Old code: one call per run here; after app.py's hook: none."""
    import keras
    from streamlit.testing.v1 import AppTest

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append(1))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.run()
    assert not at.exception
    assert calls == []


def test_the_served_config_turns_off_the_collection_after_each_run():
    """A full gc.collect() in a session's thread while a training traces its graph hung the server."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False
    assert config["server"]["fileWatcherType"] == "none"


def test_the_warm_up_has_imported_our_modules_and_pandas_when_it_returns():
    """A first page must not meet a half-imported module: plotly reads pandas from sys.modules without importing
    it, so a background import of pandas crashed a replica's first page ("partially initialized module")."""
    import os
    import subprocess
    import sys

    code = ("import sys, pkgutil, components; from components import resources; resources.start_warmup(); "
            "mods = [f'components.{m.name}' for m in pkgutil.iter_modules(components.__path__)]; "
            "print(hasattr(sys.modules.get('pandas'), 'Series'), all(m in sys.modules for m in mods))")
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "CNNLAB_WARMUP"}
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env={**env, "TF_CPP_MIN_LOG_LEVEL": "3"},
                         capture_output=True, text=True, timeout=300, check=True).stdout.split()
    assert out == ["True", "True"]
