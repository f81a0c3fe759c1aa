"""The pooling explorer's editable matrix: cell texts -> numbers (naming every bad cell), resizing, and a check
of the edits the browser sends for it (st.data_editor's state).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from cnnlab.limits import CELL_TEXT_MAX_CHARS

EDIT_KEYS = frozenset({"edited_rows", "added_rows", "deleted_rows"})
EDIT_TEXT_MAX_CHARS = 10_000  # longer than any cell a student types: not an edit, refused with the rest


@dataclass(frozen=True)
class CellProblem:
    row: int  # 1-based, as the user reads the table
    col: int
    text: str
    kind: str  # "blank" | "not_a_number"


def parse_matrix(cells) -> tuple[np.ndarray | None, list[CellProblem]]:
    """Rows of cell texts/numbers -> float32 matrix, or None and every cell that is not a number."""
    problems: list[CellProblem] = []
    rows = [list(r) for r in cells]
    width = max((len(r) for r in rows), default=0)
    out = np.zeros((len(rows), width), dtype=np.float32)
    for i, row in enumerate(rows):
        for j in range(width):
            raw = row[j] if j < len(row) else None
            text = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw).strip()
            if text == "":
                problems.append(CellProblem(i + 1, j + 1, text, "blank"))
                continue
            if len(text) > CELL_TEXT_MAX_CHARS:  # no number is this long: not parsed, its text cut for the message
                problems.append(CellProblem(i + 1, j + 1, text[:CELL_TEXT_MAX_CHARS] + "…", "not_a_number"))
                continue
            try:
                value = float(text.replace(",", "."))
            except ValueError:
                problems.append(CellProblem(i + 1, j + 1, text, "not_a_number"))
                continue
            if not np.isfinite(value):
                problems.append(CellProblem(i + 1, j + 1, text, "not_a_number"))
                continue
            out[i, j] = value
    if not rows or width == 0:
        return None, problems
    return (None if problems else out), problems


def resize_matrix(cells, rows: int, cols: int, fill: str = "0") -> list[list[str]]:
    """Keep the top-left values, cut or fill with `fill` to rows x cols."""
    old = [list(r) for r in cells]
    return [[(str(old[i][j]) if (i < len(old) and j < len(old[i]) and old[i][j] is not None) else fill)
             for j in range(cols)] for i in range(rows)]


def _edited_cell_problem(row, changes, rows: int, cols: int) -> str | None:
    try:
        index = int(row)
    except (TypeError, ValueError):
        return f"row {row!r} is not a row number"
    if not 0 <= index < rows or not isinstance(changes, Mapping):
        return f"row {row!r} is not one of the {rows} rows, or its changes are not a mapping"
    for column, value in changes.items():
        if column not in {str(j + 1) for j in range(cols)}:
            return f"column {column!r} is not one of the {cols} columns"
        if value is not None and not isinstance(value, (str, int, float)):
            return f"a cell value of type {type(value).__name__}"
        if isinstance(value, str) and len(value) > EDIT_TEXT_MAX_CHARS:
            return f"a cell text of {len(value):,} characters"
    return None


def edits_problem(edits, rows: int, cols: int) -> str | None:
    """What is wrong with the data editor's state for a rows×cols matrix (None: nothing, or no edits).

    The browser sends {"edited_rows": {row: {column name: value}}, "added_rows": [...], "deleted_rows": [...]};
    Streamlit applies it to the table without checking rows, columns or types (a wrong one raises inside
    st.data_editor on every rerun). The matrix has fixed rows, named "1".."cols" columns.
    """
    if edits is None:
        return None
    if not isinstance(edits, Mapping) or not set(edits) <= EDIT_KEYS:
        return "not the data editor's state"
    if edits.get("added_rows") or edits.get("deleted_rows"):
        return "rows added or deleted in a table of fixed size"
    edited = edits.get("edited_rows") or {}
    if not isinstance(edited, Mapping):
        return "edited rows that are not a mapping"
    for row, changes in edited.items():
        problem = _edited_cell_problem(row, changes, rows, cols)
        if problem:
            return problem
    return None
