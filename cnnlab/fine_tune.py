"""Fine-tune the shipped CNN on a class's drawings (the third kind of training job; the worker runs `run`).

Start from the shipped model's weights (in the chapter's layer stack, so the result is a store model like
any other), hold out a seeded share of the class's drawings per digit, and train on the rest of them,
repeated, mixed with bundled training digits so the model does not forget the digits it knew. Before and
after: accuracy on the held-out class drawings and on the bundled test digits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cnnlab import architecture, recipe

MIN_DRAWINGS = 10  # fewer and there is nothing to learn from, nor to hold out
MAX_REPEAT = 20  # a class's drawings are repeated at most this often per epoch
BUNDLED_TEST = 2_000  # the bundled test digits (cnnlab.data), measured before and after


@dataclass(frozen=True)
class FineTuneSettings:
    epochs: int = 3
    learning_rate: float = 3e-4  # a tenth of Adam's usual: adjust the weights, do not start over
    batch_size: int = 32
    held_out_share: float = 0.25
    bundled_samples: int = 3000  # bundled training digits mixed in
    class_share: float = 0.4  # the class's drawings are repeated to about this share of what is trained on
    seed: int = 0

    @property
    def config(self) -> recipe.TrainConfig:
        return recipe.TrainConfig(epochs=self.epochs, batch_size=self.batch_size, optimizer="adam",
                                  learning_rate=self.learning_rate, seed=self.seed)


@dataclass(frozen=True)
class FineTuneResult:
    weights: list  # model.get_weights() after fine-tuning
    held_before: float | None  # accuracy on the held-out class drawings (None: none held out)
    held_after: float | None
    test_before: float  # accuracy on the bundled test digits
    test_after: float
    held_count: int
    train_count: int  # class drawings trained on
    mixed_count: int  # images per epoch (class drawings repeated + bundled digits)
    epochs: tuple  # (loss, accuracy) per epoch
    test_probs: np.ndarray  # the fine-tuned model's output on the bundled test digits


def held_out_split(labels: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, held out) positions: per digit, a seeded `share` held out (at least one of a digit drawn twice
    or more, never its last one); a digit drawn once is trained on."""
    rng = np.random.default_rng(seed)
    train, held = [], []
    for digit in np.unique(labels):
        where = rng.permutation(np.flatnonzero(labels == digit))
        count = 0 if len(where) < 2 else min(len(where) - 1, max(1, round(share * len(where))))
        held.extend(where[:count])
        train.extend(where[count:])
    return np.sort(np.array(train, dtype=np.int64)), np.sort(np.array(held, dtype=np.int64))


def training_mix(class_x: np.ndarray, class_y: np.ndarray, bundled_x: np.ndarray, bundled_y: np.ndarray,
                 settings: FineTuneSettings) -> tuple[np.ndarray, np.ndarray]:
    """The images of one epoch: the class's (float (n, 28, 28)) repeated to about `class_share`, and a seeded
    sample of bundled uint8 training digits; shuffled by fit."""
    rng = np.random.default_rng(settings.seed)
    take = rng.permutation(len(bundled_x))[:settings.bundled_samples]
    wanted = settings.class_share / (1 - settings.class_share) * len(take)
    repeat = int(np.clip(round(wanted / max(len(class_x), 1)), 1, MAX_REPEAT))
    x = np.concatenate([np.tile(class_x, (repeat, 1, 1)).astype(np.float32),
                        bundled_x[take].astype(np.float32) / 255.0])[..., None]
    y = np.concatenate([np.tile(class_y, repeat), bundled_y[take]]).astype(np.int32)
    return x, y


def _accuracy(model, x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) == 0:
        return None
    probs = recipe.test_probabilities(model, x) if x.dtype == np.uint8 else np.asarray(model(x[..., None],
                                                                                            training=False))
    return float(np.mean(probs.argmax(axis=1) == y))


def start_model(shipped):
    """The chapter's stack with the shipped model's weights, compiled for fine-tuning."""
    model = architecture.build_model(architecture.chapter_spec())
    model.set_weights(shipped.get_weights())
    return model


def run(shipped, images: np.ndarray, labels: np.ndarray, bundled, settings: FineTuneSettings,
        on_epoch: Callable[[int, float, float], None] | None = None,
        stop: Callable[[], bool] | None = None) -> FineTuneResult:
    """Fine-tune a copy of `shipped` on the class's float images (n, 28, 28) and labels; `bundled` is MnistData."""
    import keras

    keras.utils.set_random_seed(settings.seed)  # fit's shuffling: the same drawings give the same model
    images, labels = np.asarray(images, dtype=np.float32), np.asarray(labels, dtype=np.int64)
    train, held = held_out_split(labels, settings.held_out_share, settings.seed)
    model = start_model(shipped)
    recipe.compile_model(model, settings.config)
    held_before, test_before = _accuracy(model, images[held], labels[held]), _accuracy(model, bundled.x_test,
                                                                                       bundled.y_test)
    x, y = training_mix(images[train], labels[train], bundled.x_train, bundled.y_train, settings)
    recipe.build_state_before_fit(model, x, y)
    epochs: list[tuple[float, float]] = []

    def epoch_end(epoch, logs=None) -> None:
        logs = logs or {}
        epochs.append((float(logs.get("loss", np.nan)), float(logs.get("accuracy", np.nan))))
        if on_epoch is not None:
            on_epoch(epoch + 1, *epochs[-1])

    def batch_end(batch, logs=None) -> None:
        if stop is not None and stop():
            model.stop_training = True

    model.fit(x, y, batch_size=settings.batch_size, epochs=settings.epochs, shuffle=True, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=epoch_end, on_train_batch_end=batch_end)])
    test_probs = recipe.test_probabilities(model, bundled.x_test)
    return FineTuneResult(model.get_weights(), held_before, _accuracy(model, images[held], labels[held]),
                          test_before, float(np.mean(test_probs.argmax(axis=1) == bundled.y_test)), len(held),
                          len(train), len(x), tuple(epochs), test_probs)


def numbers(result: FineTuneResult, drawings: int) -> dict:
    """What the Teacher page shows of a fine-tune, kept with the class (JSON)."""
    return {"held_before": result.held_before, "held_after": result.held_after, "test_before": result.test_before,
            "test_after": result.test_after, "held_count": result.held_count, "train_count": result.train_count,
            "drawings": int(drawings), "epochs": len(result.epochs)}


def model_record(result: FineTuneResult, settings: FineTuneSettings, bundled, name: str):
    """The fine-tuned model as a store record (the chapter's stack, evaluated on the bundled test digits)."""
    from cnnlab.store import ModelRecord
    from cnnlab.training_history import EpochRecord, History

    steps = -(-result.mixed_count // settings.batch_size)
    history = History(steps, epochs=[EpochRecord(i + 1, loss, accuracy, None, None, 0.0, True)
                                     for i, (loss, accuracy) in enumerate(result.epochs)])
    evaluation = recipe.evaluation_from_probs(result.test_probs, bundled.x_test, bundled.y_test)
    return ModelRecord(architecture.chapter_spec(), settings.config, list(result.weights), history, evaluation,
                       len(result.epochs), False, "bundled", result.mixed_count, "cnn", name[:120])
