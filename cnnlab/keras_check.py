"""Check the numpy layers against the real Keras ones (imports TensorFlow, only on request).

The Conv2D explorer's input shape is settable up to 256×512×512×64 from the URL, so the check is
bounded (cnnlab.limits): Keras' output shape for the full input is computed symbolically (no tensor),
and the numbers are compared on batch 1 and a crop that keeps every setting's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import images, shapes
from cnnlab.conv_ops import ConvSettings, PoolSettings, conv2d_forward
from cnnlab.keras_lock import keras_models
from cnnlab.kernels import random_kernels
from cnnlab.limits import VERIFY_BATCH, VERIFY_MAX_SIDE


@dataclass(frozen=True)
class Verification:
    core_shape: tuple[int, ...]  # the formulas' output shape for the full input
    keras_shape: tuple[int, ...]  # Keras' own, for the full input (computed, not run)
    max_abs_diff: float  # numpy forward pass vs the Keras layer on the crop, same weights, same input
    crop_shape: tuple[int, ...] = ()  # the input the numbers were compared on

    @property
    def agree(self) -> bool:
        return self.core_shape == self.keras_shape and self.max_abs_diff < 1e-3


def crop_side(n: int, k: int, s: int, d: int = 1, most: int = VERIFY_MAX_SIDE) -> int:
    """One axis of the crop the numbers are checked on: the whole axis up to `most` cells; else at least
    `most` and the kernel's span, with n's remainder modulo the stride (so 'same' pads and 'valid' drops
    cells as on the full axis), never more than n."""
    if n <= most:
        return n
    start = max(most, shapes.effective_kernel(k, d))
    return min(n, start + (n - start) % s)


def verification_crop(s: ConvSettings) -> ConvSettings:
    """The layer as the check runs it: batch VERIFY_BATCH, each spatial axis cropped (crop_side)."""
    (kh, kw), (sh, sw), (dh, dw) = s.kernel_size, s.strides, s.dilation_rate
    _, h, w, c = s.input_shape
    shape = (VERIFY_BATCH, crop_side(h, kh, sh, dh), crop_side(w, kw, sw, dw), c)
    return ConvSettings(shape, s.filters, s.kernel_size, s.strides, s.padding, s.dilation_rate, s.activation)


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
    batch = images.one_image_batch(matrix)
    # A window larger than the matrix: Keras' shape rule refuses it or finds nothing comes out, and TensorFlow's
    # CPU kernel can die of SIGFPE on it, so the op is not run.
    try:
        shape = tuple(layer.compute_output_shape(batch.shape))
    except ValueError:
        shape = (1, 0, 0, batch.shape[3])
    if min(shape[1:3]) <= 0:
        return np.zeros((1, max(shape[1], 0), max(shape[2], 0), shape[3]), np.float32)
    return np.asarray(layer(batch))


def keras_conv2d_output_shape(s: ConvSettings) -> tuple[int, ...]:
    """Keras' own output shape for the layer on its full input, computed without any tensor."""
    with keras_models() as keras:
        layer = keras.layers.Conv2D(s.filters, s.kernel_size, strides=s.strides, padding=s.padding,
                                    dilation_rate=s.dilation_rate)
    return tuple(int(v) for v in layer.compute_output_shape(s.input_shape))


def verify_conv2d(s: ConvSettings, seed: int = 0) -> Verification:
    """Keras' output shape for the full input beside the formulas'; the real Conv2D and numpy on a random
    crop (verification_crop), same weights: their largest difference."""
    crop = verification_crop(s)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(crop.input_shape).astype(np.float32)
    kernel, _ = random_kernels(s.kernel_size, s.input_shape[3], s.filters, seed)
    bias = rng.standard_normal(s.filters).astype(np.float32) * 0.1
    y_keras = keras_conv2d(x, kernel, bias, s)
    y_numpy = conv2d_forward(x, kernel, bias, s.strides, s.padding, s.dilation_rate, s.activation)
    diff = float(np.max(np.abs(y_keras - y_numpy))) if y_keras.shape == y_numpy.shape else float("inf")
    return Verification(tuple(s.output_shape()), keras_conv2d_output_shape(s), diff, crop.input_shape)
