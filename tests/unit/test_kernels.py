"""Random, classic and trained kernels."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import kernels

keras = pytest.importorskip("keras")


def test_kernels():
    k, b, names = kernels.classic_kernels((3, 3), 1, 6)
    assert k.shape == (3, 3, 1, 6) and names[0] == "edge_vertical" and names[5] == "edge_vertical"
    assert kernels.classic_kernel("blur", 3).sum() == pytest.approx(1)
    assert kernels.classic_kernel("sharpen", (3, 5)).sum() == pytest.approx(1)
    r1, _ = kernels.random_kernels(3, 1, 4, seed=5)
    r2, _ = kernels.random_kernels(3, 1, 4, seed=5)
    r3, _ = kernels.random_kernels(3, 1, 4, seed=6)
    assert np.array_equal(r1, r2) and not np.array_equal(r1, r3)


def test_first_conv_kernels_of_a_keras_model():
    from cnnlab.models import build_chapter_model

    mk = kernels.first_conv_kernels(build_chapter_model())
    assert mk.kernel.shape == (3, 3, 1, 32) and mk.bias.shape == (32,) and mk.activation == "relu"
    assert kernels.first_conv_kernels(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])) is None


@pytest.mark.parametrize(("keras_activation", "explorer_activation"), [(None, "linear"), ("tanh", "tanh")])
def test_first_conv_kernels_names_the_activation_as_the_explorer_does(keras_activation, explorer_activation):
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, activation=keras_activation)])
    assert kernels.first_conv_kernels(model).activation == explorer_activation
