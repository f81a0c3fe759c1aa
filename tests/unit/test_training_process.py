"""Trainings run in worker processes: the server's interpreter lock stays with the students' pages."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest

from cnnlab import architecture as arch
from cnnlab import recipe, trainer_pool, trainer_worker, training
from cnnlab.data import MnistData, load_bundled, to_model_input

TINY = (arch.conv(4), arch.pool(4), arch.LayerSpec("Flatten"), arch.dense(10, "softmax"))


@pytest.fixture(scope="module")
def small_data():
    full = load_bundled()
    return MnistData(full.x_train[:300], full.y_train[:300], full.x_test[:100], full.y_test[:100], "bundled")


@pytest.fixture(scope="module")
def pool():
    """One worker kept ready for this module's jobs (a fresh one costs a TensorFlow import)."""
    workers = trainer_pool.TrainerPool(1)
    workers.prepare()
    yield workers
    workers.close()


def wait_for(condition, seconds: float = 60) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        threading.Event().wait(0.05)
    raise AssertionError("condition not reached")


def niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_a_job_trains_in_a_worker_process_at_a_lower_priority_and_the_worker_stays_ready(small_data, pool):
    job = training.TrainingJob(TINY, recipe.TrainConfig(epochs=1), small_data, slots=training.TrainingSlots(1),
                               pool=pool).start()
    assert job.wait(120) and job.state == training.DONE, job.error
    assert job.trainer_pid not in (None, os.getpid())
    assert niceness(job.trainer_pid) == niceness(os.getpid()) + trainer_worker.DEFAULT_NICE
    assert pool.idle_pids() == [job.trainer_pid]  # back in the pool for the next training
    assert job.fit_seconds and job.fit_seconds > 0


def test_a_killed_worker_fails_its_job_frees_the_slot_and_is_replaced(small_data, pool):
    slots = training.TrainingSlots(1)
    long = recipe.TrainConfig(epochs=200, batch_size=8)
    job = training.TrainingJob(TINY, long, small_data, slots=slots, pool=pool).start()
    wait_for(lambda: len(job.history().batch_loss) > 3)
    os.kill(job.trainer_pid, signal.SIGKILL)
    assert job.wait(30)
    assert job.state == training.FAILED and "ended unexpectedly" in job.error
    assert slots.counts() == (0, 0) and job.model is not None  # the weights it had are kept
    replacement = pool.idle_pids()
    assert len(replacement) == 1 and replacement[0] != job.trainer_pid
    after = training.TrainingJob(TINY, recipe.TrainConfig(epochs=1), small_data, slots=slots, pool=pool).start()
    assert after.wait(120) and after.state == training.DONE, after.error
    assert after.trainer_pid == replacement[0]


def test_an_abandoned_job_leaves_model_fit_at_once_and_its_worker_trains_the_next(small_data, pool):
    owner_here = threading.Event()
    owner_here.set()
    long = recipe.TrainConfig(epochs=200, batch_size=8)
    job = training.TrainingJob(TINY, long, small_data, slots=training.TrainingSlots(1), pool=pool,
                               owner_alive=owner_here.is_set).start()
    wait_for(lambda: len(job.history().batch_loss) > 3)
    owner_here.clear()
    assert job.wait(training.OWNER_CHECK_S + trainer_pool.ABORT_GRACE_S + 5)
    assert job.abandoned and job.state == training.STOPPED and job.evaluation is None
    nxt = training.TrainingJob(TINY, recipe.TrainConfig(epochs=1), small_data, slots=training.TrainingSlots(1),
                               pool=pool).start()
    assert nxt.wait(120) and nxt.state == training.DONE, nxt.error
    assert nxt.trainer_pid == job.trainer_pid  # it said "aborted" and was kept, not killed


def test_the_published_model_gets_the_workers_weights_and_reproduces_its_evaluation(small_data, pool):
    job = training.TrainingJob(TINY, recipe.TrainConfig(epochs=2), small_data, slots=training.TrainingSlots(1),
                               pool=pool).start()
    assert job.wait(120) and job.state == training.DONE, job.error
    probs = np.asarray(job.model(to_model_input(small_data.x_test), training=False))
    own = recipe.evaluation_from_probs(probs, small_data.x_test, small_data.y_test)
    assert own.test_accuracy == pytest.approx(job.evaluation.test_accuracy)
    assert own.test_loss == pytest.approx(job.evaluation.test_loss, rel=1e-4)


def test_a_worker_leaves_when_the_server_closes_its_end():
    worker = trainer_pool.TrainerProcess()
    worker.wait_ready()
    assert worker.alive()
    worker.close()
    assert worker.process.returncode == 0


def test_error_summary_keeps_the_message_not_tensorflows_graph_trace():
    trace = ("Graph execution error:\n\nDetected at node loss defined at (most recent call last):\n"
             '  File "x.py", line 1, in <module>\n\nReceived a label value of 12 which is outside the valid range.\n'
             "\t [[{{node loss}}]] [Op:__inference_step_1]")
    assert trainer_worker.error_summary(ValueError(trace)) == (
        "ValueError: Received a label value of 12 which is outside the valid range.")
    assert trainer_worker.error_summary(MemoryError("no room")) == "MemoryError: no room"


def test_the_sequences_experiment_in_a_worker_gives_the_same_numbers_and_reports_each_epoch(pool):
    from cnnlab import sequence_data, sequence_experiment

    data = sequence_data.prepare_data("waves", 6, n_windows=60)
    heard = []
    caller = threading.get_ident()
    remote = trainer_pool.sequences_experiment(
        data, ("dense", "rnn"), units=4, epochs=3, pool=pool,
        on_epoch=lambda kind, epoch, loss: heard.append((kind, epoch, threading.get_ident() == caller)))
    here = sequence_experiment.train_models(data, ("dense", "rnn"), units=4, epochs=3)
    assert heard == [(k, e, True) for k in ("dense", "rnn") for e in (1, 2, 3)]
    for kind in ("dense", "rnn"):
        np.testing.assert_allclose(remote.models[kind].predictions, here.models[kind].predictions, rtol=1e-4)
        assert remote.models[kind].losses == pytest.approx(here.models[kind].losses, rel=1e-4)


def test_a_sequences_experiment_ends_when_cancelled_or_interrupted_and_keeps_its_worker(pool):
    from cnnlab import sequence_data

    data = sequence_data.prepare_data("waves", 12, n_windows=400)
    epochs_seen = []
    assert trainer_pool.sequences_experiment(
        data, ("lstm",), units=16, epochs=500, pool=pool, on_epoch=lambda *a: epochs_seen.append(a),
        cancelled=lambda: len(epochs_seen) >= 2) is None
    assert 2 <= len(epochs_seen) < 500
    (kept,) = pool.idle_pids()

    class Interrupted(Exception):  # what Streamlit raises in a script thread it stops for a rerun
        pass

    def interrupt(*_):
        raise Interrupted

    with pytest.raises(Interrupted):
        trainer_pool.sequences_experiment(data, ("lstm",), units=16, epochs=500, pool=pool, on_epoch=interrupt)
    assert pool.idle_pids() == [kept]  # told to leave and kept: no new TensorFlow import for the next one


def test_a_connection_without_the_workers_token_is_refused_unread(caplog):
    import pickle
    import socket

    worker = trainer_pool.TrainerProcess()
    stranger = socket.create_connection(worker._listening.getsockname())  # before the worker can connect
    stranger.sendall(len(b"x" * 40).to_bytes(4, "big") + pickle.dumps(("ready", 0))[:40].ljust(40, b"x"))
    try:
        worker.wait_ready()
        assert worker.ready and worker.alive()
        assert any("without its token was refused" in r.message for r in caplog.records)
        assert stranger.recv(1) == b""  # closed on it
    finally:
        stranger.close()
        worker.close()
    assert worker.process.returncode == 0
