"""Background training jobs: history, evaluation, stop, the shared queue, chart data."""

import gc
import threading

import numpy as np
import pytest

import cnnlab.images
from cnnlab import architecture as arch
from cnnlab import codegen, optimizers, recipe, threads, trainer_worker, training, training_history
from cnnlab.data import MnistData, load_bundled

TINY = (arch.conv(4), arch.pool(4), arch.LayerSpec("Flatten"), arch.dense(10, "softmax"))


@pytest.fixture(scope="module")
def small_data():
    """300 training and 100 test digits from the bundled set: real digits, seconds to train."""
    full = load_bundled()
    return MnistData(full.x_train[:300], full.y_train[:300], full.x_test[:100], full.y_test[:100], "bundled")


def test_split_uses_the_fraction_and_holds_validation_out(small_data):
    config = recipe.TrainConfig(data_fraction=0.5, validation_split=0.2, batch_size=32)
    sizes = recipe.split_sizes(300, config)
    assert (sizes.train, sizes.val, sizes.steps) == (120, 30, 4)
    split = recipe.split_data(small_data, config)
    assert split.x_train.shape == (120, 28, 28, 1) and split.x_train.dtype == np.float32
    assert split.x_val.shape == (30, 28, 28, 1) and 0 <= split.x_train.min() and split.x_train.max() <= 1
    # no image is both trained on and validated on
    train_rows = {r.tobytes() for r in split.x_train}
    assert not any(r.tobytes() in train_rows for r in split.x_val)
    assert recipe.split_data(small_data, recipe.TrainConfig(validation_split=0)).x_val is None


def test_config_rejects_bad_values():
    with pytest.raises(ValueError):
        recipe.TrainConfig(optimizer="adagrad").check()
    with pytest.raises(ValueError):
        recipe.TrainConfig(data_fraction=0).check()


def test_evaluation_from_probabilities():
    labels = np.array([0, 1, 2, 2])
    probs = np.full((4, 10), 0.01)
    probs[0, 0] = probs[1, 1] = 0.91
    probs[2, 2] = 0.55
    probs[3, 7] = 0.8  # a confident mistake: 2 read as 7
    probs /= probs.sum(axis=1, keepdims=True)
    images = np.arange(4 * 28 * 28, dtype=np.uint32).reshape(4, 28, 28).astype(np.uint8)
    ev = recipe.evaluation_from_probs(probs, images, labels)
    assert ev.test_accuracy == pytest.approx(0.75)
    assert ev.confusion[2, 7] == 1 and ev.confusion[2, 2] == 1 and ev.confusion.sum() == 4
    assert ev.per_class_accuracy[2] == pytest.approx(0.5) and ev.per_class_accuracy[0] == 1
    assert ev.mistakes[0][:3] == (3, 2, 7)
    np.testing.assert_array_equal(ev.mistake_images[0], images[3])
    expected_loss = -np.mean(np.log(probs[np.arange(4), labels]))
    assert ev.test_loss == pytest.approx(expected_loss, rel=1e-6)


def test_per_batch_values_undo_keras_running_means():
    own = np.array([2.0, 1.0, 0.5, 0.3, 4.0, 2.0])
    index = np.array([0, 1, 2, 3, 0, 1])  # two epochs
    running = np.concatenate([np.cumsum(own[:4]) / np.arange(1, 5), np.cumsum(own[4:]) / np.arange(1, 3)])
    np.testing.assert_allclose(training_history.per_batch_values(running, index), own)
    smooth = training_history.ema(np.array([1.0, 0.0, 0.0]), 0.5)
    np.testing.assert_allclose(smooth, [1.0, 0.5, 0.25])


def test_a_job_trains_records_and_evaluates(small_data):
    updates = []
    config = recipe.TrainConfig(epochs=2, batch_size=32, validation_split=0.1)
    job = training.TrainingJob(TINY, config, small_data, slots=training.TrainingSlots(1),
                               on_update=lambda j: updates.append(j.state))
    assert job.state == training.QUEUED and job.model is None
    job.start()
    assert job.wait(120), "the job should finish"
    assert job.state == training.DONE, job.error
    assert job.epochs_done == 2 and not job.active
    history = job.history()
    assert len(history.batch_loss) == 2 * job.steps_per_epoch == len(history.batch_epoch)
    assert [e.epoch for e in history.epochs] == [1, 2] and all(e.val_accuracy is not None for e in history.epochs)
    series = training_history.chart_series(history)
    assert len(series.x) == len(history.batch_loss) and series.x[-1] == pytest.approx(2.0)
    np.testing.assert_allclose(series.epoch_x, [1.0, 2.0])
    ev = job.evaluation
    assert ev.test_size == 100 and ev.confusion.sum() == 100
    # the published model is the trained one: it reproduces the evaluation
    probs = np.asarray(job.model(cnnlab.images.batch(small_data.x_test), training=False))
    assert np.mean(probs.argmax(1) == small_data.y_test) == pytest.approx(ev.test_accuracy)
    assert updates[-1] == training.DONE and training.RUNNING in updates
    progress = job.progress()
    assert progress.fraction == 1.0 and progress.elapsed_s > 0
    assert recipe.model_bytes(job.model)[:2] == b"PK"  # a .keras file is a zip


def _live(type_name: str) -> int:
    gc.collect()
    return sum(type(o).__name__ == type_name for o in gc.get_objects())


def test_a_finished_training_leaves_no_traced_graph_behind(small_data):
    """Keras' all-reduce over the one default replica registered each traced train step in TensorFlow's
    process-wide gradient registry: 2 graphs (~12 MB on the chapter's model) stayed alive per training.
    The worker process's own training function runs here, in this process, to count them."""
    config = recipe.TrainConfig(epochs=1, validation_split=0.1)

    def train_once():
        sent = []
        trainer_worker.run_training(TINY, config, small_data, sent.append, trainer_worker.Control())
        assert [m[0] for m in sent][-2:] == ["evaluating", "evaluation"]

    train_once()  # the first one may leave process-wide things that are made once
    graphs = _live("FuncGraph")
    for _ in range(3):
        train_once()
    assert _live("FuncGraph") <= graphs  # a leak adds 2 a training; some of the first one's may go later


def test_the_optimizer_makes_the_same_step_without_the_one_replica_all_reduce(small_data):
    import keras

    x = cnnlab.images.batch(small_data.x_train[:64])
    y = small_data.y_train[:64]
    ours, keras_own = arch.build_model(TINY), arch.build_model(TINY)
    initial = ours.get_weights()
    keras_own.set_weights(initial)
    for model, optimizer in ((ours, optimizers.make("adam", 0.01)), (keras_own, keras.optimizers.Adam(0.01))):
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), keras_own.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not all(np.allclose(a, start) for a, start in zip(ours.get_weights(), initial, strict=True))  # it trained


def _state_variables(model) -> set[int]:
    """ids of the optimizer's, the loss tracker's and the metrics' variables, as they are now."""
    return {id(v) for v in [*model.optimizer.variables, *(v for m in model.metrics for v in m.variables)]}


def test_state_built_before_fit_leaves_fit_nothing_to_create_and_trains_the_same(small_data):
    """Variables that fit's first trace creates cost TensorFlow a second, lifted trace (~0.5 s of CPU)."""
    config = recipe.TrainConfig(epochs=1)
    x = cnnlab.images.batch(small_data.x_train[:96])
    y = small_data.y_train[:96]
    prepared, plain = arch.build_model(TINY), arch.build_model(TINY)
    plain.set_weights(prepared.get_weights())
    for model in (prepared, plain):
        recipe.compile_model(model, config)
    recipe.build_state_before_fit(prepared, x, y)
    # the two samples that went through the loss and the metrics are forgotten
    assert all(not np.any(np.asarray(v)) for m in prepared.metrics for v in m.variables)
    before = {"prepared": _state_variables(prepared), "plain": _state_variables(plain)}
    for model in (prepared, plain):
        model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    assert _state_variables(prepared) == before["prepared"]  # fit found everything made
    assert _state_variables(plain) - before["plain"]  # left to itself, fit creates them while tracing
    for a, b in zip(prepared.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_stop_keeps_a_usable_model_and_a_second_job_waits_in_line(small_data):
    slots = training.TrainingSlots(1)
    first_batch = threading.Event()
    long = recipe.TrainConfig(epochs=50, batch_size=8, validation_split=0)
    first = training.TrainingJob(TINY, long, small_data, slots=slots,
                                 on_update=lambda j: first_batch.set() if j.history().batch_loss else None)
    second = training.TrainingJob(TINY, recipe.TrainConfig(epochs=1), small_data, slots=slots)
    first.start()
    assert first_batch.wait(60), "the first job should start training"
    second.start()
    for _ in range(100):
        if second.progress().queue_position == 1:
            break
        threading.Event().wait(0.05)
    assert second.state == training.QUEUED and second.progress().queue_position == 1
    assert slots.counts() == (1, 1)
    first.stop()
    assert first.wait(60)
    assert first.state == training.STOPPED
    assert first.epochs_done < 50 and first.evaluation is not None
    probs = np.asarray(first.model(np.zeros((1, 28, 28, 1), np.float32), training=False))
    assert probs.shape == (1, 10) and probs.sum() == pytest.approx(1.0, abs=1e-4)
    assert second.wait(120) and second.state == training.DONE  # it got the freed place


def test_a_queued_job_can_be_cancelled(small_data):
    slots = training.TrainingSlots(1)
    cancelled = threading.Event()
    assert slots.acquire("someone-else", cancelled)  # the only place is taken
    job = training.TrainingJob(TINY, recipe.TrainConfig(epochs=1), small_data, slots=slots).start()
    for _ in range(100):
        if job.progress().queue_position == 1:
            break
        threading.Event().wait(0.05)
    assert job.progress().queue_position == 1
    job.stop()
    assert job.wait(10)
    assert job.state == training.CANCELLED and job.model is None and job.evaluation is None
    slots.release("someone-else")
    assert slots.counts() == (0, 0)


def test_invalid_stack_cannot_start(small_data):
    with pytest.raises(arch.SpecError):
        training.TrainingJob(arch.chapter_spec()[:-1], recipe.TrainConfig(), small_data,
                             slots=training.TrainingSlots(1))


def test_max_trainings_from_environment(monkeypatch):
    monkeypatch.setenv(threads.ENV_MAX_TRAININGS, "3")
    assert threads.max_trainings() == 3
    monkeypatch.setenv(threads.ENV_MAX_TRAININGS, "zero")
    assert threads.max_trainings() >= 1
    monkeypatch.delenv(threads.ENV_MAX_TRAININGS)
    assert threads.max_trainings() >= 1


def test_training_code_shows_the_settings():
    code = codegen.training_code(arch.chapter_spec(), recipe.TrainConfig(
        epochs=3, batch_size=64, optimizer="rmsprop", learning_rate=0.003, data_fraction=0.5, validation_split=0.2),
        source="keras", train_size=60_000)
    assert "model.fit(train_images, train_labels, epochs=3, batch_size=64, " \
           "validation_data=(val_images, val_labels))" in code
    assert "RMSprop(learning_rate=0.003)" in code and "permutation(len(train_images))[:30000]" in code
    assert "train_images[:6000]" in code and "datasets.mnist.load_data()" in code and "np.load" not in code
    compile(code, "<training code>", "exec")


def test_the_chapter_settings_are_the_default_and_the_code_loads_the_bundled_digits():
    config = recipe.TrainConfig()
    assert (config.epochs, config.optimizer, config.batch_size, config.data_fraction) == (5, "adam", 32, 1.0)
    assert config.validation_split == 0, "the chapter does not hold out a validation split"
    code = codegen.training_code(arch.chapter_spec(), config)
    assert "np.load('mnist_subset.npz')" in code and "permutation" not in code and "validation" not in code
    assert "model.fit(train_images, train_labels, epochs=5, batch_size=32)" in code
    assert "optimizer='adam'" in code


def test_training_code_selects_the_same_images_as_the_app(monkeypatch):
    """The code's data part, run on the bundled file, gives exactly split_data's training and validation images."""
    from cnnlab import data as mnist_data

    bundled = mnist_data.load_bundled()
    config = recipe.TrainConfig(data_fraction=0.25, validation_split=0.2, seed=3)
    code = codegen.training_code(arch.chapter_spec(), config, source="bundled", train_size=len(bundled.x_train))
    data_part = code[:code.index("model = models.Sequential()")]
    monkeypatch.chdir(mnist_data.BUNDLED_PATH.parent)
    namespace: dict = {}
    exec(compile(data_part, "<training code>", "exec"), namespace)  # noqa: S102 - our own generated code
    split = recipe.split_data(bundled, config)
    np.testing.assert_allclose(namespace["train_images"], split.x_train, atol=1e-6)
    np.testing.assert_array_equal(namespace["train_labels"], split.y_train)
    np.testing.assert_allclose(namespace["val_images"], split.x_val, atol=1e-6)
    assert len(namespace["test_images"]) == len(bundled.x_test)
