"""The chapter's MNIST CNN, the shipped pre-trained model, and fast inference.

TensorFlow is imported inside the functions: importing this module is free.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from cnnlab import ASSETS
from cnnlab.keras_lock import keras_models

PRETRAINED_PATH = ASSETS / "mnist_cnn.keras"
# Written by scripts/train_pretrained.py next to the model: accuracy, data, command.
PRETRAINED_INFO_PATH = ASSETS / "mnist_cnn.json"


def build_chapter_model():
    """Conv32 -> Pool -> Conv64 -> Pool -> Conv64 -> Flatten -> Dense64 -> Dense10 (93,322 params).

    Built from the chapter's layer spec (cnnlab.architecture.chapter_spec()), the same
    spec the Model page starts from, so the two can never disagree.
    """
    from cnnlab import architecture

    return architecture.build_model(architecture.chapter_spec())


def load_keras_model(path: Path):
    with keras_models() as keras:
        return keras.models.load_model(path, compile=False)


def load_pretrained():
    """The shipped model, or None when assets/mnist_cnn.keras is missing."""
    return load_keras_model(PRETRAINED_PATH) if PRETRAINED_PATH.is_file() else None


@lru_cache(maxsize=1)
def pretrained_info() -> dict[str, Any] | None:
    """What the shipped model is (accuracy, data, command), read without TensorFlow."""
    if not PRETRAINED_INFO_PATH.is_file():
        return None
    return json.loads(PRETRAINED_INFO_PATH.read_text(encoding="utf-8"))


def predict_proba(model, batch: np.ndarray) -> np.ndarray:
    """Class probabilities (n, 10) for a float32 batch (n, 28, 28, 1) in [0, 1].

    The batch comes from cnnlab.images (batch(pixels) or one_image_batch(image)); anything else is
    refused. The model is called directly, never through model.predict, which is slower for a few
    images and not safe to call from several sessions' threads at once.
    """
    x = np.asarray(batch)
    if x.dtype != np.float32 or x.ndim != 4:
        raise ValueError(f"expected a float32 batch (n, h, w, c) from cnnlab.images, got {x.dtype} {x.shape}")
    return np.asarray(model(x, training=False))
