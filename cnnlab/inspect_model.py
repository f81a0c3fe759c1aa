"""Follow one image through a Sequential Keras model, layer by layer.

Every layer's output comes from one call of a "probe": a functional model over the same layers
(the same weights) whose outputs are every layer's output, run with `predict_on_batch` (one traced
graph, the interpreter lock released while it runs; never `predict`, which is slower per call and
not thread-safe). A probe is made and traced once per model and lives as long as its model. A model
no probe can be made for is walked layer by layer (each layer called directly, slower).
`model.layers` is walked generically, so this works for any Sequential model the user trained.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cnnlab import images
from cnnlab.architecture import activation_name
from cnnlab.keras_lock import keras_models

logger = logging.getLogger(__name__)


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

    One heatmap instead of n subplots: far cheaper to build and draw, which matters on pages redrawn on
    every stroke and while a training shares the CPU.
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


def layer_outputs(model, image: np.ndarray) -> list[LayerOutput]:
    """Every layer's output for one float image (h, w) or (h, w, c) in [0, 1], in order."""
    x = images.one_image_batch(image)
    layers = [(i, layer) for i, layer in enumerate(model.layers) if type(layer).__name__ != "InputLayer"]
    probe = _probe(model, x.shape)
    if probe is not None:
        values = [np.asarray(v, dtype=np.float32) for v in probe.predict_on_batch(x)]
    else:
        values = _layer_by_layer([layer for _i, layer in layers], x)
    return [LayerOutput(i, layer.name, type(layer).__name__, value[0] if value.shape[0] == 1 else value,
                        layer_activation(layer))
            for (i, layer), value in zip(layers, values, strict=True)]


def batch_outputs(model, x: np.ndarray, names: tuple[str, ...], chunk: int = 256) -> list[np.ndarray]:
    """The named layers' outputs (n, ...) for a float32 batch x (n, h, w, c) from cnnlab.images, in `names`' order.

    The same probe as layer_outputs (the numbers the Draw page reads), `chunk` images per call: every
    layer's output for thousands of images at once would not fit in memory.
    """
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    position = {layer.name: i for i, layer in enumerate(layers)}
    probe = _probe(model, (1, *x.shape[1:]))
    parts: list[list[np.ndarray]] = [[] for _ in names]
    for start in range(0, len(x), chunk):
        piece = x[start:start + chunk]
        values = probe.predict_on_batch(piece) if probe is not None else _layer_by_layer(layers, piece)
        for part, name in zip(parts, names, strict=True):
            part.append(np.asarray(values[position[name]], dtype=np.float32))
    return [np.concatenate(part) for part in parts]


def _layer_by_layer(layers, x: np.ndarray) -> list[np.ndarray]:
    """Each layer called directly on the previous layer's output."""
    out = []
    for layer in layers:
        x = layer(x, training=False)
        out.append(np.asarray(x, dtype=np.float32))
    return out


_probes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> {probe name: probe, or None: cannot be made}
_probe_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> the lock its probes are made under
_registry_lock = threading.Lock()  # guards the two dictionaries only, never held while a probe is traced


def _probe(model, input_shape: tuple[int, ...]):
    """The model's layer-by-layer probe, or None (see cached_probe)."""
    return cached_probe(model, "layers", lambda m: _make_probe(m, input_shape))


def cached_probe(model, name: str, make: Callable):
    """The model's probe called `name`, made (and traced) by make(model) on first use, from any session's
    thread, and kept as long as the model; None when make gives None or the model cannot be weakly referenced.

    One thread makes a model's probe while other threads asking for THE SAME model wait; threads
    asking for other models go on (tracing is slow, slower still while a training runs).
    """
    try:
        with _registry_lock:
            made = _probes.setdefault(model, {})
            if name in made:
                return made[name]
            lock = _probe_locks.setdefault(model, threading.Lock())
    except TypeError:  # a model that cannot be weakly referenced: no probe
        return None
    with lock:
        with _registry_lock:
            if name in made:  # made by another thread while this one waited
                return made[name]
        probe = make(model)
        with _registry_lock:
            made[name] = probe
        return probe


def _make_probe(model, input_shape: tuple[int, ...]):
    try:
        layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
        with keras_models() as keras:
            probe = keras.Model(model.inputs, [layer.output for layer in layers])
        probe.predict_on_batch(np.zeros(input_shape, np.float32))  # traced now, once
        return probe
    except Exception:  # noqa: BLE001 - e.g. a model that was never built: walked layer by layer instead
        logger.warning("no probe for model %s: its layers are called one by one", getattr(model, "name", "?"),
                       exc_info=True)
        return None


def layer_activation(layer) -> str | None:
    """"relu", "tanh", "sigmoid", "linear", ... for a layer with an activation function; None for a layer without."""
    fn = getattr(layer, "activation", None)
    return None if fn is None else activation_name(fn)


def shape_text(shape: tuple[int, ...]) -> str:
    """(13, 13, 32) -> "13×13×32"."""
    return "×".join(str(s) for s in shape)
