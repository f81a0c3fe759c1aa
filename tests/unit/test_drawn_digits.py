"""The shipped model reads drawn digits (the synthetic canvas set) and the bundled held-out digits."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import drawn_digits as dd
from cnnlab import models
from cnnlab.images import batch, one_image_batch
from cnnlab.preprocess import preprocess

N_DRAWN = 240


@pytest.fixture(scope="module")
def shipped():
    model = models.load_pretrained()
    assert model is not None, "assets/mnist_cnn.keras is missing (scripts/train_pretrained.py builds it)"
    return model


def test_the_set_is_seeded_varied_and_covers_every_style():
    a, b = dd.drawn_digits(30, seed=3), dd.drawn_digits(30, seed=3)
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0].image, dd.drawn_digits(30, seed=4)[0].image)
    digits = dd.drawn_digits(N_DRAWN)
    assert {d.style for d in digits} == {f"{digit}/{name}" for digit, name in dd.styles()}
    assert set(np.bincount([d.label for d in digits], minlength=10)) and min(np.bincount([d.label for d in digits])) >= 18
    for style in ("1/stick", "1/flag", "1/flag_base", "4/open", "4/closed", "7/plain", "7/bar", "9/straight", "9/curved"):
        assert style in {d.style for d in digits}
    sizes = [d.height_px for d in digits]
    widths = [d.stroke_width for d in digits]
    assert min(sizes) < 90 and max(sizes) > 220 and min(widths) <= 8 and max(widths) >= 28
    img = digits[0].image
    assert img.shape == (280, 280, 4) and img.dtype == np.uint8 and (img[..., 3] == 255).all()


def test_shipped_model_reads_at_least_97_percent_of_drawn_digits(shipped):
    digits = dd.drawn_digits(N_DRAWN)
    x = np.concatenate([one_image_batch(preprocess(d.image)) for d in digits])
    pred = models.predict_proba(shipped, x).argmax(axis=1)
    labels = np.array([d.label for d in digits])
    accuracy = float((pred == labels).mean())
    confusion = [f"{d.style} -> {p} (stroke {d.stroke_width}, height {d.height_px:.0f})"
                 for d, p in zip(digits, pred, strict=True) if p != d.label]
    print(f"drawn-digit accuracy {accuracy:.1%}; misread: {confusion}")
    assert accuracy >= 0.97, confusion


def test_shipped_model_reaches_its_recorded_held_out_accuracy(shipped):
    from cnnlab.data import load_bundled

    data = load_bundled()
    accuracy = float((models.predict_proba(shipped, batch(data.x_test)).argmax(1) == data.y_test).mean())
    info = models.pretrained_info()
    assert accuracy >= 0.985
    assert isinstance(info["test_accuracy"], float) and 0 <= info["test_accuracy"] <= 1
    assert abs(info["test_accuracy"] - accuracy) < 0.002, (info["test_accuracy"], accuracy)
    for field in ("command", "data", "epochs", "augmentation", "seed"):
        assert info.get(field), field
    assert "scripts/train_pretrained.py" in info["command"]
    assert shipped.count_params() == 93_322
    assert models.PRETRAINED_PATH.stat().st_size < 1_500_000
