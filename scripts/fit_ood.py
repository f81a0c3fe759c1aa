"""Fit the shipped model's out-of-distribution reference: assets/ood_reference.npz (cnnlab/ood.py).

The reference is the shipped model's features (Flatten and Dense 64, each scaled to unit length) of
4,000 of its 8,000 bundled training digits, and the distance threshold that only 0.5 % of 2,000 other
training digits exceed. The bundled test digits stay held out: the script then measures on them,
on the drawn-digit set and on the generated non-digits how often the Draw page's caution shows
(cnnlab/ood_rates.py, the same numbers benchmarks/bench_ood.py prints).

Seeded: a rerun on the same model gives the same file. Run it again whenever assets/mnist_cnn.keras
changes (the app ignores a reference whose model fingerprint does not match, and says so in its log).

Usage:
    python scripts/fit_ood.py                 # writes assets/ood_reference.npz, prints the rates
    python scripts/fit_ood.py --out /tmp/r.npz --no-measure
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnnlab import models, ood, ood_rates  # noqa: E402
from cnnlab.data import load_bundled  # noqa: E402

SHIPPED_SIZES = (4000, 2000)  # reference digits, calibration digits (disjoint, from x_train)
MEASURE_NON_DIGITS = 600  # generated non-digits the rates are measured on (100 of each kind)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ood.REFERENCE_PATH)
    parser.add_argument("--no-measure", action="store_true", help="write the file only")
    args = parser.parse_args()
    model, data = models.load_pretrained(), load_bundled()
    if model is None:
        sys.exit("assets/mnist_cnn.keras is missing: scripts/train_pretrained.py makes it")
    reference = ood.fit_for_model(model, data.x_train, SHIPPED_SIZES)
    print(f"{len(reference.features)} reference digits, layers {', '.join(reference.layers)}, "
          f"threshold {reference.threshold:.4f}")
    if not args.no_measure:  # the page quotes these two rates beside its caution
        rates = ood_rates.measure(model, reference, data.x_test, n_non_digits=MEASURE_NON_DIGITS)
        print(ood_rates.report(rates))
        reference = dataclasses.replace(reference, measured=(rates.test.flagged, rates.test.total,
                                                             rates.non_digits.flagged, rates.non_digits.total))
    ood.save_reference(reference, ood.model_fingerprint(model), args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
