"""The three image conversions: the chapter's scaling, and every wrong dtype or shape refused."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import images

PIXELS = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)


def test_batch_is_the_chapters_reshape_and_scaling():
    x = images.batch(PIXELS)
    chapter = PIXELS.reshape((-1, 28, 28, 1)) / 255.0  # the chapter's own preprocessing
    assert x.shape == (5, 28, 28, 1) and x.dtype == np.float32
    np.testing.assert_allclose(x, chapter, rtol=1e-6)
    assert images.batch(np.array([[[0, 255]]], np.uint8)).ravel().tolist() == [0.0, 1.0]


def test_the_three_conversions_agree_with_each_other():
    digit = images.unit_image(PIXELS[2])
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    np.testing.assert_array_equal(digit, images.batch(PIXELS)[2, :, :, 0])
    np.testing.assert_array_equal(images.one_image_batch(digit), images.batch(PIXELS[2:3]))


@pytest.mark.parametrize(("image", "shape"), [(np.zeros((6, 4)), (1, 6, 4, 1)),
                                              (np.zeros((6, 4, 3), np.float32), (1, 6, 4, 3)),
                                              (np.zeros((2, 2, 1), np.float16), (1, 2, 2, 1))])
def test_one_image_batch_adds_the_batch_axis_and_a_channel_for_2d(image, shape):
    x = images.one_image_batch(image)
    assert x.shape == shape and x.dtype == np.float32


def test_values_are_never_rescaled_by_guessing():
    bright = np.full((3, 3), 200.0, np.float32)  # a float image is taken as it is, whatever its values
    assert images.one_image_batch(bright).max() == 200.0


@pytest.mark.parametrize("wrong", [np.zeros((28, 28), np.float32), np.zeros((28, 28), np.int64),
                                   np.zeros((28, 28), np.uint16), np.zeros((28, 28), bool)])
def test_unit_image_and_batch_take_only_uint8(wrong):
    with pytest.raises(TypeError, match="uint8"):
        images.unit_image(wrong)
    with pytest.raises(TypeError, match="uint8"):
        images.batch(wrong[None])


@pytest.mark.parametrize("wrong", [np.zeros((28, 28), np.uint8), np.zeros((28, 28), np.int32),
                                   np.zeros((28, 28), bool)])
def test_one_image_batch_refuses_integer_pixels(wrong):
    with pytest.raises(TypeError):
        images.one_image_batch(wrong)


@pytest.mark.parametrize(("convert", "shape", "dtype"), [
    (images.unit_image, (28,), np.uint8), (images.unit_image, (2, 28, 28), np.uint8),
    (images.batch, (28, 28), np.uint8), (images.batch, (2, 28, 28, 1), np.uint8),
    (images.one_image_batch, (28,), np.float32), (images.one_image_batch, (1, 28, 28, 1), np.float32),
])
def test_wrong_shapes_are_refused(convert, shape, dtype):
    with pytest.raises(ValueError, match="shape"):
        convert(np.zeros(shape, dtype))
