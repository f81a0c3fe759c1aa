"""Tracing a cell back to its window: the window's arithmetic equals the Keras layer's own output cell."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import inspect_model, models, network_trace
from cnnlab.data import load_bundled


@pytest.fixture(scope="module")
def chapter():
    model = models.load_pretrained()
    image = load_bundled().x_test[3].astype(np.float32) / 255.0
    return model, image, inspect_model.layer_outputs(model, image)


@pytest.mark.parametrize("position", [0, 1, 2, 3, 4])
def test_every_traced_cell_equals_the_keras_output(chapter, position):
    model, image, outputs = chapter
    height, width, count = outputs[position].shape
    rng = np.random.default_rng(position)
    for _ in range(6):
        row, col, channel = int(rng.integers(height)), int(rng.integers(width)), int(rng.integers(count))
        trace = network_trace.trace_cell(model, image, outputs, position, channel, row, col)
        assert trace.result == pytest.approx(float(outputs[position].output[row, col, channel]), abs=1e-4)
        if trace.kind == "Conv2D":
            assert trace.total == pytest.approx(float(trace.products.sum()), abs=1e-4)
            assert trace.pre_activation == pytest.approx(trace.total + trace.bias)
            assert trace.values.shape == (3, 3, outputs[position - 1].shape[-1] if position else 1)
        else:
            assert trace.result == pytest.approx(float(trace.values.max()))


def test_first_conv_window_is_the_3x3_input_patch(chapter):
    model, image, outputs = chapter
    trace = network_trace.trace_cell(model, image, outputs, 0, 5, 10, 7)
    assert (trace.rows, trace.cols) == ((10, 12), (7, 9))  # valid padding, stride 1: rows r..r+2
    np.testing.assert_allclose(trace.values[..., 0], image[10:13, 7:10])
    kernel, bias = model.layers[0].get_weights()
    np.testing.assert_allclose(trace.weights[..., 0], kernel[:, :, 0, 5])
    assert trace.bias == pytest.approx(float(bias[5]))
    pool = network_trace.trace_cell(model, image, outputs, 1, 5, 4, 2)
    assert (pool.rows, pool.cols) == ((8, 9), (4, 5))  # 2x2 pooling: rows 2r..2r+1
    assert outputs[0].output[pool.winner[0], pool.winner[1], 5] == pytest.approx(pool.result)


@pytest.mark.parametrize("strides,padding", [(2, "same"), (1, "same"), (2, "valid")])
def test_strided_and_padded_windows_match_keras(strides, padding):
    import keras
    from keras import layers as kl

    model = keras.Sequential([keras.Input((9, 9, 2)), kl.Conv2D(3, 3, strides=strides, padding=padding, activation="relu"),
                              kl.MaxPooling2D(2, padding=padding)])
    rng = np.random.default_rng(1)
    model.layers[0].set_weights([rng.normal(size=(3, 3, 2, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)])
    image = rng.random((9, 9, 2)).astype(np.float32)
    outputs = inspect_model.layer_outputs(model, image)
    for position in (0, 1):
        height, width, count = outputs[position].shape
        for row in range(height):
            for col in range(width):
                trace = network_trace.trace_cell(model, image, outputs, position, count - 1, row, col)
                assert trace.result == pytest.approx(float(outputs[position].output[row, col, count - 1]), abs=1e-5)
    if strides == 2 and padding == "same":
        # 9 -> ceil(9/2) = 5; padding (5-1)*2 + 3 - 9 = 2 cells, 1 before and 1 after: cell (r, c) reads
        # rows 2r-1 .. 2r+1, so the corners read one padded row and one padded column (5 of 9 taps)
        first = network_trace.trace_cell(model, image, outputs, 0, 0, 0, 0)
        last = network_trace.trace_cell(model, image, outputs, 0, 0, 4, 4)
        assert (first.rows, first.cols, int(first.is_pad.sum())) == ((0, 1), (0, 1), 5)
        assert (last.rows, last.cols, int(last.is_pad.sum())) == ((7, 8), (7, 8), 5)
        middle = network_trace.trace_cell(model, image, outputs, 0, 0, 1, 2)
        assert (middle.rows, middle.cols, middle.cells[0]) == ((1, 3), (3, 5), (1, 3))


def test_only_conv_and_pool_cells_are_traced(chapter):
    model, image, outputs = chapter
    with pytest.raises(ValueError):
        network_trace.trace_cell(model, image, outputs, 5, 0, 0, 0)  # Flatten
    with pytest.raises(IndexError):
        network_trace.trace_cell(model, image, outputs, 0, 0, 26, 0)


def test_softmax_numbers_equal_the_models_probabilities(chapter):
    model, _image, outputs = chapter
    steps = network_trace.model_softmax(model, outputs)
    np.testing.assert_allclose(steps.probabilities, outputs[-1].output, atol=1e-6)
    np.testing.assert_allclose(steps.exps / steps.total, steps.probabilities)
    assert steps.shift == 0 and steps.total == pytest.approx(float(np.exp(steps.logits).sum()))
    assert steps.predicted == int(np.argmax(outputs[-1].output))


def test_softmax_of_large_logits_shifts_without_overflow():
    steps = network_trace.softmax_of(np.array([1000.0, 999.0, 0.0]))
    assert steps.shift == 1000.0 and np.isfinite(steps.total)
    np.testing.assert_allclose(steps.probabilities[:2], [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1))])


def test_a_model_without_softmax_has_no_softmax_steps():
    import keras
    from keras import layers as kl

    model = keras.Sequential([keras.Input((4, 4, 1)), kl.Flatten(), kl.Dense(3, activation="relu")])
    outputs = inspect_model.layer_outputs(model, np.ones((4, 4), np.float32))
    assert network_trace.model_softmax(model, outputs) is None


def test_a_linear_conv_cell_is_traced_without_an_activation():
    keras = pytest.importorskip("keras")
    from cnnlab import network_trace

    layer = keras.layers.Conv2D(1, 2, activation=None)
    layer.build((None, 3, 3, 1))
    layer.set_weights([np.full((2, 2, 1, 1), -1.0, np.float32), np.zeros(1, np.float32)])
    trace = network_trace.trace_conv(layer, np.ones((3, 3, 1), np.float32), 0, 0, 0)
    assert trace.activation == "linear" and trace.result == pytest.approx(-4.0)  # relu would give 0
