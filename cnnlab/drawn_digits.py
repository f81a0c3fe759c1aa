"""A seeded test set of digits "drawn on the canvas", generated in code.

Each digit has a few stroke templates — the common ways people write it (1 with
and without flag and base, 4 open and closed, 7 with and without bar, 9 with a
straight or curved tail, ...) — as polylines in a unit box. A sample picks a
template and draws it the way the Draw page's canvas does (Fabric.js free
drawing: white round-capped, round-joined strokes on a black 280×280 canvas),
at a random size (small to nearly the whole canvas), position, stroke width,
width/height ratio, slant and slight rotation, with a little hand jitter.

Nothing is stored: `drawn_digits(n, seed)` regenerates the same set every time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CANVAS = 280
Stroke = list[tuple[float, float]]


# --- unit-box geometry (x right, y down, the digit in [0, 1] x [0, 1]) -----------------------


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 24) -> Stroke:
    """Points on an ellipse from angle `start` to `end` in degrees (0 = right, 90 = down)."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(start, end, n)]


def _bezier(p0, p1, p2, n: int = 16) -> Stroke:
    """A quadratic Bézier curve from p0 to p2 pulled towards p1."""
    out = []
    for s in np.linspace(0.0, 1.0, n):
        x = (1 - s) ** 2 * p0[0] + 2 * (1 - s) * s * p1[0] + s ** 2 * p2[0]
        y = (1 - s) ** 2 * p0[1] + 2 * (1 - s) * s * p1[1] + s ** 2 * p2[1]
        out.append((x, y))
    return out


def _templates() -> dict[int, dict[str, list[Stroke]]]:
    bowl5 = _arc(0.47, 0.69, 0.33, 0.3, 235, 500)
    loop6 = _arc(0.5, 0.72, 0.3, 0.27, 180, 540)
    return {
        0: {
            "oval": [_arc(0.5, 0.5, 0.34, 0.49, 265, 625, 40)],
            "oval_overlap": [_arc(0.5, 0.5, 0.36, 0.48, 250, 640, 40)],
        },
        1: {
            "stick": [[(0.5, 0.0), (0.5, 1.0)]],
            "flag": [[(0.22, 0.24), (0.5, 0.0), (0.5, 1.0)]],
            "flag_base": [[(0.22, 0.24), (0.5, 0.0), (0.5, 1.0)], [(0.2, 1.0), (0.8, 1.0)]],
        },
        2: {
            "curved": [_arc(0.5, 0.3, 0.34, 0.29, 195, 385) + [(0.12, 1.0), (0.9, 1.0)]],
            "swan": [_arc(0.5, 0.28, 0.33, 0.27, 190, 370) + _bezier((0.83, 0.32), (0.6, 0.7), (0.12, 1.0))
                     + [(0.9, 0.98)]],
        },
        3: {
            "round": [_arc(0.48, 0.26, 0.3, 0.25, 200, 450) + _arc(0.48, 0.74, 0.36, 0.26, 270, 520)],
            "flat_top": [[(0.15, 0.0), (0.82, 0.0), (0.42, 0.42)] + _arc(0.45, 0.71, 0.38, 0.29, 260, 510)],
        },
        4: {
            "open": [[(0.22, 0.0), (0.12, 0.62), (0.92, 0.62)], [(0.7, 0.05), (0.7, 1.0)]],
            "closed": [[(0.66, 0.0), (0.06, 0.66), (0.94, 0.66)], [(0.66, 0.0), (0.66, 1.0)]],
        },
        5: {
            "hat": [[(0.26, 0.0), (0.2, 0.44)] + bowl5, [(0.26, 0.0), (0.85, 0.0)]],
            "one_stroke": [[(0.82, 0.0), (0.26, 0.0), (0.2, 0.44)] + bowl5],
        },
        6: {
            "curved": [_bezier((0.75, 0.0), (0.2, 0.2), (0.2, 0.72)) + loop6],
            "straight": [[(0.68, 0.0), (0.2, 0.72)] + loop6],
        },
        7: {
            "plain": [[(0.08, 0.0), (0.9, 0.0), (0.38, 1.0)]],
            "bar": [[(0.08, 0.0), (0.9, 0.0), (0.38, 1.0)], [(0.3, 0.52), (0.8, 0.52)]],
            "serif": [[(0.08, 0.16), (0.08, 0.0), (0.9, 0.0), (0.45, 1.0)]],
        },
        8: {
            "two_loops": [_arc(0.5, 0.25, 0.27, 0.24, 0, 360, 28), _arc(0.5, 0.73, 0.33, 0.27, 0, 360, 28)],
            "figure": [_arc(0.5, 0.25, 0.27, 0.24, 90, -180, 28)
                       + _bezier((0.23, 0.25), (0.3, 0.45), (0.7, 0.55))
                       + _arc(0.5, 0.74, 0.3, 0.26, 310, 590, 28)
                       + _bezier((0.22, 0.62), (0.55, 0.5), (0.5, 0.49))],
        },
        9: {
            "straight": [_arc(0.45, 0.27, 0.32, 0.27, 0, 360, 32), [(0.77, 0.2), (0.74, 1.0)]],
            "curved": [_arc(0.45, 0.27, 0.32, 0.27, 0, 360, 32), _bezier((0.77, 0.25), (0.8, 0.85), (0.4, 1.0))],
        },
    }


TEMPLATES = _templates()


@dataclass(frozen=True)
class DrawnDigit:
    image: np.ndarray  # (280, 280, 4) uint8 RGBA, white ink on opaque black, like the canvas
    label: int
    style: str  # the template, e.g. "7/bar"
    stroke_width: int
    height_px: float


def _place(strokes: list[Stroke], rng: np.random.Generator, canvas: int) -> tuple[list[np.ndarray], float, int]:
    """Random size, aspect, slant, rotation, position and jitter -> strokes in canvas pixels."""
    height = rng.uniform(60, 250)
    width_ratio = rng.uniform(0.55, 0.8)
    slant = rng.uniform(-0.1, 0.25)  # forward slant: the top leans right
    angle = math.radians(rng.uniform(-8, 8))
    stroke_width = int(rng.integers(6, max(7, min(34, int(height * 0.2))) + 1))
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    out = []
    for stroke in strokes:
        p = np.asarray(stroke, dtype=np.float64)
        p = p + rng.normal(0, 0.012, p.shape)  # the hand is not a plotter
        x = (p[:, 0] - 0.5) * width_ratio * height + slant * (0.5 - p[:, 1]) * height
        y = (p[:, 1] - 0.5) * height
        out.append(np.stack([x * cos_a - y * sin_a, x * sin_a + y * cos_a], axis=1))
    allp = np.concatenate(out)
    lo, hi = allp.min(axis=0) - stroke_width / 2, allp.max(axis=0) + stroke_width / 2
    margin = 2.0
    # any position where the whole digit stays on the canvas (a big digit has little room)
    ox = rng.uniform(margin - lo[0], max(margin - lo[0], canvas - margin - hi[0]))
    oy = rng.uniform(margin - lo[1], max(margin - lo[1], canvas - margin - hi[1]))
    return [s + (ox, oy) for s in out], float(height), stroke_width


def render_strokes(strokes: list[np.ndarray], stroke_width: int, canvas: int = CANVAS,
                   supersample: int = 2) -> np.ndarray:
    """White round-capped, round-joined polylines on opaque black, RGBA uint8 — like the canvas."""
    from PIL import Image, ImageDraw

    big = canvas * supersample
    img = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(img)
    w = stroke_width * supersample
    for s in strokes:
        pts = [(float(x) * supersample, float(y) * supersample) for x, y in s]
        if len(pts) > 1:
            draw.line(pts, fill=255, width=w, joint="curve")
        for x, y in (pts[0], pts[-1]):  # round caps
            draw.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=255)
    gray = np.asarray(img.resize((canvas, canvas), Image.Resampling.BOX))
    rgba = np.empty((canvas, canvas, 4), dtype=np.uint8)
    rgba[..., :3] = gray[..., None]
    rgba[..., 3] = 255
    return rgba


def styles() -> list[tuple[int, str]]:
    return [(d, name) for d in sorted(TEMPLATES) for name in TEMPLATES[d]]


def drawn_digits(n: int = 240, seed: int = 10) -> list[DrawnDigit]:
    """`n` drawn digits cycling through every (digit, style), each with its own random placement."""
    rng = np.random.default_rng(seed)
    all_styles = styles()
    out = []
    for i in range(n):
        digit, name = all_styles[i % len(all_styles)]
        strokes, height, width = _place(TEMPLATES[digit][name], rng, CANVAS)
        out.append(DrawnDigit(render_strokes(strokes, width), digit, f"{digit}/{name}", width, height))
    return out
