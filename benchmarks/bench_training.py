"""Training targets, measured side by side in one run (benchmarks, not tests).

1. Throughput: the app's path (TrainingJob: a worker process fits and reports each batch, the
   job's thread relays its reports, weight snapshots with their watch records, and a "page" thread reading the history and
   building the chart and the watch view's figures every second) against
   a plain `model.fit(verbose=0)` on the same data, model and batch size (both with the optimizer's and
   metrics' state built before fit, as the app does, so only the watching differs).
   Target: app >= 0.95x plain (issue 11: watching the training must not slow it). Runs alternate (plain, app, plain, app...) and the median is used.
2. The first train step: CPU time of its trace when Keras creates the optimizer's and metrics'
   variables inside it (its default without a distribution strategy) and when they are built first
   (cnnlab.recipe.build_state_before_fit). Printed as a ratio; it holds the interpreter lock.
3. Memory: resident memory after each of three trainings in a row, this process (the server's
   side of a job) plus the worker process that trained. Target: growth after the first < 10%.
4. Pace (presentation mode's "about N s"): for a few stacks and settings, the estimate cnnlab.watch_pace gives
   (the training's work at limits.TRAINING_FLOPS_PER_SECOND) beside the measured time from Start to the
   results (TrainingJob: worker, fit, evaluation), and the rate that time implies. Target: within 0.5x-2x.
5. Accuracy: the chapter's settings (5 epochs, adam, batch 32) on the bundled data
   (8,000 train / 2,000 test), several seeds. Target >= 98%. Full MNIST (target >= 99%)
   only when it is already in the Keras cache; otherwise reported as not measured.

Usage: .venv/bin/python benchmarks/bench_training.py [--quick] [--seeds 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
logging.getLogger("streamlit").setLevel(logging.ERROR)  # the chart code runs outside a Streamlit session here


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def compiled_model(stack, config, data, *, build_first: bool = True):
    """(model, split) as a TrainingJob prepares them: built, compiled and, by default, its state built first."""
    from cnnlab import architecture, recipe

    split = recipe.split_data(data, config)
    model = architecture.build_model(stack)
    recipe.compile_model(model, config)
    if build_first:
        recipe.build_state_before_fit(model, split.x_train, split.y_train)
    return model, split


def plain_fit_seconds(stack, config, data) -> float:
    import gc

    model, split = compiled_model(stack, config, data)  # as the job does: only the watching differs
    val = (split.x_val, split.y_val) if split.x_val is not None else None
    start = time.perf_counter()
    model.fit(split.x_train, split.y_train, batch_size=config.batch_size, epochs=config.epochs,
              validation_data=val, verbose=0, shuffle=True)
    seconds = time.perf_counter() - start
    del model
    gc.collect()
    return seconds


def app_fit_seconds(stack, config, data) -> float:
    """Time from fit's start to its end inside the job, with a page-like reader thread drawing charts."""
    from cnnlab import training
    from cnnlab.i18n import translate
    from components import training_charts, training_watch_views  # the real chart code, run outside Streamlit

    # Outside a Streamlit session t() cannot read the language; use English directly.
    training_charts.t = training_watch_views.t = lambda key, **values: translate(key, "en", **values)

    job = training.TrainingJob(stack, config, data, slots=training.TrainingSlots(1)).start()

    def read_page():
        # what the page's fragment does each second: read the job, build its figures, serialise them
        training_charts.history_figure(job.history(), config.epochs).to_json()
        record = job.watch.latest()  # the watch view: its figures for the latest record
        if record is not None:
            for fig in training_watch_views.record_figures(job.watch, record).values():
                fig.to_json()

    return fit_seconds_while_reading(job, read_page)


def fit_seconds_while_reading(job, read_page) -> float:
    """model.fit's own duration inside `job`, while a thread reads its progress and calls read_page() each second."""
    def page_reader():
        while not job.wait(1.0):
            job.progress()
            read_page()

    reader = threading.Thread(target=page_reader, daemon=True)
    reader.start()
    job.wait()
    reader.join()
    if job.error:
        raise RuntimeError(job.error)
    return job.fit_seconds


def throughput(data, rounds: int, epochs: int) -> None:
    from cnnlab import architecture, recipe

    stack = architecture.chapter_spec()
    config = recipe.TrainConfig(epochs=epochs, batch_size=32, validation_split=0.1)
    plain_fit_seconds(stack, recipe.TrainConfig(epochs=1, data_fraction=0.1), data)  # warm-up
    plain, app = [], []
    for _ in range(rounds):
        plain.append(plain_fit_seconds(stack, config, data))
        app.append(app_fit_seconds(stack, config, data))
    sizes = recipe.split_sizes(len(data.x_train), config)
    images = sizes.train * epochs
    p, a = statistics.median(plain), statistics.median(app)
    print(f"throughput ({images:,} training images per run, batch 32, {epochs} epochs, {rounds} rounds, median):")
    print(f"  plain model.fit(verbose=0): {images / p:8.0f} images/s  ({p:.2f} s; runs {[round(x, 2) for x in plain]})")
    print(f"  app TrainingJob + charts:   {images / a:8.0f} images/s  ({a:.2f} s; runs {[round(x, 2) for x in app]})")
    print(f"  ratio app/plain: {p / a:.3f}  (target >= 0.95)  -> {'OK' if p / a >= 0.95 else 'BELOW TARGET'}")
    # This VM has runs of either kind ~2-3 s slower at random (seen in plain runs too); the fastest
    # runs compare the two paths with that noise left out.
    print(f"  ratio of the fastest runs: {min(plain) / min(app):.3f}")


def memory(data, epochs: int) -> None:
    import gc

    from cnnlab import architecture, recipe, training

    stack = architecture.chapter_spec()
    config = recipe.TrainConfig(epochs=epochs, batch_size=32)
    readings, parts = [], []
    job = None
    for _ in range(3):
        job = training.TrainingJob(stack, config, data, slots=training.TrainingSlots(1)).start()
        job.wait()
        worker = job.trainer_pid
        job = None  # the session would replace its job with the next one
        gc.collect()
        here, there = rss_mb(), rss_mb(worker)
        readings.append(here + there)
        parts.append(f"{here:.0f} + {there:.0f}")
    growth = (readings[2] - readings[0]) / readings[0]
    print("memory: resident memory after each of 3 trainings in a row (this process + its training worker):")
    print(f"  {', '.join(f'{r:.0f} MB ({p})' for r, p in zip(readings, parts, strict=True))}; "
          f"growth after the first: {growth:+.1%} "
          f"(target < 10%) -> {'OK' if growth < 0.10 else 'ABOVE TARGET'}")


def pace(data) -> None:
    import dataclasses

    from cnnlab import architecture, limits, recipe, training, watch_pace

    chapter = recipe.TrainConfig()
    wide = (architecture.conv(64, 5), architecture.pool(), architecture.conv(128, 3), architecture.pool(),
            architecture.LayerSpec("Flatten"), architecture.dense(128), architecture.dense(10, "softmax"))
    cases = [("chapter CNN, the chapter's settings", architecture.chapter_spec(), chapter),
             ("chapter CNN, 1 epoch on 5%", architecture.chapter_spec(),
              dataclasses.replace(chapter, epochs=1, data_fraction=0.05)),
             ("chapter CNN, 3 epochs on 25%, batch 8", architecture.chapter_spec(),
              dataclasses.replace(chapter, epochs=3, data_fraction=0.25, batch_size=8)),
             ("wider CNN (64 5x5, 128 3x3, Dense 128), 1 epoch", architecture.with_uids(wide),
              dataclasses.replace(chapter, epochs=1)),
             ("the recurrent family's LSTM(128), 2 epochs", architecture.rnn_spec(), dataclasses.replace(chapter, epochs=2))]
    print(f"pace: the estimate at {limits.TRAINING_FLOPS_PER_SECOND / 1e9:.0f} GFLOP/s beside Start -> results "
          "(TrainingJob, one slot), target 0.5x-2x:")
    for label, stack, config in cases:
        analysis = architecture.analyze(stack)
        estimate = watch_pace.estimated_seconds(analysis, config, len(data.x_train), len(data.x_test))
        cost = recipe.training_cost(analysis, config, len(data.x_train), len(data.x_test))
        start = time.perf_counter()
        job = training.TrainingJob(stack, config, data, slots=training.TrainingSlots(1)).start()
        job.wait()
        measured = time.perf_counter() - start
        ratio = measured / estimate
        print(f"  {label:48} estimate {estimate:6.1f} s, measured {measured:6.1f} s, ratio {ratio:4.2f}, "
              f"rate {cost.total / measured / 1e9:5.1f} GFLOP/s -> {'OK' if 0.5 <= ratio <= 2 else 'OUTSIDE'}")


def accuracy(data, seeds: int, label: str, target: float) -> None:
    from cnnlab import architecture, recipe, training

    results = []
    for seed in range(seeds):
        config = recipe.TrainConfig(epochs=5, batch_size=32, optimizer="adam", learning_rate=0.001,
                                      data_fraction=1.0, validation_split=0.0, seed=seed)
        job = training.TrainingJob(architecture.chapter_spec(), config, data, slots=training.TrainingSlots(1))
        job.start().wait()
        results.append(job.evaluation.test_accuracy)
        # the app's default (10% held out for validation) trains on 7,200 instead of 8,000
    mean = statistics.mean(results)
    print(f"accuracy, {label}: chapter settings (5 epochs, adam, batch 32, all training data), {seeds} runs:")
    print(f"  test accuracy per run: {', '.join(f'{a:.2%}' for a in results)}; mean {mean:.2%}, "
          f"min {min(results):.2%}, max {max(results):.2%} (target >= {target:.0%}) -> "
          f"{'OK' if mean >= target else 'BELOW TARGET'}")


def accuracy_investigation(data) -> None:
    """Is the gap to 98% the settings or the data? The same model trained longer on the same 8,000 digits."""
    from cnnlab import architecture, recipe, training

    for epochs in (10, 15):
        config = recipe.TrainConfig(epochs=epochs, batch_size=32, validation_split=0.0, seed=0)
        job = training.TrainingJob(architecture.chapter_spec(), config, data, slots=training.TrainingSlots(1))
        job.start().wait()
        print(f"  investigation: same model and data, {epochs} epochs: test accuracy {job.evaluation.test_accuracy:.2%}")


def first_step_cpu(stack, config, data, build_first: bool) -> float:
    """CPU seconds of fit's first batch (the train step's trace), with or without the state built first."""
    import keras

    model, split = compiled_model(stack, config, data, build_first=build_first)
    cpu = {}

    class FirstStep(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                cpu["start"] = time.thread_time()

        def on_train_batch_end(self, batch, logs=None):
            if batch == 0:
                cpu["first"] = time.thread_time() - cpu["start"]
                self.model.stop_training = True

    model.fit(split.x_train, split.y_train, batch_size=config.batch_size, epochs=1, verbose=0, callbacks=[FirstStep()])
    return cpu["first"]


def first_step(data, rounds: int) -> None:
    """The first train step traces the graph while holding the interpreter lock every page needs."""
    from cnnlab import architecture, recipe

    stack, config = architecture.chapter_spec(), recipe.TrainConfig(epochs=1, data_fraction=0.1)
    first_step_cpu(stack, config, data, True)  # warm-up: TensorFlow's one-time setup
    keras_way, built = [], []
    for _ in range(rounds):  # alternating, so a change in the machine's load hits both alike
        keras_way.append(first_step_cpu(stack, config, data, False))
        built.append(first_step_cpu(stack, config, data, True))
    k, b = statistics.median(keras_way), statistics.median(built)
    print("first train step (the trace), CPU of the training thread, chapter CNN, median of", rounds)
    print(f"  Keras creates the state while tracing:   {k:.3f} s  (runs {[round(x, 3) for x in keras_way]})")
    print(f"  state built first (build_state_before_fit): {b:.3f} s  (runs {[round(x, 3) for x in built]})")
    print(f"  ratio {b / k:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer rounds and seeds")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--skip", nargs="*", default=[], choices=["throughput", "trace", "memory", "pace", "accuracy"])
    args = parser.parse_args()

    from cnnlab import data as data_module

    bundled = data_module.load_bundled()
    print(f"CPU cores: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.1f}")
    if "throughput" not in args.skip:
        throughput(bundled, rounds=2 if args.quick else 7, epochs=2)
    if "trace" not in args.skip:
        first_step(bundled, rounds=3 if args.quick else 5)
    if "memory" not in args.skip:
        memory(bundled, epochs=1)
    if "pace" not in args.skip:
        pace(bundled)
    if "accuracy" not in args.skip:
        seeds = args.seeds or (2 if args.quick else 4)
        accuracy(bundled, seeds, "bundled subset (8,000 train / 2,000 test)", 0.98)
        if not args.quick:
            accuracy_investigation(bundled)
        full = data_module.load_mnist()
        if full.is_full:
            accuracy(full, 1, "full MNIST (60,000 / 10,000)", 0.99)
        else:
            print("accuracy, full MNIST: not measured (not in the Keras cache; this machine is offline)")


if __name__ == "__main__":
    main()
