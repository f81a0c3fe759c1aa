"""Browser tests: a real `streamlit run` server on a free port, driven by Debian Chromium.

When Chromium or Playwright is missing the tests are skipped locally, but fail when
CNNLAB_REQUIRE_BROWSER=1 (set by .ci/run): CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.chromium import chromium_path, launch_chromium

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = os.environ.get("CNNLAB_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test shows the end of its server's log (a slow start, a traceback, a hang)."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name in ("server", "fresh_server", "cluster"):
        server = getattr(item, "funcargs", {}).get(name)
        text = server.log_text() if isinstance(server, Server) else getattr(server, "replica_logs", lambda: None)()
        if text is not None:
            report.sections.append((f"{name} log (last 6,000 characters)", text[-6000:]))


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"browser test cannot run: {reason} (CNNLAB_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app served as `make run` serves it (serve.py), on a free port; or another `script`, run from the repo."""

    def __init__(self, script: str = "serve.py") -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        self.log_path = Path(tempfile.mkdtemp(prefix="cnnlab-test-server-")) / "server.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            # a file, not a pipe nobody reads: a full pipe (64 kB of log) would block the server mid-suite
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("streamlit server did not become healthy within 60 s")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
        shutil.rmtree(self.log_path.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def playwright_instance():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    if chromium_path() is None:
        _unavailable("Debian chromium (/usr/bin/chromium) is not installed")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    b = launch_chromium(playwright_instance)
    yield b
    b.close()


@pytest.fixture
def fresh_server():
    """A server that has served no request yet (for first-request behaviour)."""
    server = Server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server():
    """One server shared by the browser tests that do not care about first requests."""
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def context_page(browser):
    """make(**context options) -> a page in a browser context of its own (its own cookie jar); all closed
    after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    p = context.new_page()
    p.set_default_timeout(30_000)
    yield p
    context.close()


def set_slider(page, label: str, keys=("Home",)) -> None:
    """Move a slider by keyboard (Home or End, then ArrowRight steps of one stop), and again while it has not
    arrived: a key pressed while the previous slider's rerun redraws the page can be lost, as a student's would be."""
    slider = page.locator("[data-testid='stSlider']").filter(has_text=label).get_by_role("slider")
    for _ in range(4):
        slider.focus()
        for key in keys:
            page.keyboard.press(key)
        wait_for_app(page)
        # the thumb is an <input type=range>: its min, max, step and value say where it is
        end, step = float(slider.get_attribute("max" if keys[0] == "End" else "min")), float(slider.get_attribute("step"))
        if float(slider.input_value()) == end + step * keys.count("ArrowRight"):
            return
    raise AssertionError(f"the {label!r} slider did not reach {keys} by keyboard")


def wait_for_app(page) -> None:
    """Streamlit has finished the script run when the status widget is gone."""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_selector("[data-testid='stSidebarNav']")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
