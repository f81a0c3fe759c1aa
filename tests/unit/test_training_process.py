"""Trainings run in worker processes: the server's interpreter lock stays with the students' pages."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest

import cnnlab.images
from cnnlab import architecture as arch
from cnnlab import recipe, sequence_experiment, trainer_pool, trainer_worker, training
from cnnlab.data import MnistData, load_bundled
from cnnlab.sequence_experiment import ExperimentSettings

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
    assert job.failure == training.WORKER_GONE  # the page says so in plain words; the log has the exit code
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


def test_a_training_past_its_time_limit_ends_as_stop_does_with_its_model_evaluated(small_data, pool):
    long = recipe.TrainConfig(epochs=200, batch_size=8)
    job = training.TrainingJob(TINY, long, small_data, slots=training.TrainingSlots(1), pool=pool,
                               time_limit_s=0.5).start()
    assert job.wait(120)
    assert job.state == training.STOPPED and job.time_limited and not job.abandoned
    assert job.history().batch_loss and job.epochs_done < 200  # it trained, then stopped after a batch
    assert job.evaluation is not None and job.model is not None  # kept and evaluated, as after Stop
    assert pool.idle_pids() == [job.trainer_pid]  # the worker finished its request cleanly


def test_a_sequences_job_past_its_time_limit_leaves_without_a_result(pool):
    long = ExperimentSettings("waves", window=12, units=16, epochs=500, kinds=("lstm",), n_windows=400)
    job = training.SequencesJob(long, slots=training.TrainingSlots(1), pool=pool, time_limit_s=0.5).start()
    assert job.wait(60)
    assert job.state == training.STOPPED and job.time_limited and job.result is None
    assert pool.idle_pids() == [job.trainer_pid]


def test_the_published_model_gets_the_workers_weights_and_reproduces_its_evaluation(small_data, pool):
    job = training.TrainingJob(TINY, recipe.TrainConfig(epochs=2), small_data, slots=training.TrainingSlots(1),
                               pool=pool).start()
    assert job.wait(120) and job.state == training.DONE, job.error
    probs = np.asarray(job.model(cnnlab.images.batch(small_data.x_test), training=False))
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


def test_the_sequences_job_trains_in_a_worker_gives_the_same_numbers_and_reports_each_epoch(pool):
    settings = ExperimentSettings("waves", window=6, units=4, epochs=3, kinds=("dense", "rnn"), n_windows=60)
    heard = []

    def on_update(job):
        progress = job.progress()
        if progress.model is not None and (progress.model, progress.epoch) not in heard:
            heard.append((progress.model, progress.epoch))

    job = training.SequencesJob(settings, slots=training.TrainingSlots(1), pool=pool, on_update=on_update).start()
    assert job.wait(120) and job.state == training.DONE, job.error
    assert job.trainer_pid not in (None, os.getpid())
    here = sequence_experiment.run(settings)
    assert heard == [(k, e) for k in ("dense", "rnn") for e in (1, 2, 3)]  # in order, as each epoch ends
    remote = job.result
    for kind in ("dense", "rnn"):
        np.testing.assert_allclose(remote.models[kind].predictions, here.models[kind].predictions, rtol=1e-4)
        assert remote.models[kind].losses == pytest.approx(here.models[kind].losses, rel=1e-4)
        assert job.progress().losses[kind] == remote.models[kind].losses
    assert pool.idle_pids() == [job.trainer_pid]


def test_a_stopped_or_abandoned_sequences_job_leaves_at_once_without_a_result_and_keeps_its_worker(pool):
    long = ExperimentSettings("waves", window=12, units=16, epochs=500, kinds=("lstm",), n_windows=400)
    slots = training.TrainingSlots(1)
    stopped = training.SequencesJob(long, slots=slots, pool=pool).start()
    wait_for(lambda: len(stopped.progress().losses["lstm"]) >= 2)
    stopped.stop()
    assert stopped.wait(trainer_pool.ABORT_GRACE_S + 5)
    assert stopped.state == training.STOPPED and stopped.result is None and not stopped.abandoned
    assert 2 <= len(stopped.progress().losses["lstm"]) < 500
    assert pool.idle_pids() == [stopped.trainer_pid] and slots.counts() == (0, 0)

    owner_here = threading.Event()
    owner_here.set()
    abandoned = training.SequencesJob(long, slots=slots, pool=pool, owner_alive=owner_here.is_set).start()
    wait_for(lambda: len(abandoned.progress().losses["lstm"]) >= 1)
    owner_here.clear()  # the tab is closed
    assert abandoned.wait(training.OWNER_CHECK_S + trainer_pool.ABORT_GRACE_S + 5)
    assert abandoned.abandoned and abandoned.state == training.STOPPED and abandoned.result is None
    assert abandoned.trainer_pid == stopped.trainer_pid  # told to leave and kept: no new TensorFlow import
    assert pool.idle_pids() == [abandoned.trainer_pid] and slots.counts() == (0, 0)


def test_a_sequences_job_waits_in_the_same_queue_as_a_training_and_a_cancelled_one_leaves_it(small_data, pool):
    slots = training.TrainingSlots(1)
    first = threading.Event()
    long = recipe.TrainConfig(epochs=200, batch_size=8)
    mnist = training.TrainingJob(TINY, long, small_data, slots=slots, pool=pool,
                                 on_update=lambda j: first.set() if j.history().batch_loss else None).start()
    assert first.wait(60), "the training should start"
    settings = ExperimentSettings("waves", window=6, units=4, epochs=2, kinds=("dense",), n_windows=60)
    waiting = training.SequencesJob(settings, slots=slots, pool=pool).start()
    cancelled = training.SequencesJob(settings, slots=slots, pool=pool).start()
    wait_for(lambda: (waiting.progress().queue_position, cancelled.progress().queue_position) == (1, 2))
    assert waiting.state == cancelled.state == training.QUEUED and slots.counts() == (1, 2)
    cancelled.stop()
    assert cancelled.wait(10) and cancelled.state == training.CANCELLED and cancelled.trainer_pid is None
    assert slots.counts() == (1, 1)
    mnist.stop()
    assert mnist.wait(60) and mnist.state == training.STOPPED
    assert waiting.wait(120) and waiting.state == training.DONE, waiting.error  # it got the freed slot
    assert waiting.result.settings() == ("waves", 6, 4, 2, ("dense",)) and slots.counts() == (0, 0)


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
