"""Training you can watch: records of filters, one digit's maps and predictions, taken with each snapshot."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from cnnlab import architecture as arch
from cnnlab import inspect_model, models, recipe, training, training_watch
from cnnlab.data import MnistData, load_bundled

TINY = (arch.conv(4), arch.pool(4), arch.LayerSpec("Flatten"), arch.dense(10, "softmax"))


@pytest.fixture(scope="module")
def small_data():
    full = load_bundled()
    return MnistData(full.x_train[:300], full.y_train[:300], full.x_test[:100], full.y_test[:100], "bundled")


def test_stream_holds_one_digit_of_each_class_first():
    labels = np.array([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4, 9, 6, 6, 5, 4, 0, 7, 4, 0, 1, 3, 1, 3, 4, 7, 2, 7, 1, 2, 1, 1, 7, 4, 2, 3, 5, 1, 2, 4, 4, 6, 3, 5, 5, 6, 0, 4, 1, 9, 5, 7, 8])
    chosen = training_watch.stream_indices(labels, 12)
    assert list(labels[chosen[:10]]) == list(range(10)) and len(set(chosen)) == 12


def test_a_record_matches_the_model(small_data):
    model = models.load_pretrained()
    clock = {"now": 100.0}  # the watch's clock, moved by hand: no timing in the test
    chosen = training_watch.stream_indices(small_data.y_test)
    watch = training_watch.TrainingWatch(small_data.x_test[chosen], small_data.y_test[chosen],
                                         clock=lambda: clock["now"])
    record = watch.record(model, 3, 40)
    assert record.number == 0 and watch.first() is record is watch.latest()
    kernel, bias = model.layers[0].get_weights()
    np.testing.assert_array_equal(record.filters, kernel[:, :, 0, :])
    np.testing.assert_array_equal(record.bias, bias)
    digit = watch.images[training_watch.WATCH_DIGIT].astype(np.float32) / 255.0
    np.testing.assert_allclose(record.maps, np.asarray(model.layers[0](digit[None, ..., None]))[0], atol=1e-6)
    expected = np.asarray(model(watch.images.astype(np.float32)[..., None] / 255.0))
    np.testing.assert_allclose(record.probabilities, expected, atol=1e-6)
    assert (record.predicted == watch.labels).mean() > 0.8
    with pytest.raises(ValueError):
        record.filters[0, 0, 0] = 1.0  # records are read-only: readers in other threads share them
    clock["now"] += watch.every_s - 0.5
    assert watch.record(model, 3, 41) is None, "within an epoch, at most one record every few seconds"
    assert watch.record(model, 4, 50).number == 1 and watch.first() is record  # a new epoch: always recorded
    clock["now"] += watch.every_s
    assert watch.record(model, 4, 60).number == 2, "the same epoch, every_s later: recorded again"


def test_a_broken_model_never_stops_the_training(small_data):
    watch = training_watch.TrainingWatch.for_test_set(small_data.x_test, small_data.y_test)

    def broken(images, training=False):
        raise RuntimeError("boom")

    assert watch.record(broken, 0, 0) is None and watch.failures == 1 and watch.latest() is None


def test_a_training_job_records_each_snapshot_and_the_filters_change(small_data):
    config = recipe.TrainConfig(epochs=2, batch_size=32, validation_split=0.1)
    seen = []
    job = training.TrainingJob(TINY, config, small_data, slots=training.TrainingSlots(1),
                               on_update=lambda j: seen.append(j.watch.latest()))
    job.start()
    assert job.wait(120) and job.state == training.DONE, job.error
    first, latest = job.watch.first(), job.watch.latest()
    assert first.number == 0 and first.batches_done == 0 and first.epochs_done == 0
    assert latest.epochs_done == 2 and latest.batches_done == 2 * job.steps_per_epoch
    assert first.filters.shape == (3, 3, 4) and latest.maps.shape == (26, 26, 4)
    assert not np.allclose(first.filters, latest.filters), "training changes the first layer's filters"
    by_epoch = {r.epochs_done: r for r in seen if r is not None}
    assert {0, 1, 2} <= set(by_epoch) and not np.allclose(by_epoch[1].filters, by_epoch[2].filters)
    np.testing.assert_allclose(latest.filters, job.model.layers[0].get_weights()[0][:, :, 0, :])


def test_many_readers_while_records_are_written(small_data):
    model = models.load_pretrained()
    watch = training_watch.TrainingWatch.for_test_set(small_data.x_test, small_data.y_test)
    watch.every_s = 0.0
    problems = []

    def read():
        for _ in range(200):
            record = watch.latest()
            if record is not None and (record.maps.shape != (26, 26, 32) or record.probabilities.shape != (12, 10)):
                problems.append(record)

    readers = [threading.Thread(target=read) for _ in range(8)]
    for r in readers:
        r.start()
    for step in range(10):
        watch.record(model, 0, step)
    for r in readers:
        r.join()
    assert not problems and watch.latest().number == 9 and watch.failures == 0


def test_tiles_put_each_map_in_its_place_with_gaps():
    maps = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)
    picture = inspect_model.tile(maps, columns=3, gap=1)
    assert picture.shape == (2 * 3 - 1, 3 * 4 - 1)
    np.testing.assert_array_equal(picture[0:2, 4:7], maps[1])
    np.testing.assert_array_equal(picture[3:5, 4:7], maps[4])
    assert np.isnan(picture[2]).all() and np.isnan(picture[:, 3]).all() and np.isnan(picture[3:, 8:]).all()
    flat = np.zeros((1, 2, 2), np.float32)
    normalised = inspect_model.tile(np.concatenate([maps[:1, :, :2] * 2, flat]), columns=2, normalise=True)
    np.testing.assert_allclose(normalised[:, :2], [[0, 2 / 8], [6 / 8, 1]])
    assert (normalised[:, 3:] == 0).all(), "a map that did not respond stays dark"
