"""Launching Debian's Chromium through Playwright, shared by the browser tests and scripts."""

from __future__ import annotations

import os
import shutil

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_path() -> str | None:
    """Debian's /usr/bin/chromium (or CHROMIUM_PATH); Playwright's own download is unavailable offline."""
    candidate = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    return candidate if os.path.isfile(candidate) else shutil.which("chromium")


def launch_chromium(playwright):
    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium not found: install Debian's `chromium` package or set CHROMIUM_PATH")
    return playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
