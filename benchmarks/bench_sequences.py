"""How long the sequences page's experiment takes with its defaults (600 windows, n=20, 16 units, 20 epochs).

Run: .venv/bin/python benchmarks/bench_sequences.py
Prints TensorFlow's import time, then the default training (Dense + SimpleRNN, and with the LSTM)
measured side by side in one run, with and without a per-epoch chart figure built in the callback
(what the page does), so the ratios show what the live chart costs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnnlab import sequences as seq  # noqa: E402


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    t_import = timed(lambda: __import__("keras"))
    print(f"import keras/tensorflow: {t_import:.2f} s (once per server process)")
    data = seq.prepare_data("sine_noise", 20)
    print(f"data: {len(data.y_train)} train + {len(data.y_test)} test windows of length {data.window}")

    from components import sequence_views as views  # plotly only; no Streamlit calls

    def with_chart(kinds):
        live = {k: [] for k in kinds}

        def on_epoch(kind, epoch, loss):
            live[kind].append(loss)
            views.loss_figure(live, 20, title="loss", xaxis_title="epoch", yaxis_title="loss").to_json()

        return seq.train_models(data, kinds, units=16, epochs=20, on_epoch=on_epoch)

    seq.train_models(data, ("dense",), units=4, epochs=1)  # warm-up: first graph compile in the process
    rows = []
    for label, kinds in [("Dense + SimpleRNN (default)", ("dense", "rnn")),
                         ("Dense + SimpleRNN + LSTM", ("dense", "rnn", "lstm"))]:
        plain = seq.train_models(data, kinds, units=16, epochs=20)
        t_chart = timed(lambda kinds=kinds: with_chart(kinds))
        per_model = ", ".join(f"{k} {m.seconds:.2f} s" for k, m in plain.models.items())
        rows.append((label, plain.seconds, t_chart, per_model))
    for label, t_plain, t_chart, per_model in rows:
        print(f"{label}: {t_plain:.2f} s ({per_model}); with live chart figures {t_chart:.2f} s "
              f"(ratio {t_chart / t_plain:.2f})")


if __name__ == "__main__":
    main()
