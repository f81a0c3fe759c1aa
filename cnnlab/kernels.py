"""Kernels for the Conv2D explorer: Glorot-random, hand-made classic ones, or a trained model's first layer.

Shapes: kernel (kh, kw, C, F) as Keras stores it, bias (F,).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import shapes
from cnnlab.inspect_model import layer_activation

KERNEL_SOURCES = ("random", "classic", "model")

CLASSIC_KERNELS = ("edge_vertical", "edge_horizontal", "blur", "sharpen", "outline")


def random_kernels(kernel_size, in_channels: int, filters: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Glorot-uniform kernels (Keras' default initializer) and zero biases, reproducible by seed."""
    kh, kw = shapes.pair(kernel_size)
    fan_in, fan_out = kh * kw * in_channels, kh * kw * filters
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    rng = np.random.default_rng(seed)
    kernel = rng.uniform(-limit, limit, size=(kh, kw, in_channels, filters)).astype(np.float32)
    return kernel, np.zeros(filters, dtype=np.float32)


def classic_kernel(name: str, kernel_size=3) -> np.ndarray:
    """A hand-made (kh, kw) kernel of any size; at 3x3 these are the textbook ones.

    edge_vertical / edge_horizontal: Prewitt-like (-1 on one side, +1 on the other);
    blur: the mean of the window; sharpen: 2*centre - blur; outline: centre - blur (x kh*kw).
    """
    kh, kw = shapes.pair(kernel_size)
    k = np.zeros((kh, kw), dtype=np.float32)
    centre = np.zeros((kh, kw), dtype=np.float32)
    centre[(kh - 1) // 2, (kw - 1) // 2] = 1.0
    box = np.full((kh, kw), 1.0 / (kh * kw), dtype=np.float32)
    if name == "edge_vertical":
        if kw > 1:
            k[:, 0], k[:, -1] = -1.0, 1.0
    elif name == "edge_horizontal":
        if kh > 1:
            k[0, :], k[-1, :] = -1.0, 1.0
    elif name == "blur":
        k = box
    elif name == "sharpen":
        k = 2 * centre - box
    elif name == "outline":
        k = (centre - box) * (kh * kw)
    else:
        raise ValueError(f"unknown classic kernel {name!r}")
    return k.astype(np.float32)


def classic_kernels(kernel_size, in_channels: int, filters: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`filters` classic kernels (cycling through CLASSIC_KERNELS), the same on every input channel."""
    kh, kw = shapes.pair(kernel_size)
    names = [CLASSIC_KERNELS[i % len(CLASSIC_KERNELS)] for i in range(filters)]
    kernel = np.stack([classic_kernel(n, (kh, kw)) for n in names], axis=-1)  # (kh, kw, F)
    kernel = np.repeat(kernel[:, :, None, :], in_channels, axis=2) / in_channels
    return kernel.astype(np.float32), np.zeros(filters, dtype=np.float32), names


@dataclass(frozen=True)
class ModelKernels:
    """The first Conv2D layer of a Keras model: its weights and its own settings."""

    kernel: np.ndarray  # (kh, kw, C, F)
    bias: np.ndarray  # (F,)
    strides: tuple[int, int]
    padding: str
    dilation_rate: tuple[int, int]
    activation: str
    layer_name: str


def first_conv_kernels(model) -> ModelKernels | None:
    """The weights of the model's first Conv2D layer, or None if it has none."""
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ == "Conv2D":
            weights = layer.get_weights()
            config = layer.get_config()
            bias = weights[1] if len(weights) > 1 else np.zeros(weights[0].shape[-1], dtype=np.float32)
            return ModelKernels(np.asarray(weights[0], dtype=np.float32), np.asarray(bias, dtype=np.float32),
                                tuple(config["strides"]), config["padding"], tuple(config["dilation_rate"]),
                                layer_activation(layer), layer.name)
    return None
