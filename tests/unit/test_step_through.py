"""One output cell at a time: windows, products and sums agree with the forward passes (and Keras)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from cnnlab import conv_ops, kernels, shapes, step_through


def test_conv_step_writes_out_the_sum_with_padding_and_dilation():
    grid = step_through.small_grid(7, seed=0)
    kernel = kernels.classic_kernel("edge_vertical", 3)
    full = conv_ops.conv2d_forward(grid, kernel[:, :, None, None], None, 2, "same", 1)[0, :, :, 0]
    for (r, c) in [(0, 0), (1, 2), (3, 3)]:
        step = step_through.conv_step(grid, kernel, r, c, strides=2, padding="same")
        assert step.result == pytest.approx(full[r, c], abs=1e-5)
        assert step.result == pytest.approx(float(np.sum(step.values * step.weights)))
    corner = step_through.conv_step(grid, kernel, 0, 0, strides=2, padding="same")
    assert corner.pads == ((1, 1), (1, 1)) and corner.is_pad[0].all() and corner.is_pad[:, 0].all()
    assert (corner.values[corner.is_pad] == 0).all()
    dilated = step_through.conv_step(grid, kernel, 0, 0, strides=1, padding="valid", dilation_rate=2)
    assert dilated.cells[:3] == [(0, 0), (0, 2), (0, 4)] and dilated.cells[3] == (2, 0)
    with pytest.raises(shapes.ShapeError):
        step_through.conv_step(grid, kernels.classic_kernel("blur", 9), 0, 0)


def test_pool_step_padded_cells_never_win():
    x = -np.arange(1, 10, dtype=np.float32).reshape(3, 3)  # all negative
    step = step_through.pool_step(x, 0, 1, (2, 2), None, "same")  # window over column 2 and the padded column
    assert step.is_pad[:, 1].all() and not step.is_pad[:, 0].any()
    assert step.result == -3 and step.winner == (0, 2)
    assert np.isneginf(step.values[step.is_pad]).all()


@settings(max_examples=150, deadline=None)
@given(h=hs.integers(1, 9), w=hs.integers(1, 9), kh=hs.integers(1, 7), kw=hs.integers(1, 7),
       s=hs.integers(1, 3), d=hs.integers(1, 3), padding=hs.sampled_from(shapes.PADDINGS))
def test_conv_step_slider_range_covers_every_output_cell(h, w, kh, kw, s, d, padding):
    """Every output size gets a usable slider (min < max) or none at all (1x1), and each index is a real cell."""
    try:
        _, oh, ow, _ = shapes.conv2d_output_shape((1, h, w, 1), 1, (kh, kw), s, padding, d)
    except shapes.ShapeError:
        return
    last = step_through.cell_slider_last(oh, ow)
    if last is None:
        assert (oh, ow) == (1, 1)
        indices = [0]
    else:
        assert last > 0 and step_through.cell_of_index(last, ow) == (oh - 1, ow - 1)
        indices = range(last + 1)
    grid = np.arange(h * w, dtype=np.float32).reshape(h, w) % 7 - 3
    kernel = np.arange(kh * kw, dtype=np.float32).reshape(kh, kw) % 5 - 2
    full = conv_ops.conv2d_forward(grid, kernel[:, :, None, None], None, s, padding, d)[0, :, :, 0]
    for index in indices:
        row, col = step_through.cell_of_index(index, ow)
        step = step_through.conv_step(grid, kernel, row, col, s, padding, d)
        assert step.result == pytest.approx(full[row, col], abs=1e-4)


@settings(max_examples=150, deadline=None)
@given(h=hs.integers(1, 8), w=hs.integers(1, 8), ph=hs.integers(1, 6), pw=hs.integers(1, 6),
       strides=hs.one_of(hs.none(), hs.tuples(hs.integers(1, 6), hs.integers(1, 6))),
       padding=hs.sampled_from(shapes.PADDINGS))
def test_pool_step_slider_range_covers_every_output_cell(h, w, ph, pw, strides, padding):
    try:
        _, oh, ow, _ = shapes.pool2d_output_shape((1, h, w, 1), (ph, pw), strides, padding)
    except shapes.ShapeError:
        return
    last = step_through.cell_slider_last(oh, ow)
    assert (last is None) == ((oh, ow) == (1, 1))
    matrix = np.arange(h * w, dtype=np.float32).reshape(h, w) * 37 % 11
    pooled = conv_ops.max_pool_forward(matrix, (ph, pw), strides, padding)[0, :, :, 0]
    for index in range((last or 0) + 1):
        row, col = step_through.cell_of_index(index, ow)
        assert step_through.pool_step(matrix, row, col, (ph, pw), strides, padding).result == pooled[row, col]


# ---------------------------------------------------------------- the linked view's window and sum, against Keras

import keras  # noqa: E402 - a dependency of the app: missing, the tests below must fail, not skip

LINKED_CASES = [
    dict(kernel=(3, 3), strides=2, padding="same", dilation=1, channels=3, filters=2, activation="relu"),
    dict(kernel=(3, 3), strides=1, padding="same", dilation=2, channels=2, filters=3, activation="linear"),
    dict(kernel=(4, 2), strides=(2, 3), padding="valid", dilation=1, channels=1, filters=2, activation="tanh"),
    dict(kernel=(2, 3), strides=1, padding="valid", dilation=(2, 1), channels=4, filters=1, activation="sigmoid"),
]


@pytest.mark.parametrize("case", LINKED_CASES, ids=lambda c: f"{c['kernel']}-s{c['strides']}-{c['padding']}-d{c['dilation']}")
def test_every_cells_written_out_sum_equals_the_real_keras_conv2d(case):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((7, 8, case["channels"])).astype(np.float32)
    kernel = rng.standard_normal((*case["kernel"], case["channels"], case["filters"])).astype(np.float32)
    bias = rng.standard_normal(case["filters"]).astype(np.float32)
    layer = keras.layers.Conv2D(case["filters"], case["kernel"], strides=case["strides"], padding=case["padding"],
                                dilation_rate=case["dilation"], activation=case["activation"])
    layer.build((1, *x.shape))
    layer.set_weights([kernel, bias])
    expected = np.asarray(layer(x[None]))[0]
    for row in range(expected.shape[0]):
        for col in range(expected.shape[1]):
            for f in range(case["filters"]):
                cell = step_through.conv_cell(x, kernel, bias, row, col, f, case["strides"], case["padding"],
                                              case["dilation"], case["activation"])
                assert cell.result == pytest.approx(float(expected[row, col, f]), abs=1e-4)
                assert cell.pre_activation == pytest.approx(float(cell.products.sum()) + cell.bias, abs=1e-4)


def test_window_of_a_stride_2_same_cell_follows_the_formula():
    """7x7 input, 3x3 kernel, stride 2, 'same': 4x4 output, 2 padded cells per axis, 1 before and 1 after."""
    window = step_through.output_window(1, 2, (7, 7), 3, 2, "same")
    assert window.pads == ((1, 1), (1, 1))
    assert window.rows == (1 * 2 - 1, 2, 3) and window.cols == (2 * 2 - 1, 4, 5)
    corner = step_through.output_window(0, 0, (7, 7), 3, 2, "same")
    assert corner.rows == (-1, 0, 1) and corner.cols == (-1, 0, 1)  # row/column -1 is padding
    dilated = step_through.output_window(0, 1, (7, 7), 3, 1, "same", 2)
    assert dilated.pads == ((2, 2), (2, 2)) and dilated.cols == (-1, 1, 3)
    with pytest.raises(IndexError):
        step_through.output_window(4, 0, (7, 7), 3, 2, "same")


def test_pool_window_defaults_to_the_pool_size_as_stride():
    assert step_through.pool_window(1, 0, (5, 5), 2).rows == (2, 3)
    assert step_through.pool_window(1, 1, (3, 3), 2, (1, 1)).cols == (1, 2)  # the chapter's example
