"""Every chart the app draws goes through ui.show_chart and names its text alternative (alt=...): a chart added
without deciding what it says in words fails here, before any page runs."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("app_pages/*.py"), *ROOT.glob("components/*.py"), ROOT / "app.py"])


def _calls(name: str, *, on: str | None = None):
    """(file, line, call) for every call of a function called `name` in the app's sources (`on`: only as a method
    of that name, e.g. st.plotly_chart)."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if on is None:
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            else:
                owner = getattr(func, "value", None)
                called = func.attr if isinstance(owner, ast.Name) and owner.id == on else None
            if called == name:
                yield path.relative_to(ROOT), node.lineno, node


def test_alt_is_a_required_argument_of_show_chart():
    from components.ui import show_chart

    alt = inspect.signature(show_chart).parameters["alt"]
    assert alt.default is inspect.Parameter.empty and alt.kind is inspect.Parameter.KEYWORD_ONLY


def test_every_show_chart_call_names_its_alt():
    calls = list(_calls("show_chart"))
    assert len(calls) > 30, "the walk found the app's charts"
    missing = [f"{path}:{line}" for path, line, call in calls if "alt" not in {k.arg for k in call.keywords}]
    assert not missing, f"charts without a text alternative: {missing}"


@pytest.mark.parametrize("drawer", ["plotly_chart", "pyplot", "line_chart", "bar_chart", "area_chart",
                                    "scatter_chart", "altair_chart", "vega_lite_chart"])
def test_charts_are_drawn_only_by_show_chart(drawer):
    """Another path would skip the alt: st.plotly_chart appears once, inside ui.show_chart."""
    where = [(str(path), line) for path, line, _ in _calls(drawer, on="st")]
    allowed = [("components/ui.py", line) for path, line in where if str(path) == "components/ui.py"]
    assert where == allowed and len(allowed) <= 1, where
