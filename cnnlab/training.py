"""Training a layer stack in the background: one `TrainingJob` per session, a shared queue.

A job's thread waits for its slot, then hands the training to a worker process
(cnnlab.trainer_worker: `model.fit` and the test predictions run there, under their own
interpreter lock) and relays the worker's reports into the job. It never touches Streamlit:
pages read the job (history, progress, result) and may pass `on_update`, called from the
job's thread after each weight snapshot, to keep their own objects current.

- Live data: the worker sends the per-batch logs in bundles; the job appends them (Python
  floats) to lists under a lock; `chart_series()` turns them into chart lines.
- Inference while training: the job keeps the published model (`job.model`), in this process,
  that only receives the worker's weights (each epoch end, every few seconds, and at the end).
  Other pages may call it at any time; the model being trained is in the worker.
- Stop: `job.stop()` sets a flag that the job passes on; the worker ends `model.fit` after the
  current batch; the model keeps the weights trained so far and is evaluated.
- Fairness: `TrainingSlots` lets at most N jobs train at once in the process
  (N = $CNNLAB_MAX_TRAININGS, default 1 on 2 cores: see cnnlab/threads.py, which also bounds
  TensorFlow's threads); the others wait in a first-come queue and know their position.
- Owner: a job may be given `owner_alive()` (the UI passes "is my session still there?"). Once it
  answers False the job leaves the queue or stops after the current batch, skips the evaluation and
  frees its slot: nobody is left to look at it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from cnnlab import architecture
from cnnlab.data import MnistData
from cnnlab.recipe import Evaluation, TrainConfig, evaluation_from_probs, publishable_model, split_sizes
from cnnlab.threads import max_trainings
from cnnlab.trainer_pool import (
    ABORT_GRACE_S,
    TrainerGone,
    TrainerPool,
    TrainerProcess,
    TrainingProcessError,
    abort_request,
    remote_error,
    shared_pool,
)
from cnnlab.training_history import EpochRecord, History
from cnnlab.training_watch import TrainingWatch

logger = logging.getLogger(__name__)

OWNER_CHECK_S = 0.5  # how often a job asks whether its owner (session) is still there

# Job states. Active: queued, running, evaluating. Final: done, stopped, cancelled, failed.
QUEUED, RUNNING, EVALUATING, DONE, STOPPED, CANCELLED, FAILED = (
    "queued", "running", "evaluating", "done", "stopped", "cancelled", "failed")
ACTIVE_STATES = (QUEUED, RUNNING, EVALUATING)


# ---------------------------------------------------------------- the process-wide queue

class TrainingSlots:
    """At most `capacity` trainings at once; the rest wait first come, first served."""

    def __init__(self, capacity: int):
        self.capacity = max(1, int(capacity))
        self._cond = threading.Condition()
        self._active: set[str] = set()
        self._waiting: deque[str] = deque()

    def acquire(self, job_id: str, cancelled: threading.Event | Callable[[], bool],
                on_wait: Callable[[int], None] | None = None) -> bool:
        """Block until this job may train (True) or it is cancelled while waiting (False).

        cancelled: an Event, or a function polled about every 0.2 s (e.g. "stopped or owner gone").
        on_wait(position) is called when the position changes, from this thread and outside the lock.
        """
        gave_up = cancelled.is_set if isinstance(cancelled, threading.Event) else cancelled
        with self._cond:
            self._waiting.append(job_id)
        told = None
        try:
            while not gave_up():
                with self._cond:
                    if self._waiting[0] == job_id and len(self._active) < self.capacity:
                        self._active.add(job_id)
                        return True
                    position = self._waiting.index(job_id) + 1
                    self._cond.wait(0.2)
                if on_wait is not None and position != told:
                    on_wait(position)
                    told = position
            return False
        finally:
            with self._cond:
                self._waiting.remove(job_id)
                self._cond.notify_all()

    def release(self, job_id: str) -> None:
        with self._cond:
            self._active.discard(job_id)
            self._cond.notify_all()

    def position(self, job_id: str) -> int | None:
        """1 for the next job to start, 2 behind it...; None when not waiting."""
        with self._cond:
            try:
                return self._waiting.index(job_id) + 1
            except ValueError:
                return None

    def counts(self) -> tuple[int, int]:
        """(training now, waiting)."""
        with self._cond:
            return len(self._active), len(self._waiting)


_slots: TrainingSlots | None = None
_slots_lock = threading.Lock()


def shared_slots() -> TrainingSlots:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = TrainingSlots(max_trainings())
        return _slots


class SlotCancelled(Exception):
    """training_slot gave up waiting: its `cancelled()` said so (e.g. the caller's session has gone)."""


@contextmanager
def training_slot(slots: TrainingSlots | None = None, *, on_wait: Callable[[int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None):
    """Hold a training slot for the with-block, after waiting in line (for trainings in the caller's thread).

    on_wait(position) while waiting: 1 = next. cancelled(), polled while waiting: True leaves the line
    and raises SlotCancelled. Leaving the block, even by an exception, frees the slot.
    """
    slots = slots or shared_slots()
    holder = uuid.uuid4().hex
    if not slots.acquire(holder, cancelled or (lambda: False), on_wait=on_wait):
        raise SlotCancelled
    try:
        yield
    finally:
        slots.release(holder)



# ---------------------------------------------------------------- the job


@dataclass(frozen=True)
class Progress:
    state: str
    epoch: int  # current (1-based) epoch, 0 before the first
    epochs: int
    batches_done: int
    batches_total: int
    elapsed_s: float
    eta_s: float | None
    queue_position: int | None

    @property
    def fraction(self) -> float:
        return min(1.0, self.batches_done / self.batches_total) if self.batches_total else 0.0


class TrainingJob:
    """One background training of `stack` with `config` on `data`.

    Lifecycle: start() -> queued -> running -> evaluating -> done | stopped
    (or cancelled while queued, failed with `.error`). wait(timeout) blocks until final.
    `model` is the usable copy (None until training starts); `evaluation` once evaluated.
    `abandoned` is True when the job ended because `owner_alive()` said its owner had gone.
    """

    def __init__(self, stack, config: TrainConfig, data: MnistData, *, slots: TrainingSlots | None = None,
                 on_update: Callable[[TrainingJob], None] | None = None, published_model=None,
                 owner_alive: Callable[[], bool] | None = None, pool: TrainerPool | None = None):
        """published_model: an untrained model of this same stack to publish right away (so a page can
        show it before the thread starts); by default the job builds its own.
        owner_alive: asked from the job's thread about every OWNER_CHECK_S; False ends the job.
        pool: where its worker process comes from (default: the process-wide one)."""
        config.check()
        architecture.validate(stack)
        self.id = uuid.uuid4().hex
        self.stack = tuple(stack)
        self.config = config
        self._data = data
        self._slots = slots or shared_slots()
        self._pool = pool or shared_pool()
        self._on_update = on_update
        self._owner_alive = owner_alive
        self._owner_checked = 0.0
        self.abandoned = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        sizes = split_sizes(len(data.x_train), config)
        self.train_samples, self.val_samples, self.steps_per_epoch = sizes.train, sizes.val, sizes.steps
        self._history = History(self.steps_per_epoch)
        self.state = QUEUED
        self.error: str | None = None
        self.model = published_model
        # filters, one digit's maps and a stream of predictions, recorded with each snapshot
        self.watch = TrainingWatch.for_test_set(data.x_test, data.y_test)
        self.evaluation: Evaluation | None = None
        self.params = architecture.analyze(stack).total_params
        self.epochs_done = 0  # complete epochs
        self._epoch = 0
        self._batches_done = 0
        self._run_started: float | None = None
        self._run_ended: float | None = None
        self.trainer_pid: int | None = None  # the worker process that trains it
        self.fit_seconds: float | None = None  # model.fit's own duration, for benchmarks

    # -- control
    def start(self) -> TrainingJob:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"training-{self.id[:8]}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """End training after the current batch (or leave the queue); the model is kept as it is."""
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the job is final (done, stopped, cancelled or failed)."""
        return self._done.wait(timeout)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    # -- reading (any thread)
    def history(self) -> History:
        with self._lock:
            h = self._history
            return History(h.steps_per_epoch, list(h.batch_loss), list(h.batch_accuracy), list(h.batch_epoch),
                           list(h.batch_index), list(h.epochs))

    def progress(self) -> Progress:
        with self._lock:
            done, epoch = self._batches_done, self._epoch
            started, ended = self._run_started, self._run_ended
        total = self.steps_per_epoch * self.config.epochs
        now = ended or time.monotonic()
        elapsed = (now - started) if started else 0.0
        eta = None
        if started and done and self.state == RUNNING:
            eta = elapsed / done * max(total - done, 0)
        position = self._slots.position(self.id) if self.state == QUEUED else None
        return Progress(self.state, epoch, self.config.epochs, done, total, elapsed, eta, position)

    # -- the training thread
    def _notify(self) -> None:
        if self._on_update is not None:
            try:
                self._on_update(self)
            except Exception:  # noqa: BLE001 - a reader's bug must not kill the training
                logger.exception("training %s: on_update failed", self.id[:8])

    def _should_stop(self) -> bool:
        """Stop requested, or the owner has gone (asked at most every OWNER_CHECK_S)."""
        if self._stop.is_set():
            return True
        now = time.monotonic()
        if self._owner_alive is None or now - self._owner_checked < OWNER_CHECK_S:
            return False
        self._owner_checked = now
        try:
            alive = self._owner_alive()
        except Exception:  # noqa: BLE001 - a broken checker must not end a student's training
            logger.exception("training %s: owner check failed", self.id[:8])
            return False
        if not alive:
            logger.info("training %s: its session has gone, stopping (%s)", self.id[:8], self.state)
            self.abandoned = True
            self._stop.set()
        return not alive

    def _snapshot(self, weights: list) -> None:
        """Give the published model the worker's latest weights and record what it now sees."""
        if self.model is not None:
            self.model.set_weights(weights)
            self.watch.record(self.model, self.epochs_done, self._batches_done)

    def _record_batches(self, epoch: int, batches: list[tuple[int, float, float]]) -> None:
        with self._lock:
            h = self._history
            for batch, loss, accuracy in batches:
                h.batch_loss.append(loss)
                h.batch_accuracy.append(accuracy)
                h.batch_epoch.append(epoch)
                h.batch_index.append(batch)
            self._batches_done += len(batches)

    def _record_epoch(self, epoch: int, logs: dict, seconds: float) -> None:
        with self._lock:
            complete = (self._batches_done - epoch * self.steps_per_epoch) >= self.steps_per_epoch
            self._history.epochs.append(EpochRecord(
                epoch + 1, float(logs.get("loss", math.nan)), float(logs.get("accuracy", math.nan)),
                _maybe(logs.get("val_loss")), _maybe(logs.get("val_accuracy")), seconds, complete))
            if complete:
                self.epochs_done = epoch + 1

    def _follow(self, worker: TrainerProcess) -> None:
        """Relay the worker's reports into this job until its request ends; pass on Stop and owner gone."""
        stop_sent = False
        while True:
            if self._should_stop():
                if self.abandoned:  # nobody watches: the worker leaves now, or is killed
                    if not abort_request(worker):
                        raise TrainerGone(f"training process {worker.pid} did not stop in {ABORT_GRACE_S:.0f} s")
                    raise _OwnerGone
                if not stop_sent:
                    worker.send(("stop",))
                    stop_sent = True
            message = worker.receive(0.2)
            if message is None:
                continue
            kind = message[0]
            if kind == "batches":
                self._record_batches(self._epoch - 1, message[1])
            elif kind == "epoch_begin":
                with self._lock:
                    self._epoch = message[1] + 1
            elif kind == "epoch_end":
                self._record_epoch(*message[1:])
            elif kind == "weights":
                self._snapshot(message[1])
                self._notify()
            elif kind == "fit_done":
                self.fit_seconds = message[1]
                with self._lock:
                    self._run_ended = time.monotonic()
            elif kind == "evaluating":
                self.state = EVALUATING
                self._notify()
            elif kind == "evaluation":
                self.evaluation = evaluation_from_probs(message[1], self._data.x_test, self._data.y_test)
            elif kind == "done":
                return
            elif kind == "failed":
                raise remote_error(message, worker.pid)

    def _run(self) -> None:
        acquired = False
        worker: TrainerProcess | None = None
        worker_healthy = False
        try:
            acquired = self._slots.acquire(self.id, self._should_stop)
            if not acquired:
                self.state = CANCELLED
                return
            with self._lock:
                self._run_started = time.monotonic()
            self.state = RUNNING
            logger.info("training %s started: %d epochs of %d images", self.id[:8], self.config.epochs,
                        self.train_samples)
            if self.model is None:
                self.model = publishable_model(self.stack, self.config)
            self._notify()
            worker = self._pool.take()
            self.trainer_pid = worker.pid
            worker.send(("train", self.stack, self.config, self._data))
            try:
                self._follow(worker)
                worker_healthy = True
            except _OwnerGone:
                worker_healthy = True  # it left its request and said so: ready for the next one
                raise
            self.state = STOPPED if self._stop.is_set() else DONE
        except _OwnerGone:  # nobody is left to read the weights or an evaluation: the slot is freed at once
            self.state = STOPPED
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a traceback
            logger.exception("training %s failed", self.id[:8])
            message = str(exc) if isinstance(exc, TrainingProcessError) else f"{type(exc).__name__}: {exc}"
            self.error = message[:500]
            self.state = FAILED
        finally:
            with self._lock:
                if self._run_started and not self._run_ended:
                    self._run_ended = time.monotonic()
            if worker is not None:
                self._pool.give_back(worker, worker_healthy)
            self._data = None  # the job keeps only its results
            if acquired:
                self._slots.release(self.id)
            if self.abandoned:
                logger.info("training %s: slot freed after its session ended", self.id[:8])
            self._done.set()
            self._notify()


class _OwnerGone(Exception):
    """Raised from a Keras callback to leave model.fit at once when a job's owner has gone."""


def _maybe(value) -> float | None:
    return None if value is None else float(value)
