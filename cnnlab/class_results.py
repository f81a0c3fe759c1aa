"""What the teacher's view makes of a class's drawings: the model's readings, the gallery's order, the
confusion matrix, and the export the teacher takes home (no Streamlit here).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

import numpy as np

from cnnlab import models

READ_BATCH = 500  # drawings read per model call
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula


@dataclass(frozen=True)
class Readings:
    """The model's reading of each drawing, in the drawings' order."""

    predicted: np.ndarray  # int (n,)
    confidence: np.ndarray  # float (n,)


def read_images(model, images: list[np.ndarray]) -> Readings:
    """Run `model` (a digit reader taking (n, 28, 28, 1) floats in [0, 1]) on the 28x28 images."""
    if not images:
        return Readings(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    stacked = np.stack([np.asarray(i, dtype=np.float32) for i in images])[..., None]
    probs = np.concatenate([models.predict_proba(model, stacked[i:i + READ_BATCH])
                            for i in range(0, len(stacked), READ_BATCH)])
    predicted = probs.argmax(axis=1)
    return Readings(predicted, probs[np.arange(len(probs)), predicted])


def read_new(model, ids: list[int], images: list[np.ndarray], known: dict[int, tuple[int, float]]) -> Readings:
    """read_images, but the drawings whose id is in `known` (id -> (digit read, confidence), by the same model)
    keep their reading: a class adding drawings costs the teacher's view only the new ones."""
    fresh = [i for i, drawing_id in enumerate(ids) if drawing_id not in known]
    read = read_images(model, [images[i] for i in fresh])
    found = dict(known)
    found.update({ids[i]: (int(read.predicted[k]), float(read.confidence[k])) for k, i in enumerate(fresh)})
    return Readings(np.array([found[i][0] for i in ids], dtype=np.int64),
                    np.array([found[i][1] for i in ids], dtype=np.float32))


def known_readings(ids: list[int], readings: Readings) -> dict[int, tuple[int, float]]:
    """id -> (digit read, confidence): what read_new can keep."""
    return {i: (int(p), float(c)) for i, p, c in zip(ids, readings.predicted, readings.confidence, strict=True)}


def confusion(meant: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(10, 10) counts: rows the digit meant, columns the digit read."""
    matrix = np.zeros((10, 10), dtype=np.int64)
    np.add.at(matrix, (np.asarray(meant, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return matrix


def gallery_order(meant: np.ndarray, predicted: np.ndarray) -> dict[int, list[int]]:
    """Per digit meant (only those drawn): the drawings' positions, misread ones first, newest first in each part."""
    groups: dict[int, list[int]] = {}
    for digit in sorted(set(int(d) for d in meant)):
        where = [int(i) for i in np.flatnonzero(np.asarray(meant) == digit)][::-1]
        groups[digit] = [i for i in where if predicted[i] != digit] + [i for i in where if predicted[i] == digit]
    return groups


def in_cell(meant: np.ndarray, predicted: np.ndarray, row: int, column: int) -> list[int]:
    """Positions of the drawings meant as `row` and read as `column`."""
    return [int(i) for i in np.flatnonzero((np.asarray(meant) == row) & (np.asarray(predicted) == column))]


def _csv_cell(text: str) -> str:
    return f"'{text}" if text.startswith(CSV_FORMULA_START) else text


def export_zip(drawings, predicted: np.ndarray, model_name: str) -> bytes:
    """One .zip: drawings.npz (images float32 (n, 28, 28) as the app preprocessed them, labels, ids),
    png/<id>.png (the canvas as drawn) and drawings.csv (id, nickname, digit meant, digit read, created)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        images = np.stack([d.image for d in drawings]).astype(np.float32) if drawings else np.zeros((0, 28, 28),
                                                                                                   np.float32)
        arrays = io.BytesIO()
        np.savez_compressed(arrays, images=images, labels=np.array([d.digit for d in drawings], dtype=np.int64),
                            ids=np.array([d.id for d in drawings], dtype=np.int64),
                            read=np.asarray(predicted, dtype=np.int64))
        archive.writestr("drawings.npz", arrays.getvalue())
        table = io.StringIO()
        writer = csv.writer(table)
        writer.writerow(["id", "nickname", "digit_meant", f"digit_read ({model_name})", "created"])
        for drawing, read in zip(drawings, predicted, strict=True):
            writer.writerow([drawing.id, _csv_cell(drawing.nickname), drawing.digit, int(read),
                             drawing.created.isoformat()])
            archive.writestr(f"png/{drawing.id}.png", drawing.png)
        archive.writestr("drawings.csv", table.getvalue())
    return buffer.getvalue()
