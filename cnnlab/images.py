"""How an image becomes the numbers a model or a layer reads: three explicit conversions.

    unit_image(pixels)      uint8 (h, w) in 0..255         -> float32 (h, w) in [0, 1]
    one_image_batch(image)  float (h, w) or (h, w, c)      -> float32 (1, h, w, c)
    batch(pixels)           uint8 (n, h, w) in 0..255      -> float32 (n, h, w, 1) in [0, 1]

MNIST digits are stored as uint8 0..255; the models read float32 in [0, 1], channels last, as the
chapter's `reshape((-1, 28, 28, 1)) / 255.0` makes them. The dtype says which scale an array is in:
nothing here guesses it from the values, and a wrong dtype or shape is refused, never converted.
"""

from __future__ import annotations

import numpy as np


def _pixels(pixels, ndim: int, what: str) -> np.ndarray:
    a = np.asarray(pixels)
    if a.dtype != np.uint8:
        raise TypeError(f"{what} takes uint8 pixels in 0..255, got {a.dtype}")
    if a.ndim != ndim:
        raise ValueError(f"{what} takes {ndim}-D pixels, got shape {a.shape}")
    return a


def unit_image(pixels) -> np.ndarray:
    """uint8 (h, w) in 0..255 -> float32 (h, w) in [0, 1]; TypeError for another dtype."""
    return _pixels(pixels, 2, "unit_image").astype(np.float32) / 255.0


def one_image_batch(image) -> np.ndarray:
    """One float image (h, w) or (h, w, c) -> float32 (1, h, w, c), c = 1 for a 2-D image.

    TypeError for integer pixels (unit_image first), ValueError for any other shape.
    """
    a = np.asarray(image)
    if not np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"one_image_batch takes a float image, got {a.dtype} (uint8 pixels: unit_image first)")
    if a.ndim == 2:
        return np.asarray(a, dtype=np.float32)[None, :, :, None]
    if a.ndim == 3:
        return np.asarray(a, dtype=np.float32)[None]
    raise ValueError(f"one_image_batch takes one image (h, w) or (h, w, c), got shape {a.shape}")


def batch(pixels) -> np.ndarray:
    """uint8 (n, h, w) in 0..255 -> float32 (n, h, w, 1) in [0, 1]: what the models train on."""
    return (_pixels(pixels, 3, "batch").astype(np.float32) / 255.0)[..., None]
