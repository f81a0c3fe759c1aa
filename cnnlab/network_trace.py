"""Follow one number through the network: where a cell reads in the layer before, and the softmax in numbers.

`trace_cell` answers "which numbers of layer L-1 made this cell of layer L?" for Conv2D and
MaxPooling2D, with the real weights and the real values (the same arithmetic as
cnnlab.step_through.conv_step / pool_step, one input channel at a time). `softmax_steps` writes the
last Dense layer out: logits z = W·x + b, exp(z), their sum, and the normalised probabilities.

Shapes (batch axis removed): spatial outputs (h, w, channels), flat outputs (units,).
Keras layers are read duck-typed (get_config / get_weights): no TensorFlow import here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import shapes
from cnnlab.conv_ops import activate
from cnnlab.inspect_model import LayerOutput, layer_activation
from cnnlab.step_through import conv_cell, conv_step, pool_step

TRACEABLE = ("Conv2D", "MaxPooling2D")
EXP_SAFE_MAX = 80.0  # exp(80) ~ 5.5e34: above this the logits are shifted by their maximum first


@dataclass(frozen=True)
class CellTrace:
    """Output cell (row, col) of map `channel` in a Conv2D/MaxPooling2D layer, traced to its input window.

    rows/cols: the window's first and last row/column (inclusive) in the previous layer, clipped to it
    (padding lies outside). cells: (row, col) of every tap in the previous layer's coordinates, row-major,
    possibly outside it (padding). values/weights/products: (kh, kw, C) for Conv2D over all C input
    channels; (ph, pw, 1) values of the same channel for pooling. total = sum of products (conv) or the
    maximum (pooling); pre_activation = total + bias; result = activation(pre_activation).
    """

    kind: str
    row: int
    col: int
    channel: int
    rows: tuple[int, int]
    cols: tuple[int, int]
    cells: tuple[tuple[int, int], ...]
    channels: tuple[int, ...]
    values: np.ndarray
    is_pad: np.ndarray  # (kh, kw) True where the tap reads padding
    weights: np.ndarray | None = None
    products: np.ndarray | None = None
    total: float = 0.0
    bias: float = 0.0
    pre_activation: float = 0.0
    result: float = 0.0
    activation: str = "linear"
    winner: tuple[int, int] | None = None  # pooling: the (row, col) holding the maximum


def _unpadded(cells, origin) -> tuple[tuple[int, int], ...]:
    return tuple((r - origin[0], c - origin[1]) for r, c in cells)


def _span(cells, height: int, width: int) -> tuple[tuple[int, int], tuple[int, int]]:
    rows = [r for r, _ in cells if 0 <= r < height] or [0]
    cols = [c for _, c in cells if 0 <= c < width] or [0]
    return (min(rows), max(rows)), (min(cols), max(cols))


def trace_conv(layer, previous: np.ndarray, row: int, col: int, channel: int) -> CellTrace:
    """Conv2D output cell (row, col) of filter `channel`: window × kernel over every input channel, + bias."""
    config = layer.get_config()
    weights = layer.get_weights()
    kernel = np.asarray(weights[0], dtype=np.float32)  # (kh, kw, C, F)
    strides, dilation, padding = shapes.pair(config["strides"]), shapes.pair(config["dilation_rate"]), config["padding"]
    activation = layer_activation(layer)
    cell = conv_cell(previous, kernel, weights[1] if len(weights) > 1 else 0.0, row, col, channel, strides, padding,
                     dilation)
    # the window's place: which input cells it reads and which of them are padding (the same for every channel)
    place = conv_step(previous[..., 0], kernel[:, :, 0, channel], row, col, strides, padding, dilation)
    total = float(np.sum(cell.products, dtype=np.float64))
    pre = total + cell.bias  # shown as "sum + bias": the same float64 numbers the page writes out
    cells = _unpadded(place.cells, place.origin)
    rows, cols = _span(cells, *previous.shape[:2])
    return CellTrace("Conv2D", row, col, channel, rows, cols, cells, tuple(range(previous.shape[-1])), cell.values,
                     place.is_pad, cell.weights, cell.products, total, cell.bias, pre,
                     float(activate(np.float32(pre), activation)), activation)


def trace_pool(layer, previous: np.ndarray, row: int, col: int, channel: int) -> CellTrace:
    """MaxPooling2D output cell (row, col) of map `channel`: the largest value of its window in that map."""
    config = layer.get_config()
    pool = shapes.pair(config["pool_size"])
    strides = shapes.pair(config["strides"]) if config.get("strides") is not None else pool
    step = pool_step(previous[..., channel], row, col, pool, strides, config["padding"])
    cells = _unpadded(step.cells, step.origin)
    rows, cols = _span(cells, *previous.shape[:2])
    winner = (step.winner[0] - step.origin[0], step.winner[1] - step.origin[1])
    return CellTrace("MaxPooling2D", row, col, channel, rows, cols, cells, (channel,), step.values[..., None],
                     step.is_pad, total=step.result, pre_activation=step.result, result=step.result, winner=winner)


def previous_output(image: np.ndarray, outputs: list[LayerOutput], position: int) -> np.ndarray:
    """What layer outputs[position] read: the layer before it, or the (h, w, c) input image for the first."""
    if position > 0:
        return outputs[position - 1].output
    x = np.asarray(image, dtype=np.float32)
    return x[..., None] if x.ndim == 2 else x


def trace_cell(model, image: np.ndarray, outputs: list[LayerOutput], position: int, channel: int,
               row: int, col: int) -> CellTrace:
    """Trace cell (row, col) of map `channel` in outputs[position] (a Conv2D or MaxPooling2D layer)."""
    out = outputs[position]
    if out.kind not in TRACEABLE:
        raise ValueError(f"{out.kind} is not a Conv2D or MaxPooling2D layer")
    height, width, count = out.shape
    if not (0 <= row < height and 0 <= col < width and 0 <= channel < count):
        raise IndexError(f"cell ({row}, {col}) of map {channel} outside {out.shape}")
    layer = model.layers[out.index]
    previous = previous_output(image, outputs, position)
    trace = trace_conv if out.kind == "Conv2D" else trace_pool
    return trace(layer, previous, row, col, channel)


# ---------------------------------------------------------------- softmax, in numbers

@dataclass(frozen=True)
class SoftmaxSteps:
    """p_i = exp(z_i - shift) / sum_j exp(z_j - shift); shift is 0 unless a logit is too large for exp."""

    logits: np.ndarray  # (classes,) float64: z = W·x + b of the last Dense layer
    exps: np.ndarray  # exp(z - shift)
    total: float
    probabilities: np.ndarray
    shift: float = 0.0

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probabilities))


def softmax_of(logits: np.ndarray) -> SoftmaxSteps:
    z = np.asarray(logits, dtype=np.float64)
    shift = float(z.max()) if z.max() > EXP_SAFE_MAX else 0.0
    exps = np.exp(z - shift)
    total = float(exps.sum())
    return SoftmaxSteps(z, exps, total, exps / total, shift)


def softmax_steps(layer, layer_input: np.ndarray) -> SoftmaxSteps | None:
    """The Dense layer's softmax written out from its input and weights; None if it is not a softmax Dense."""
    if type(layer).__name__ != "Dense" or layer_activation(layer) != "softmax":
        return None
    weights = layer.get_weights()
    kernel = np.asarray(weights[0], dtype=np.float64)
    bias = np.asarray(weights[1], dtype=np.float64) if len(weights) > 1 else 0.0
    return softmax_of(np.asarray(layer_input, dtype=np.float64).ravel() @ kernel + bias)


def model_softmax(model, outputs: list[LayerOutput]) -> SoftmaxSteps | None:
    """softmax_steps for the model's last layer, fed by the layer before it (None without a softmax Dense)."""
    if len(outputs) < 2:
        return None
    return softmax_steps(model.layers[outputs[-1].index], outputs[-2].output)
