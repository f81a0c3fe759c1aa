"""Train the shipped pre-trained model: assets/mnist_cnn.keras + assets/mnist_cnn.json.

The chapter's architecture (cnnlab.models.build_chapter_model(), 93,322 parameters)
trained on the bundled MNIST subset (8,000 training digits) with light augmentation,
so that digits drawn on the Draw page — thicker or thinner, slightly rotated,
off-centre after preprocessing — are read well:

- small rotations (±10°), shifts (±2 px), zoom (±10 %): keras RandomRotation /
  RandomTranslation / RandomZoom layers in the tf.data pipeline;
- stroke thickness: with probability 1/4 each, the digit is made bolder (3×3 grey
  dilation) or thinner (3×3 grey erosion), blended in at a random 30-100 %, since a
  canvas stroke width rarely matches MNIST's pen.

Accuracy is measured on the bundled held-out x_test (2,000 digits), never trained on.
Seeded (keras.utils.set_random_seed + deterministic ops), so a rerun on the same
machine gives the same model.

Usage:
    nice python scripts/train_pretrained.py            # writes the two files above
    nice python scripts/train_pretrained.py --epochs 20 --out /tmp/model.keras
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SEED = 20240511
EPOCHS = 30
BATCH = 64
ROTATION_DEG = 10.0
SHIFT_PX = 2.0
ZOOM = 0.10
THICKNESS_MAX = 1.0


def augmenter(seed: int):
    """A keras model mapping (batch, 28, 28, 1) float images to augmented ones."""
    import keras
    import tensorflow as tf
    from keras import layers

    geometric = keras.Sequential(
        [
            layers.RandomRotation(ROTATION_DEG / 360.0, fill_mode="constant", seed=seed),
            layers.RandomTranslation(SHIFT_PX / 28, SHIFT_PX / 28, fill_mode="constant", seed=seed + 1),
            layers.RandomZoom((-ZOOM, ZOOM), fill_mode="constant", seed=seed + 2),
        ],
        name="augment",
    )
    gen = tf.random.Generator.from_seed(seed + 3)

    def thickness(x):
        # Per image: u < 0.25 bolder, u > 0.75 thinner, else unchanged; the strength s
        # blends the 3x3 dilation/erosion in partly, so strokes vary smoothly in width.
        n = tf.shape(x)[0]
        u = gen.uniform((n, 1, 1, 1))
        s = gen.uniform((n, 1, 1, 1), 0.3, THICKNESS_MAX)
        bold = x + s * (tf.nn.max_pool2d(x, 3, 1, "SAME") - x)
        thin = x + s * (-tf.nn.max_pool2d(-x, 3, 1, "SAME") - x)
        return tf.where(u < 0.25, bold, tf.where(u > 0.75, thin, x))

    def apply(x):
        return tf.clip_by_value(thickness(geometric(x, training=True)), 0.0, 1.0)

    return apply


def train(epochs: int, out: Path, seed: int) -> dict:
    import keras
    import numpy as np
    import tensorflow as tf

    from cnnlab.data import load_bundled
    from cnnlab.images import batch
    from cnnlab.models import build_chapter_model

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()

    data = load_bundled()
    x_train, y_train = batch(data.x_train), data.y_train.astype("int32")
    x_test, y_test = batch(data.x_test), data.y_test.astype("int32")

    augment = augmenter(seed)
    train_ds = (
        tf.data.Dataset.from_tensor_slices((x_train, y_train))
        .shuffle(len(x_train), seed=seed, reshuffle_each_iteration=True)
        .batch(BATCH)
        .map(lambda x, y: (augment(x), y))
        .prefetch(2)
    )

    model = build_chapter_model()
    steps = epochs * int(np.ceil(len(x_train) / BATCH))
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=steps, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.monotonic()
    model.fit(train_ds, epochs=epochs, validation_data=(x_test, y_test), verbose=2)
    seconds = time.monotonic() - started
    loss, acc = model.evaluate(x_test, y_test, verbose=0)

    # Ship the weights without the optimizer state (Adam keeps two more values per weight): a fresh, uncompiled copy.
    shipped = build_chapter_model()
    shipped.set_weights(model.get_weights())
    out.parent.mkdir(parents=True, exist_ok=True)
    shipped.save(out)
    info = {
        "test_accuracy": round(float(acc), 4),
        "test_loss": round(float(loss), 4),
        "test_size": int(len(x_test)),
        "params": int(model.count_params()),
        "data": f"bundled MNIST subset (assets/mnist_subset.npz): {len(x_train):,} train, "
                f"{len(x_test):,} held-out test",
        "epochs": epochs,
        "batch_size": BATCH,
        "optimizer": "Adam, cosine decay from 2e-3",
        "augmentation": f"RandomRotation ±{ROTATION_DEG:g}°, RandomTranslation ±{SHIFT_PX:g} px, "
                        f"RandomZoom ±{ZOOM:.0%}, stroke thickness (3×3 dilation/erosion blended in at 30-100 %, p=0.25 each)",
        "seed": seed,
        "command": f"python scripts/train_pretrained.py --epochs {epochs} --seed {seed}",
        "train_seconds": round(seconds, 1),
        "keras_version": keras.__version__,
    }
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "mnist_cnn.keras")
    args = parser.parse_args()
    info = train(args.epochs, args.out, args.seed)
    info_path = args.out.with_suffix(".json")
    info_path.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(info, indent=2, ensure_ascii=False))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB) and {info_path}")


if __name__ == "__main__":
    main()
