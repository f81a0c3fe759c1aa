import threading
import time

import numpy as np
import pytest

from cnnlab import data


def test_bundled_set_has_mnist_shapes_and_dtypes():
    d = data.load_bundled()
    assert d.source == "bundled" and not d.is_full
    assert d.x_train.shape == (8000, 28, 28) and d.x_test.shape == (2000, 28, 28)
    assert d.x_train.dtype == np.uint8 and d.y_train.dtype == np.uint8
    assert d.x_train.max() == 255 and d.x_train.min() == 0
    assert set(np.unique(d.y_train)) == set(range(10))


def test_bundled_split_is_stratified():
    d = data.load_bundled()
    train_share = d.class_counts("train") / len(d.y_train)
    test_share = d.class_counts("test") / len(d.y_test)
    # Each class has the same share in both parts (to rounding of one digit).
    assert np.abs(train_share - test_share).max() < 0.002
    assert d.class_counts("train").min() > 600


def test_train_and_test_do_not_share_images():
    d = data.load_bundled()
    train = {x.tobytes() for x in d.x_train}
    shared = sum(x.tobytes() in train for x in d.x_test)
    assert shared <= 2  # MNIST itself holds a couple of exact duplicates


def _write_mnist(path, n_train, n_test):
    rng = np.random.default_rng(0)
    np.savez(path,
             x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, n_train, dtype=np.uint8),
             x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, n_test, dtype=np.uint8))


def test_full_mnist_from_keras_cache_is_used_when_valid(tmp_path):
    path = tmp_path / "mnist.npz"
    _write_mnist(path, data.FULL_TRAIN, data.FULL_TEST)
    d = data.load_mnist(path)
    assert d.source == "keras" and d.is_full and len(d.x_train) == 60_000


def test_broken_or_partial_cache_falls_back_to_bundled(tmp_path):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip file")
    assert data.load_mnist(broken).source == "bundled"
    partial = tmp_path / "partial.npz"
    _write_mnist(partial, 100, 10)
    assert data.load_mnist(partial).source == "bundled"
    assert data.load_mnist(tmp_path / "missing.npz").source == "bundled"


def test_keras_cache_path_honours_keras_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert data.keras_cache_path() == tmp_path / "datasets" / "mnist.npz"


def test_download_never_hangs_past_its_timeout(monkeypatch):
    import keras

    release = threading.Event()
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda *a, **k: release.wait(30))
    start = time.monotonic()
    with pytest.raises(data.DownloadError):
        data.download_full_mnist(timeout_s=0.5)
    assert time.monotonic() - start < 5
    release.set()


def test_download_failure_becomes_download_error(monkeypatch):
    import keras

    def offline(*args, **kwargs):
        raise OSError("Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(data.DownloadError, match="service not known"):
        data.download_full_mnist(timeout_s=5)


def test_model_input_is_float_in_unit_range_with_channel():
    x = data.to_model_input(np.array([[[0, 255] * 14] * 28], dtype=np.uint8))
    assert x.shape == (1, 28, 28, 1) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
