"""Train the shipped recurrent reader: assets/mnist_rnn.keras + assets/mnist_rnn.json.

The recurrent family's starting model (cnnlab.architecture.rnn_spec(): Reshape → LSTM(128) → Dense(10),
81,674 parameters, the same order as the CNN's 93,322) reads a digit as 28 time steps, one row of 28 pixels
each. It is trained like the shipped CNN (scripts/train_pretrained.py: the bundled 8,000 training digits,
the same augmentation, Adam with cosine decay) so that the two can be compared on the same data, and so
that digits drawn on the Draw page are read well.

Recorded next to the model: accuracy on the bundled held-out x_test (2,000 digits, never trained on) and
on the synthetic drawn-style digits (cnnlab.drawn_digits, the set scripts/make_drawn_digits.py scores),
the seconds per training epoch of this RNN and of the chapter's CNN measured side by side (fitted in
turns on the same digits, batch 64, without augmentation), the data, the command.

--stack picks another recurrent stack for a comparison (gru, simple_rnn), written to --out.

Usage:
    nice -n 10 python scripts/train_rnn_pretrained.py            # writes the two files above
    nice -n 10 python scripts/train_rnn_pretrained.py --stack gru --epochs 4 --out /tmp/gru.keras
    nice -n 10 python scripts/train_rnn_pretrained.py --time-only   # the side-by-side epoch timing again
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from scripts.train_pretrained import BATCH, augmenter  # noqa: E402 - the shipped CNN's recipe, shared

SEED = 20240511
EPOCHS = 30
LEARNING_RATE = 2e-3
DRAWN_DIGITS = 240  # scripts/make_drawn_digits.py's default set
TIMING_ROUNDS, TIMING_IMAGES = 7, 1280  # the side-by-side epoch timing: turns of 20 batches each
STACKS = ("lstm", "gru", "simple_rnn")


def stack_for(name: str):
    """rnn_spec() with its recurrent layer swapped for `name`'s kind (the same units)."""
    from cnnlab import architecture

    kind = {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN"}[name]
    return tuple(replace(layer, kind=kind) if layer.kind == "LSTM" else layer for layer in architecture.rnn_spec())


def dataset(x, y, seed: int):
    import tensorflow as tf

    augment = augmenter(seed)
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
            .batch(BATCH)
            .map(lambda images, labels: (augment(images), labels))
            .prefetch(2))


class EpochTimer:
    """Seconds of each epoch, as a keras callback."""

    def __init__(self):
        import keras

        timer = self

        class _Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                timer.started = time.monotonic()

            def on_epoch_end(self, epoch, logs=None):
                timer.seconds.append(time.monotonic() - timer.started)

        self.seconds: list[float] = []
        self.started = 0.0
        self.callback = _Callback()


def fit(model, train_ds, epochs: int, steps_per_epoch: int, validation=None) -> list[float]:
    """Compile with the shipped CNN's optimizer and fit; the seconds of each epoch."""
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(LEARNING_RATE, decay_steps=epochs * steps_per_epoch, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    timer = EpochTimer()
    model.fit(train_ds, epochs=epochs, validation_data=validation, verbose=2, callbacks=[timer.callback])
    return timer.seconds


def side_by_side_epochs(stack, x, y, rounds: int = TIMING_ROUNDS, images: int = TIMING_IMAGES) -> dict:
    """Seconds per epoch (len(x) images, batch BATCH, no augmentation) of this RNN and of the chapter's CNN.

    Both are fitted in turns on the same `images` digits, `rounds` times (the first round, which traces, left
    out): a machine whose load changes slows both alike. Each is the median round scaled to a whole epoch.
    """
    from cnnlab import architecture, recipe

    fitted = {"rnn": architecture.build_model(stack), "cnn": architecture.build_model(architecture.chapter_spec())}
    for model in fitted.values():
        recipe.compile_model(model, recipe.TrainConfig(batch_size=BATCH))
    seconds: dict[str, list[float]] = {name: [] for name in fitted}
    for _ in range(rounds):
        for name, model in fitted.items():
            started = time.perf_counter()
            model.fit(x[:images], y[:images], epochs=1, batch_size=BATCH, shuffle=False, verbose=0)
            seconds[name].append(time.perf_counter() - started)
    scale = len(x) / images
    return {name: round(float(statistics.median(s[1:])) * scale, 2) for name, s in seconds.items()}


def drawn_accuracy(model) -> float:
    from cnnlab.drawn_digits import drawn_digits
    from scripts.make_drawn_digits import evaluate

    return evaluate(model, drawn_digits(DRAWN_DIGITS))[0]


def train(stack_name: str, epochs: int, out: Path, seed: int, compare: bool) -> dict:
    import keras
    import numpy as np
    import tensorflow as tf

    from cnnlab import architecture
    from cnnlab.data import load_bundled
    from cnnlab.images import batch
    from cnnlab.models import load_pretrained

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    data = load_bundled()
    x_train, y_train = batch(data.x_train), data.y_train.astype("int32")
    x_test, y_test = batch(data.x_test), data.y_test.astype("int32")
    train_ds, steps = dataset(x_train, y_train, seed), int(np.ceil(len(x_train) / BATCH))

    stack = stack_for(stack_name)
    model = architecture.build_model(stack)
    epoch_seconds = fit(model, train_ds, epochs, steps, validation=(x_test, y_test))
    loss, acc = model.evaluate(x_test, y_test, verbose=0)

    shipped = architecture.build_model(stack)  # without the optimizer's state, as the CNN is shipped
    shipped.set_weights(model.get_weights())
    out.parent.mkdir(parents=True, exist_ok=True)
    shipped.save(out)
    cnn = load_pretrained()
    info = {
        "test_accuracy": round(float(acc), 4),
        "test_loss": round(float(loss), 4),
        "test_size": int(len(x_test)),
        "drawn_accuracy": round(drawn_accuracy(shipped), 4),
        "drawn_size": DRAWN_DIGITS,
        "cnn_drawn_accuracy": None if cnn is None else round(drawn_accuracy(cnn), 4),
        "params": int(model.count_params()),
        "layers": [layer.label() for layer in stack],
        "data": f"bundled MNIST subset (assets/mnist_subset.npz): {len(x_train):,} train, "
                f"{len(x_test):,} held-out test",
        "epochs": epochs,
        "batch_size": BATCH,
        "optimizer": f"Adam, cosine decay from {LEARNING_RATE:g}",
        "augmentation": "as the shipped CNN's (scripts/train_pretrained.py)",
        "seed": seed,
        "command": f"nice -n 10 python scripts/train_rnn_pretrained.py --stack {stack_name} --epochs {epochs} "
                   f"--seed {seed}",
        "train_seconds": round(sum(epoch_seconds), 1),
        "epoch_seconds": round(float(np.median(epoch_seconds[1:] or epoch_seconds)), 2),
        "keras_version": keras.__version__,
    }
    if compare:
        info["epoch_seconds_side_by_side"] = side_by_side_epochs(stack, x_train, y_train)
    return info


def time_only(stack_name: str) -> dict:
    from cnnlab.data import load_bundled
    from cnnlab.images import batch

    data = load_bundled()
    return side_by_side_epochs(stack_for(stack_name), batch(data.x_train), data.y_train.astype("int32"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", choices=STACKS, default="lstm")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "mnist_rnn.keras")
    parser.add_argument("--no-compare", action="store_true", help="skip the side-by-side epoch timing")
    parser.add_argument("--time-only", action="store_true",
                        help="only time an epoch of both families again, into the JSON next to --out")
    args = parser.parse_args()
    info_path = args.out.with_suffix(".json")
    if args.time_only:
        info = json.loads(info_path.read_text(encoding="utf-8"))
        info["epoch_seconds_side_by_side"] = time_only(args.stack)
    else:
        info = train(args.stack, args.epochs, args.out, args.seed, compare=not args.no_compare)
    info_path.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(info, indent=2, ensure_ascii=False))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB) and {info_path}")


if __name__ == "__main__":
    main()
