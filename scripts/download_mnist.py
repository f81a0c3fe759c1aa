"""Download the full MNIST (60,000 + 10,000 digits, ~11 MB) into the Keras cache: an operator's step.

The app never downloads: which data a class trains on is the server's decision, not a visitor's.
After this script, sessions that start from then on train on full MNIST (60,000 training digits, 7.5 times
the bundled 8,000: each epoch takes that much longer); sessions already open keep the data they started with.

Safe while the app is serving and when run twice at once: one download at a time (a file lock
next to the file), written under a temporary name, checked (SHA-256 and shapes), then renamed
into place.

Usage:
    python scripts/download_mnist.py                 # into ~/.keras/datasets/mnist.npz (or $KERAS_HOME)
    python scripts/download_mnist.py --url URL       # from a mirror (same file, same SHA-256)
    python scripts/download_mnist.py --remove        # back to the bundled digits for new sessions
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cnnlab import data  # noqa: E402

logger = logging.getLogger("download_mnist")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=data.MNIST_URL, help="where to download mnist.npz from")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds without an answer before giving up")
    parser.add_argument("--remove", action="store_true", help="delete the cached file instead")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    path = data.keras_cache_path()
    if args.remove:
        path.unlink(missing_ok=True)
        logger.info("removed %s: new sessions use the bundled digits", path)
        return 0
    try:
        data.download_full_mnist(path, url=args.url, timeout_s=args.timeout)
    except data.DownloadError as exc:
        logger.error("download failed, nothing changed: %s", exc)
        return 1
    full = data.load_mnist(path)
    logger.info("full MNIST ready at %s (%s training, %s test images): new sessions use it",
                path, f"{len(full.x_train):,}", f"{len(full.x_test):,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
