"""Turn a drawing or a photo of a digit into a 28×28 MNIST-style image.

MNIST itself was made this way (LeCun et al.): the digit's bounding box is
scaled so its longest side is 20 px (antialiased, aspect ratio kept), then
placed in a 28×28 field so that its centre of mass is at the centre. We do the
same, after first deciding what is ink:

1. ``ink_map``: ink from luminance and alpha, whatever the background —
   transparent, black or white. The background is read from the image border
   (its median), so white-on-black and black-on-white give the same ink map.
2. crop to the ink's bounding box;
3. scale the longest side to 20 px (Pillow, antialiased);
4. paste into 28×28 with the centre of mass at (14, 14) (integer shift, as in
   MNIST, whose digits have their mass at 14.0 ± 0.3 px).

Values are float32 in [0, 1], ink bright — what the chapter's model was trained on.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
from dataclasses import dataclass

import numpy as np

from cnnlab.limits import (
    CANVAS_DATA_URL_MAX_CHARS,
    CANVAS_PNG_MODE,
    CANVAS_PNG_SIZES,
    UPLOAD_MAX_PIXELS,
)

DATA_URL_PREFIX = "data:image/png;base64,"
# The decoded bytes of the longest data URL accepted (base64: 3 bytes in 4 characters).
CANVAS_PNG_MAX_BYTES = CANVAS_DATA_URL_MAX_CHARS * 3 // 4

SIZE = 28  # the model's input side
BOX = 20  # the digit's longest side inside it, as in MNIST
CENTER = 14.0  # where MNIST's digits have their centre of mass (row, column)
MAX_PIXELS = UPLOAD_MAX_PIXELS  # larger uploads are refused, before decoding (cnnlab.limits)
WORK_SIDE = 1024  # uploads are shrunk to at most this side before preprocessing
NOISE = 0.15  # ink below this fraction of full contrast is paper texture / JPEG noise
MIN_INK_FRACTION = 0.0005  # fewer ink pixels than this fraction of the image: "empty"
MIN_INK_PIXELS = 4


class EmptyDrawing(ValueError):
    """There is no digit to read: no ink (pixels == 0), or only a speck of it."""

    def __init__(self, pixels: int = 0):
        super().__init__("no ink" if pixels == 0 else f"only {pixels} ink pixels")
        self.pixels = pixels


class UnreadableImage(ValueError):
    """The bytes are not an image Pillow can read (corrupt, truncated, not an image)."""


class ImageTooLarge(ValueError):
    """The image has more than MAX_PIXELS pixels (refused before decoding it)."""

    def __init__(self, width: int, height: int, limit: int = MAX_PIXELS):
        super().__init__(f"{width}×{height} = {width * height:,} pixels is more than {limit:,}")
        self.width, self.height, self.limit = width, height, limit

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


@dataclass(frozen=True)
class Preprocessed:
    """Every step of the preprocessing, for the page's "show the steps" view.

    ink:     (h, w) float32 ink map of the whole input, 1 = ink
    bbox:    (top, left, bottom, right) of the ink, bottom/right exclusive
    cropped: ink[top:bottom, left:right]
    scaled:  the crop resized so its longest side is 20 px
    image:   (28, 28) float32 in [0, 1], centre of mass at (14, 14) — the model's input
    shift:   (rows, cols) where the scaled digit's top-left corner was placed
    """

    ink: np.ndarray
    bbox: tuple[int, int, int, int]
    cropped: np.ndarray
    scaled: np.ndarray
    image: np.ndarray
    shift: tuple[int, int]


# --- decoding ---------------------------------------------------------------------------

FORMATS = ("PNG", "JPEG")  # what the Draw page accepts (its uploader's types, the canvas's PNG)


class CanvasRefused(UnreadableImage):
    """The canvas value is not an image our canvas makes (cnnlab.limits: a 280×280 RGBA PNG)."""


@dataclass(frozen=True)
class ImageHeader:
    format: str  # "PNG" or "JPEG"
    mode: str  # Pillow's mode ("RGBA", "RGB", "L", ...)
    width: int
    height: int


def image_header(data: bytes) -> ImageHeader:
    """What a PNG or JPEG file says it is, from its header alone: no pixel is decoded.

    Pillow's plugins are asked directly: Image.open would refuse a file past Pillow's own
    decompression-bomb limit before it could tell its size. UnreadableImage for anything else.
    """
    from PIL import JpegImagePlugin, PngImagePlugin

    if not data:
        raise UnreadableImage("the file is empty")
    for plugin in (PngImagePlugin.PngImageFile, JpegImagePlugin.JpegImageFile):
        try:
            with plugin(io.BytesIO(data)) as img:
                return ImageHeader(img.format, img.mode, *img.size)
        except (SyntaxError, OSError, ValueError, EOFError, TypeError, IndexError, KeyError):
            continue  # not this format (its signature or header does not match)
    raise UnreadableImage("not a PNG or JPEG image")


def _decode(data: bytes, header: ImageHeader, work_side: int) -> np.ndarray:
    """The pixels of a file whose header was checked, as RGBA, at most `work_side` px on a side."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data), formats=[header.format]) as img:
            if header.format == "JPEG":
                img.draft("RGB", (work_side, work_side))  # let libjpeg decode at a reduced size
            img = ImageOps.exif_transpose(img)
            img.thumbnail((work_side, work_side))
            array = np.asarray(img.convert("RGBA"))
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError, EOFError, TypeError) as exc:
        raise UnreadableImage(str(exc) or type(exc).__name__) from exc
    if array.ndim != 3 or array.shape[0] == 0 or array.shape[1] == 0:
        raise UnreadableImage("the image has no pixels")
    return array


def decode_image_bytes(data: bytes, *, max_pixels: int = UPLOAD_MAX_PIXELS, work_side: int = WORK_SIDE) -> np.ndarray:
    """PNG/JPEG bytes -> RGBA uint8 (h, w, 4), at most `work_side` px on a side.

    Raises UnreadableImage for anything that is not a readable PNG or JPEG, and ImageTooLarge, with the
    file's true size, for more than `max_pixels` pixels: read from the header, before any decoding.
    """
    header = image_header(data)
    if header.width * header.height > max_pixels:
        raise ImageTooLarge(header.width, header.height, max_pixels)
    return _decode(data, header, work_side)


def canvas_pixels(png: bytes) -> np.ndarray:
    """The canvas's PNG -> RGBA uint8 (280, 280, 4); CanvasRefused for anything our canvas does not send
    (another format, mode or size: checked on the header, before decoding)."""
    if len(png) > CANVAS_PNG_MAX_BYTES:
        raise CanvasRefused(f"{len(png):,} bytes is more than a canvas PNG ({CANVAS_PNG_MAX_BYTES:,})")
    try:
        header = image_header(png)
        if header.format != "PNG" or header.mode != CANVAS_PNG_MODE or (header.width, header.height) not in CANVAS_PNG_SIZES:
            raise CanvasRefused(f"a {header.width}×{header.height} {header.mode} {header.format}, not a canvas PNG")
        pixels = _decode(png, header, max(max(size) for size in CANVAS_PNG_SIZES))
    except CanvasRefused:
        raise
    except UnreadableImage as exc:
        raise CanvasRefused(str(exc)) from exc
    if pixels.shape[:2] != (header.height, header.width):
        raise CanvasRefused(f"decoded to {pixels.shape}, not its header's size")
    return pixels


@functools.lru_cache(maxsize=2048)  # a class's galleries: 40 drawings a student, two sizes; a few kB each
def png_thumbnail(png: bytes, width: int) -> bytes:
    """A stored drawing's PNG at most `width` px on a side, for a gallery; the same bytes when not larger.

    Made once per drawing: st.image scales a wider picture down again on every rerun, which was most of a
    teacher view's rerun with a class's 280 px canvases. UnreadableImage/ImageTooLarge as decode_image_bytes.
    """
    from PIL import Image

    header = image_header(png)
    if max(header.width, header.height) <= width:
        return png
    buffer = io.BytesIO()
    Image.fromarray(decode_image_bytes(png, work_side=width)).save(buffer, format="PNG")
    return buffer.getvalue()


@functools.lru_cache(maxsize=8)
def blank_png(width: int) -> bytes:
    """A black square PNG `width` px on a side: what a gallery shows for a stored picture it cannot read."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (width, width)).save(buffer, format="PNG")
    return buffer.getvalue()


def decode_data_url(url: str) -> np.ndarray:
    """A canvas's "data:image/png;base64,..." -> RGBA uint8 (280, 280, 4) (canvas_pixels' checks)."""
    return canvas_pixels(data_url_bytes(url))


def data_url_bytes(url: str) -> bytes:
    """The bytes of a "data:image/png;base64,..." URL no longer than a canvas's (cnnlab.limits)."""
    if not isinstance(url, str) or not url.startswith(DATA_URL_PREFIX):
        raise CanvasRefused("not a PNG data URL")
    if len(url) > CANVAS_DATA_URL_MAX_CHARS:
        raise CanvasRefused(f"a data URL of {len(url):,} characters (a canvas's is at most {CANVAS_DATA_URL_MAX_CHARS:,})")
    try:
        return base64.b64decode(url[len(DATA_URL_PREFIX):], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CanvasRefused("bad base64 in the data URL") from exc


# --- ink ---------------------------------------------------------------------------------


def _as_float_rgba(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Any (h, w), (h, w, 1|2|3|4) image, uint8 or float in [0, 1] -> (luminance, alpha) in [0, 1]."""
    a = np.asarray(image)
    if a.ndim not in (2, 3) or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"expected an image (h, w[, c]), got shape {a.shape}")
    scale = 255.0 if a.dtype == np.uint8 else (65535.0 if a.dtype == np.uint16 else 1.0)
    a = a.astype(np.float32) / scale
    if a.ndim == 2:
        a = a[..., None]
    channels = a.shape[2]
    if channels in (1, 2):
        lum = a[..., 0]
    elif channels in (3, 4):
        lum = 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]  # ITU-R 601, as Pillow's "L"
    else:
        raise ValueError(f"expected 1-4 channels, got {channels}")
    alpha = a[..., -1] if channels in (2, 4) else np.ones_like(lum)
    return lum, alpha


def _border(a: np.ndarray) -> np.ndarray:
    """The outermost ring of pixels (about 2 % of the side, at least 1 px)."""
    h, w = a.shape
    k = max(1, min(h, w) // 50)
    return np.concatenate([a[:k].ravel(), a[-k:].ravel(), a[:, :k].ravel(), a[:, -k:].ravel()])


def ink_map(image: np.ndarray) -> np.ndarray:
    """Ink in [0, 1] (1 = full ink) for any background convention.

    - a mostly transparent border: the background is transparent, ink is
      whatever is opaque (alpha), light or dark;
    - otherwise the image is composited over its own background luminance (the
      border median), and ink is the contrast with it: dark ink on a light
      background or light ink on a dark one, scaled so the strongest ink is 1.
    Faint contrast (< NOISE) is set to 0: paper texture, JPEG ringing, shadows.
    """
    lum, alpha = _as_float_rgba(image)
    if np.median(_border(alpha)) < 0.5:
        ink = alpha
    else:
        bg = float(np.median(_border(lum)))
        seen = alpha * lum + (1.0 - alpha) * bg  # translucent pixels fade into the background
        ink = (bg - seen) / bg if bg >= 0.5 else (seen - bg) / (1.0 - bg)  # light bg: dark ink, and back
    ink = np.clip(ink, 0.0, 1.0).astype(np.float32)
    peak = float(np.percentile(ink[ink > 0], 99)) if np.any(ink > 0) else 0.0
    if peak > 0:
        ink = np.clip(ink / peak, 0.0, 1.0)
    ink[ink < NOISE] = 0.0
    return ink


def ink_bbox(ink: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the ink, bottom/right exclusive; EmptyDrawing if too little ink."""
    strong = ink >= 0.5
    count = int(strong.sum())
    if count < max(MIN_INK_PIXELS, MIN_INK_FRACTION * ink.size):
        raise EmptyDrawing(count)
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


# --- MNIST geometry -------------------------------------------------------------------------


def scale_to_box(cropped: np.ndarray, box: int = BOX) -> np.ndarray:
    """Resize so the longest side is `box` px, keeping the aspect ratio (antialiased)."""
    from PIL import Image

    h, w = cropped.shape
    factor = box / max(h, w)
    new_h, new_w = max(1, round(h * factor)), max(1, round(w * factor))
    img = Image.fromarray(np.ascontiguousarray(cropped, dtype=np.float32))
    # LANCZOS on a float image: antialiased when shrinking, sharp when enlarging a tiny digit.
    out = np.asarray(img.resize((new_w, new_h), Image.Resampling.LANCZOS), dtype=np.float32)
    return np.clip(out, 0.0, 1.0)


def center_of_mass(a: np.ndarray) -> tuple[float, float]:
    """(row, col) of the mass of a non-negative 2-D array (pixel centres at integer coordinates)."""
    total = float(a.sum())
    if total <= 0:
        return (a.shape[0] - 1) / 2, (a.shape[1] - 1) / 2
    rows = np.arange(a.shape[0], dtype=np.float64)
    cols = np.arange(a.shape[1], dtype=np.float64)
    return float(a.sum(axis=1) @ rows / total), float(a.sum(axis=0) @ cols / total)


def paste_centered(scaled: np.ndarray, size: int = SIZE, center: float = CENTER) -> tuple[np.ndarray, tuple[int, int]]:
    """Place `scaled` in a size×size field, its centre of mass at (center, center), integer shift.

    Returns the field and the (row, col) of the digit's top-left corner in it
    (anything shifted past the edge is cut off, which MNIST-sized digits never are).
    """
    cy, cx = center_of_mass(scaled)
    top, left = int(round(center - cy)), int(round(center - cx))
    h, w = scaled.shape
    out = np.zeros((size, size), dtype=np.float32)
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + h, size), min(left + w, size)
    if r1 > r0 and c1 > c0:
        out[r0:r1, c0:c1] = scaled[r0 - top:r1 - top, c0 - left:c1 - left]
    return out, (top, left)


def preprocess_steps(image: np.ndarray) -> Preprocessed:
    """Any image of one digit -> every MNIST preprocessing step. Raises EmptyDrawing."""
    ink = ink_map(image)
    top, left, bottom, right = ink_bbox(ink)
    cropped = ink[top:bottom, left:right]
    scaled = scale_to_box(cropped)
    field, shift = paste_centered(scaled)
    return Preprocessed(ink=ink, bbox=(top, left, bottom, right), cropped=cropped, scaled=scaled,
                        image=field, shift=shift)


def preprocess(image: np.ndarray) -> np.ndarray:
    """Any image of one digit -> (28, 28) float32 in [0, 1], MNIST-style. Raises EmptyDrawing."""
    return preprocess_steps(image).image


def preview(a: np.ndarray, max_side: int = 140) -> np.ndarray:
    """A float map shrunk (antialiased) to at most `max_side` px, for showing large steps cheaply."""
    from PIL import Image

    h, w = a.shape
    if max(h, w) <= max_side:
        return a
    factor = max_side / max(h, w)
    img = Image.fromarray(np.ascontiguousarray(a, dtype=np.float32))
    return np.asarray(img.resize((max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.BOX))


def probabilities_verdict(probs: np.ndarray, *, low: float = 0.5, close: float = 0.25) -> dict:
    """Top digit, runner-up and whether the model is unsure (top < `low` or top two within `close`)."""
    p = np.asarray(probs, dtype=np.float64).ravel()
    order = np.argsort(p)[::-1]
    top, second = int(order[0]), int(order[1])
    reason = None
    if p[top] < low:
        reason = "low"
    elif p[top] - p[second] < close:
        reason = "close"
    return {"digit": top, "p": float(p[top]), "second": second, "p_second": float(p[second]),
            "unsure": reason is not None, "reason": reason}
