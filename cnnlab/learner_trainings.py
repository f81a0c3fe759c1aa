"""A training belongs to its learner, not to the tab that started it: the process-wide registry of them.

- At most one queued or running training per learner: `start()` gives back the learner's active job
  instead of starting a second one, whichever tab asks.
- Any tab of the learner finds it (`entry(learner)`) and shows it; the job is abandoned only when no
  session of the learner has been connected for `limits.ABANDON_AFTER_S`. Sessions report themselves as
  they run (`seen`); whether a session is connected is asked of the function the UI passes
  (components.session_life: Streamlit's runtime), from the job's thread.
- The store keeps what the process may lose (`TrainingEntry`, the job's on_update): the trainings row
  (state, heartbeat, which process runs it), the last complete epoch's weights as a checkpoint at each
  epoch end, and at the end the trained (or stopped) model, saved to the learner's models and made the
  one they use. A process that dies leaves a row nobody beats for: `lost_training` tells another process's
  page so, and the checkpoint can be kept as a model.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cnnlab import limits, training
from cnnlab import store as store_module
from cnnlab.store import ModelRecord, StoreError, TrainingStatus

logger = logging.getLogger(__name__)

HEARTBEAT_S = 5.0  # how often a running training's row is touched
STALE_AFTER_S = 20.0  # a row of another process not touched for this long: that process has gone
REPLICA = f"{os.environ.get('CNNLAB_REPLICA', 'local')}:{os.getpid()}"  # this process, as the rows name it
HOST = socket.gethostname()
SessionCheck = Callable[[str], bool]  # session id -> is that session connected now?


def record_of(job: training.TrainingJob, data_source: str, weights=None) -> ModelRecord:
    """What the store keeps of a training job: the published model's weights and everything it showed."""
    return ModelRecord(job.stack, job.config, weights if weights is not None else job.model.get_weights(),
                       job.history(), job.evaluation, job.epochs_done, job.stop_requested, data_source,
                       job.train_samples)


@dataclass(eq=False)
class TrainingEntry:
    """A learner's training in this process, and what of it the store has."""

    learner: str
    job: training.TrainingJob
    data_source: str
    store: store_module.Store | None
    saved_model_id: int | None = None  # set once the finished model is in the store
    save_error: StoreError | None = None
    _checkpointed: int = 0
    _beat: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def settled(self) -> bool:
        """Final, and whatever the store had to keep of it is kept (or could not be)."""
        return not self.job.active and (self.saved_model_id is not None or self.save_error is not None
                                        or self.job.evaluation is None)

    def on_update(self, job: training.TrainingJob) -> None:
        """The job's on_update (its thread): heartbeat, checkpoint at each epoch end, save at the end."""
        if self.store is None:
            return
        with self._lock:  # the job's thread only, but a reader must never see half of it
            try:
                if job.active:
                    self._running(job)
                else:
                    self._finished(job)
            except StoreError as exc:
                logger.error("training %s: the store refused it (%s)", job.id[:8], exc)
                if not job.active:
                    self.save_error = exc

    def _running(self, job: training.TrainingJob) -> None:
        checkpoint = None
        if job.epochs_done > self._checkpointed and job.model is not None:
            # the first update after an epoch's end carries that epoch's weights (cnnlab.trainer_worker)
            checkpoint = (job.epochs_done, store_module.checkpoint_blob(job.model.get_weights(), job.history()))
            self._checkpointed = job.epochs_done
        now = time.monotonic()
        if checkpoint is not None or now - self._beat >= HEARTBEAT_S:
            self._beat = now
            self.store.training_update(self.learner, job.id, job.state, job.epochs_done, checkpoint)

    def _finished(self, job: training.TrainingJob) -> None:
        state = "abandoned" if job.abandoned else job.state
        if not self.store.training_update(self.learner, job.id, state, job.epochs_done, error=job.error):
            # its row is gone: the learner was forgotten (through another process) meanwhile
            logger.info("training %s: its learner's record is gone, nothing saved", job.id[:8])
            self.save_error = StoreError("not_found")
            return
        if job.evaluation is not None and job.model is not None and self.saved_model_id is None:
            self.saved_model_id = self.store.save_model(self.learner, record_of(job, self.data_source))
            self.store.set_active_model(self.learner, self.saved_model_id)
            logger.info("training %s: saved as model %d of learner %s…", job.id[:8], self.saved_model_id,
                        self.learner[:6])
            self.store.dismiss_training(self.learner, job.id)  # kept as a model: the row has done its work


class LearnerTrainings:
    """Learner -> their training in this process, and the sessions of each learner (thread-safe).

    `is_connected(session_id)` answers whether a session is connected now (the UI sets it: Streamlit's
    runtime); without it (AppTest, scripts) a training is never abandoned for want of a session.
    """

    def __init__(self, abandon_after_s: float = limits.ABANDON_AFTER_S, clock: Callable[[], float] = time.monotonic):
        self.abandon_after_s = abandon_after_s
        self.is_connected: SessionCheck | None = None
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, TrainingEntry] = {}
        self._sessions: dict[str, dict[str, float]] = {}  # learner -> session id -> last seen connected

    def seen(self, learner: str, session_id: str) -> None:
        """A session of the learner is running now (called at each of its runs)."""
        with self._lock:
            self._sessions.setdefault(learner, {})[session_id] = self._clock()

    def alive(self, learner: str) -> bool:
        """Is a session of the learner connected, or was one within abandon_after_s? Forgets older ones."""
        if self.is_connected is None:  # no runtime to ask (AppTest, a script): nothing is ever abandoned
            return True
        with self._lock:
            sessions = list(self._sessions.get(learner, {}))
        connected = {s for s in sessions if self.is_connected(s)}
        now = self._clock()
        with self._lock:
            known = self._sessions.get(learner, {})
            for session_id in list(known):
                if session_id in connected:
                    known[session_id] = now
                elif now - known[session_id] >= self.abandon_after_s:
                    del known[session_id]
            return bool(known)

    def entry(self, learner: str) -> TrainingEntry | None:
        with self._lock:
            return self._entries.get(learner)

    def start(self, learner: str, make_job: Callable[..., training.TrainingJob], data_source: str,
              store: store_module.Store | None) -> tuple[TrainingEntry, bool]:
        """The learner's active training if there is one (False), else a new one, started (True).

        make_job(on_update=..., owner_alive=...) builds the job (not started).
        """
        self.prune()
        with self._lock:
            current = self._entries.get(learner)
            if current is not None and current.job.active:
                return current, False
        box: list[TrainingEntry] = []  # the entry, once the job it follows exists
        job = make_job(on_update=lambda j: box[0].on_update(j) if box else None,
                       owner_alive=lambda: self.alive(learner))
        entry = TrainingEntry(learner, job, data_source, store)
        box.append(entry)
        with self._lock:
            current = self._entries.get(learner)
            if current is not None and current.job.active:  # another tab won the race
                return current, False
            self._entries[learner] = entry
        _record_start(entry)
        job.start()
        return entry, True

    def forget(self, learner: str) -> None:
        """The learner is forgotten: stop their training and drop what this process knows of them."""
        with self._lock:
            entry = self._entries.pop(learner, None)
            self._sessions.pop(learner, None)
        if entry is not None:
            entry.store = None  # nothing of theirs is written again
            entry.job.stop()

    def prune(self) -> int:
        """Forget sessions gone for abandon_after_s, and settled trainings of learners with none left."""
        for learner in self.learners():
            self.alive(learner)
        with self._lock:
            gone = [learner for learner, entry in self._entries.items()
                    if entry.settled and not self._sessions.get(learner)]
            for learner in gone:
                del self._entries[learner]
            for learner in [learner for learner, sessions in self._sessions.items() if not sessions]:
                del self._sessions[learner]
        return len(gone)

    def learners(self) -> list[str]:
        with self._lock:
            return list(self._sessions)


def _record_start(entry: TrainingEntry) -> None:
    if entry.store is None:
        return
    job = entry.job
    settings = store_module.training_settings(job.stack, job.config, entry.data_source, job.train_samples)
    try:
        entry.store.training_started(entry.learner, job.id, settings, job.config.epochs, REPLICA, HOST)
    except StoreError as exc:  # the training runs all the same; only a reload elsewhere cannot find it
        logger.error("training %s: not recorded in the store (%s)", job.id[:8], exc)


def lost_training(status: TrainingStatus | None, registry: LearnerTrainings, learner: str,
                  now: float | None = None) -> TrainingStatus | None:
    """The learner's training the store knows of, when no process runs it any more (else None).

    Ours when this process has it; another live process's when its heartbeat is recent. A training that
    was abandoned (no tab for a while) with a checkpoint counts as lost too: its last epoch can be kept.
    """
    if status is None:
        return None
    entry = registry.entry(learner)
    if entry is not None and entry.job.id == status.job_id:
        return None
    if status.state in training.ACTIVE_STATES:
        age = (now if now is not None else time.time()) - status.heartbeat.timestamp()
        elsewhere_alive = status.replica != REPLICA and age < STALE_AFTER_S
        return None if elsewhere_alive else status
    return status if status.state == "abandoned" and status.checkpoint_epoch > 0 else None


_registry = LearnerTrainings()


def shared_registry() -> LearnerTrainings:
    return _registry
