"""MNIST-style preprocessing: centred by mass, 20 px box, any background, clear errors for bad input."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from cnnlab import preprocess as pp
from cnnlab.drawn_digits import render_strokes


def seven(x: float, y: float, size: float, width: int = 12) -> np.ndarray:
    """A '7' with its top-left corner at (x, y), `size` px tall, on the canvas (RGBA white on black)."""
    s = size
    strokes = [np.array([(x, y), (x + 0.7 * s, y), (x + 0.3 * s, y + s)])]
    return render_strokes(strokes, width)


def mass_and_box(image: np.ndarray) -> tuple[tuple[float, float], int]:
    rows = np.flatnonzero(image.max(axis=1) > 0)
    cols = np.flatnonzero(image.max(axis=0) > 0)
    return pp.center_of_mass(image), max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)


@pytest.mark.parametrize("where", [
    pytest.param((5, 5, 60, 6), id="top-left corner, small"),
    pytest.param((220, 230, 40, 4), id="bottom-right corner, tiny"),
    pytest.param((3, 3, 270, 30), id="huge"),
    pytest.param((120, 20, 150, 16), id="off-centre"),
])
def test_any_size_and_place_comes_out_centred_and_20px(where):
    out = pp.preprocess(seven(*where))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0 and out.max() > 0.9
    (cy, cx), longest = mass_and_box(out)
    assert abs(cy - 14) <= 1.0 and abs(cx - 14) <= 1.0, (cy, cx)
    assert longest in (19, 20), longest


def test_steps_record_the_crop_and_the_20px_scale():
    steps = pp.preprocess_steps(seven(40, 50, 180))
    top, left, bottom, right = steps.bbox
    assert steps.cropped.shape == (bottom - top, right - left)
    assert max(steps.scaled.shape) == 20
    # aspect ratio kept: the 7 is taller than wide, and stays so
    assert steps.scaled.shape[0] == 20 and steps.scaled.shape[1] < 20
    assert abs(steps.scaled.shape[1] / 20 - steps.cropped.shape[1] / steps.cropped.shape[0]) < 0.06


def test_empty_and_nearly_empty_are_reported_as_empty():
    black = np.zeros((280, 280, 4), np.uint8)
    black[..., 3] = 255
    with pytest.raises(pp.EmptyDrawing) as nothing:
        pp.preprocess(black)
    assert nothing.value.pixels == 0
    speck = black.copy()
    speck[100:103, 100:103, :3] = 255
    with pytest.raises(pp.EmptyDrawing) as little:
        pp.preprocess(speck)
    assert little.value.pixels > 0
    with pytest.raises(pp.EmptyDrawing):
        pp.preprocess(np.zeros((280, 280, 4), np.uint8))  # fully transparent


def conventions(ink: np.ndarray) -> dict[str, np.ndarray]:
    """One ink map (uint8, 255 = ink) in every background convention a canvas or a file may use."""
    h, w = ink.shape
    out = {}
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[..., :3], rgba[..., 3] = 255, ink
    out["transparent, white ink"] = rgba
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[..., 3] = ink
    out["transparent, black ink"] = rgba
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[..., :3], rgba[..., 3] = ink[..., None], 255
    out["black background, white ink"] = rgba
    out["white background, black ink (RGB)"] = np.repeat((255 - ink)[..., None], 3, axis=2)
    out["white background, black ink (grey)"] = 255 - ink
    return out


def test_every_background_convention_gives_the_same_image():
    ink = seven(60, 40, 200)[..., 0]
    results = {name: pp.preprocess(img) for name, img in conventions(ink).items()}
    reference = results["black background, white ink"]
    for name, out in results.items():
        np.testing.assert_allclose(out, reference, atol=1e-5, err_msg=name)


def test_a_photo_on_grey_paper_with_noise_reads_like_the_clean_drawing():
    clean = seven(60, 40, 200)[..., 0].astype(np.float64)
    rng = np.random.default_rng(0)
    photo = 190 - clean / 255 * 150 + rng.normal(0, 6, clean.shape)  # dark-grey ink on light-grey paper
    photo = np.clip(photo, 0, 255).astype(np.uint8)
    diff = np.abs(pp.preprocess(photo) - pp.preprocess(clean.astype(np.uint8)))
    assert diff.mean() < 0.03, diff.mean()


def png_bytes(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format=fmt)
    return buf.getvalue()


def test_decode_png_jpeg_and_data_url():
    canvas = seven(60, 40, 200)
    decoded = pp.decode_image_bytes(png_bytes(canvas))
    np.testing.assert_array_equal(decoded, canvas)
    jpeg = pp.decode_image_bytes(png_bytes(255 - canvas[..., 0], "JPEG"))  # dark on light, lossy
    assert jpeg.shape == (280, 280, 4)
    assert np.abs(pp.preprocess(jpeg) - pp.preprocess(canvas)).mean() < 0.03
    url = "data:image/png;base64," + base64.b64encode(png_bytes(canvas)).decode()
    np.testing.assert_array_equal(pp.decode_data_url(url), canvas)


def test_large_uploads_are_shrunk_before_preprocessing():
    big = np.full((3000, 2000), 255, np.uint8)
    big[600:2400, 900:1100] = 0  # a '1'
    decoded = pp.decode_image_bytes(png_bytes(big))
    assert max(decoded.shape[:2]) == pp.WORK_SIDE
    (cy, cx), longest = mass_and_box(pp.preprocess(decoded))
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1 and longest == 20


@pytest.mark.parametrize("data", [b"", b"not an image at all", png_bytes(np.zeros((50, 50), np.uint8))[:60],
                                  b"\x89PNG\r\n\x1a\n" + b"\x00" * 100],
                         ids=["empty", "text", "truncated png", "png signature only"])
def test_unreadable_bytes_raise_unreadable_image(data):
    with pytest.raises(pp.UnreadableImage):
        pp.decode_image_bytes(data)


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG that claims width×height pixels (header only: a decompression bomb never gets decoded)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def test_more_than_25_megapixels_is_refused_before_decoding():
    with pytest.raises(pp.ImageTooLarge) as refused:
        pp.decode_image_bytes(huge_png_header(6000, 5000))
    assert (refused.value.width, refused.value.height) == (6000, 5000)
    assert refused.value.megapixels == pytest.approx(30.0)
    with pytest.raises(pp.ImageTooLarge):  # a real bomb, far past Pillow's own limit
        pp.decode_image_bytes(huge_png_header(50_000, 50_000))


def test_verdict_flags_low_and_close_probabilities():
    sure = pp.probabilities_verdict(np.eye(10)[3] * 0.97 + 0.003)
    assert sure["digit"] == 3 and not sure["unsure"]
    low = pp.probabilities_verdict(np.array([0.3, 0.25, 0.2, 0.25, 0, 0, 0, 0, 0, 0]))
    assert low["unsure"] and low["reason"] == "low" and low["digit"] == 0
    close = pp.probabilities_verdict(np.array([0, 0, 0, 0, 0, 0, 0, 0.4, 0, 0.6]))
    assert close["unsure"] and close["reason"] == "close" and (close["digit"], close["second"]) == (9, 7)


def test_the_true_size_is_told_even_past_pillows_own_bomb_limit():
    with pytest.raises(pp.ImageTooLarge) as refused:
        pp.decode_image_bytes(huge_png_header(50_000, 40_000))  # 2,000 megapixels: Pillow will not open it
    assert (refused.value.width, refused.value.height) == (50_000, 40_000)
    header = pp.image_header(png_bytes(np.zeros((30, 20), np.uint8), "JPEG"))
    assert (header.format, header.mode, header.width, header.height) == ("JPEG", "L", 20, 30)
    with pytest.raises(pp.UnreadableImage):  # a GIF is not what the Draw page takes
        pp.image_header(png_bytes(np.zeros((5, 5), np.uint8), "GIF"))


def bomb_png(side: int) -> bytes:
    """A 1-bit side×side PNG of zeros: a few kB on the wire, side² bytes and more once decoded."""
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def canvas_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@pytest.mark.parametrize("url", [
    canvas_url(bomb_png(10_000)),  # the canvas bomb: 16 kB that decodes to gigabytes
    canvas_url(png_bytes(np.zeros((280, 280, 3), np.uint8))),  # RGB, not the canvas's RGBA
    canvas_url(png_bytes(np.zeros((560, 560, 4), np.uint8))),  # another size
    canvas_url(b"\xff\xd8\xff" + b"\x00" * 50),  # JPEG bytes in a PNG data URL
    "data:image/png;base64," + "A" * 900_000,  # longer than any canvas PNG
    "data:image/png;base64,@@not base64@@",
    "data:image/jpeg;base64,AAAA",
    "javascript:alert(1)",
], ids=["bomb", "rgb", "560px", "jpeg bytes", "too long", "bad base64", "jpeg url", "not a data url"])
def test_a_canvas_value_that_our_canvas_does_not_send_is_refused_before_decoding(url):
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(pp.CanvasRefused):
            pp.decode_data_url(url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8e6, f"{peak / 1e6:.0f} MB spent on a refused canvas value"


def test_a_gallery_thumbnail_is_pillows_own_thumbnail_and_a_small_or_unreadable_picture_is_handled():
    from components.ui import thumbnail

    canvas = seven(60, 40, 200)  # a 7 on the canvas
    png = png_bytes(canvas, "PNG")
    small = pp.png_thumbnail(png, 56)
    reference = Image.open(io.BytesIO(png)).convert("RGBA")
    reference.thumbnail((56, 56))  # Pillow's own scaling: st.image then has nothing left to scale
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(small))), np.asarray(reference))
    assert pp.png_thumbnail(small, 72) is small  # not larger than asked: the same bytes
    assert pp.png_thumbnail(png, 56) is small, "made once per drawing and width"
    unreadable = thumbnail(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, 56)
    assert Image.open(io.BytesIO(unreadable)).size == (56, 56)
    assert Image.open(io.BytesIO(thumbnail(bomb_png(10_000), 56))).size == (56, 56)  # past the upload cap
