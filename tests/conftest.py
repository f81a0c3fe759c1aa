"""Shared test setup: the repo root on sys.path, quiet TensorFlow, AppTest factory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# TensorFlow's import alone takes ~4 s, past AppTest's 3 s default: pages that
# load a model need more room; this is a ceiling, not an expectation.
APPTEST_TIMEOUT = 120


@pytest.fixture
def app_test():
    """A fresh AppTest of the whole app (entry app.py) in the given language."""
    from streamlit.testing.v1 import AppTest

    from components import state_keys as keys

    def make(lang: str = "en", page: str | None = None, open_checks: bool = False) -> AppTest:
        """open_checks: every page's "Predict, then check" box open, as a learner who opened them left it."""
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APPTEST_TIMEOUT)
        at.session_state[keys.LANG] = lang
        if open_checks:
            from components.pages import PAGES

            for info in PAGES:
                at.session_state[keys.checks_box(info.name)] = True
        at.run()
        if page is not None:
            at.switch_page(page)
            at.run()
        return at

    return make


# The store's databases (tests/databases.py): `database_url`, one fresh database per kind, and the
# PostgreSQL server behind it.
from tests.databases import database_url, postgres_server  # noqa: E402,F401


@pytest.fixture(autouse=True, scope="session")
def _store_in_a_temporary_folder(tmp_path_factory):
    """No test writes into the repo's data/: the app's default store goes to a temporary folder."""
    folder = tmp_path_factory.mktemp("cnnlab-data")
    saved = {name: os.environ.get(name) for name in ("CNNLAB_DATA_DIR", "CNNLAB_DATABASE_URL")}
    os.environ["CNNLAB_DATA_DIR"] = str(folder)
    os.environ.pop("CNNLAB_DATABASE_URL", None)
    yield folder
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
