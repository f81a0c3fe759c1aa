"""The Draw page's out-of-distribution caution (cnnlab.ood): its measures, its reference, its rates."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from cnnlab import images, inspect_model, models, non_digits, ood, ood_rates, preprocess
from cnnlab.data import load_bundled
from cnnlab.drawn_digits import render_strokes


@pytest.fixture(scope="module")
def shipped():
    model = models.load_pretrained()
    assert model is not None, "assets/mnist_cnn.keras is missing"
    return model


@pytest.fixture(scope="module")
def data():
    return load_bundled()


def drawn(strokes: list[list[tuple[float, float]]], width: int = 18) -> np.ndarray:
    """Strokes (fractions of the canvas) rendered like the canvas, through the page's preprocessing."""
    return preprocess.preprocess(render_strokes([np.array(s, dtype=float) * 280 for s in strokes], width))


# ------------------------------------------------------------------ the ink's shape

def test_regions_are_connected_pieces_eight_or_four_ways():
    mask = np.zeros((6, 6), bool)
    mask[0, 0] = mask[1, 1] = True  # touching at a corner only
    mask[4:6, 4:6] = True
    assert sorted(len(r) for r in ood.regions(mask)) == [2, 4]
    assert sorted(len(r) for r in ood.regions(mask, diagonal=False)) == [1, 1, 4]


def test_a_dot_is_a_blob_and_a_stroke_is_not():
    dot = drawn([[(0.5, 0.5), (0.505, 0.5)]])
    one = drawn([[(0.5, 0.15), (0.5, 0.85)]])
    assert ood.shape(dot).thickness >= ood.BLOB_THICKNESS and ood.shape_reasons(ood.shape(dot)) == ("blob",)
    assert ood.shape(one).thickness <= 3 and ood.shape_reasons(ood.shape(one)) == ()


def test_two_digits_side_by_side_are_pieces_split_by_an_empty_column():
    s = ood.shape(drawn([[(0.25, 0.2), (0.25, 0.8)], [(0.75, 0.2), (0.75, 0.8)]]))
    assert len(s.pieces) == 2 and s.pieces[1] > 0.45 and s.split > 0.45
    assert "pieces" in ood.shape_reasons(s)


def test_a_line_lying_down_is_a_line_and_a_leaning_one_is_not():
    lying = ood.shape(drawn([[(0.15, 0.45), (0.85, 0.6)]]))
    leaning = ood.shape(drawn([[(0.55, 0.15), (0.42, 0.85)]]))  # a 1 written with a slant
    assert lying.elongation < ood.LINE_ELONGATION and lying.tilt > 70 and ood.shape_reasons(lying) == ("line",)
    assert leaning.tilt < 15 and ood.shape_reasons(leaning) == ()


def test_loops_count_the_holes_an_eight_and_a_zero_enclose():
    ring = np.zeros((28, 28))
    rows, cols = np.mgrid[:28, :28]
    ring[np.abs(np.hypot(rows - 14, cols - 14) - 8) < 1.5] = 1.0
    assert ood.loops(ring) == 1
    eight = np.zeros((28, 28))
    for cy in (8, 19):
        eight[np.abs(np.hypot(rows - cy, cols - 14) - 5) < 1.2] = 1.0
    assert ood.loops(eight) == 2
    assert ood.shape(eight).pieces == (1.0,)


def test_a_dense_scribble_has_more_stroke_and_loops_than_a_digit():
    scribble = drawn([[(0.2, 0.25), (0.8, 0.3), (0.2, 0.4), (0.8, 0.45), (0.2, 0.55), (0.8, 0.6), (0.2, 0.7),
                       (0.8, 0.75), (0.5, 0.2), (0.3, 0.8), (0.7, 0.8), (0.5, 0.2)]], width=12)
    s = ood.shape(scribble)
    assert s.loops >= ood.LOOPS and s.length >= ood.LENGTH and "tangle" in ood.shape_reasons(s)


def test_shape_refuses_an_image_without_ink():
    with pytest.raises(ValueError):
        ood.shape(np.zeros((28, 28)))


def test_each_shape_rule_leaves_at_least_998_in_1000_training_digits_alone(data):
    """The thresholds' claim (cnnlab/ood.py): each lies beyond at least 99.8 % of the training digits."""
    chosen = np.random.default_rng(5).permutation(len(data.x_train))[:3000]
    found = [ood.shape_reasons(ood.shape(images.unit_image(data.x_train[i]))) for i in chosen]
    for reason in ("blob", "pieces", "line", "tangle"):
        share = sum(reason in r for r in found) / len(found)
        assert share <= 0.002, (reason, share)


# ------------------------------------------------------------------ the model's features

def test_feature_layers_are_the_last_two_vector_layers_before_the_output(shipped):
    assert ood.model_feature_layers(shipped) == ("flatten", "dense")
    layers = [("conv", "Conv2D", (26, 26, 8)), ("flat", "Flatten", (5408,)), ("d1", "Dense", (128,)),
              ("drop", "Dropout", (128,)), ("d2", "Dense", (32,)), ("out", "Dense", (10,))]
    assert ood.feature_layers(layers) == ("d1", "d2")  # Flatten too big, Dropout repeats its input
    assert ood.feature_layers([("flat", "Flatten", (4000,)), ("out", "Dense", (10,))]) == ()


def test_features_are_unit_rows_with_each_layer_weighing_the_same():
    a, b = np.array([[3.0, 4.0], [0.0, 2.0]]), np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 5.0]])
    f = ood.features([a, b])
    assert np.allclose(np.linalg.norm(f, axis=1), 1.0)
    assert np.allclose(f[0], np.array([0.6, 0.8, 1.0, 0.0, 0.0]) / np.sqrt(2))


def test_a_reference_threshold_is_the_calibration_quantile_and_a_reference_digit_is_at_distance_zero():
    rng = np.random.default_rng(0)
    feats = ood.features([np.abs(rng.normal(size=(300, 16)))])
    reference = ood.fit_reference(feats[:200], feats[200:], ("dense",), quantile=0.9)
    distances = reference.distances(feats[200:])
    assert np.isclose(reference.threshold, np.quantile(distances, 0.9))
    assert np.mean(distances > reference.threshold) == pytest.approx(0.1, abs=0.011)
    assert np.allclose(reference.distances(feats[:5]), 0.0, atol=1e-3)  # float16 storage


def test_the_shipped_reference_belongs_to_the_shipped_model_and_records_its_measure(shipped, tmp_path):
    """Fails when assets/mnist_cnn.keras changes without scripts/fit_ood.py being run again."""
    reference = ood.load_reference(ood.model_fingerprint(shipped))
    assert reference is not None, "assets/ood_reference.npz is missing or was fitted for another model"
    assert reference.layers == ("flatten", "dense") and reference.features.shape == (4000, 640)
    test_flagged, test_total, non_flagged, non_total = reference.measured
    assert test_total == 2000 and non_total >= 200
    assert ood.load_reference("0" * 16) is None
    ood.save_reference(reference, "abc", tmp_path / "r.npz")
    again = ood.load_reference("abc", tmp_path / "r.npz")
    assert again.threshold == reference.threshold and again.measured == reference.measured
    assert np.array_equal(again.features, reference.features)


def test_the_page_path_and_the_batch_path_give_the_same_verdicts(shipped, data):
    """The Draw page judges one drawing from layer_outputs; the measures judge batches (batch_outputs)."""
    reference = ood.shipped_reference(shipped)
    pictures = np.concatenate([images.batch(data.x_test[:6])[..., 0],
                               np.stack([drawn([[(0.5, 0.5), (0.505, 0.5)]]),
                                         drawn([[(0.25, 0.2), (0.25, 0.8)], [(0.75, 0.2), (0.75, 0.8)]])])])
    batch = ood_rates.verdicts(shipped, reference, pictures)
    for picture, from_batch in zip(pictures, batch, strict=True):
        layers = inspect_model.layer_outputs(shipped, picture)
        one = ood.judge(picture, {layer.name: layer.output for layer in layers}, reference)
        assert one.reasons == from_batch.reasons
        assert one.distance == pytest.approx(from_batch.distance, abs=1e-4)


def test_a_learners_model_gets_its_own_reference_once_from_any_number_of_threads(data, monkeypatch):
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(16, "relu"),
                              keras.layers.Dense(10, "softmax")])
    fits = []
    real_fit = ood.fit_for_model

    def counting_fit(*args, **kwargs):
        fits.append(1)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(ood, "fit_for_model", counting_fit)
    found = []
    threads = [threading.Thread(target=lambda: found.append(ood.own_reference(model, data.x_train)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fits) == 1 and len({id(r) for r in found}) == 1
    reference = found[0]
    # the model's own layer names (Keras numbers them by how many were made before in the process)
    assert reference.layers == (model.layers[0].name, model.layers[1].name)
    assert len(reference.features) == ood.OWN_MODEL_SIZES[0]
    assert reference.measured is None and 0 < reference.threshold < 1


def test_judge_without_a_reference_uses_the_shape_alone():
    verdict = ood.judge(drawn([[(0.5, 0.5), (0.505, 0.5)]]), {}, None)
    assert verdict.reasons == ("blob",) and verdict.flagged and verdict.distance is None


# ------------------------------------------------------------------ the generated non-digits and the rates

def test_the_non_digits_are_seeded_canvas_drawings_of_every_kind():
    a, b = non_digits.non_digits(24, seed=3), non_digits.non_digits(24, seed=3)
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0].image, non_digits.non_digits(24, seed=4)[0].image)
    assert [d.kind for d in a[:6]] == list(non_digits.KINDS)
    assert all(d.image.shape == (280, 280, 4) and d.image.dtype == np.uint8 and (d.image[..., 3] == 255).all()
               for d in a)


def test_the_caution_flags_at_most_1_percent_of_test_digits_and_at_least_90_percent_of_non_digits(shipped, data):
    """The issue's measure, on a fixed seed: bundled test digits, drawn digits, 300 generated non-digits."""
    rates = ood_rates.measure(shipped, ood.shipped_reference(shipped), data.x_test, n_non_digits=300)
    print(ood_rates.report(rates))
    assert rates.test.total == 2000 and rates.non_digits.total == 300
    assert rates.test.rate <= 0.01
    assert rates.non_digits.rate >= 0.90
    assert rates.drawn.rate <= 0.02
    assert all(flags.rate >= 0.6 for flags in rates.per_kind.values()), rates.per_kind
