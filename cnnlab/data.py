"""MNIST, offline first.

`load_mnist()` returns the full Keras MNIST (60,000 + 10,000) when it is already in
the Keras cache, otherwise the 10,000 real digits bundled in assets/ (8,000 train,
2,000 test, stratified). It never touches the network. `download_full_mnist()` is
the one function that does, with a time limit.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnlab import ASSETS

BUNDLED_PATH = ASSETS / "mnist_subset.npz"
KERAS_FILENAME = "mnist.npz"
FULL_TRAIN, FULL_TEST = 60_000, 10_000


@dataclass(frozen=True)
class MnistData:
    """Images are uint8 (n, 28, 28) in 0..255, labels uint8 (n,) in 0..9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # "keras" (full MNIST) or "bundled" (the 10,000-digit subset)

    @property
    def is_full(self) -> bool:
        return self.source == "keras"

    def class_counts(self, split: str = "train") -> np.ndarray:
        labels = self.y_train if split == "train" else self.y_test
        return np.bincount(labels, minlength=10)


def keras_cache_path() -> Path:
    """Where keras.datasets.mnist.load_data() keeps its file (honours KERAS_HOME)."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(keras_home) / "datasets" / KERAS_FILENAME


def _read_npz(path: Path, source: str) -> MnistData:
    with np.load(path) as f:
        data = MnistData(
            x_train=f["x_train"], y_train=f["y_train"].astype(np.uint8),
            x_test=f["x_test"], y_test=f["y_test"].astype(np.uint8), source=source,
        )
    for x, y in ((data.x_train, data.y_train), (data.x_test, data.y_test)):
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) != len(y):
            raise ValueError(f"{path}: not an MNIST file (images {x.shape} {x.dtype}, labels {y.shape})")
    return data


def load_bundled() -> MnistData:
    return _read_npz(BUNDLED_PATH, "bundled")


def load_mnist(cache_path: Path | None = None) -> MnistData:
    """Full MNIST from the Keras cache when a valid file is there, else the bundled subset."""
    path = cache_path or keras_cache_path()
    if path.is_file():
        try:
            data = _read_npz(path, "keras")
            if len(data.x_train) == FULL_TRAIN and len(data.x_test) == FULL_TEST:
                return data
        except (OSError, ValueError, KeyError):
            pass  # a broken or partial download: fall back, the bundled set always works
    return load_bundled()


class DownloadError(RuntimeError):
    """The full MNIST could not be downloaded (offline, blocked, timed out)."""


def download_full_mnist(timeout_s: float = 60.0) -> MnistData:
    """Download full MNIST through Keras into its cache, then load it.

    Runs the download in a worker thread so a stalled connection cannot hang the
    caller past `timeout_s`; any failure becomes DownloadError.
    """
    outcome: dict[str, BaseException | None] = {"error": None}

    def fetch() -> None:
        try:
            import keras

            keras.datasets.mnist.load_data()
        except BaseException as exc:  # noqa: BLE001 - reported to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=fetch, daemon=True, name="mnist-download")
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise DownloadError(f"no answer within {timeout_s:.0f} s")
    if outcome["error"] is not None:
        raise DownloadError(str(outcome["error"]) or type(outcome["error"]).__name__)
    data = load_mnist()
    if not data.is_full:
        raise DownloadError("the downloaded file is not a valid MNIST file")
    return data


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) -> float32 (n, 28, 28, 1) in [0, 1], as the chapter does."""
    return (images.astype(np.float32) / 255.0)[..., None]
