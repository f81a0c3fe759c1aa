"""Many sessions at once: every process-wide object used from many threads gives each caller the
right answer and no exception (Streamlit runs each session's script in its own thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import numpy as np

from components import charts

THREADS = 6


def run_together(work: Callable[[int], object], threads: int = THREADS, repeats: int = 1) -> tuple[list, list]:
    """Call work(i) `repeats` times in each of `threads` threads started at the same moment.

    Returns (results as (i, value) pairs, exceptions): an exception never hides in a thread.
    """
    barrier = threading.Barrier(threads)
    results, errors = [], []
    guard = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        for _ in range(repeats):
            try:
                value = work(i)
            except Exception as exc:  # noqa: BLE001 - collected and asserted on below
                with guard:
                    errors.append(f"{type(exc).__name__}: {exc}")
            else:
                with guard:
                    results.append((i, value))

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results, errors


def test_heatmap_grids_drawn_by_many_threads_are_all_correct():
    """The cached grid layout is shared by every session: copies made at the same time must not clash.

    On the old code (an lru_cached plotly Figure copied with go.Figure(fig)) about half of these calls
    raised "Invalid property specified for object of type plotly.graph_objs.Scatter: 'colorscale'".
    """
    maps = [[np.random.default_rng(100 * i + k).random((6, 6)).astype(np.float32) for k in range(24)]
            for i in range(THREADS)]
    charts.grid_skeleton.cache_clear()
    results, errors = run_together(lambda i: charts.heatmap_grid(maps[i], columns=12), repeats=12)
    assert errors == []
    assert len(results) == THREADS * 12
    for i, fig in results:  # each caller got its own maps, in heatmaps
        assert [trace.type for trace in fig.data] == ["heatmap"] * 24
        for trace, expected in zip(fig.data, maps[i], strict=True):
            np.testing.assert_array_equal(trace.z, expected)
    reference = charts.heatmap_grid(maps[0], columns=12)
    assert all(json.loads(fig.to_json()) == json.loads(reference.to_json()) for i, fig in results if i == 0)
