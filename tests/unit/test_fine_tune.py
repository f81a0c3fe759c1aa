"""Fine-tuning the shipped CNN on a class's drawings (cnnlab.fine_tune, training.FineTuneJob in a worker).

The synthetic class: bundled training digits drawn thicker (a 5x5 dilation) and shifted 3 px right and down,
a style the shipped model reads worse. The references: Keras' own predictions of the weights the job
returns, counted against the labels; numpy's counts for the split.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import architecture, fine_tune, models, trainer_pool, training
from cnnlab.data import load_bundled

CLASS_SIZE = 400


def thicker_and_shifted(pixels: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) -> float (n, 28, 28) in [0, 1]: strokes dilated by a 5x5 square, moved 3 px down-right."""
    x = pixels.astype(np.float32) / 255.0
    thick = x.copy()
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            thick = np.maximum(thick, np.roll(np.roll(x, dy, axis=1), dx, axis=2))
    return np.roll(np.roll(thick, 3, axis=1), 3, axis=2)


@pytest.fixture(scope="module")
def synthetic_class():
    bundled = load_bundled()
    pick = np.random.default_rng(7).permutation(len(bundled.x_train))[:CLASS_SIZE]
    return thicker_and_shifted(bundled.x_train[pick]), bundled.y_train[pick].astype(np.int64)


def test_the_held_out_share_is_stratified_seeded_and_never_a_digits_only_drawing():
    labels = np.array([0] * 8 + [1] * 4 + [2] * 2 + [3])
    train, held = fine_tune.held_out_split(labels, 0.25, seed=1)
    assert sorted(np.concatenate([train, held]).tolist()) == list(range(len(labels)))
    assert np.bincount(labels[held], minlength=4).tolist() == [2, 1, 1, 0]
    again = fine_tune.held_out_split(labels, 0.25, seed=1)
    assert np.array_equal(again[1], held)
    assert not np.array_equal(fine_tune.held_out_split(labels, 0.25, seed=2)[1], held)


def test_the_mix_repeats_the_class_to_about_its_share_beside_bundled_digits():
    settings = fine_tune.FineTuneSettings(bundled_samples=300, class_share=0.5)
    class_x, class_y = np.ones((30, 28, 28), np.float32), np.full(30, 7)
    bundled_x, bundled_y = np.full((1000, 28, 28), 255, np.uint8), np.zeros(1000, np.int64)
    x, y = fine_tune.training_mix(class_x, class_y, bundled_x, bundled_y, settings)
    assert x.shape == (600, 28, 28, 1) and x.dtype == np.float32 and float(x.max()) == 1.0
    assert np.bincount(y).tolist() == [300, 0, 0, 0, 0, 0, 0, 300]


def test_a_job_needs_enough_drawings():
    with pytest.raises(ValueError):
        training.FineTuneJob(np.zeros((3, 28, 28)), np.zeros(3), fine_tune.FineTuneSettings())


def test_fine_tuning_in_a_worker_lifts_the_held_out_class_and_keeps_the_bundled_test(synthetic_class):
    images, labels = synthetic_class
    workers = trainer_pool.TrainerPool(1)
    epochs_seen = []
    try:
        job = training.FineTuneJob(images, labels, fine_tune.FineTuneSettings(), slots=training.TrainingSlots(1),
                                   pool=workers, on_update=lambda j: epochs_seen.append(j.progress().epoch)).start()
        assert job.wait(600), "the fine-tune did not end"
    finally:
        workers.close()
    assert job.state == training.DONE, job.error
    result = job.result
    print(f"\nfine-tune on {CLASS_SIZE} synthetic class drawings ({result.held_count} held out): "
          f"held-out class {result.held_before:.1%} -> {result.held_after:.1%}, "
          f"bundled test {result.test_before:.2%} -> {result.test_after:.2%}")
    assert max(epochs_seen) == fine_tune.FineTuneSettings().epochs
    # the references: the shipped model and the returned weights, run by Keras on the same digits
    bundled = load_bundled()
    _, held = fine_tune.held_out_split(labels, 0.25, 0)
    shipped = models.load_pretrained("cnn")
    tuned = architecture.build_model(architecture.chapter_spec())
    tuned.set_weights(result.weights)

    def accuracy(model, x, y):
        return float(np.mean(models.predict_proba(model, np.asarray(x, np.float32)[..., None]).argmax(1) == y))

    assert result.held_before == pytest.approx(accuracy(shipped, images[held], labels[held]))
    assert result.held_after == pytest.approx(accuracy(tuned, images[held], labels[held]))
    assert result.test_after == pytest.approx(accuracy(tuned, bundled.x_test / 255.0, bundled.y_test))
    assert result.test_before == pytest.approx(accuracy(shipped, bundled.x_test / 255.0, bundled.y_test))
    assert result.held_after >= result.held_before + 0.1  # the class's style is learned
    assert abs(result.test_after - result.test_before) <= 0.01  # the bundled digits are not forgotten
