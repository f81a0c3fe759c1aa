"""Reading an AppTest's output: shared by the page tests."""

from __future__ import annotations


def metric(at, label: str) -> str:
    """The value of the st.metric labelled `label`."""
    return next(m.value for m in at.metric if m.label == label)


def all_text(at) -> str:
    """Every piece of text the page shows, one element a line (for "is this said somewhere")."""
    parts = [e.value for kind in ("markdown", "caption", "info", "error", "warning", "success", "latex", "code")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)
