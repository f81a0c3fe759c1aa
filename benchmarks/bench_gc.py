"""A full garbage collection on a warm server, with and without serve.py's gc.freeze(), side by side.

A served process holds TensorFlow, plotly, Streamlit and the shipped model: hundreds of thousands of
objects that live as long as the process. Python's full (generation 2) collection scans all of them
and holds the interpreter lock meanwhile, so every student's rerun waits for it. serve.py freezes
them once warm (components.resources.start_warmup(freeze_heap=True)): a full collection then scans
only what the sessions made since.

This process warms up as the server does (the shipped model, its probe, every components module),
adds a class's worth of short-lived session-like objects, and times gc.collect() over --repeats
runs: not frozen, then frozen. Prints the medians and their ratio.

Run: .venv/bin/python benchmarks/bench_gc.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def collect_ms(repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        gc.collect()
        times.append(1000 * (time.perf_counter() - started))
    return times


def class_of_sessions(students: int = 30) -> list:
    """What a class's sessions hold between two collections: each its state and the Draw page's three figures."""
    import numpy as np

    from components import charts

    rng = np.random.default_rng(0)
    return [{"state": {f"key{i}": [i, str(i), {"v": float(i)}] for i in range(100)},
             "figures": [charts.heatmap(rng.random((28, 28)), height=170),
                         charts.bar_chart([str(d) for d in range(10)], rng.random(10), height=230),
                         charts.tiled_maps(list(rng.random((32, 26, 26))), columns=16)]}
            for _ in range(students)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    from components import resources

    resources.pretrained_model()
    resources._warm_views()  # what the warm-up thread does, here in the main thread
    sessions = class_of_sessions()
    plain = collect_ms(args.repeats)
    del sessions
    gc.freeze()  # as serve.py: once warm, before any session
    frozen_count = gc.get_freeze_count()
    sessions = class_of_sessions()  # made after the freeze, as real sessions are: still scanned
    frozen = collect_ms(args.repeats)
    gc.unfreeze()
    del sessions

    plain_ms, frozen_ms = statistics.median(plain), statistics.median(frozen)
    print(f"objects frozen: {frozen_count:,}")
    print(f"{'full collection (median of ' + str(args.repeats) + ')':40}{'ms':>10}")
    print(f"{'warm heap, not frozen':40}{plain_ms:>10.1f}")
    print(f"{'warm heap, frozen (serve.py)':40}{frozen_ms:>10.1f}")
    print(f"ratio frozen / not frozen: {frozen_ms / plain_ms:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
