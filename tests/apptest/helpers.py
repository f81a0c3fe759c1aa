"""Reading an AppTest's output: shared by the page tests."""

from __future__ import annotations

import contextlib
import logging


def metric(at, label: str) -> str:
    """The value of the st.metric labelled `label`."""
    return next(m.value for m in at.metric if m.label == label)


def all_text(at) -> str:
    """Every piece of text the page shows, one element a line (for "is this said somewhere")."""
    parts = [e.value for kind in ("markdown", "caption", "info", "error", "warning", "success", "latex", "code")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@contextlib.contextmanager
def widget_default_warnings(monkeypatch):
    """Collect Streamlit's "created with a default value but also ... Session State" log lines.

    Streamlit logs it once per process and only under a runtime; AppTest has none, so pretend there
    is one and reset the once-only flag. Its logger does not propagate (caplog misses it): listen on it.
    """
    from streamlit.elements.lib import policies

    monkeypatch.setattr(policies.runtime, "exists", lambda: True)
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    messages: list[str] = []
    listener = logging.Handler()
    listener.emit = lambda record: messages.append(record.getMessage())
    logger = logging.getLogger(policies.__name__)
    logger.addHandler(listener)
    try:
        yield messages
    finally:
        logger.removeHandler(listener)
