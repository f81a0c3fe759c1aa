"""A training's record, batch by batch and epoch by epoch, and the live chart's lines made from it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class EpochRecord:
    epoch: int  # 1-based
    loss: float
    accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float
    complete: bool  # False for the epoch a Stop cut short


@dataclass
class History:
    """What the charts need, copied out of a job under its lock."""

    steps_per_epoch: int
    batch_loss: list[float] = field(default_factory=list)  # Keras' running mean within the epoch
    batch_accuracy: list[float] = field(default_factory=list)
    batch_epoch: list[int] = field(default_factory=list)  # 0-based epoch of each batch
    batch_index: list[int] = field(default_factory=list)  # 0-based batch within its epoch
    epochs: list[EpochRecord] = field(default_factory=list)


@dataclass(frozen=True)
class ChartSeries:
    """Lines for the live chart, x in epochs (1.0 = end of the first epoch)."""

    x: np.ndarray
    loss: np.ndarray  # each batch's own loss (recovered from Keras' running means)
    accuracy: np.ndarray
    loss_smooth: np.ndarray
    accuracy_smooth: np.ndarray
    epoch_x: np.ndarray
    epoch_loss: np.ndarray
    epoch_accuracy: np.ndarray
    val_loss: np.ndarray  # NaN where there is no validation
    val_accuracy: np.ndarray


def per_batch_values(running_means: np.ndarray, batch_index: np.ndarray) -> np.ndarray:
    """Keras logs the mean over the epoch so far; batch i's own value is (i+1)·m_i − i·m_(i−1).

    Exact for equal batch sizes (all but an epoch's last, smaller batch).
    """
    m = np.asarray(running_means, dtype=float)
    i = np.asarray(batch_index, dtype=float)
    prev = np.concatenate([[0.0], m[:-1]])
    own = (i + 1) * m - i * prev
    return np.where(i == 0, m, own)


def ema(values: np.ndarray, alpha: float) -> np.ndarray:
    out = np.empty(len(values))
    level = math.nan
    for k, v in enumerate(values):
        level = v if math.isnan(level) else alpha * v + (1 - alpha) * level
        out[k] = level
    return out


def chart_series(history: History, max_points: int = 400) -> ChartSeries:
    """Per-batch (thinned to at most `max_points`), smoothed and per-epoch lines for the chart."""
    loss = per_batch_values(np.asarray(history.batch_loss), np.asarray(history.batch_index))
    acc = per_batch_values(np.asarray(history.batch_accuracy), np.asarray(history.batch_index))
    x = np.asarray(history.batch_epoch, dtype=float) + (np.asarray(history.batch_index, dtype=float) + 1) / max(
        history.steps_per_epoch, 1)
    alpha = min(1.0, 10.0 / max(history.steps_per_epoch, 10))  # about a tenth of an epoch of memory
    loss_s, acc_s = ema(loss, alpha), ema(acc, alpha)
    if len(x) > max_points:
        keep = np.unique(np.linspace(0, len(x) - 1, max_points).round().astype(int))
        x, loss, acc, loss_s, acc_s = x[keep], loss[keep], acc[keep], loss_s[keep], acc_s[keep]
    epochs = history.epochs
    nan = math.nan
    epoch_x = np.array([e.epoch if e.complete else e.epoch - 1 + _fraction_done(history, e) for e in epochs],
                       dtype=float)
    return ChartSeries(
        x, loss, acc, loss_s, acc_s, epoch_x,
        np.array([e.loss for e in epochs], dtype=float), np.array([e.accuracy for e in epochs], dtype=float),
        np.array([nan if e.val_loss is None else e.val_loss for e in epochs], dtype=float),
        np.array([nan if e.val_accuracy is None else e.val_accuracy for e in epochs], dtype=float))


def _fraction_done(history: History, record: EpochRecord) -> float:
    done = sum(1 for e in history.batch_epoch if e == record.epoch - 1)
    return done / max(history.steps_per_epoch, 1)
