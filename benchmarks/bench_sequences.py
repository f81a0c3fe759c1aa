"""The sequences page's experiment with its defaults: does the recurrent model win, and how long does it take?

Run: .venv/bin/python benchmarks/bench_sequences.py [--seeds 5] [--skip-chart]
1. Dense vs SimpleRNN with the page's defaults (cnnlab.sequence_experiment.DEFAULT_*), over several seeds
   (seed s: the series' noise and the weights' initialisation): each model's test MSE, the ratio
   Dense MSE / RNN MSE per seed and its mean (> 1: the RNN wins), side by side with the previous
   defaults (sine with noise, n = 20, 16 units, 20 epochs), and the training time of both.
2. TensorFlow's import time, then the default training (Dense + SimpleRNN, and with the LSTM)
   with and without a per-epoch chart figure built in the callback (what the page does), so the
   ratios show what the live chart costs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnnlab import sequence_data, sequence_experiment  # noqa: E402


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


PREVIOUS_DEFAULTS = ("sine_noise", 20, 16, 20)


def ratios_over_seeds(label: str, settings: tuple, seeds: int) -> list[float]:
    """Train Dense and SimpleRNN once per seed; print both test MSEs and their ratio for each."""
    kind, window, units, epochs = settings
    ratios, seconds = [], []
    for seed in range(seeds):
        data = sequence_data.prepare_data(kind, window, seed=seed)
        result = sequence_experiment.train_models(data, ("dense", "rnn"), units=units, epochs=epochs, seed=seed)
        dense, rnn = result.models["dense"].mse, result.models["rnn"].mse
        ratios.append(dense / rnn)
        seconds.append(result.seconds)
        print(f"  {label}, seed {seed}: Dense MSE {dense:.4f}, RNN MSE {rnn:.4f}, naive {result.naive_mse:.4f}, "
              f"Dense/RNN {dense / rnn:.2f} ({result.seconds:.1f} s)")
    print(f"  {label}: Dense/RNN per seed {', '.join(f'{r:.2f}' for r in ratios)}; mean {sum(ratios) / seeds:.2f}, "
          f"min {min(ratios):.2f}; mean training time {sum(seconds) / seeds:.1f} s")
    return seconds


def compare_defaults(seeds: int) -> None:
    current = (sequence_experiment.DEFAULT_SERIES, sequence_experiment.DEFAULT_WINDOW,
               sequence_experiment.DEFAULT_UNITS, sequence_experiment.DEFAULT_EPOCHS)
    print(f"Dense vs SimpleRNN, {seeds} seeds, {sequence_data.DEFAULT_WINDOWS} windows "
          f"(series, window, units, epochs): defaults {current}, previous {PREVIOUS_DEFAULTS}")
    t_now = ratios_over_seeds("defaults", current, seeds)
    t_before = ratios_over_seeds("previous", PREVIOUS_DEFAULTS, seeds)
    print(f"  training time, defaults / previous: {sum(t_now) / sum(t_before):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--skip-chart", action="store_true", help="only the Dense vs RNN comparison")
    args = parser.parse_args()
    t_import = timed(lambda: __import__("keras"))
    print(f"import keras/tensorflow: {t_import:.2f} s (once per server process)")
    warm_up = sequence_data.prepare_data("sine_noise", 5)
    sequence_experiment.train_models(warm_up, ("dense",), units=4, epochs=1)
    compare_defaults(args.seeds)
    if not args.skip_chart:
        chart_cost()


def chart_cost() -> None:
    data = sequence_data.prepare_data(sequence_experiment.DEFAULT_SERIES, sequence_experiment.DEFAULT_WINDOW)
    units, epochs = sequence_experiment.DEFAULT_UNITS, sequence_experiment.DEFAULT_EPOCHS
    print(f"data: {len(data.y_train)} train + {len(data.y_test)} test windows of length {data.window}")

    from components import sequence_views as views  # plotly only; no Streamlit calls

    def with_chart(kinds):
        live = {k: [] for k in kinds}

        def on_epoch(kind, epoch, loss):
            live[kind].append(loss)
            views.loss_figure(live, epochs, title="loss", xaxis_title="epoch", yaxis_title="loss").to_json()

        return sequence_experiment.train_models(data, kinds, units=units, epochs=epochs, on_epoch=on_epoch)

    rows = []
    for label, kinds in [("Dense + SimpleRNN (default)", ("dense", "rnn")),
                         ("Dense + SimpleRNN + LSTM", ("dense", "rnn", "lstm"))]:
        plain = sequence_experiment.train_models(data, kinds, units=units, epochs=epochs)
        t_chart = timed(lambda kinds=kinds: with_chart(kinds))
        per_model = ", ".join(f"{k} {m.seconds:.2f} s" for k, m in plain.models.items())
        rows.append((label, plain.seconds, t_chart, per_model))
    for label, t_plain, t_chart, per_model in rows:
        print(f"{label}: {t_plain:.2f} s ({per_model}); with live chart figures {t_chart:.2f} s "
              f"(ratio {t_chart / t_plain:.2f})")


if __name__ == "__main__":
    main()
