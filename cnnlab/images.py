"""Images as the models read them: explicit conversions, none of which guesses the scale from the values.

unit_image: uint8 pixels (0..255) -> float32 in [0, 1]; one_image_batch: one image -> a batch of one;
batch: uint8 images -> the float32 batch the models train on.
"""

from __future__ import annotations

import numpy as np


def unit_image(pixels: np.ndarray) -> np.ndarray:
    """uint8 (h, w) pixels 0..255 -> float32 (h, w) in [0, 1]. TypeError for any other dtype."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise TypeError(f"unit_image needs uint8 pixels, got {pixels.dtype}")
    return pixels.astype(np.float32) / np.float32(255.0)


def one_image_batch(image: np.ndarray) -> np.ndarray:
    """A float image (h, w) or (h, w, c) -> float32 (1, h, w, c), c = 1 for a 2-D image. ValueError otherwise."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3:
        raise ValueError(f"one image is (h, w) or (h, w, c), got shape {image.shape}")
    return image[None]


def batch(pixels: np.ndarray) -> np.ndarray:
    """uint8 (n, h, w) images 0..255 -> float32 (n, h, w, 1) in [0, 1]. TypeError/ValueError otherwise."""
    pixels = np.asarray(pixels)
    if pixels.ndim != 3:
        raise ValueError(f"a batch of images is (n, h, w), got shape {pixels.shape}")
    return unit_image(pixels)[..., None]
