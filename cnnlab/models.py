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


# The shipped recurrent reader (scripts/train_rnn_pretrained.py), beside the CNN on the Draw page.
RNN_PRETRAINED_PATH = ASSETS / "mnist_rnn.keras"
RNN_PRETRAINED_INFO_PATH = ASSETS / "mnist_rnn.json"
SHIPPED = {"cnn": (PRETRAINED_PATH, PRETRAINED_INFO_PATH), "rnn": (RNN_PRETRAINED_PATH, RNN_PRETRAINED_INFO_PATH)}


def load_pretrained(family: str = "cnn"):
    """The shipped model of a family ("cnn": the chapter's CNN, "rnn": the recurrent reader), None if missing."""
    path = SHIPPED[family][0]
    return load_keras_model(path) if path.is_file() else None


@lru_cache(maxsize=2)
def pretrained_info(family: str = "cnn") -> dict[str, Any] | None:
    """What a shipped model is (accuracy, data, command), read without TensorFlow."""
    path = SHIPPED[family][1]
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


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
