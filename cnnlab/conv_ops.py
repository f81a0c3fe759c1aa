"""Conv2D and MaxPooling2D in numpy: the explorers' settings, forward passes and padding.

Everything here follows Keras exactly (channels-last, TensorFlow's 'same' padding
split, max pooling that never lets a padded cell win) so the explorers can show
real feature maps instantly without importing TensorFlow. Kernels live in
cnnlab.kernels, one output cell at a time in cnnlab.step_through, the code shown in
cnnlab.codegen, formulas in cnnlab.latex, the check against Keras in cnnlab.keras_check.

Shapes:
  x        (N, H, W, C)            a batch of images, channels last
  kernel   (kh, kw, C, F)          Keras' Conv2D kernel layout
  bias     (F,)
  output   (N, H', W', F) / (N, H', W', C) for pooling
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import images, shapes

ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh")  # Keras' names; "linear" is activation=None


@dataclass(frozen=True)
class ConvSettings:
    """Every Conv2D argument the explorer offers (sizes as (height, width) pairs)."""

    input_shape: tuple[int, int, int, int] = (4, 28, 28, 3)
    filters: int = 2
    kernel_size: tuple[int, int] = (3, 3)
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    dilation_rate: tuple[int, int] = (1, 1)
    activation: str = "relu"  # one of ACTIVATIONS

    def output_shape(self) -> tuple[int, int, int, int]:
        """Keras' output shape, or shapes.ShapeError for a setting Keras rejects."""
        return shapes.conv2d_output_shape(self.input_shape, self.filters, self.kernel_size, self.strides,
                                          self.padding, self.dilation_rate)

    def params(self) -> int:
        return shapes.conv2d_params(self.kernel_size, self.input_shape[3], self.filters)


@dataclass(frozen=True)
class PoolSettings:
    pool_size: tuple[int, int] = (2, 2)
    strides: tuple[int, int] | None = None  # None = the pool size, as in Keras
    padding: str = "valid"

    @property
    def effective_strides(self) -> tuple[int, int]:
        return self.pool_size if self.strides is None else self.strides


# ---------------------------------------------------------------- padding and windows

def padding_amounts(n: int, k: int, s: int, padding: str, d: int = 1) -> tuple[int, int]:
    """Cells added (before, after) on one axis: none for 'valid', TensorFlow's split for 'same'."""
    return shapes.same_padding(n, k, s, d) if padding == "same" else (0, 0)


def pad2d(x: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]], fill: float) -> np.ndarray:
    """Pad axes 1 and 2 of (N, H, W, C) with `fill` (0 for convolution, -inf for max pooling)."""
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), mode="constant", constant_values=fill)


def _batch_of(x) -> np.ndarray:
    """A batch (N, H, W, C) as it is; one float image (H, W) or (H, W, C) as a batch of one."""
    return np.asarray(x, dtype=np.float32) if np.ndim(x) == 4 else images.one_image_batch(x)


def _windows(x: np.ndarray, kernel_hw, strides, dilation, out_hw):
    """Yield (a, b, view): for kernel tap (a, b), the input cells it touches for every output cell."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel_hw, strides, dilation, out_hw
    for a in range(kh):
        for b in range(kw):
            r0, c0 = a * dh, b * dw
            yield a, b, x[:, r0:r0 + (oh - 1) * sh + 1:sh, c0:c0 + (ow - 1) * sw + 1:sw, :]


def activate(z: np.ndarray, activation: str) -> np.ndarray:
    """`activation` by its Keras name (one of ACTIVATIONS); "linear" is the identity."""
    if activation == "linear":
        return z
    if activation == "relu":
        return np.maximum(z, 0)
    if activation == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if activation == "tanh":
        return np.tanh(z)
    raise ValueError(f"unknown activation {activation!r}")


def conv2d_forward(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None, strides=1,
                   padding: str = "valid", dilation_rate=1, activation: str = "linear") -> np.ndarray:
    """What keras.layers.Conv2D computes, for a batch x (N, H, W, C) or one float image (H, W) / (H, W, C).

    Raises shapes.ShapeError for settings Keras rejects.
    """
    x = _batch_of(x)
    kernel = np.asarray(kernel, dtype=np.float32)
    kh, kw, c_in, filters = kernel.shape
    if c_in != x.shape[3]:
        raise ValueError(f"kernel expects {c_in} channels, input has {x.shape[3]}")
    sh, sw = shapes.pair(strides)
    dh, dw = shapes.pair(dilation_rate)
    _, oh, ow, _ = shapes.conv2d_output_shape(x.shape, filters, (kh, kw), (sh, sw), padding, (dh, dw))
    pads = (padding_amounts(x.shape[1], kh, sh, padding, dh), padding_amounts(x.shape[2], kw, sw, padding, dw))
    xp = pad2d(x, pads, 0.0)
    out = np.zeros((x.shape[0], oh, ow, filters), dtype=np.float32)
    for a, b, view in _windows(xp, (kh, kw), (sh, sw), (dh, dw), (oh, ow)):
        out += view @ kernel[a, b]
    if bias is not None:
        out += np.asarray(bias, dtype=np.float32)
    return activate(out, activation).astype(np.float32)


def max_pool_forward(x: np.ndarray, pool_size=2, strides=None, padding: str = "valid") -> np.ndarray:
    """What keras.layers.MaxPooling2D computes (x as in conv2d_forward): padded cells are -inf, so they never win."""
    x = _batch_of(x)
    ph, pw = shapes.pair(pool_size)
    sh, sw = shapes.pair(strides) if strides is not None else (ph, pw)
    _, oh, ow, _ = shapes.pool2d_output_shape(x.shape, (ph, pw), (sh, sw), padding)
    pads = (padding_amounts(x.shape[1], ph, sh, padding), padding_amounts(x.shape[2], pw, sw, padding))
    xp = pad2d(x, pads, -np.inf)
    out = np.full((x.shape[0], oh, ow, x.shape[3]), -np.inf, dtype=np.float32)
    for _a, _b, view in _windows(xp, (ph, pw), (sh, sw), (1, 1), (oh, ow)):
        out = np.maximum(out, view)
    return out


def pool_padded(matrix: np.ndarray, pool_size=2, strides=None, padding: str = "valid"):
    """The 2-D input as max pooling sees it: (padded with -inf, mask of padded cells, pads per axis)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    p = shapes.pair(pool_size)
    s = shapes.pair(strides) if strides is not None else p
    pads = (padding_amounts(matrix.shape[0], p[0], s[0], padding), padding_amounts(matrix.shape[1], p[1], s[1], padding))
    padded = np.pad(matrix, pads, constant_values=-np.inf)
    is_pad = np.pad(np.zeros(matrix.shape, bool), pads, constant_values=True)
    return padded, is_pad, pads
