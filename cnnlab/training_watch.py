"""Training you can watch: the first Conv2D layer's filters, one test digit's maps and a stream of predictions.

A `TrainingWatch` is filled from the job's thread right after each weight snapshot
(`TrainingJob._snapshot`: every epoch end and every few seconds; at most one every RECORD_EVERY_S
within an epoch), from the published copy of the model, never from the model being trained. A record
runs the first Conv2D on one digit and the whole model on STREAM_SIZE digits
(benchmarks/bench_training_watch.py measures it); pages read the latest record at any time. Records
are immutable (read-only arrays) and swapped under a lock, so readers never see a half-written one.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import numpy as np

import cnnlab.images

STREAM_SIZE = 12  # test digits whose current prediction is shown
RECORD_EVERY_S = 4.0  # between two records within one epoch (each epoch's end is always recorded)
WATCH_DIGIT = 0  # which of the stream's digits also shows its first-layer feature maps


@dataclass(frozen=True)
class WatchRecord:
    """What the model looked like at one snapshot.

    number: 0 for the first record (untrained weights), then 1, 2, ...
    epochs_done / batches_done: training progress when the weights were copied.
    filters: (kh, kw, F) the first Conv2D kernel on input channel 0 (None if the model has no Conv2D)
    bias: (F,); maps: (h, w, F) the watched digit's first-Conv2D output (after its activation)
    probabilities: (STREAM_SIZE, classes) the model's output for the stream digits
    """

    number: int
    epochs_done: int
    batches_done: int
    filters: np.ndarray | None
    bias: np.ndarray | None
    maps: np.ndarray | None
    probabilities: np.ndarray

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)


def _frozen(a: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return None
    a = np.array(a, dtype=np.float32)
    a.setflags(write=False)
    return a


def first_conv_position(model) -> int | None:
    for i, layer in enumerate(model.layers):
        if type(layer).__name__ == "Conv2D":
            return i
    return None


def watch_record(model, images: np.ndarray, number: int, epochs_done: int, batches_done: int,
                 watched: int = WATCH_DIGIT) -> WatchRecord:
    """One record from `model` for float32 images (n, 28, 28, 1): called directly, never .predict."""
    probabilities = np.asarray(model(images, training=False))
    conv = first_conv_position(model)
    filters = bias = maps = None
    if conv is not None:
        x = images[watched:watched + 1]
        for layer in model.layers[:conv + 1]:  # the layers up to the first Conv2D (usually just it)
            x = layer(x, training=False)
        maps = np.asarray(x)[0]
        weights = model.layers[conv].get_weights()
        filters = weights[0][:, :, 0, :]
        bias = weights[1] if len(weights) > 1 else np.zeros(filters.shape[-1], np.float32)
    return WatchRecord(number, epochs_done, batches_done, _frozen(filters), _frozen(bias), _frozen(maps),
                       _frozen(probabilities))


def stream_indices(labels: np.ndarray, count: int = STREAM_SIZE) -> np.ndarray:
    """Fixed test digits: the first of each class in order (0, 1, ..., 9), then the next test images."""
    labels = np.asarray(labels)
    firsts = [int(np.flatnonzero(labels == d)[0]) for d in range(10) if np.any(labels == d)]
    taken = set(firsts)
    rest = [i for i in range(min(len(labels), count + len(taken))) if i not in taken]
    return np.array((firsts + rest)[:count], dtype=np.int64)


class TrainingWatch:
    """The first and the latest WatchRecord of one training (thread-safe)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, every_s: float = RECORD_EVERY_S,
                 clock=time.monotonic):
        """images: uint8 (n, 28, 28) test digits (0..255), labels (n,); every_s: least time between two records
        of the same epoch by `clock`, in seconds (a new epoch count is always recorded)."""
        self.every_s = every_s
        self._clock = clock
        self._recorded_at = -math.inf
        self.images = np.asarray(images, dtype=np.uint8)
        self.labels = np.asarray(labels, dtype=np.int64)
        self._inputs = cnnlab.images.batch(self.images)
        self._lock = threading.Lock()
        self._first: WatchRecord | None = None
        self._latest: WatchRecord | None = None
        self.failures = 0  # records that raised (a watch must never stop a training)

    @classmethod
    def for_test_set(cls, x_test: np.ndarray, y_test: np.ndarray, count: int = STREAM_SIZE) -> TrainingWatch:
        chosen = stream_indices(y_test, count)
        return cls(np.asarray(x_test)[chosen], np.asarray(y_test)[chosen])

    def record(self, model, epochs_done: int, batches_done: int) -> WatchRecord | None:
        """Compute and keep a record of `model` now (from the thread that owns the model's weights)."""
        with self._lock:
            latest = self._latest
        now = self._clock()
        if latest is not None and latest.epochs_done == epochs_done and now - self._recorded_at < self.every_s:
            return None  # the job's thread relays the training: a few records per epoch are enough
        try:
            number = 0 if latest is None else latest.number + 1
            record = watch_record(model, self._inputs, number, epochs_done, batches_done)
        except Exception:  # noqa: BLE001 - the training goes on without a picture
            self.failures += 1
            return None
        with self._lock:
            if self._first is None:
                self._first = record
            self._latest = record
        self._recorded_at = now
        return record

    def latest(self) -> WatchRecord | None:
        with self._lock:
            return self._latest

    def first(self) -> WatchRecord | None:
        with self._lock:
            return self._first
