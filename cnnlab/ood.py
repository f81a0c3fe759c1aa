"""Is this drawing one digit? The signals that tell the Draw page not to trust its own answer.

A classifier trained on digits answers every input with ten probabilities that sum to 1 (softmax), a
dot and a scribble included: its confidence says which digit is likeliest, never whether there is a
digit at all. Two kinds of evidence say so instead, each held against the training digits:

- the ink's shape, measured on the 28×28 input, for any model (`Shape`, `shape_reasons`): one filled
  blob (a dot, made big by the MNIST-style scaling), ink in separate pieces side by side (several
  digits, dots), one straight stroke lying down (a line, not a 1), more loops or more stroke than a
  digit has (a scribble). Each threshold lies beyond at least 99.8 % of the bundled training digits
  (tests/unit/test_ood.py measures it).
- how far the model's own features lie from those of training digits (`Reference`): the cosine
  distance to the nearest of a few thousand training digits, in the space of the model's last two
  vector layers before its output (the chapter's CNN: Flatten 576 and Dense 64), read from the
  layer_outputs the Draw page computes anyway (no second forward pass). A drawing farther than all but
  0.5 % of held-out training digits (`Reference.threshold`) is unfamiliar to the model.

The shipped model's reference is fitted by scripts/fit_ood.py into assets/ood_reference.npz; a model
the learner trained gets its own, fitted once on first use (`reference_for_model`, cached per model).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnlab import ASSETS

logger = logging.getLogger(__name__)

REFERENCE_PATH = ASSETS / "ood_reference.npz"
INK = 0.5  # a pixel of the 28×28 input with at least this much ink is ink for the shape measures
FAINT = 0.2  # pieces are traced through fainter ink too, so one antialiased stroke stays one piece
BOX = 20.0  # the digit's longest side in the 28×28 input (MNIST's box)

# Beyond (almost) every training digit; test_ood.py measures each rule on the bundled training digits.
BLOB_THICKNESS = 6  # erosions a pen stroke survives: 1-4 for digits (MNIST's boldest reach 5)
SECOND_PIECE = 0.33  # a second piece this big is another digit (a 5's detached bar is smaller)
THIRD_PIECE = 0.05  # a third piece this big: dots, or strokes scattered
SPLIT = 0.3  # an empty column (or row) with this share of the ink on its smaller side: two things
LINE_ELONGATION = 0.06  # thinner than this is one straight stroke ...
LINE_TILT = 45.0  # ... and leaning more than this from vertical is a line lying down, not a 1
LOOPS = 4  # an 8 has two loops, a rare bold 8 three
LENGTH = 4.3  # digit heights of stroke: an 8 or a 2 with a loop has up to about 4

REASONS = ("blob", "pieces", "line", "tangle", "unfamiliar")  # in the order the page names them
QUANTILE = 0.995  # a reference's threshold: farther than this share of held-out training digits
MAX_FEATURES = 2048  # vector layers larger than this are left out of a reference (memory per model)
FEATURE_LAYERS = 2  # the last vector layers before the output that make up the features


@dataclass(frozen=True)
class Shape:
    """What the ink of one 28×28 input looks like, in numbers a digit keeps within known bounds.

    thickness:  erosions (3×3) until no ink is left: a pen stroke takes 1-4, a filled blob more
    pieces:     each separate piece's share of the ink, largest first (one digit: one piece, or a small
                second one such as a 5's detached bar)
    split:      the share of the ink on the smaller side of an empty row or column crossing the ink
                (0 when none does): two digits side by side have an empty column between them
    elongation: the ink's second moments, smallest over largest (0: a straight line, 1: round)
    tilt:       the angle of the ink's long axis from vertical, degrees (a 1 leans a little, a line lies)
    loops:      background regions of 2 px or more that the ink encloses (an 8 has two)
    length:     the strokes' length in digit heights (the ink's outline / 2 / 20 px)
    """

    thickness: int
    pieces: tuple[float, ...]
    split: float
    elongation: float
    tilt: float
    loops: int
    length: float


# ------------------------------------------------------------------ the ink's shape

_STEPS_8 = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc]
_STEPS_4 = [(-1, 0), (1, 0), (0, -1), (0, 1)]


def regions(mask: np.ndarray, diagonal: bool = True) -> list[list[tuple[int, int]]]:
    """The connected regions of a small boolean mask (8- or 4-connected), each a list of (row, col)."""
    h, w = mask.shape
    todo = {(int(r), int(c)) for r, c in zip(*np.nonzero(mask), strict=True)}
    steps = _STEPS_8 if diagonal else _STEPS_4
    out = []
    while todo:
        start = todo.pop()
        region, queue = [start], deque([start])
        while queue:
            r, c = queue.popleft()
            for dr, dc in steps:
                nb = (r + dr, c + dc)
                if nb in todo:
                    todo.remove(nb)
                    region.append(nb)
                    queue.append(nb)
        out.append(region)
    return out


def thickness(image: np.ndarray) -> int:
    ink, count = np.pad(image >= INK, 1), 0
    while ink.any():
        ink = np.logical_and.reduce([ink] + [np.roll(np.roll(ink, dr, 0), dc, 1) for dr, dc in _STEPS_8])
        ink[0], ink[-1], ink[:, 0], ink[:, -1] = False, False, False, False
        count += 1
    return count


def pieces(image: np.ndarray) -> tuple[float, ...]:
    mass = [float(sum(image[r, c] for r, c in region)) for region in regions(image >= FAINT)]
    total = sum(mass)
    return tuple(sorted((m / total for m in mass), reverse=True)) if total > 0 else ()


def split(image: np.ndarray) -> float:
    best = 0.0
    for axis in (0, 1):
        ink = (image >= FAINT).sum(axis=axis)
        share = np.cumsum(image.sum(axis=axis)) / image.sum()
        inked = np.flatnonzero(ink)
        if len(inked):
            best = max([best] + [min(share[i], 1.0 - share[i]) for i in range(inked[0] + 1, inked[-1]) if ink[i] == 0])
    return float(best)


def moments(image: np.ndarray) -> tuple[float, float]:
    """(elongation, tilt from vertical in degrees) of the ink's mass."""
    rows, cols = np.mgrid[:image.shape[0], :image.shape[1]]
    total = image.sum()
    dy, dx = rows - (image * rows).sum() / total, cols - (image * cols).sum() / total
    cov = np.array([[(image * dx * dx).sum(), (image * dx * dy).sum()],
                    [(image * dx * dy).sum(), (image * dy * dy).sum()]]) / total
    values, vectors = np.linalg.eigh(cov)
    elongation = float(values[0] / values[1]) if values[1] > 0 else 1.0
    return elongation, float(np.degrees(np.arccos(min(1.0, abs(vectors[1, 1])))))


def loops(image: np.ndarray, min_area: int = 2) -> int:
    """Background regions (4-connected) that touch no edge: the holes the ink encloses."""
    background = np.pad(image < INK, 1, constant_values=True)
    outside = np.zeros_like(background)
    outside[0] = True  # the padded top row: the background around the whole image
    while True:  # grow the outside through the background (numpy; only the few holes are walked below)
        grown = outside.copy()
        grown[1:] |= outside[:-1]
        grown[:-1] |= outside[1:]
        grown[:, 1:] |= outside[:, :-1]
        grown[:, :-1] |= outside[:, 1:]
        grown &= background
        if np.array_equal(grown, outside):
            break
        outside = grown
    return sum(1 for region in regions(background & ~outside, diagonal=False) if len(region) >= min_area)


def stroke_length(image: np.ndarray) -> float:
    ink = image >= INK
    edges = np.count_nonzero(ink[1:] != ink[:-1]) + np.count_nonzero(ink[:, 1:] != ink[:, :-1])
    return float(edges / 2 / BOX)


def shape(image: np.ndarray) -> Shape:
    """The shape measures of one (28, 28) float image in [0, 1] with some ink."""
    a = np.asarray(image, dtype=np.float64)
    if a.ndim != 2 or a.sum() <= 0:
        raise ValueError(f"expected a 2-D image with ink, got shape {a.shape}")
    elongation, tilt = moments(a)
    return Shape(thickness(a), pieces(a), split(a), elongation, tilt, loops(a), stroke_length(a))


def shape_reasons(s: Shape) -> tuple[str, ...]:
    """Which of "blob", "pieces", "line", "tangle" this shape shows (none for a digit-like one)."""
    second = s.pieces[1] if len(s.pieces) > 1 else 0.0
    third = s.pieces[2] if len(s.pieces) > 2 else 0.0
    found = {
        "blob": s.thickness >= BLOB_THICKNESS,
        "pieces": second >= SECOND_PIECE or third >= THIRD_PIECE or s.split >= SPLIT,
        "line": s.elongation < LINE_ELONGATION and s.tilt > LINE_TILT,
        "tangle": s.loops >= LOOPS or s.length >= LENGTH,
    }
    return tuple(reason for reason in REASONS if found.get(reason))


# ------------------------------------------------------------------ the model's own features

def feature_layers(layers: list[tuple[str, str, tuple[int, ...]]]) -> tuple[str, ...]:
    """The names of the layers whose outputs make a model's features, from (name, kind, output shape) in order.

    The last FEATURE_LAYERS vector layers before the output layer (Dropout left out: at inference it
    repeats its input), none larger than MAX_FEATURES; () when the model has none.
    """
    usable = [name for name, kind, shape in layers[:-1]
              if len(shape) == 1 and kind != "Dropout" and 0 < shape[0] <= MAX_FEATURES]
    return tuple(usable[-FEATURE_LAYERS:])


def features(outputs: list[np.ndarray]) -> np.ndarray:
    """(n, d) unit rows from the feature layers' (n, d_i) outputs: each layer's part scaled to unit length."""
    parts = [np.asarray(o, dtype=np.float32).reshape(len(o), -1) for o in outputs]
    parts = [p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-12) for p in parts]
    return np.concatenate(parts, axis=1) / np.sqrt(len(parts))


@dataclass(frozen=True)
class Reference:
    """Training digits' features for one model, and how far from them a digit still lies.

    features:  (n, d) float16 unit rows, one per reference digit
    threshold: the cosine distance to the nearest reference digit that only 0.5 % of held-out
               training digits exceed
    layers:    the names of the model's feature layers (`feature_layers`)
    measured:  (test digits flagged, test digits, non-digits flagged, non-digits) as scripts/fit_ood.py
               measured them (cnnlab.ood_rates), for the page to say how far the caution can be trusted;
               None when not measured (a learner's model)
    """

    features: np.ndarray
    threshold: float
    layers: tuple[str, ...]
    measured: tuple[int, int, int, int] | None = None

    @functools.cached_property
    def _features32(self) -> np.ndarray:
        """The features as float32, converted once: converting 4,000 × 640 halves on every drawing cost more
        than the product itself. (A race between two first drawings converts twice; both results are equal.)"""
        return np.ascontiguousarray(self.features, dtype=np.float32)

    def distances(self, feats: np.ndarray) -> np.ndarray:
        """The cosine distance from each row of `feats` (unit rows) to its nearest reference digit."""
        nearest = np.asarray(feats, dtype=np.float32) @ self._features32.T
        return 1.0 - nearest.max(axis=1)


def fit_reference(reference: np.ndarray, calibration: np.ndarray, layers: tuple[str, ...],
                  quantile: float = QUANTILE) -> Reference:
    """A Reference from two disjoint sets of training digits' features (`features` rows)."""
    fitted = Reference(np.asarray(reference, dtype=np.float16), 0.0, tuple(layers))
    return Reference(fitted.features, float(np.quantile(fitted.distances(calibration), quantile)), fitted.layers)


def model_feature_layers(model) -> tuple[str, ...]:
    layers = [(layer.name, type(layer).__name__, tuple(layer.output.shape[1:])) for layer in model.layers
              if type(layer).__name__ != "InputLayer"]
    return feature_layers(layers)


def fit_for_model(model, x_train: np.ndarray, sizes: tuple[int, int], seed: int = 24) -> Reference | None:
    """A model's Reference from its training digits (uint8 (n, 28, 28)): `sizes` = (reference, calibration).

    The digits are a seeded draw from x_train, the two sets disjoint. None for a model without feature layers.
    """
    from cnnlab import images, inspect_model

    layers = model_feature_layers(model)
    if not layers:
        return None
    chosen = np.random.default_rng(seed).permutation(len(x_train))[:sum(sizes)]
    outputs = inspect_model.batch_outputs(model, images.batch(x_train[chosen]), layers)
    feats = features(outputs)
    return fit_reference(feats[:sizes[0]], feats[sizes[0]:], layers)


def model_fingerprint(model) -> str:
    """A short hash of the model's weights: which model a saved Reference belongs to."""
    digest = hashlib.sha256()
    for weights in model.get_weights():
        digest.update(np.ascontiguousarray(weights, dtype=np.float32).tobytes())
    return digest.hexdigest()[:16]


def save_reference(reference: Reference, fingerprint: str, path: Path = REFERENCE_PATH) -> None:
    extra = {} if reference.measured is None else {"measured": np.array(reference.measured, dtype=np.int64)}
    np.savez_compressed(path, features=reference.features, threshold=np.float64(reference.threshold),
                        layers=np.array(reference.layers), fingerprint=np.array(fingerprint), **extra)


def load_reference(fingerprint: str, path: Path = REFERENCE_PATH) -> Reference | None:
    """The saved Reference if it belongs to the model with this fingerprint, else None (logged)."""
    if not path.is_file():
        logger.warning("%s is missing: the Draw page checks the ink's shape only (scripts/fit_ood.py makes it)", path)
        return None
    with np.load(path) as saved:
        if str(saved["fingerprint"]) != fingerprint:
            logger.warning("%s was fitted for another model than assets/mnist_cnn.keras: the Draw page checks the "
                           "ink's shape only until scripts/fit_ood.py is run again", path)
            return None
        measured = tuple(int(v) for v in saved["measured"]) if "measured" in saved.files else None
        return Reference(saved["features"].astype(np.float16), float(saved["threshold"]),
                         tuple(str(name) for name in saved["layers"]), measured)


class _OncePerModel:
    """One value per model, made on first use from any thread: threads asking for the same model wait
    for it, threads asking for other models go on. It lives as long as its model (weak keys)."""

    def __init__(self) -> None:
        self._made: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._making: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._guard = threading.Lock()  # held only to read or write the two dictionaries

    def get(self, model, make: Callable[[], object]):
        with self._guard:
            if model in self._made:
                return self._made[model]
            own_lock = self._making.setdefault(model, threading.Lock())
        with own_lock:
            with self._guard:
                if model in self._made:  # made by another thread meanwhile
                    return self._made[model]
            value = make()
            with self._guard:
                self._made[model] = value
            return value


_references = _OncePerModel()
OWN_MODEL_SIZES = (2000, 1000)  # a learner's model: reference and calibration digits, fitted once per model


def shipped_reference(model) -> Reference | None:
    """The shipped model's Reference (assets/ood_reference.npz), read once; None if it is not this model's."""
    return _references.get(model, lambda: load_reference(model_fingerprint(model)))


def own_reference(model, x_train: np.ndarray) -> Reference | None:
    """The Reference of a model the learner trained, fitted on first use and kept as long as the model."""
    return _references.get(model, lambda: fit_for_model(model, x_train, OWN_MODEL_SIZES))


# ------------------------------------------------------------------ the verdict

@dataclass(frozen=True)
class Verdict:
    """Whether a drawing looks like one digit: the reasons it does not (none: it does)."""

    reasons: tuple[str, ...]
    shape: Shape
    distance: float | None = None  # to the nearest reference digit; None without a reference
    threshold: float | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


def judge(image: np.ndarray, outputs: dict[str, np.ndarray], reference: Reference | None) -> Verdict:
    """The verdict on one 28×28 input, given its layers' outputs by layer name (the Draw page's one pass)."""
    s = shape(image)
    reasons = shape_reasons(s)
    if reference is None or not all(name in outputs for name in reference.layers):
        return Verdict(reasons, s)
    distance = float(reference.distances(features([outputs[name][None] for name in reference.layers]))[0])
    if distance > reference.threshold:
        reasons += ("unfamiliar",)
    return Verdict(reasons, s, distance, reference.threshold)
