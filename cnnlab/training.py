"""Background trainings: the process-wide queue of training slots and the jobs that wait in it.

A job's thread waits for a slot, takes a worker process (cnnlab.trainer_pool), sends it one request and
relays the worker's messages (listed in cnnlab.trainer_worker) into the job until the request ends. A
job never touches Streamlit: pages read it (state, progress, results) and may pass `on_update`, called
from the job's thread when something they show has changed.

Three kinds of job, started, followed and stopped the same way:
- `TrainingJob`: the Train page's layer stack on MNIST (cnnlab.recipe). The worker sends the per-batch
  logs in bundles; the job appends them (Python floats) to its History under a lock. It keeps the
  published model (`job.model`), in this process, which only receives the worker's weights (each epoch
  end, every few seconds, and at the end): other pages may call it at any time. Stop ends `model.fit`
  after the current batch; the model keeps the weights trained so far and is evaluated.
- `SequencesJob`: the Sequences page's experiment (cnnlab.sequence_experiment): each model's loss after
  each epoch, then the ExperimentResult. Stop ends it at once, without a result.
- `FineTuneJob`: the Teacher page's fine-tune of the shipped CNN on a class's drawings (cnnlab.fine_tune):
  the loss after each epoch, then the FineTuneResult (held-out class and bundled test accuracy before and
  after, the new weights). Stop ends it at once, without a result.

Rules for both:
- Fairness: `TrainingSlots` lets at most N jobs train at once in the process (N = $CNNLAB_MAX_TRAININGS,
  default 1 on 2 cores: see cnnlab/threads.py); the others wait in a first-come queue and know their
  position.
- Time: a job that has held its slot for `time_limit_s` (cnnlab.limits.JOB_WALL_TIME_S) ends as Stop
  ends it, and says so (`time_limited`). A training whose estimated cost is over the budget is refused
  before it is queued (`OverBudget`).
- Owner: a job may be given `owner_alive()` (the UI passes "is my session still there?"). Once it answers
  False the job leaves the queue, or its worker leaves the request at once (no evaluation), and the job
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
from typing import TypeVar

from cnnlab import architecture
from cnnlab.data import MnistData
from cnnlab.fine_tune import BUNDLED_TEST, MAX_REPEAT, MIN_DRAWINGS, FineTuneResult, FineTuneSettings
from cnnlab.limits import JOB_WALL_TIME_S, TRAINING_BUDGET_FLOPS
from cnnlab.recipe import (
    Evaluation,
    TrainConfig,
    TrainingCost,
    evaluation_from_probs,
    publishable_model,
    split_sizes,
    training_cost,
)
from cnnlab.sequence_experiment import ExperimentResult, ExperimentSettings, experiment_cost
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
# Why a job failed (`Job.failure`): its worker process died or stopped answering, or the work raised.
WORKER_GONE, ERROR = "worker_gone", "error"


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


class OverBudget(ValueError):
    """A job whose estimated cost (`total` FLOPs) is over `budget` (cnnlab.limits.TRAINING_BUDGET_FLOPS); a
    Train page job also has its TrainingCost (`cost`), which says where the work is."""

    def __init__(self, total: float, budget: float = TRAINING_BUDGET_FLOPS, cost: TrainingCost | None = None):
        super().__init__(f"{total / 1e12:.1f} TFLOP is over the budget of {budget / 1e12:.0f} TFLOP")
        self.total, self.budget, self.cost = total, budget, cost


class SlotCancelled(Exception):
    """training_slot gave up waiting: its `cancelled()` said so (e.g. the job was stopped, its owner has gone)."""


@contextmanager
def training_slot(slots: TrainingSlots | None = None, *, holder: str | None = None,
                  on_wait: Callable[[int], None] | None = None, cancelled: Callable[[], bool] | None = None):
    """Hold a training slot for the with-block, after waiting in line.

    holder: the name the queue knows it by (a job's id: its position is asked by that name).
    on_wait(position) while waiting: 1 = next. cancelled(), polled while waiting: True leaves the line
    and raises SlotCancelled. Leaving the block, even by an exception, frees the slot.
    """
    slots = slots or shared_slots()
    holder = holder or uuid.uuid4().hex
    if not slots.acquire(holder, cancelled or (lambda: False), on_wait=on_wait):
        raise SlotCancelled
    try:
        yield
    finally:
        slots.release(holder)


# ---------------------------------------------------------------- what both kinds of job share

_J = TypeVar("_J", bound="Job")


class _LeftRequest(Exception):
    """The worker left its request at the job's word (nobody watches, or a Stop that keeps nothing)."""


class Job:
    """One background job: waits for a slot, has a worker run its request, relays the worker's messages.

    Lifecycle: start() -> queued -> running [-> evaluating] -> done | stopped (or cancelled while queued,
    failed with `.error`). wait(timeout) blocks until final. `abandoned` is True when the job ended
    because `owner_alive()` said its owner had gone. A kind says what it asks the worker (`_request`),
    what each message means to it (`_on_message`) and whether Stop keeps the work done so far.
    """

    name = "job"  # in the log: "<name> <id>: ..."
    stop_keeps_work = False  # True: Stop asks the worker to finish early and report; False: leave at once

    def __init__(self, *, slots: TrainingSlots | None = None, pool: TrainerPool | None = None,
                 on_update: Callable[[Job], None] | None = None, owner_alive: Callable[[], bool] | None = None,
                 time_limit_s: float = JOB_WALL_TIME_S):
        """slots: the queue (default: the process-wide one); pool: where its worker process comes from
        (default: the process-wide one); on_update(job): called from the job's thread when what a page
        shows has changed; owner_alive: asked from the job's thread about every OWNER_CHECK_S, False ends
        the job; time_limit_s: how long it may run once it holds a slot."""
        self.id = uuid.uuid4().hex
        self._slots = slots or shared_slots()
        self._pool = pool or shared_pool()
        self._on_update = on_update
        self._owner_alive = owner_alive
        self._owner_checked = 0.0
        self.abandoned = False
        self.time_limit_s = time_limit_s
        self.time_limited = False  # ended by its time limit
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = QUEUED
        self.error: str | None = None  # the technical summary of a failure (the log has the traceback)
        self.failure: str | None = None  # WORKER_GONE or ERROR once failed
        self._run_started: float | None = None
        self._run_ended: float | None = None
        self.trainer_pid: int | None = None  # the worker process that runs it

    # -- control
    def start(self: _J) -> _J:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"{self.name}-{self.id[:8]}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """End the work after the current step (or leave the queue)."""
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the job is final (done, stopped, cancelled or failed) and its on_update has seen that."""
        return self._done.wait(timeout)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    # -- reading (any thread)
    def queue_position(self) -> int | None:
        """1 for the next job to start, 2 behind it...; None when not waiting."""
        return self._slots.position(self.id) if self.state == QUEUED else None

    def elapsed_s(self) -> float:
        """Seconds since the work started, up to its end."""
        with self._lock:
            started, ended = self._run_started, self._run_ended
        return ((ended or time.monotonic()) - started) if started else 0.0

    # -- what a kind defines
    def _describe(self) -> str:
        """What the job does, for its "started" log line."""
        raise NotImplementedError

    def _request(self) -> tuple:
        """The request message for the worker."""
        raise NotImplementedError

    def _on_message(self, message: tuple) -> None:
        """One message of the worker's (other than "done" and "failed")."""
        raise NotImplementedError

    def _on_slot(self) -> None:
        """Called in the job's thread once it holds a slot, before its worker is taken."""

    def _on_end(self) -> None:
        """Called in the job's thread once it is final: let go of what only the work needed."""

    # -- the job's thread
    def _notify(self) -> None:
        if self._on_update is not None:
            try:
                self._on_update(self)
            except Exception:  # noqa: BLE001 - a reader's bug must not kill the job
                logger.exception("%s %s: on_update failed", self.name, self.id[:8])

    def _should_stop(self) -> bool:
        """Stop requested, its time is up, or the owner has gone (asked at most every OWNER_CHECK_S)."""
        if self._stop.is_set():
            return True
        if self.state == RUNNING and self.elapsed_s() > self.time_limit_s:
            logger.info("%s %s: its %.0f s are up, stopping", self.name, self.id[:8], self.time_limit_s)
            self.time_limited = True
            self._stop.set()
            return True
        now = time.monotonic()
        if self._owner_alive is None or now - self._owner_checked < OWNER_CHECK_S:
            return False
        self._owner_checked = now
        try:
            alive = self._owner_alive()
        except Exception:  # noqa: BLE001 - a broken checker must not end a student's training
            logger.exception("%s %s: owner check failed", self.name, self.id[:8])
            return False
        if not alive:
            logger.info("%s %s: its session has gone, stopping (%s)", self.name, self.id[:8], self.state)
            self.abandoned = True
            self._stop.set()
        return not alive

    def _run(self) -> None:
        try:
            with training_slot(self._slots, holder=self.id, cancelled=self._should_stop):
                self._begin()
                self._work_in_worker()
            self.state = STOPPED if self._stop.is_set() else DONE
        except SlotCancelled:
            self.state = CANCELLED
        except _LeftRequest:  # nobody is left to read the results, or Stop keeps nothing: the slot is free
            self.state = STOPPED
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a traceback
            logger.exception("%s %s failed", self.name, self.id[:8])
            message = str(exc) if isinstance(exc, TrainingProcessError) else f"{type(exc).__name__}: {exc}"
            self.error = message[:500]
            self.failure = WORKER_GONE if isinstance(exc, TrainerGone) else ERROR
            self.state = FAILED
        finally:
            self._end()

    def _begin(self) -> None:
        with self._lock:
            self._run_started = time.monotonic()
        self.state = RUNNING
        logger.info("%s %s started: %s", self.name, self.id[:8], self._describe())
        self._on_slot()
        self._notify()

    def _work_in_worker(self) -> None:
        """Send the request to a worker and follow it; the worker goes back to the pool, or is replaced."""
        worker = self._pool.take()
        self.trainer_pid = worker.pid
        healthy = False
        try:
            worker.send(self._request())
            self._follow(worker)
            healthy = True
        except (_LeftRequest, TrainingProcessError):
            healthy = True  # it left its request, or caught its error, and said so: ready for the next one
            raise
        finally:
            self._pool.give_back(worker, healthy)

    def _follow(self, worker: TrainerProcess) -> None:
        """Relay the worker's messages into this job until its request ends; pass on Stop and owner gone."""
        stop_sent = False
        while True:
            if self._should_stop():
                if self.abandoned or not self.stop_keeps_work:
                    self._leave(worker)
                if not stop_sent:
                    worker.send(("stop",))
                    stop_sent = True
            message = worker.receive(0.2)
            if message is None:
                continue
            if message[0] == "done":
                return
            if message[0] == "failed":
                raise remote_error(message, worker.pid)
            self._on_message(message)

    @staticmethod
    def _leave(worker: TrainerProcess) -> None:
        """The worker leaves its request now (it is killed if it does not say so in time)."""
        if not abort_request(worker):
            raise TrainerGone(f"training process {worker.pid} did not stop in {ABORT_GRACE_S:.0f} s")
        raise _LeftRequest

    def _end(self) -> None:
        with self._lock:
            if self._run_started and not self._run_ended:
                self._run_ended = time.monotonic()
        self._on_end()
        if self.abandoned:
            logger.info("%s %s: slot freed after its session ended", self.name, self.id[:8])
        self._notify()  # before done: who waits for the job finds what its listener kept (the saved model)
        self._done.set()


# ---------------------------------------------------------------- the Train page's job

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


class TrainingJob(Job):
    """One background training of `stack` with `config` on `data`.

    `model` is the usable copy (None until training starts); `evaluation` once evaluated.
    """

    name = "training"
    stop_keeps_work = True

    def __init__(self, stack, config: TrainConfig, data: MnistData, *, slots: TrainingSlots | None = None,
                 on_update: Callable[[TrainingJob], None] | None = None, published_model=None,
                 owner_alive: Callable[[], bool] | None = None, pool: TrainerPool | None = None,
                 time_limit_s: float = JOB_WALL_TIME_S):
        """published_model: an untrained model of this same stack to publish right away (so a page can
        show it before the thread starts); by default the job builds its own. OverBudget when its
        estimated cost is over the budget. See Job for the rest."""
        config.check()
        analysis = architecture.validate(stack)
        self.cost = training_cost(analysis, config, len(data.x_train), len(data.x_test))
        if self.cost.over_budget:
            raise OverBudget(self.cost.total, self.cost.budget, self.cost)
        super().__init__(slots=slots, pool=pool, on_update=on_update, owner_alive=owner_alive,
                         time_limit_s=time_limit_s)
        self.stack = tuple(stack)
        self.config = config
        self._data = data
        sizes = split_sizes(len(data.x_train), config)
        self.train_samples, self.val_samples, self.steps_per_epoch = sizes.train, sizes.val, sizes.steps
        self._history = History(self.steps_per_epoch)
        self.model = published_model
        # filters, one digit's maps and a stream of predictions, recorded with each snapshot
        self.watch = TrainingWatch.for_test_set(data.x_test, data.y_test)
        self.evaluation: Evaluation | None = None
        self.params = analysis.total_params
        self.epochs_done = 0  # complete epochs
        self._epoch = 0
        self._batches_done = 0
        # (when, batches done) at the first bundle of batches: the estimate's start, past the first batch, which
        # also traced the training step (a one-off that would make a rate from the start many times too slow)
        self._rate_origin: tuple[float, int] | None = None
        self.fit_seconds: float | None = None  # model.fit's own duration, for benchmarks

    def history(self) -> History:
        with self._lock:
            h = self._history
            return History(h.steps_per_epoch, list(h.batch_loss), list(h.batch_accuracy), list(h.batch_epoch),
                           list(h.batch_index), list(h.epochs))

    def progress(self) -> Progress:
        with self._lock:
            done, epoch, origin = self._batches_done, self._epoch, self._rate_origin
        total = self.steps_per_epoch * self.config.epochs
        elapsed = self.elapsed_s()
        eta = None
        if origin is not None and done > origin[1] and self.state == RUNNING:
            eta = (time.monotonic() - origin[0]) / (done - origin[1]) * max(total - done, 0)
        return Progress(self.state, epoch, self.config.epochs, done, total, elapsed, eta, self.queue_position())

    def _describe(self) -> str:
        return f"{self.config.epochs} epochs of {self.train_samples} images"

    def _request(self) -> tuple:
        return ("train", self.stack, self.config, self._data)

    def _on_slot(self) -> None:
        if self.model is None:
            self.model = publishable_model(self.stack, self.config)

    def _on_end(self) -> None:
        self._data = None  # the job keeps only its results

    def _on_message(self, message: tuple) -> None:
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
            if self._rate_origin is None:
                self._rate_origin = (time.monotonic(), self._batches_done)

    def _record_epoch(self, epoch: int, logs: dict, seconds: float) -> None:
        with self._lock:
            complete = (self._batches_done - epoch * self.steps_per_epoch) >= self.steps_per_epoch
            self._history.epochs.append(EpochRecord(
                epoch + 1, float(logs.get("loss", math.nan)), float(logs.get("accuracy", math.nan)),
                _maybe(logs.get("val_loss")), _maybe(logs.get("val_accuracy")), seconds, complete))
            if complete:
                self.epochs_done = epoch + 1


def _maybe(value) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------- the Sequences page's job

@dataclass(frozen=True)
class ExperimentProgress:
    state: str
    model: str | None  # the model kind training now (None before the first epoch)
    epoch: int  # its last finished epoch (1-based), 0 before the first
    epochs: int
    losses: dict[str, list[float]]  # each model's training loss per finished epoch, in training order
    queue_position: int | None


class SequencesJob(Job):
    """The sequences experiment with `settings`, in the background; `result` once it is done."""

    name = "sequences experiment"
    stop_keeps_work = False

    def __init__(self, settings: ExperimentSettings, *, slots: TrainingSlots | None = None,
                 on_update: Callable[[SequencesJob], None] | None = None,
                 owner_alive: Callable[[], bool] | None = None, pool: TrainerPool | None = None,
                 time_limit_s: float = JOB_WALL_TIME_S):
        """OverBudget when its estimated cost is over the budget; see Job for the rest."""
        self.cost = experiment_cost(settings)
        if self.cost > TRAINING_BUDGET_FLOPS:
            raise OverBudget(self.cost)
        super().__init__(slots=slots, pool=pool, on_update=on_update, owner_alive=owner_alive,
                         time_limit_s=time_limit_s)
        self.settings = settings
        self.result: ExperimentResult | None = None
        self._losses: dict[str, list[float]] = {kind: [] for kind in settings.kinds}
        self._current: tuple[str | None, int] = (None, 0)

    def progress(self) -> ExperimentProgress:
        with self._lock:
            (model, epoch), losses = self._current, {k: list(v) for k, v in self._losses.items()}
        return ExperimentProgress(self.state, model, epoch, self.settings.epochs, losses, self.queue_position())

    def _describe(self) -> str:
        s = self.settings
        return f"{'/'.join(s.kinds)} on {s.series}, window {s.window}, {s.units} units, {s.epochs} epochs"

    def _request(self) -> tuple:
        return ("sequences", self.settings)

    def _on_message(self, message: tuple) -> None:
        if message[0] == "epoch":
            model, epoch, loss = message[1:]
            with self._lock:
                self._losses[model].append(loss)
                self._current = (model, epoch)
            self._notify()
        elif message[0] == "result":
            self.result = message[1]


# ---------------------------------------------------------------- the Teacher page's job

@dataclass(frozen=True)
class FineTuneProgress:
    state: str
    epoch: int  # finished epochs
    epochs: int
    losses: list[float]  # training loss per finished epoch
    queue_position: int | None


class FineTuneJob(Job):
    """Fine-tune the shipped CNN on a class's drawings (cnnlab.fine_tune) in the background; `result` once done.

    Stop ends it at once, without a result: the class keeps the model it had.
    """

    name = "fine-tune"
    stop_keeps_work = False

    def __init__(self, images, labels, settings: FineTuneSettings, *, slots: TrainingSlots | None = None,
                 on_update: Callable[[FineTuneJob], None] | None = None,
                 owner_alive: Callable[[], bool] | None = None, pool: TrainerPool | None = None,
                 time_limit_s: float = JOB_WALL_TIME_S):
        """images: the class's drawings as float (n, 28, 28); labels: the digits meant. ValueError for fewer than
        fine_tune.MIN_DRAWINGS, OverBudget past the budget; see Job for the rest."""
        import numpy as np

        self._images, self._labels = np.asarray(images, dtype=np.float32), np.asarray(labels, dtype=np.int64)
        if len(self._images) < MIN_DRAWINGS or self._images.shape[1:] != (28, 28) or len(self._labels) != len(
                self._images):
            raise ValueError(f"fine-tuning needs at least {MIN_DRAWINGS} drawings of 28×28 with their digits")
        # at most: the bundled sample and the class's drawings repeated 20 times; two passes over the test digits
        most = settings.bundled_samples + len(self._images) * MAX_REPEAT
        self.cost = training_cost(architecture.analyze(architecture.chapter_spec()), settings.config, most,
                                  2 * (BUNDLED_TEST + len(self._images))).total
        if self.cost > TRAINING_BUDGET_FLOPS:
            raise OverBudget(self.cost)
        super().__init__(slots=slots, pool=pool, on_update=on_update, owner_alive=owner_alive,
                         time_limit_s=time_limit_s)
        self.settings = settings
        self.result: FineTuneResult | None = None
        self._losses: list[float] = []

    def progress(self) -> FineTuneProgress:
        with self._lock:
            losses = list(self._losses)
        return FineTuneProgress(self.state, len(losses), self.settings.epochs, losses, self.queue_position())

    def _describe(self) -> str:
        return f"{self.settings.epochs} epochs on {len(self._images)} class drawings"

    def _request(self) -> tuple:
        return ("fine_tune", self._images, self._labels, self.settings)

    def _on_end(self) -> None:
        self._images = self._labels = None

    def _on_message(self, message: tuple) -> None:
        if message[0] == "epoch":
            with self._lock:
                self._losses.append(message[2])
            self._notify()
        elif message[0] == "result":
            self.result = message[1]
