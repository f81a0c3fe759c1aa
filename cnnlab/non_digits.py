"""A seeded set of drawings that are NOT one digit, made the way the Draw page's canvas makes drawings.

The Draw page must say when a drawing is not digit-like (cnnlab/ood.py); this is what it is measured on.
Each drawing is strokes rendered like the canvas (cnnlab.drawn_digits.render_strokes: white round-capped
strokes on a black 280×280 canvas), so it goes through the very preprocessing a real drawing does.

Kinds (cycled, each sample with its own random size, place and stroke width):
- dot: one tap of the pen (a point or a stroke shorter than the pen is wide);
- dots: two to six taps scattered over the canvas;
- scribble: one long stroke wandering back and forth, as when scribbling something out;
- line: one straight line at most 40° from horizontal (a steeper line is how people write a 1);
- two_digits: two digits from cnnlab.drawn_digits' templates side by side, the same size;
- random_strokes: three to six straight or curved strokes anywhere (two often make a 7, a 4 or a T).

Nothing is stored: `non_digits(n, seed)` regenerates the same set every time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cnnlab.drawn_digits import CANVAS, TEMPLATES, render_strokes

KINDS = ("dot", "dots", "scribble", "line", "two_digits", "random_strokes")
MAX_LINE_ANGLE = 40  # degrees from horizontal: steeper single lines are 1s, not non-digits


@dataclass(frozen=True)
class NonDigit:
    image: np.ndarray  # (280, 280, 4) uint8 RGBA, white ink on opaque black, like the canvas
    kind: str  # one of KINDS
    stroke_width: int


def _point(rng: np.random.Generator, margin: float) -> np.ndarray:
    return rng.uniform(margin, CANVAS - margin, size=2)


def _dot(rng: np.random.Generator) -> tuple[list[np.ndarray], int]:
    width = int(rng.integers(6, 41))
    start = _point(rng, width)
    drift = rng.normal(0, width / 6, size=2)  # a tap moves the pen a little, less than its width
    return [np.stack([start, start + drift])], width


def _dots(rng: np.random.Generator) -> tuple[list[np.ndarray], int]:
    width = int(rng.integers(6, 31))
    return [np.stack([p, p]) for p in (_point(rng, width) for _ in range(rng.integers(2, 7)))], width


def _scribble(rng: np.random.Generator) -> tuple[list[np.ndarray], int]:
    """A random walk with momentum, kept inside a box: back and forth over the same patch."""
    width = int(rng.integers(4, 31))
    side = rng.uniform(70, 250)
    low = rng.uniform(width, CANVAS - side - width + 1e-9, size=2) if side < CANVAS - 2 * width else np.full(2, width)
    high = np.minimum(low + side, CANVAS - width)
    p, heading = rng.uniform(low, high), rng.uniform(0, 2 * math.pi)
    points = [p]
    for _ in range(int(rng.integers(20, 50))):
        heading += rng.normal(0, 1.3)
        p = np.clip(p + rng.uniform(0.2, 0.5) * side * np.array([math.cos(heading), math.sin(heading)]), low, high)
        points.append(p)
    return [_smooth(np.stack(points))], width


def _smooth(points: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Chaikin's corner cutting: a hand's scribble turns in curves, not in corners."""
    for _ in range(rounds):
        a, b = points[:-1], points[1:]
        cut = np.empty((2 * len(a), 2))
        cut[0::2], cut[1::2] = 0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b
        points = np.concatenate([points[:1], cut, points[-1:]])
    return points


def _line(rng: np.random.Generator) -> tuple[list[np.ndarray], int]:
    width = int(rng.integers(4, 35))
    length = rng.uniform(60, CANVAS - 2 * width - 4)
    angle = math.radians(rng.uniform(-MAX_LINE_ANGLE, MAX_LINE_ANGLE))
    half = 0.5 * length * np.array([math.cos(angle), math.sin(angle)])
    margin = np.abs(half) + width
    centre = rng.uniform(margin, CANVAS - margin)
    return [np.stack([centre - half, centre + half])], width


def _digit_strokes(rng: np.random.Generator, height: float) -> list[np.ndarray]:
    """A random digit template, jittered, `height` px tall and 0.55-0.8 as wide, its box's top-left at 0."""
    digit = int(rng.integers(0, 10))
    names = sorted(TEMPLATES[digit])
    template = TEMPLATES[digit][names[int(rng.integers(0, len(names)))]]
    ratio = rng.uniform(0.55, 0.8)
    out = []
    for stroke in template:
        p = np.asarray(stroke, dtype=np.float64) + rng.normal(0, 0.012, (len(stroke), 2))
        out.append(np.stack([p[:, 0] * ratio * height, p[:, 1] * height], axis=1))
    return out


def _two_digits(rng: np.random.Generator) -> tuple[list[np.ndarray], int]:
    height = rng.uniform(50, 130)
    width = int(rng.integers(4, max(5, min(24, int(height * 0.2))) + 1))
    left, right = _digit_strokes(rng, height), _digit_strokes(rng, height)
    left_width = max(float(s[:, 0].max()) for s in left)
    gap = rng.uniform(0.1, 0.45) * height
    right = [s + (left_width + gap, rng.normal(0, 0.05) * height) for s in right]
    strokes = left + right
    allp = np.concatenate(strokes)
    lo, hi = allp.min(axis=0) - width, allp.max(axis=0) + width
    offset = rng.uniform(-lo, np.maximum(-lo, CANVAS - hi))
    return [s + offset for s in strokes], width


def _random_strokes(rng: np.random.Generator) -> tuple[list[np.ndarray], int]:
    width = int(rng.integers(4, 31))
    strokes = []
    for _ in range(int(rng.integers(3, 7))):
        a, b = _point(rng, width), _point(rng, width)
        if rng.random() < 0.5:  # a curve: a quadratic Bézier pulled towards a third point
            c = _point(rng, width)
            s = np.linspace(0, 1, 16)[:, None]
            strokes.append((1 - s) ** 2 * a + 2 * (1 - s) * s * c + s ** 2 * b)
        else:
            strokes.append(np.stack([a, b]))
    return strokes, width


_MAKERS = {"dot": _dot, "dots": _dots, "scribble": _scribble, "line": _line, "two_digits": _two_digits,
           "random_strokes": _random_strokes}


def non_digits(n: int = 300, seed: int = 24, kinds: tuple[str, ...] = KINDS) -> list[NonDigit]:
    """`n` drawings cycling through `kinds`, each with its own random size, place and pen."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        strokes, width = _MAKERS[kind](rng)
        out.append(NonDigit(render_strokes(strokes, width), kind, width))
    return out
