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
    window: OutputWindow | None = None  # the same cells in the original input's coordinates

    @property
    def products(self) -> np.ndarray | None:
        """Input value times weight per tap (conv only)."""
        return None if self.weights is None else self.values * self.weights


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


def clamp_index(index: int, size: int) -> int:
    """`index` moved into 0..size-1: a cell, map or layer number chosen for a larger shape stays valid."""
    return min(max(int(index), 0), size - 1)


@dataclass(frozen=True)
class OutputWindow:
    """The input cells output cell (row, col) reads, in the ORIGINAL input's coordinates.

    rows[a] is the input row under kernel row a, cols[b] the input column under kernel column b:
    row*stride - padding_before + a*dilation. A row < 0 or >= height (a column likewise) is padding.
    pads: ((top, bottom), (left, right)) cells added by 'same' padding.
    """

    row: int
    col: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    pads: tuple[tuple[int, int], tuple[int, int]]

    def padded_cells(self) -> list[tuple[int, int]]:
        """Every tap's cell in the padded input (row-major over the kernel), as the figures draw it."""
        top, left = self.pads[0][0], self.pads[1][0]
        return [(r + top, c + left) for r in self.rows for c in self.cols]


def output_window(row: int, col: int, input_hw: tuple[int, int], kernel_size, strides=1, padding: str = "valid",
                  dilation_rate=1) -> OutputWindow:
    """Where output cell (row, col) of a Conv2D (or a MaxPooling2D: dilation 1) reads its input.

    The one place the window of an output cell is computed (stride, TensorFlow's 'same' split, dilation).
    Raises IndexError for a cell outside the output, shapes.ShapeError for settings Keras rejects.
    """
    (h, w), k, s, d = input_hw, shapes.pair(kernel_size), shapes.pair(strides), shapes.pair(dilation_rate)
    _, oh, ow, _ = shapes.conv2d_output_shape((1, h, w, 1), 1, k, s, padding, d)
    if not (0 <= row < oh and 0 <= col < ow):
        raise IndexError(f"output cell ({row}, {col}) outside {oh}x{ow}")
    pads = (padding_amounts(h, k[0], s[0], padding, d[0]), padding_amounts(w, k[1], s[1], padding, d[1]))
    rows = tuple(row * s[0] - pads[0][0] + a * d[0] for a in range(k[0]))
    cols = tuple(col * s[1] - pads[1][0] + b * d[1] for b in range(k[1]))
    return OutputWindow(row, col, rows, cols, pads)


def pool_window(row: int, col: int, input_hw: tuple[int, int], pool_size=2, strides=None,
                padding: str = "valid") -> OutputWindow:
    """output_window for MaxPooling2D: strides default to the pool size, no dilation."""
    p = shapes.pair(pool_size)
    return output_window(row, col, input_hw, p, p if strides is None else strides, padding, 1)


@dataclass(frozen=True)
class ConvCellSum:
    """Output cell (row, col) of one filter, written out: every input value times its weight, summed.

    values, weights, products: (kh, kw, C), 0 in values where the window reads padding.
    """

    window: OutputWindow
    filter_index: int
    values: np.ndarray
    weights: np.ndarray
    bias: float
    pre_activation: float
    result: float

    @property
    def products(self) -> np.ndarray:
        return self.values * self.weights


def conv_cell(x: np.ndarray, kernel: np.ndarray, bias, row: int, col: int, filter_index: int = 0, strides=1,
              padding: str = "valid", dilation_rate=1, activation: str = "linear") -> ConvCellSum:
    """The multiply-and-sum behind output cell (row, col) of filter `filter_index` of a Conv2D.

    x: (H, W, C) or (H, W); kernel: (kh, kw, C, F) as Keras stores it, or (kh, kw) for one channel;
    bias: (F,) or a number. Equals keras.layers.Conv2D's output at [0, row, col, filter_index].
    """
    x = np.asarray(x, dtype=np.float32)
    x = x[:, :, None] if x.ndim == 2 else x
    kernel = np.asarray(kernel, dtype=np.float32)
    kernel = kernel[:, :, None, None] if kernel.ndim == 2 else kernel
    window = output_window(row, col, x.shape[:2], kernel.shape[:2], strides, padding, dilation_rate)
    padded = np.pad(x, (*window.pads, (0, 0)), constant_values=0.0)
    top, left = window.pads[0][0], window.pads[1][0]
    values = padded[np.ix_([r + top for r in window.rows], [c + left for c in window.cols])]  # (kh, kw, C)
    weights = kernel[:, :, :, filter_index]
    b = float(np.ravel(np.asarray(bias, dtype=np.float32))[filter_index] if np.ndim(bias) else bias)
    z = float(np.sum(values * weights, dtype=np.float32) + np.float32(b))
    return ConvCellSum(window, filter_index, values, weights, b, z, float(activate(np.float32(z), activation)))


def conv_step(image: np.ndarray, kernel: np.ndarray, row: int, col: int, strides=1, padding: str = "valid",
              dilation_rate=1, bias: float = 0.0, activation: str = "linear") -> WindowStep:
    """The multiply-and-sum behind output cell (row, col) of a single-channel conv."""
    image = np.asarray(image, dtype=np.float32)
    kernel = np.asarray(kernel, dtype=np.float32)
    kh, kw = kernel.shape
    s, d = shapes.pair(strides), shapes.pair(dilation_rate)
    window = output_window(row, col, image.shape, (kh, kw), s, padding, d)
    pads = window.pads
    padded = np.pad(image, pads, constant_values=0.0)
    is_pad = np.pad(np.zeros(image.shape, bool), pads, constant_values=True)
    cells = window.padded_cells()
    values = np.array([padded[r, c] for r, c in cells], dtype=np.float32).reshape(kh, kw)
    pad_flags = np.array([is_pad[r, c] for r, c in cells]).reshape(kh, kw)
    z = float(np.sum(values * kernel) + bias)
    return WindowStep(row, col, padded, (pads[0][0], pads[1][0]), pads, cells, values,
                      float(activate(np.float32(z), activation)), kernel, float(bias), z, None, pad_flags, window)


def pool_step(matrix: np.ndarray, row: int, col: int, pool_size=2, strides=None, padding: str = "valid") -> WindowStep:
    """The window behind pooled cell (row, col); padded cells hold -inf and never win."""
    matrix = np.asarray(matrix, dtype=np.float32)
    p = shapes.pair(pool_size)
    s = shapes.pair(strides) if strides is not None else p
    _, oh, ow, _ = shapes.pool2d_output_shape((1, *matrix.shape, 1), p, s, padding)
    if not (0 <= row < oh and 0 <= col < ow):
        raise IndexError(f"output cell ({row}, {col}) outside {oh}x{ow}")
    padded, is_pad, pads = pool_padded(matrix, p, s, padding)
    window = pool_window(row, col, matrix.shape, p, s, padding)
    cells = window.padded_cells()
    values = np.array([padded[r, c] for r, c in cells], dtype=np.float32).reshape(p)
    winner = cells[int(np.argmax(values))]
    pad_flags = np.array([is_pad[r, c] for r, c in cells]).reshape(p)
    best = float(np.max(values))
    return WindowStep(row, col, padded, (pads[0][0], pads[1][0]), pads, cells, values, best,
                      winner=winner, is_pad=pad_flags, pre_activation=best, window=window)


def small_grid(size: int = 7, seed: int = 0) -> np.ndarray:
    """A size x size grid of small integers (0..9), readable in a step-through."""
    return np.random.default_rng(seed).integers(0, 10, size=(size, size)).astype(np.float32)


def digit_crop(image: np.ndarray, size: int = 8) -> np.ndarray:
    """The size x size patch of a unit image (float in [0, 1]) around its ink's centre, rounded to 1 decimal."""
    image = np.asarray(image, dtype=np.float32)
    ys, xs = np.nonzero(image > 0.2)
    cy, cx = (int(ys.mean()), int(xs.mean())) if len(ys) else (image.shape[0] // 2, image.shape[1] // 2)
    top = int(np.clip(cy - size // 2, 0, image.shape[0] - size))
    left = int(np.clip(cx - size // 2, 0, image.shape[1] - size))
    return np.round(image[top:top + size, left:left + size], 1).astype(np.float32)
