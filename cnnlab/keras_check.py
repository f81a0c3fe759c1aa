"""Check the numpy layers against the real Keras ones (imports TensorFlow, only on request).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import images
from cnnlab.conv_ops import ConvSettings, PoolSettings, conv2d_forward
from cnnlab.keras_lock import keras_models
from cnnlab.kernels import random_kernels


@dataclass(frozen=True)
class Verification:
    core_shape: tuple[int, ...]
    keras_shape: tuple[int, ...]
    max_abs_diff: float  # numpy forward pass vs the Keras layer, same weights, same input

    @property
    def agree(self) -> bool:
        return self.core_shape == self.keras_shape and self.max_abs_diff < 1e-3


def keras_conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, s: ConvSettings) -> np.ndarray:
    """The real keras.layers.Conv2D with the given weights (imports TensorFlow)."""
    with keras_models() as keras:
        layer = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2], strides=s.strides, padding=s.padding,
                                    dilation_rate=s.dilation_rate, activation=s.activation)
        layer.build(x.shape)
    layer.set_weights([kernel, bias])
    return np.asarray(layer(x))


def keras_max_pool(matrix: np.ndarray, p: PoolSettings) -> np.ndarray:
    """The real keras.layers.MaxPooling2D on one float matrix (H, W) or (H, W, C) (imports TensorFlow)."""
    with keras_models() as keras:
        layer = keras.layers.MaxPooling2D(p.pool_size, strides=p.strides, padding=p.padding)
    return np.asarray(layer(images.one_image_batch(matrix)))


def verify_conv2d(s: ConvSettings, seed: int = 0) -> Verification:
    """Run the real Conv2D on a random tensor of the input shape; compare with the core's shape and numpy."""
    core_shape = s.output_shape()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(s.input_shape).astype(np.float32)
    kernel, _ = random_kernels(s.kernel_size, s.input_shape[3], s.filters, seed)
    bias = rng.standard_normal(s.filters).astype(np.float32) * 0.1
    y_keras = keras_conv2d(x, kernel, bias, s)
    y_numpy = conv2d_forward(x, kernel, bias, s.strides, s.padding, s.dilation_rate, s.activation)
    diff = float(np.max(np.abs(y_keras - y_numpy))) if y_keras.shape == y_numpy.shape else float("inf")
    return Verification(tuple(core_shape), tuple(int(v) for v in y_keras.shape), diff)
