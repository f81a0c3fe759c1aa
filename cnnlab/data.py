"""MNIST, offline first.

`load_mnist()` returns the full Keras MNIST (60,000 + 10,000) when it is already in
the Keras cache, otherwise the 10,000 real digits bundled in assets/ (8,000 train,
2,000 test, stratified). It never touches the network. `download_full_mnist()` is
the one function that does: an operator's step (scripts/download_mnist.py), never a
visitor's, because the data in use is the whole server's.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnlab import ASSETS

logger = logging.getLogger(__name__)

BUNDLED_PATH = ASSETS / "mnist_subset.npz"
KERAS_FILENAME = "mnist.npz"
FULL_TRAIN, FULL_TEST = 60_000, 10_000
# The file keras.datasets.mnist.load_data() downloads, and its SHA-256 (from Keras' source).
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


@dataclass(frozen=True)
class MnistData:
    """Images are uint8 (n, 28, 28) in 0..255 (cnnlab.images.batch makes them model input), labels uint8 (n,) in 0..9."""

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
            if _is_full(data):
                return data
        except (OSError, ValueError, KeyError):  # a broken file: the bundled set always works
            logger.warning("%s is not a readable MNIST file; using the bundled digits", path, exc_info=True)
    return load_bundled()


def _is_full(data: MnistData) -> bool:
    return len(data.x_train) == FULL_TRAIN and len(data.x_test) == FULL_TEST


class DownloadError(RuntimeError):
    """The full MNIST could not be downloaded (offline, blocked, timed out, wrong file)."""


def download_full_mnist(cache_path: Path | None = None, *, url: str = MNIST_URL, sha256: str | None = MNIST_SHA256,
                        timeout_s: float = 60.0) -> Path:
    """Download full MNIST into the Keras cache (an operator's step: scripts/download_mnist.py).

    Safe to run while the app serves and twice at once: a file lock lets one download at a time,
    the file is written under a temporary name in the same folder, checked (SHA-256, shapes) and
    only then renamed into place, so readers see the old file or the complete new one, never a part.
    Returns the path; any failure becomes DownloadError and leaves the cache as it was.
    """
    import hashlib
    import tempfile
    import urllib.request

    from filelock import FileLock, Timeout

    path = cache_path or keras_cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(f"{path}.lock", timeout=timeout_s * 2):
            if load_mnist(path).is_full:
                return path  # already there (perhaps another run just finished it)
            fd, part = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
            try:
                digest = hashlib.sha256()
                with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout_s) as response:
                    while chunk := response.read(1 << 16):
                        digest.update(chunk)
                        out.write(chunk)
                if sha256 is not None and digest.hexdigest() != sha256:
                    raise DownloadError(f"unexpected file (SHA-256 {digest.hexdigest()[:12]}…)")
                try:  # checked directly: load_mnist would log "using the bundled digits" for a bad download
                    complete = _is_full(_read_npz(Path(part), "keras"))
                except (KeyError, ValueError, OSError):  # not an .npz, or not MNIST's arrays
                    complete = False
                if not complete:
                    raise DownloadError("the downloaded file is not the full MNIST")
                os.replace(part, path)  # atomic on one file system
            finally:
                if os.path.exists(part):
                    os.unlink(part)
    except Timeout as exc:
        raise DownloadError(f"another download still holds {path}.lock") from exc
    except (OSError, ValueError) as exc:  # URLError and socket timeouts are OSErrors
        raise DownloadError(str(exc) or type(exc).__name__) from exc
    return path
