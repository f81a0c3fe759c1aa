"""A learner's training (cnnlab.learner_trainings): one per learner from any number of tabs (threads), alive
while a session of theirs is, kept in the store (heartbeat, checkpoints, the finished model); and the
training's time estimate."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import numpy as np
import pytest

from cnnlab import architecture, learner_trainings, training
from cnnlab import store as store_module
from cnnlab.recipe import TrainConfig, evaluation_from_probs
from cnnlab.store import TrainingStatus
from cnnlab.training_history import EpochRecord, History
from tests.unit.test_store import SMALL_STACK


class FakeJob:
    """What the registry and its entry read of a TrainingJob, driven by the test."""

    def __init__(self, on_update=None, owner_alive=None, epochs=3):
        self.id = secrets.token_hex(16)
        self.on_update, self.owner_alive = on_update, owner_alive
        self.state, self.started, self.stopped = training.QUEUED, 0, False
        self.stack, self.config, self.train_samples = SMALL_STACK, TrainConfig(epochs=epochs), 48
        total = architecture.analyze(SMALL_STACK).total_params
        self.model = SimpleNamespace(get_weights=lambda: [np.full(total, self.epochs_done, dtype=np.float32)])
        self.epochs_done, self.evaluation, self.abandoned, self.error = 0, None, False, None
        self._history = History(2)

    @property
    def active(self):
        return self.state in training.ACTIVE_STATES

    @property
    def stop_requested(self):
        return self.stopped

    def start(self):
        self.started += 1
        return self

    def stop(self):
        self.stopped = True

    def history(self):
        return self._history

    def finish_epoch(self):
        self.state = training.RUNNING
        self.epochs_done += 1
        self._history.epochs.append(EpochRecord(self.epochs_done, 0.5, 0.8, None, None, 1.0, True))
        self.on_update(self)


def learner() -> str:
    return secrets.token_hex(16)


@pytest.fixture
def store(tmp_path):
    s = store_module.open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    yield s
    s.close()


def test_thirty_tabs_pressing_start_at_once_start_one_training():
    registry, who = learner_trainings.LearnerTrainings(), learner()
    made, entries, barrier = [], [], threading.Barrier(30)

    def make_job(**kwargs):
        made.append(FakeJob(**kwargs))
        return made[-1]

    def tab():
        barrier.wait()
        entries.append(registry.start(who, make_job, "bundled", None))

    threads = [threading.Thread(target=tab) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    started = [entry for entry, is_new in entries if is_new]
    assert len(started) == 1 and len(entries) == 30
    assert {id(entry) for entry, _ in entries} == {id(started[0])}, "every tab follows the same training"
    assert started[0].job.started == 1 and sum(job.started for job in made) == 1
    assert registry.entry(who) is started[0]
    other, is_new = registry.start(learner(), make_job, "bundled", None)
    assert is_new and other is not started[0], "another learner trains on their own"


def test_a_training_lives_while_a_session_of_its_learner_is_connected_or_was_within_the_grace():
    now = [1000.0]
    registry = learner_trainings.LearnerTrainings(abandon_after_s=60, clock=lambda: now[0])
    connected = {"tab1"}
    registry.is_connected = lambda session: session in connected
    who = learner()
    entry, _ = registry.start(who, lambda **kw: FakeJob(**kw), "bundled", None)
    registry.seen(who, "tab1")
    owner_alive = entry.job.owner_alive
    now[0] += 300
    assert owner_alive(), "a connected tab keeps it, however long it is idle"
    connected.clear()  # the tab is reloaded: the old session has gone, the new one has not run yet
    now[0] += 30
    assert owner_alive()
    registry.seen(who, "tab2")  # the reload's session
    connected.add("tab2")
    now[0] += 45
    assert owner_alive(), "the new tab keeps it (75 s after the first left)"
    connected.clear()  # and is closed
    now[0] += 59
    assert owner_alive()
    now[0] += 2
    assert not owner_alive(), "no tab of the learner for 60 s: abandoned"


def test_the_store_gets_each_epochs_checkpoint_and_at_the_end_the_model_in_use(store):
    registry, who = learner_trainings.LearnerTrainings(), learner()
    entry, _ = registry.start(who, lambda **kw: FakeJob(**kw), "bundled", store)
    job = entry.job
    status = store.training_status(who)
    assert (status.job_id, status.state, status.replica) == (job.id, "queued", learner_trainings.REPLICA)
    job.finish_epoch()
    job.finish_epoch()
    status = store.training_status(who)
    assert (status.state, status.epochs_done, status.checkpoint_epoch) == ("running", 2, 2)

    probs = np.eye(10)[np.arange(20) % 10]
    job.evaluation = evaluation_from_probs(probs, np.zeros((20, 28, 28), np.uint8), np.arange(20) % 10)
    job.state = training.DONE
    job.on_update(job)
    assert entry.settled and entry.saved_model_id is not None
    assert store.active_model_id(who) == entry.saved_model_id
    info, record = store.load_model(who, entry.saved_model_id)
    assert info.test_accuracy == 1.0 and info.epochs_done == 2
    np.testing.assert_array_equal(record.weights[0], job.model.get_weights()[0])
    assert store.training_status(who) is None, "kept as a model, the training's row is done"


def test_a_training_whose_learner_was_forgotten_meanwhile_saves_nothing(store):
    registry, who = learner_trainings.LearnerTrainings(), learner()
    entry, _ = registry.start(who, lambda **kw: FakeJob(**kw), "bundled", store)
    entry.job.finish_epoch()
    store.forget_learner(who)  # "forget me", e.g. through another replica
    entry.job.evaluation = evaluation_from_probs(np.eye(10), np.zeros((10, 28, 28), np.uint8), np.arange(10))
    entry.job.state = training.DONE
    entry.job.on_update(entry.job)
    assert entry.saved_model_id is None and store.counts(who).models == 0 and store.training_status(who) is None


def test_forget_stops_the_training_and_drops_its_learner():
    registry, who = learner_trainings.LearnerTrainings(), learner()
    entry, _ = registry.start(who, lambda **kw: FakeJob(**kw), "bundled", None)
    registry.seen(who, "tab")
    registry.forget(who)
    assert entry.job.stopped and registry.entry(who) is None and registry.learners() == []


def _status(state="running", replica="r2:1", age_s=0.0, checkpoint_epoch=1, job_id="j"):
    beat = datetime.now(timezone.utc) - timedelta(seconds=age_s)
    return TrainingStatus(job_id, state, replica, "host", beat, beat, 1, 3, checkpoint_epoch, None)


def test_a_training_is_lost_when_no_live_process_runs_it():
    registry, who = learner_trainings.LearnerTrainings(), learner()
    lost = learner_trainings.lost_training
    assert lost(None, registry, who) is None
    assert lost(_status(age_s=2), registry, who) is None, "another replica beats for it: it runs there"
    assert lost(_status(age_s=60), registry, who) is not None, "that replica stopped beating: it died"
    assert lost(_status(replica=learner_trainings.REPLICA), registry, who) is not None, "ours, but we do not run it"
    entry, _ = registry.start(who, lambda **kw: FakeJob(**kw), "bundled", None)
    assert lost(_status(replica=learner_trainings.REPLICA, job_id=entry.job.id), registry, who) is None
    assert lost(_status(state="abandoned"), registry, who) is not None
    assert lost(_status(state="abandoned", checkpoint_epoch=0), registry, who) is None, "nothing to keep"
    assert lost(_status(state="done"), registry, who) is None


def test_the_time_left_is_estimated_past_the_first_batch_which_also_traces(monkeypatch):
    """The first batch's trace is a one-off: counting it made a 13 s training say "about 24 minutes"."""
    from cnnlab.data import load_mnist

    clock = [100.0]
    monkeypatch.setattr(training.time, "monotonic", lambda: clock[0])
    job = training.TrainingJob(architecture.chapter_spec(), TrainConfig(epochs=5, batch_size=32), load_mnist())
    total = job.steps_per_epoch * 5
    job.state, job._run_started = training.RUNNING, clock[0]
    job._on_message(("epoch_begin", 0))
    clock[0] += 1.2  # worker start, the data, the first step's trace
    job._on_message(("batches", [(0, 2.3, 0.1)]))
    for first in range(1, 101, 25):  # then 100 batches at 10 ms each
        clock[0] += 0.25
        job._on_message(("batches", [(b, 2.0, 0.3) for b in range(first, first + 25)]))
    eta = job.progress().eta_s
    assert eta == pytest.approx(0.01 * (total - 101), rel=1e-6), "10 ms per batch from here on"
    naive = job.elapsed_s() / 101 * (total - 101)
    assert naive > 1.5 * eta  # what counting the trace would have said


def test_a_real_training_through_the_registry_is_saved_and_predicts_as_trained(store):
    from cnnlab.data import load_mnist
    from cnnlab.recipe import publishable_model, test_probabilities

    data, config, who = load_mnist(), TrainConfig(epochs=1, data_fraction=0.05), learner()

    def make_job(on_update, owner_alive):
        return training.TrainingJob(SMALL_STACK, config, data, on_update=on_update, owner_alive=owner_alive,
                                    published_model=publishable_model(SMALL_STACK, config))

    entry, _ = learner_trainings.LearnerTrainings().start(who, make_job, data.source, store)
    assert entry.job.wait(180) and entry.job.state == training.DONE
    deadline = time.monotonic() + 30
    while not entry.settled and time.monotonic() < deadline:
        time.sleep(0.05)
    _, record = store.load_model(who, entry.saved_model_id)
    restored = store_module.restore_model(record)
    images = data.x_test[:300]
    np.testing.assert_array_equal(test_probabilities(restored, images), test_probabilities(entry.job.model, images))
    assert record.evaluation.test_accuracy == entry.job.evaluation.test_accuracy
    assert len(record.history.batch_loss) == entry.job.steps_per_epoch
