"""Where to compute the Train page's watch view: in the job's thread or lazily in the page thread?

Side by side in one run, on the chapter's model (2 epochs, batch 32, bundled data):
  plain      model.fit(verbose=0)
  no watch   the app's TrainingJob with a page thread drawing the history chart each second, no watch records
  in-thread  the same, with a watch record after each weight snapshot in the job's thread (what the app does;
             model.fit itself runs in a worker process, cnnlab.trainer_worker)
  lazy       no records in the job's thread; the page thread computes one from job.model each second
Runs alternate and medians are compared (ratio = plain seconds / variant seconds). Also the cost of one
record (first Conv2D on one digit + the whole model on 12 digits), in milliseconds.

Usage: .venv/bin/python benchmarks/bench_training_watch.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench_training import fit_seconds_while_reading, plain_fit_seconds  # noqa: E402


class NoRecords:
    """Stands in for job.watch when the job's thread must not record."""

    def record(self, *args, **kwargs):
        return None


def job_seconds(stack, config, data, mode: str) -> float:
    from cnnlab import training
    from cnnlab.i18n import translate
    from cnnlab.training_watch import TrainingWatch
    from components import training_charts

    training_charts.t = lambda key, **values: translate(key, "en", **values)
    job = training.TrainingJob(stack, config, data, slots=training.TrainingSlots(1))
    lazy = TrainingWatch.for_test_set(data.x_test, data.y_test)
    if mode != "in-thread":
        job.watch = NoRecords()
    job.start()

    def read_page():
        training_charts.history_figure(job.history(), config.epochs).to_json()
        if mode == "lazy" and job.model is not None:
            lazy.record(job.model, job.epochs_done, job.progress().batches_done)

    return fit_seconds_while_reading(job, read_page)


def record_ms(data, repeats: int = 30) -> float:
    from cnnlab import models
    from cnnlab.training_watch import TrainingWatch

    model = models.load_pretrained()
    watch = TrainingWatch.for_test_set(data.x_test, data.y_test)
    watch.every_s = 0.0  # every call records (the app's throttle would make all but the first a no-op)
    watch.record(model, 0, 0)  # warm-up (traces the layers once)
    start = time.perf_counter()
    for i in range(repeats):
        watch.record(model, 0, i)
    return (time.perf_counter() - start) / repeats * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from cnnlab import architecture, recipe, trainer_worker
    from cnnlab import data as data_module

    data = data_module.load_bundled()
    stack = architecture.chapter_spec()
    config = recipe.TrainConfig(epochs=2, batch_size=32, validation_split=0.1)
    print(f"CPU cores: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.1f}")
    print(f"one watch record: {record_ms(data):.1f} ms (a record follows each snapshot: every epoch end and every "
          f"{trainer_worker.SNAPSHOT_EVERY_S:g} s)")
    plain_fit_seconds(stack, recipe.TrainConfig(epochs=1, data_fraction=0.1), data)  # warm-up
    modes = ("no watch", "in-thread", "lazy")
    runs = {name: [] for name in ("plain", *modes)}
    for _ in range(args.rounds):
        runs["plain"].append(plain_fit_seconds(stack, config, data))
        for mode in modes:
            runs[mode].append(job_seconds(stack, config, data, mode))
    plain = statistics.median(runs["plain"])
    for name, seconds in runs.items():
        median = statistics.median(seconds)
        print(f"  {name:10s} {median:7.2f} s  ratio plain/this {plain / median:.3f}  runs {[round(s, 2) for s in seconds]}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
