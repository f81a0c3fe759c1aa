"""Many sessions at once: every process-wide object used from many threads gives each caller the
right answer and no exception (Streamlit runs each session's script in its own thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import numpy as np
import pytest

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


def test_the_shipped_model_called_from_many_threads_gives_each_caller_its_own_answer():
    """One model object serves every session's Draw page: called directly (never .predict) it is safe."""
    from cnnlab import inspect_model, models
    from cnnlab.images import one_image_batch

    model = models.load_pretrained()  # fresh: the first calls (which build the graph) race too
    if model is None:
        pytest.skip("assets/mnist_cnn.keras is missing")
    images = [np.random.default_rng(i).random((28, 28)).astype(np.float32) for i in range(THREADS)]
    results, errors = run_together(
        lambda i: (models.predict_proba(model, one_image_batch(images[i])), inspect_model.layer_outputs(model, images[i])[-1].output),
        repeats=8)
    assert errors == [] and len(results) == THREADS * 8
    for i, (probs, last_layer) in results:
        expected = models.predict_proba(model, one_image_batch(images[i]))
        np.testing.assert_allclose(probs, expected, atol=1e-6)
        np.testing.assert_allclose(last_layer, expected[0], atol=1e-6)


def test_translations_loaded_by_many_threads_at_once():
    from cnnlab import i18n

    i18n.catalog.cache_clear()
    keys = sorted(i18n.catalog())[:200]
    expected = {key: i18n.translate(key, "ko") for key in keys}
    i18n.catalog.cache_clear()
    results, errors = run_together(lambda i: {key: i18n.translate(key, "ko") for key in keys}, repeats=3)
    assert errors == [] and all(value == expected for _i, value in results)


def test_training_slots_never_hold_more_jobs_than_places_and_serve_in_order():
    from cnnlab import training

    slots = training.TrainingSlots(2)
    inside, most, order = [0], [0], []
    guard = threading.Lock()

    def work(i: int) -> None:
        with training.training_slot(slots):
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                order.append(i)
            threading.Event().wait(0.01)
            with guard:
                inside[0] -= 1

    results, errors = run_together(work, threads=12, repeats=3)
    assert errors == [] and len(order) == 36
    assert most[0] <= 2 and slots.counts() == (0, 0)


def test_sequence_experiments_in_parallel_sessions_match_a_lone_run():
    """Two sessions run the sequences experiment at the same time: each gets the numbers of its seed.

    On the old code (keras.utils.set_random_seed, which reseeds the whole process, then unseeded
    initializers and shuffling) the parallel runs disagreed with the lone run.
    """
    from cnnlab import sequence_data, sequence_experiment

    data = sequence_data.prepare_data("waves", 6, n_windows=60)

    def experiment(_i: int = 0):
        result = sequence_experiment.train_models(data, ("dense", "rnn"), units=4, epochs=3)
        return {kind: (m.losses, m.mse) for kind, m in result.models.items()}

    lone = experiment()
    results, errors = run_together(experiment, threads=3)
    assert errors == [] and len(results) == 3
    for _i, value in results:
        for kind, (losses, mse) in value.items():
            np.testing.assert_allclose(losses, lone[kind][0], rtol=1e-5)
            assert mse == pytest.approx(lone[kind][1], rel=1e-5)
