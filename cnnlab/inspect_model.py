"""Follow one image through a Sequential Keras model, layer by layer.

Each layer is called directly on the previous layer's output (no `predict`, no
sub-model to build), so one image costs a few milliseconds and works for any
Sequential model the user trained — `model.layers` is walked generically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LayerOutput:
    """One layer's output for one image (the batch axis removed).

    index:  position in model.layers (0-based)
    name:   the layer's name ("conv2d", "max_pooling2d_1", ...)
    kind:   its class name ("Conv2D", "MaxPooling2D", "Flatten", "Dense", ...)
    output: float32, (h, w, channels) for spatial layers, (units,) for flat ones
    activation: the layer's activation function ("relu", "tanh", "linear", ...), None if it has none
    """

    index: int
    name: str
    kind: str
    output: np.ndarray
    activation: str | None = None

    @property
    def is_spatial(self) -> bool:
        """A stack of feature maps (h, w, channels): shown as a heatmap grid."""
        return self.output.ndim == 3

    @property
    def is_vector(self) -> bool:
        return self.output.ndim == 1

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.output.shape)

    def feature_maps(self, limit: int | None = None) -> list[np.ndarray]:
        """The channels as separate 2-D maps (at most `limit` of them)."""
        if not self.is_spatial:
            raise ValueError(f"{self.kind} output {self.shape} has no feature maps")
        count = self.output.shape[-1] if limit is None else min(limit, self.output.shape[-1])
        return [self.output[..., c] for c in range(count)]


def tile(maps: np.ndarray, columns: int, gap: int = 1, normalise: bool = False) -> np.ndarray:
    """(n, h, w) -> one (rows*(h+gap)-gap, columns*(w+gap)-gap) float32 picture, NaN between the tiles.

    One heatmap instead of n subplots: built and drawn in milliseconds rather than tens or hundreds of ms,
    which matters on pages redrawn on every stroke and while a training shares the CPU.
    normalise=True scales each tile to 0..1 (each map on its own range; a flat map is 0, drawn dark).
    """
    maps = np.asarray(maps, dtype=np.float32)
    n, h, w = maps.shape
    if normalise:
        low = maps.min(axis=(1, 2), keepdims=True)
        span = maps.max(axis=(1, 2), keepdims=True) - low
        maps = np.where(span > 0, (maps - low) / np.where(span > 0, span, 1), 0.0)
    rows = -(-n // columns)
    out = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap), np.nan, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, columns)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = maps[i]
    return out


def as_batch(image: np.ndarray) -> np.ndarray:
    """(28, 28) / (28, 28, 1) / (1, 28, 28, 1) -> float32 (1, h, w, c)."""
    x = np.asarray(image, dtype=np.float32)
    if x.ndim == 2:
        x = x[None, ..., None]
    elif x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError(f"expected one image, got shape {np.shape(image)}")
    return x


def layer_outputs(model, image: np.ndarray) -> list[LayerOutput]:
    """Every layer's output for one image, in order, by calling the layers directly."""
    x = as_batch(image)
    out = []
    for i, layer in enumerate(model.layers):
        if type(layer).__name__ == "InputLayer":
            continue
        x = layer(x, training=False)
        value = np.asarray(x, dtype=np.float32)
        out.append(LayerOutput(i, layer.name, type(layer).__name__, value[0] if value.shape[0] == 1 else value,
                               activation_name(layer)))
    return out


def activation_name(layer) -> str | None:
    """"relu", "tanh", "sigmoid", "linear", ... for a layer with an activation function; None otherwise."""
    fn = getattr(layer, "activation", None)
    if fn is None:
        return None
    return getattr(fn, "__name__", None) or type(fn).__name__.lower()


def shape_text(shape: tuple[int, ...]) -> str:
    """(13, 13, 32) -> "13×13×32"."""
    return "×".join(str(s) for s in shape)
