"""Sessions keep what is theirs: the data a session started with, and nothing after it closes."""

from __future__ import annotations

import numpy as np

from cnnlab import data, learner_trainings
from components import state_keys as keys


def _write_full_mnist(path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    zeros = np.zeros((data.FULL_TRAIN, 28, 28), np.uint8)
    np.savez_compressed(path, x_train=zeros, y_train=np.zeros(data.FULL_TRAIN, np.uint8),
                        x_test=zeros[:data.FULL_TEST], y_test=np.zeros(data.FULL_TEST, np.uint8))


def test_a_server_wide_switch_to_full_mnist_leaves_open_sessions_their_data(app_test, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no full MNIST yet: the bundled digits
    open_session = app_test("en")
    assert open_session.session_state[keys.MNIST_DATA].source == "bundled"

    _write_full_mnist(tmp_path / "datasets" / "mnist.npz")  # the operator runs scripts/download_mnist.py
    open_session.switch_page("app_pages/train.py").run()
    assert not open_session.exception
    assert open_session.session_state[keys.MNIST_DATA].source == "bundled"
    assert "bundled" in " ".join(m.value for m in open_session.markdown)

    new_session = app_test("en")
    assert new_session.session_state[keys.MNIST_DATA].source == "keras"
    assert len(new_session.session_state[keys.MNIST_DATA].x_train) == data.FULL_TRAIN


def test_what_a_closed_session_held_is_released(app_test):
    """A session that trained a model and drew its charts: once it is gone, nothing process-wide keeps them."""
    import gc
    import weakref

    at = app_test("en", "app_pages/train.py")
    at.select_slider(key="train_fraction").set_value(0.05)
    at.slider(key="train_epochs").set_value(1)
    at.button(key="train_start").click().run()
    job = at.session_state[keys.TRAINING_JOB]
    assert job.wait(180)
    at.run()
    assert not at.exception and job.evaluation is not None
    run = at.session_state[keys.TRAINING_RUN]
    held = {"model": weakref.ref(job.model), "job": weakref.ref(job), "run": weakref.ref(run),
            "figure": weakref.ref(run.figures["confusion"][1]),
            "published": weakref.ref(at.session_state[keys.TRAINED_MODEL])}
    who = at.session_state[keys.LEARNER_ID]
    del job, run
    at = None  # the session ends: AppTest held its state, the server's session manager would
    # The learner's registry keeps their finished training while one of their sessions may come back
    # (limits.ABANDON_AFTER_S): once none is connected any more, it lets go too.
    registry = learner_trainings.shared_registry()
    saved = registry.is_connected, registry.abandon_after_s
    registry.is_connected, registry.abandon_after_s = (lambda _session: False), 0.0
    try:
        registry.prune()
    finally:
        registry.is_connected, registry.abandon_after_s = saved
    assert registry.entry(who) is None
    gc.collect()
    assert {name: ref() is None for name, ref in held.items()} == dict.fromkeys(held, True)


def test_a_student_waiting_in_line_sees_the_position_and_leaving_gives_the_model_back(app_test):
    """Leaving the line trains nothing and saves nothing: the pages use the model chosen before (the shipped one)."""
    import threading

    from cnnlab import store, training

    slots = training.shared_slots()
    taken = [f"someone-else-{i}" for i in range(slots.capacity)]
    for holder in taken:  # the whole class's slots are busy
        assert slots.acquire(holder, threading.Event())
    try:
        at = app_test("en", "app_pages/train.py")
        at.select_slider(key="train_fraction").set_value(0.05)
        at.slider(key="train_epochs").set_value(1)
        at.button(key="train_start").click().run()
        job = at.session_state[keys.TRAINING_JOB]
        for _ in range(1200):  # up to 60 s on a loaded machine: a bound, not a speed target
            if job.progress().queue_position == 1:
                break
            threading.Event().wait(0.05)
        at.run()
        assert "Waiting in line: position 1" in " ".join(w.value for w in at.warning)
        registry = learner_trainings.shared_registry()
        assert registry.entry(at.session_state[keys.LEARNER_ID]).job is job  # the learner's, while it waits
        assert "While your training runs" in " ".join(c.value for c in at.caption)  # its model is the one in use
        at.button(key="train_stop").click().run()
        assert job.wait(30) and job.state == training.CANCELLED
        at.run()
        assert not at.exception
        assert keys.TRAINED_MODEL not in at.session_state  # no model before: the shipped one again
        assert "While your training runs" not in " ".join(c.value for c in at.caption)
        assert store.shared().list_models(at.session_state[keys.LEARNER_ID]) == [], "nothing trained, nothing saved"
    finally:
        for holder in taken:
            slots.release(holder)
