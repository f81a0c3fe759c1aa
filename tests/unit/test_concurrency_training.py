"""Trainings end with their session and share the machine: owner binding, slot and thread sizing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from cnnlab import architecture as arch
from cnnlab import recipe, threads, training
from cnnlab.data import MnistData, load_bundled
from components import session_life

TINY = (arch.conv(4), arch.pool(4), arch.LayerSpec("Flatten"), arch.dense(10, "softmax"))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def small_data():
    full = load_bundled()
    return MnistData(full.x_train[:300], full.y_train[:300], full.x_test[:100], full.y_test[:100], "bundled")


def wait_for(condition, attempts: int = 600) -> None:
    for _ in range(attempts):
        if condition():
            return
        threading.Event().wait(0.05)
    raise AssertionError("condition not reached")


def test_a_training_whose_session_ends_stops_and_frees_its_slot_for_the_next(small_data):
    slots = training.TrainingSlots(1)
    owner_here = threading.Event()
    owner_here.set()
    long = recipe.TrainConfig(epochs=200, batch_size=8, validation_split=0)
    job = training.TrainingJob(TINY, long, small_data, slots=slots, owner_alive=owner_here.is_set).start()
    waiting = training.TrainingJob(TINY, recipe.TrainConfig(epochs=1), small_data, slots=slots).start()
    wait_for(lambda: len(job.history().batch_loss) > 3)
    assert waiting.progress().queue_position == 1
    owner_here.clear()  # the tab is closed
    assert job.wait(120)
    assert job.abandoned and job.state == training.STOPPED and job.evaluation is None
    assert job.epochs_done < 200 and job.model is not None
    assert waiting.wait(120) and waiting.state == training.DONE  # it got the freed slot
    assert slots.counts() == (0, 0)


def test_a_queued_training_whose_session_ends_leaves_the_queue(small_data):
    slots = training.TrainingSlots(1)
    assert slots.acquire("someone-else", threading.Event())
    owner_here = threading.Event()
    owner_here.set()
    job = training.TrainingJob(TINY, recipe.TrainConfig(epochs=1), small_data, slots=slots,
                               owner_alive=owner_here.is_set).start()
    wait_for(lambda: job.progress().queue_position == 1)
    owner_here.clear()
    assert job.wait(60)
    assert job.state == training.CANCELLED and job.abandoned and job.model is None
    assert slots.counts() == (1, 0)
    slots.release("someone-else")


def test_a_broken_owner_check_is_logged_and_does_not_end_the_training(small_data, caplog):
    def broken() -> bool:
        raise RuntimeError("checker bug")

    job = training.TrainingJob(TINY, recipe.TrainConfig(epochs=2, batch_size=64), small_data,
                               slots=training.TrainingSlots(1), owner_alive=broken).start()
    assert job.wait(120)
    assert job.state == training.DONE and not job.abandoned
    assert any("owner check failed" in r.message and r.exc_info for r in caplog.records)


def test_a_session_counts_as_alive_while_active_and_for_a_grace_after():
    active = {"s1"}
    reconnect_window = session_life.alive_while_active(lambda sid: sid in active, "s1", grace_s=3600)
    no_grace = session_life.alive_while_active(lambda sid: sid in active, "s1", grace_s=0)
    assert reconnect_window() and no_grace()
    active.clear()  # the websocket closed
    assert reconnect_window()  # it may still reconnect
    assert not no_grace()
    active.add("s1")  # it reconnected
    assert no_grace()


def test_outside_a_served_app_there_is_no_session_to_watch():
    assert session_life.session_alive_checker() is None


def test_slots_and_threads_fit_a_small_server(monkeypatch):
    monkeypatch.delenv(threads.ENV_MAX_TRAININGS, raising=False)
    monkeypatch.delenv(threads.ENV_TF_THREADS, raising=False)
    assert threads.max_trainings(cores=1) == threads.max_trainings(cores=2) == 1  # pages stay responsive
    assert threads.tf_threads(cores=2) == 1 and threads.max_trainings(cores=8) == 4
    assert threads.tf_threads(cores=16) == 1 and threads.tf_threads(cores=4) == 1
    monkeypatch.setenv(threads.ENV_MAX_TRAININGS, "3")
    monkeypatch.setenv(threads.ENV_TF_THREADS, "2")
    assert threads.max_trainings(cores=2) == 3 and threads.tf_threads(cores=2) == 2
    monkeypatch.setenv(threads.ENV_TF_THREADS, "none")
    assert threads.tf_threads(cores=8) == 1


def test_importing_cnnlab_sizes_tensorflows_thread_pools_before_it_starts():
    """TensorFlow reads TF_NUM_INTRAOP/INTEROP_THREADS when its runtime starts: set by `import cnnlab`."""
    code = ("import os, cnnlab, tensorflow as tf; tf.constant(1.0) + 1.0; "
            "print(os.environ['TF_NUM_INTRAOP_THREADS'], os.environ['TF_NUM_INTEROP_THREADS'])")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_NUM_", "CNNLAB_"))}
    env.update(CNNLAB_TF_THREADS="1", CNNLAB_MAX_TRAININGS="2", TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300, check=True).stdout.split()
    assert out == ["1", "2"]


def test_a_slot_held_in_the_callers_thread_waits_in_the_same_queue_and_hears_its_position():
    """training_slot (what every job holds while it trains) waits in line with the others and says where."""
    slots = training.TrainingSlots(1)
    assert slots.acquire("a-train-page-job", threading.Event())
    heard, inside = [], threading.Event()

    def experiment() -> None:
        with training.training_slot(slots, on_wait=heard.append):
            inside.set()

    runner = threading.Thread(target=experiment)
    runner.start()
    wait_for(lambda: heard == [1])
    assert not inside.is_set() and slots.counts() == (1, 1)
    slots.release("a-train-page-job")
    runner.join(30)
    assert inside.is_set() and heard == [1] and slots.counts() == (0, 0)


def test_a_slot_held_in_the_callers_thread_leaves_the_line_when_its_session_has_gone():
    """Work whose tab closed while it waited must not take the slot afterwards."""
    slots = training.TrainingSlots(1)
    assert slots.acquire("a-train-page-job", threading.Event())
    gone, outcome = threading.Event(), []

    def experiment() -> None:
        try:
            with training.training_slot(slots, cancelled=gone.is_set):
                outcome.append("trained")
        except training.SlotCancelled:
            outcome.append("left the line")

    runner = threading.Thread(target=experiment)
    runner.start()
    wait_for(lambda: slots.counts() == (1, 1))
    gone.set()
    runner.join(30)
    assert outcome == ["left the line"] and slots.counts() == (1, 0)
    slots.release("a-train-page-job")
    assert slots.counts() == (0, 0)
