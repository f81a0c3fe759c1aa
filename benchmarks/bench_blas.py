"""numpy's BLAS threads in a server with many sessions (cnnlab/threads.py: limit_blas), side by side in one run.

Each of T threads (sessions drawing at once) computes the Draw page's caution for D drawings: the drawing's
features against the shipped model's 4,000 reference digits (cnnlab.ood.Reference.distances, a (1, 640) x
(640, 4,000) product). Printed: wall and CPU time with OpenBLAS's own thread pool (as many threads as cores,
numpy's default) and with one thread (the app's), and their ratios, alternating 3 times.

Run alone: .venv/bin/python benchmarks/bench_blas.py [--threads 8] [--draws 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def one_round(reference, threads: int, draws: int) -> tuple[float, float]:
    import numpy as np

    from cnnlab import ood

    rng = np.random.default_rng(0)
    width = reference.features.shape[1]
    feats = [ood.features([rng.random((1, width), dtype=np.float32)]) for _ in range(threads)]

    def session(f):
        for _ in range(draws):
            reference.distances(f)

    workers = [threading.Thread(target=session, args=(f,)) for f in feats]
    wall, cpu = time.perf_counter(), time.process_time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8, help="sessions computing at once")
    parser.add_argument("--draws", type=int, default=200, help="drawings each")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from threadpoolctl import threadpool_limits

    from cnnlab import models, ood, threads

    reference = ood.shipped_reference(models.load_pretrained("cnn"))
    cores = threads.cpu_count()
    results = {"OpenBLAS default": [], "one thread (the app)": []}
    for _ in range(args.rounds):  # alternating: a change in the machine's load hits both alike
        for label, limit in (("OpenBLAS default", cores), ("one thread (the app)", 1)):
            with threadpool_limits(limits=limit, user_api="blas"):
                results[label].append(one_round(reference, args.threads, args.draws))
    print(f"{args.threads} sessions x {args.draws} drawings: the caution's distances "
          f"{reference.features.shape} on {cores} cores, median of {args.rounds}")
    medians = {label: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
               for label, runs in results.items()}
    for label, (wall, cpu) in medians.items():
        print(f"  {label:22} wall {wall:7.3f} s   CPU {cpu:7.3f} s   "
              f"{wall / (args.threads * args.draws) * 1000:7.3f} ms a drawing")
    (dw, dc), (ow, oc) = medians.values()
    print(f"  ratio default / one thread: wall {dw / ow:.1f}x, CPU {dc / oc:.1f}x")


if __name__ == "__main__":
    main()
