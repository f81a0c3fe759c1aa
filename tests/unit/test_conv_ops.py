"""The numpy Conv2D / MaxPooling2D match Keras, and importing the core never imports TensorFlow."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from cnnlab import conv_ops, images, keras_check, kernels
from cnnlab.conv_ops import ConvSettings, PoolSettings

keras = pytest.importorskip("keras")

CASES = [
    dict(kernel_size=(3, 3), strides=(1, 1), padding="valid", dilation_rate=(1, 1), activation="relu"),
    dict(kernel_size=(4, 2), strides=(2, 3), padding="same", dilation_rate=(1, 1), activation="linear"),
    dict(kernel_size=(3, 3), strides=(1, 1), padding="same", dilation_rate=(2, 3), activation="tanh"),
    dict(kernel_size=(5, 5), strides=(3, 3), padding="valid", dilation_rate=(1, 1), activation="sigmoid"),
    dict(kernel_size=(2, 2), strides=(2, 2), padding="same", dilation_rate=(1, 1), activation="relu"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['kernel_size']}-{c['strides']}-{c['padding']}-{c['dilation_rate']}")
def test_numpy_conv_matches_keras_on_a_digit(case):
    from cnnlab.data import load_bundled

    digit = images.unit_image(load_bundled().x_test[0])  # single-channel, as the page uses it
    s = ConvSettings(input_shape=(1, 28, 28, 1), filters=3, **case)
    kernel, _ = kernels.random_kernels(s.kernel_size, 1, 3, seed=1)
    bias = np.array([0.1, -0.2, 0.0], dtype=np.float32)
    ours = conv_ops.conv2d_forward(digit, kernel, bias, s.strides, s.padding, s.dilation_rate, s.activation)
    theirs = keras_check.keras_conv2d(images.one_image_batch(digit), kernel, bias, s)
    assert ours.shape == theirs.shape == s.output_shape()[:3] + (3,)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_numpy_conv_matches_keras_multichannel_batch():
    s = ConvSettings(input_shape=(2, 9, 7, 3), filters=4, kernel_size=(3, 2), strides=(2, 1), padding="same")
    result = keras_check.verify_conv2d(s, seed=3)
    assert result.core_shape == result.keras_shape == (2, 5, 7, 4)
    assert result.agree and result.max_abs_diff < 1e-4


@pytest.mark.parametrize(("pool", "strides", "padding"), [((2, 2), None, "valid"), ((2, 2), (1, 1), "valid"),
                                                          ((3, 2), (2, 2), "same"), ((2, 2), None, "same")])
def test_numpy_max_pool_matches_keras_even_with_negative_values(pool, strides, padding):
    x = np.random.default_rng(0).standard_normal((5, 7)).astype(np.float32) - 3  # all negative: padding must not win
    p = PoolSettings(pool, strides, padding)
    ours = conv_ops.max_pool_forward(x, pool, strides, padding)
    np.testing.assert_allclose(ours, keras_check.keras_max_pool(x, p))
    assert np.isfinite(ours).all()


def test_importing_the_core_does_not_import_tensorflow():
    code = ("import sys; import cnnlab.conv_ops, cnnlab.shapes, cnnlab.kernels, cnnlab.step_through, cnnlab.latex, "
            "cnnlab.codegen, cnnlab.matrix_input, cnnlab.keras_check; print('tensorflow' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
