"""Draw page's caution: how often it flags real digits and generated non-digits, and what it costs per drawing.

1. Rates (issue 24's targets: at most 1 % of the bundled test digits flagged, at least 90 % of at least 200
   generated non-digits), with the shipped model and its reference (assets/ood_reference.npz), per kind of
   non-digit (dots, scribbles, lines, two digits, random strokes) and on the canvas-style drawn digits:
   every drawing rendered like the canvas and read through the page's preprocessing (cnnlab/ood_rates.py).
   Then the same with a reference fitted on the fly as for a learner's own model (2,000 + 1,000 digits), and
   with the shape signals alone (a model still training).
2. Cost per drawing, side by side on the same drawings: the page's forward pass (layer_outputs, which
   the page runs anyway) and the verdict added to it (cnnlab.ood.judge: the shape measures and the
   distance to the reference digits). Target: the verdict under half the forward pass.

Run: .venv/bin/python benchmarks/bench_ood.py [--non-digits 600] [--seed 2024] [--repeats 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from cnnlab import inspect_model, models, ood, ood_rates  # noqa: E402
from cnnlab.data import load_bundled  # noqa: E402
from cnnlab.non_digits import non_digits  # noqa: E402


def rates(model, data, n_non_digits: int, seed: int) -> None:
    print(f"== 1. flag rates ({n_non_digits} non-digits, seed {seed})")
    configs = [("shipped reference", ood.shipped_reference(model)),
               ("reference fitted as for a learner's model", ood.fit_for_model(model, data.x_train, ood.OWN_MODEL_SIZES)),
               ("shape signals only (a model in training)", None)]
    for name, reference in configs:
        measured = ood_rates.measure(model, reference, data.x_test, n_non_digits=n_non_digits, non_digit_seed=seed)
        verdict = "PASS" if measured.test.rate <= 0.01 and measured.non_digits.rate >= 0.90 else "below target"
        print(f"-- {name}: {verdict}")
        print(ood_rates.report(measured))


def cost(model, repeats: int, seed: int) -> None:
    print(f"== 2. cost per drawing ({repeats} drawings, round robin)")
    reference = ood.shipped_reference(model)
    pictures, _empty = ood_rates.canvas_inputs(non_digits(24, seed=seed))
    forward, verdict = [], []
    for i in range(repeats):
        picture = pictures[i % len(pictures)]
        start = time.perf_counter()
        layers = inspect_model.layer_outputs(model, picture)
        middle = time.perf_counter()
        ood.judge(picture, {layer.name: layer.output for layer in layers}, reference)
        verdict.append(time.perf_counter() - middle)
        forward.append(middle - start)
    f, v = statistics.median(forward) * 1000, statistics.median(verdict) * 1000
    print(f"forward pass (layer_outputs) median {f:.2f} ms; verdict (shape + reference) median {v:.2f} ms; "
          f"ratio {v / f:.2f} (target <= 0.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--non-digits", type=int, default=600)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--skip-rates", action="store_true")
    args = parser.parse_args()
    model, data = models.load_pretrained(), load_bundled()
    inspect_model.layer_outputs(model, np.zeros((28, 28), np.float32))  # the probe, traced once
    if not args.skip_rates:
        rates(model, data, args.non_digits, args.seed)
    cost(model, args.repeats, args.seed)


if __name__ == "__main__":
    main()
