"""The core's shape formulas agree with the real Keras layers (property-tested with hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnlab import shapes

keras = pytest.importorskip("keras")

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def keras_conv_shape(input_shape, filters, kernel, strides, padding, dilation):
    layer = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation)
    return tuple(layer(np.zeros(input_shape, dtype=np.float32)).shape)


@SETTINGS
@given(h=st.integers(1, 16), w=st.integers(1, 16), c=st.integers(1, 3), filters=st.integers(1, 4),
       kh=st.integers(1, 6), kw=st.integers(1, 6), s=st.integers(1, 4), d=st.integers(1, 3),
       padding=st.sampled_from(shapes.PADDINGS), square_stride=st.booleans())
def test_conv2d_output_shape_matches_keras(h, w, c, filters, kh, kw, s, d, padding, square_stride):
    input_shape = (1, h, w, c)
    strides = (s, s) if square_stride else (s, 1)
    dilation = (d, d) if square_stride else (1, d)
    try:
        ours = shapes.conv2d_output_shape(input_shape, filters, (kh, kw), strides, padding, dilation)
    except shapes.ShapeError as err:
        # Whatever we reject, Keras rejects too (and our reason names the cause).
        with pytest.raises(ValueError):
            keras_conv_shape(input_shape, filters, (kh, kw), strides, padding, dilation)
        if err.reason == "stride_and_dilation":
            assert max(strides) > 1 and max(dilation) > 1
        else:
            assert err.reason == "output_not_positive" and padding == "valid"
        return
    assert ours == keras_conv_shape(input_shape, filters, (kh, kw), strides, padding, dilation)


@SETTINGS
@given(h=st.integers(1, 16), w=st.integers(1, 16), ph=st.integers(1, 5), pw=st.integers(1, 5),
       strides=st.one_of(st.none(), st.tuples(st.integers(1, 4), st.integers(1, 4))),
       padding=st.sampled_from(shapes.PADDINGS))
def test_pool2d_output_shape_matches_keras(h, w, ph, pw, strides, padding):
    input_shape = (1, h, w, 2)
    try:
        ours = shapes.pool2d_output_shape(input_shape, (ph, pw), strides, padding)
    except shapes.ShapeError as err:
        assert err.reason == "output_not_positive" and padding == "valid"
        assert ph > h or pw > w
        return
    layer = keras.layers.MaxPooling2D((ph, pw), strides=strides, padding=padding)
    assert ours == tuple(layer(np.zeros(input_shape, dtype=np.float32)).shape)


@pytest.mark.parametrize(("n", "k", "s", "d"), [(28, 3, 1, 1), (28, 4, 2, 1), (5, 2, 3, 1), (7, 3, 1, 2), (6, 4, 4, 1)])
def test_same_padding_matches_tensorflow_split(n, k, s, d):
    # Pad by hand as same_padding says, then a 'valid' conv must equal Keras' 'same' conv.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, n, n, 1)).astype(np.float32)
    kernel = rng.standard_normal((k, k, 1, 1)).astype(np.float32)
    layer_same = keras.layers.Conv2D(1, k, strides=s, padding="same", dilation_rate=d, use_bias=False)
    layer_same.build(x.shape)
    layer_same.set_weights([kernel])
    before, after = shapes.same_padding(n, k, s, d)
    padded = np.pad(x, ((0, 0), (before, after), (before, after), (0, 0)))
    layer_valid = keras.layers.Conv2D(1, k, strides=s, padding="valid", dilation_rate=d, use_bias=False)
    layer_valid.build(padded.shape)
    layer_valid.set_weights([kernel])
    np.testing.assert_allclose(layer_same(x), layer_valid(padded), atol=1e-5)


def test_chapter_examples():
    assert shapes.conv2d_output_shape((4, 28, 28, 3), 2, 3) == (4, 26, 26, 2)
    assert shapes.conv2d_params(3, 3, 2) == 56
    assert shapes.pool2d_output_shape((1, 3, 3, 1), (2, 2), (1, 1), "valid") == (1, 2, 2, 1)


def test_dropped_cells():
    assert shapes.dropped_cells(28, 3, 2) == 1  # windows start at 0,2,...,24 and cover up to 26
    assert shapes.dropped_cells(28, 3, 1) == 0
    assert shapes.dropped_cells(3, 2, 2) == 1


def test_rejections_name_the_control():
    with pytest.raises(shapes.ShapeError) as err:
        shapes.conv2d_output_shape((1, 4, 9, 1), 1, (5, 3))
    assert (err.value.reason, err.value.field, err.value.axis) == ("output_not_positive", "kernel_size", "height")
    with pytest.raises(shapes.ShapeError) as err:
        shapes.conv2d_output_shape((1, 28, 28, 1), 1, 3, strides=2, dilation_rate=2)
    assert (err.value.reason, err.value.field) == ("stride_and_dilation", "dilation_rate")
