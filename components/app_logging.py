"""Where the app's own log records go: one handler for our packages, set up once per process.

Modules log through `logging.getLogger(__name__)` (pages name theirs "app_pages.<page>"). Without a
handler Python prints only warnings and errors, unformatted; this sends INFO and above from
cnnlab, components and app_pages to stderr next to Streamlit's own log, with the time and the
logger's name. $CNNLAB_LOG_LEVEL changes the level (DEBUG, INFO, WARNING...).
"""

from __future__ import annotations

import logging
import os
import threading

PACKAGES = ("cnnlab", "components", "app_pages")
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"

_lock = threading.Lock()
_configured = False


def configure() -> None:
    """Attach one stderr handler to our packages' loggers (idempotent; leaves other loggers alone)."""
    global _configured
    with _lock:
        if _configured:
            return
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        level = os.environ.get("CNNLAB_LOG_LEVEL", "INFO").upper()
        for name in PACKAGES:
            package_logger = logging.getLogger(name)
            package_logger.addHandler(handler)
            package_logger.setLevel(level if isinstance(logging.getLevelName(level), int) else "INFO")
        _configured = True
