"""Text alternatives: one sentence per chart that carries the lesson's number, stating that number.

A screen reader cannot read a plotly picture, and a student far from the projector cannot read a small number in
it: each sentence is shown under its chart (ui.show_chart(alt=...)) in the page's language, written from the
same numbers the chart draws.
"""

from __future__ import annotations

import numpy as np

from cnnlab import latex
from components.i18n import t


def percent(p: float) -> str:
    return f"{p:.1%}"


def probabilities(probs: np.ndarray, shown: int = 3) -> str:
    """The largest `shown` of the ten bars: digit and probability, largest first."""
    probs = np.asarray(probs, dtype=np.float64)
    order = np.argsort(probs)[::-1][:shown]
    return t("alt.probabilities", bars=", ".join(f"{int(d)} → {percent(probs[d])}" for d in order),
             shown=len(order), count=len(probs))


def _span(cells: list[int]) -> str:
    low, high = min(cells), max(cells)
    return str(low) if low == high else f"{low}–{high}"


def step_cell(row: int, col: int, value: float, window: list[tuple[int, int]]) -> str:
    """The step-through's selected output cell, its value, and the input cells (as drawn) its window covers."""
    return t("alt.step_cell", row=row, col=col, value=latex.compact_number(value),
             rows=_span([r for r, _ in window]), cols=_span([c for _, c in window]))


def feature_maps(maps: np.ndarray) -> str:
    """(h, w, n) maps: the strongest map, its largest value and where; how many maps are all zero."""
    maps = np.asarray(maps, dtype=np.float64)
    peaks = maps.reshape(-1, maps.shape[-1]).max(axis=0)
    best = int(np.argmax(peaks))
    row, col = np.unravel_index(int(np.argmax(maps[..., best])), maps.shape[:2])
    zero = int(np.sum(np.all(maps == 0, axis=(0, 1))))
    return t("alt.feature_maps", count=maps.shape[-1], best=best + 1, value=latex.compact_number(peaks[best]),
             row=int(row), col=int(col), zero=zero)


def training(history, epochs: int) -> str:
    """The live chart's latest point: the batch, its running accuracy and loss, the last finished epoch's."""
    batch, epoch = len(history.batch_loss), history.batch_epoch[-1] + 1
    text = t("alt.training_batch", epoch=epoch, epochs=epochs, batch=batch,
             accuracy=percent(history.batch_accuracy[-1]), loss=f"{history.batch_loss[-1]:.3f}")
    done = history.epochs[-1] if history.epochs else None
    if done is not None and done.val_accuracy is not None:
        text += " " + t("alt.training_epoch", epoch=done.epoch, val_accuracy=percent(done.val_accuracy))
    return text


def per_digit(accuracy: np.ndarray) -> str:
    """The ten digits' accuracies: the hardest and the easiest."""
    accuracy = np.asarray(accuracy, dtype=np.float64)
    worst, best = int(np.argmin(accuracy)), int(np.argmax(accuracy))
    return t("alt.per_digit", worst=worst, worst_accuracy=percent(accuracy[worst]), best=best,
             best_accuracy=percent(accuracy[best]))


def losses(per_model: dict[str, list[float]]) -> str:
    """Each model's loss after the last epoch all of them reached."""
    epoch = min((len(v) for v in per_model.values()), default=0)
    if epoch == 0:
        return ""
    return t("alt.losses", epoch=epoch,
             losses=", ".join(f"{name} {latex.compact_number(v[epoch - 1])}" for name, v in per_model.items()))


def confusion(matrix: np.ndarray) -> str:
    """Right answers out of all test digits, and the most frequent mistake (true digit read as another)."""
    matrix = np.asarray(matrix, dtype=np.int64)
    right, total = int(np.trace(matrix)), int(matrix.sum())
    text = t("alt.confusion_right", right=f"{right:,}", total=f"{total:,}", percent=percent(right / max(total, 1)))
    wrong = matrix - np.diag(np.diag(matrix))
    if wrong.any():
        true, read = np.unravel_index(int(np.argmax(wrong)), wrong.shape)
        text += " " + t("alt.confusion_mistake", true=int(true), read=int(read), count=int(wrong[true, read]))
    return text


def rnn_rows(per_row: np.ndarray | None, probabilities_: np.ndarray, decided_at: int | None) -> str:
    """The RNN's answer after the last row, and the row from which it no longer changes."""
    digit = int(np.argmax(probabilities_))
    text = t("alt.rnn_answer", digit=digit, percent=percent(float(probabilities_[digit])))
    if per_row is not None and decided_at is not None:
        text += " " + t("alt.rnn_decided", row=decided_at, rows=len(per_row))
    return text
