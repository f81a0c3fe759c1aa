"""One output cell at a time: the input window it reads, the products and the sum (or the maximum).

The step-through and the linked views draw from here; everything is numpy and follows
Keras exactly (TensorFlow's 'same' padding split, -inf padding for max pooling).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cnnlab import shapes
from cnnlab.conv_ops import activate, padding_amounts, pool_padded


@dataclass(frozen=True)
class WindowStep:
    """One output cell (row, col): the input cells its window reads, in padded coordinates.

    padded: the input after padding (2-D); origin: where the original input starts in it;
    cells: [(r, c)] per kernel tap in row-major order (dilation spreads them apart);
    values: the input value under each tap; for conv also weights/products and the result.
    """

    row: int
    col: int
    padded: np.ndarray
    origin: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    cells: list[tuple[int, int]]
    values: np.ndarray  # (kh, kw)
    result: float
    weights: np.ndarray | None = None  # (kh, kw), conv only
    bias: float = 0.0
    pre_activation: float = 0.0
    winner: tuple[int, int] | None = None  # pooling: the padded cell holding the maximum
    is_pad: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))  # (kh, kw)


def cell_slider_last(out_h: int, out_w: int) -> int | None:
    """The last index of a row-by-row output-cell slider, or None when there is only one cell.

    A slider needs min < max (Streamlit rejects min == max): a 1x1 output gets no slider.
    """
    if out_h < 1 or out_w < 1:
        raise ValueError(f"no output cells in {out_h}x{out_w}")
    last = out_h * out_w - 1
    return last if last > 0 else None


def cell_of_index(index: int, out_w: int) -> tuple[int, int]:
    """Row-by-row index -> (row, col) of the output."""
    return divmod(int(index), out_w)


def _step_cells(row: int, col: int, size, strides, dilation) -> list[tuple[int, int]]:
    (kh, kw), (sh, sw), (dh, dw) = size, strides, dilation
    return [(row * sh + a * dh, col * sw + b * dw) for a in range(kh) for b in range(kw)]


def conv_step(image: np.ndarray, kernel: np.ndarray, row: int, col: int, strides=1, padding: str = "valid",
              dilation_rate=1, bias: float = 0.0, activation: str = "none") -> WindowStep:
    """The multiply-and-sum behind output cell (row, col) of a single-channel conv."""
    image = np.asarray(image, dtype=np.float32)
    kernel = np.asarray(kernel, dtype=np.float32)
    kh, kw = kernel.shape
    s, d = shapes.pair(strides), shapes.pair(dilation_rate)
    _, oh, ow, _ = shapes.conv2d_output_shape((1, *image.shape, 1), 1, (kh, kw), s, padding, d)
    if not (0 <= row < oh and 0 <= col < ow):
        raise IndexError(f"output cell ({row}, {col}) outside {oh}x{ow}")
    pads = (padding_amounts(image.shape[0], kh, s[0], padding, d[0]),
            padding_amounts(image.shape[1], kw, s[1], padding, d[1]))
    padded = np.pad(image, pads, constant_values=0.0)
    is_pad = np.pad(np.zeros(image.shape, bool), pads, constant_values=True)
    cells = _step_cells(row, col, (kh, kw), s, d)
    values = np.array([padded[r, c] for r, c in cells], dtype=np.float32).reshape(kh, kw)
    pad_flags = np.array([is_pad[r, c] for r, c in cells]).reshape(kh, kw)
    z = float(np.sum(values * kernel) + bias)
    return WindowStep(row, col, padded, (pads[0][0], pads[1][0]), pads, cells, values,
                      float(activate(np.float32(z), activation)), kernel, float(bias), z, None, pad_flags)


def pool_step(matrix: np.ndarray, row: int, col: int, pool_size=2, strides=None, padding: str = "valid") -> WindowStep:
    """The window behind pooled cell (row, col); padded cells hold -inf and never win."""
    matrix = np.asarray(matrix, dtype=np.float32)
    p = shapes.pair(pool_size)
    s = shapes.pair(strides) if strides is not None else p
    _, oh, ow, _ = shapes.pool2d_output_shape((1, *matrix.shape, 1), p, s, padding)
    if not (0 <= row < oh and 0 <= col < ow):
        raise IndexError(f"output cell ({row}, {col}) outside {oh}x{ow}")
    padded, is_pad, pads = pool_padded(matrix, p, s, padding)
    cells = _step_cells(row, col, p, s, (1, 1))
    values = np.array([padded[r, c] for r, c in cells], dtype=np.float32).reshape(p)
    winner = cells[int(np.argmax(values))]
    pad_flags = np.array([is_pad[r, c] for r, c in cells]).reshape(p)
    best = float(np.max(values))
    return WindowStep(row, col, padded, (pads[0][0], pads[1][0]), pads, cells, values, best,
                      winner=winner, is_pad=pad_flags, pre_activation=best)


def small_grid(size: int = 7, seed: int = 0) -> np.ndarray:
    """A size x size grid of small integers (0..9), readable in a step-through."""
    return np.random.default_rng(seed).integers(0, 10, size=(size, size)).astype(np.float32)


def digit_crop(image: np.ndarray, size: int = 8) -> np.ndarray:
    """The size x size patch of a digit around its ink's centre, rounded to 1 decimal for reading."""
    image = np.asarray(image, dtype=np.float32)
    if image.max() > 1.0:
        image = image / 255.0
    ys, xs = np.nonzero(image > 0.2)
    cy, cx = (int(ys.mean()), int(xs.mean())) if len(ys) else (image.shape[0] // 2, image.shape[1] // 2)
    top = int(np.clip(cy - size // 2, 0, image.shape[0] - size))
    left = int(np.clip(cx - size // 2, 0, image.shape[1] - size))
    return np.round(image[top:top + size, left:left + size], 1).astype(np.float32)


def format_number(v: float) -> str:
    """Compact, exact-looking numbers for matrices and sums: 5, -0.25, 0.333, -inf."""
    if np.isneginf(v):
        return "-inf"
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.3g}"
