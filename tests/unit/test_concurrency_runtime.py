"""Nothing a session does resets process-wide state while other threads train (see also test_private_apis.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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
