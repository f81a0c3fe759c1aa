"""The pooling explorer's editable matrix: cell texts -> numbers (naming every bad cell), resizing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
