"""How often cnnlab.ood flags digits and non-digits: the measure behind the Draw page's caution.

- held-out digits: the bundled test digits (never trained on, never used to fit a Reference), as the
  model reads them (their 28×28 pixels);
- drawn digits: cnnlab.drawn_digits' canvas-style digits, through the Draw page's preprocessing;
- non-digits: cnnlab.non_digits' drawings (dots, scribbles, lines, two digits, random strokes), through the
  same preprocessing. A drawing with too little ink to read (preprocess.EmptyDrawing) counts as flagged:
  the page then says so instead of reading a digit.

Every verdict comes from cnnlab.ood.judge on the layers' outputs the Draw page would have (the model's
probe, in batches), so the rates are the page's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from cnnlab import images, inspect_model, ood, preprocess
from cnnlab.drawn_digits import drawn_digits
from cnnlab.non_digits import KINDS, non_digits


@dataclass(frozen=True)
class Flags:
    """How many of a set were flagged, and for which reasons."""

    flagged: int
    total: int
    reasons: Counter = field(default_factory=Counter)  # reason -> drawings it flagged (one may have several)

    @property
    def rate(self) -> float:
        return self.flagged / self.total if self.total else 0.0

    def __str__(self) -> str:
        why = ", ".join(f"{reason} {count}" for reason, count in sorted(self.reasons.items()))
        return f"{self.rate:6.1%} ({self.flagged}/{self.total}){f'  [{why}]' if why else ''}"


@dataclass(frozen=True)
class Rates:
    test: Flags
    drawn: Flags
    non_digits: Flags
    per_kind: dict[str, Flags]


def verdicts(model, reference: ood.Reference | None, pictures: np.ndarray) -> list[ood.Verdict]:
    """cnnlab.ood.judge on each (28, 28) float image of `pictures` (n, 28, 28)."""
    pictures = np.asarray(pictures, dtype=np.float32)
    names = () if reference is None else reference.layers
    outputs = inspect_model.batch_outputs(model, pictures[..., None], names) if names else []
    return [ood.judge(picture, {name: out[i] for name, out in zip(names, outputs, strict=True)}, reference)
            for i, picture in enumerate(pictures)]


def count(found: list[ood.Verdict], empty: int = 0) -> Flags:
    reasons = Counter(reason for v in found for reason in v.reasons)
    if empty:
        reasons["too little ink"] = empty
    return Flags(sum(v.flagged for v in found) + empty, len(found) + empty, reasons)


def canvas_inputs(drawings) -> tuple[np.ndarray, list[int]]:
    """The model inputs (n, 28, 28) of canvas drawings (the page's preprocessing), and which were too empty."""
    pictures, empty = [], []
    for i, drawing in enumerate(drawings):
        try:
            pictures.append(preprocess.preprocess(drawing.image))
        except preprocess.EmptyDrawing:
            empty.append(i)
    return np.stack(pictures) if pictures else np.zeros((0, 28, 28), np.float32), empty


def measure(model, reference: ood.Reference | None, x_test: np.ndarray, *, n_non_digits: int = 300,
            non_digit_seed: int = 2024, n_drawn: int = 240, drawn_seed: int = 10) -> Rates:
    """The flag rates of `model` with `reference` (None: the shape signals only) on the three sets."""
    test = count(verdicts(model, reference, images.batch(x_test)[..., 0]))
    drawn_pictures, drawn_empty = canvas_inputs(drawn_digits(n_drawn, seed=drawn_seed))
    drawn = count(verdicts(model, reference, drawn_pictures), len(drawn_empty))
    others = non_digits(n_non_digits, seed=non_digit_seed)
    pictures, empty_list = canvas_inputs(others)
    empty = set(empty_list)
    found = iter(verdicts(model, reference, pictures))
    by_kind: dict[str, list] = {kind: [] for kind in KINDS}
    empty_by_kind: Counter = Counter(others[i].kind for i in empty)
    for i, drawing in enumerate(others):
        if i not in empty:
            by_kind[drawing.kind].append(next(found))
    per_kind = {kind: count(by_kind[kind], empty_by_kind[kind]) for kind in KINDS}
    every = [v for kind in KINDS for v in by_kind[kind]]
    return Rates(test, drawn, count(every, len(empty)), per_kind)


def report(rates: Rates) -> str:
    lines = [f"held-out test digits flagged: {rates.test}",
             f"drawn digits flagged:         {rates.drawn}",
             f"non-digits flagged:           {rates.non_digits}"]
    lines += [f"  {kind:15s} {flags}" for kind, flags in rates.per_kind.items()]
    return "\n".join(lines)
