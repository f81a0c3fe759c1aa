"""The Train page's Keras recipe: settings, the data split, compile, the state before fit, the evaluation.

What one training does to the data and the model, in the order it happens. The worker process
(cnnlab.trainer_worker) runs it; the server (cnnlab.training) sizes its jobs with the same split and
turns the worker's test probabilities into the results the page shows.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import cnnlab.images
from cnnlab import architecture, optimizers
from cnnlab.data import MnistData
from cnnlab.limits import TRAINING_BUDGET_FLOPS

MISCLASSIFIED_KEPT = 60


@dataclass(frozen=True)
class TrainConfig:
    """The Train page's controls. The chapter: 5 epochs, adam, batch 32, all training data."""

    epochs: int = 5
    batch_size: int = 32
    optimizer: str = "adam"
    learning_rate: float = optimizers.default_learning_rate("adam")
    data_fraction: float = 1.0  # share of the training images used (train + validation)
    validation_split: float = 0.0  # share held out to validate after each epoch (the chapter: none)
    seed: int = 0  # picks the subset and the split (weights start random)

    def check(self) -> None:
        if self.optimizer not in optimizers.NAMES:
            raise ValueError(f"optimizer must be one of {optimizers.NAMES}")
        if self.epochs < 1 or self.batch_size < 1 or not self.learning_rate > 0:
            raise ValueError("epochs, batch size and learning rate must be positive")
        if not 0 < self.data_fraction <= 1 or not 0 <= self.validation_split < 1:
            raise ValueError("data_fraction must be in (0, 1], validation_split in [0, 1)")


@dataclass(frozen=True)
class DataSplit:
    x_train: np.ndarray  # float32 (n, 28, 28, 1)
    y_train: np.ndarray  # int32 (n,)
    x_val: np.ndarray | None
    y_val: np.ndarray | None


@dataclass(frozen=True)
class SplitSizes:
    train: int
    val: int
    steps: int  # batches per epoch


def split_sizes(n_total: int, config: TrainConfig) -> SplitSizes:
    """How many images train and validate for a data set of n_total training images."""
    n_used = max(2, int(round(n_total * config.data_fraction)))
    n_val = 0
    if config.validation_split > 0:
        n_val = max(1, min(int(round(n_used * config.validation_split)), n_used - 1))
    return SplitSizes(n_used - n_val, n_val, math.ceil((n_used - n_val) / config.batch_size))


# ---------------------------------------------------------------- what a training costs

TRAIN_STEP_FACTOR = 3  # a trained image: its forward pass and a backward pass of about twice that


@dataclass(frozen=True)
class TrainingCost:
    """A training's estimated floating-point operations, before it starts (cnnlab.limits: the budget).

    layer_flops: each layer's share of one image's forward pass, in the stack's order.
    """

    layer_flops: tuple[int, ...]
    epoch_flops: float  # one epoch: its training steps and its validation pass
    epochs: int
    test_flops: float  # the evaluation on the test images at the end
    budget: float = TRAINING_BUDGET_FLOPS

    @property
    def total(self) -> float:
        return self.epoch_flops * self.epochs + self.test_flops

    @property
    def over_budget(self) -> bool:
        return self.total > self.budget

    @property
    def share(self) -> float:
        """The estimate as a share of the budget (1.0 = all of it)."""
        return self.total / self.budget

    @property
    def epochs_that_fit(self) -> int:
        """The most epochs these settings could have within the budget (0: not even one)."""
        return max(0, int((self.budget - self.test_flops) // self.epoch_flops)) if self.epoch_flops else self.epochs

    @property
    def heaviest_layer(self) -> tuple[int, float]:
        """(index, share of one image's forward pass) of the layer that does the most work."""
        total = sum(self.layer_flops) or 1
        index = max(range(len(self.layer_flops)), key=self.layer_flops.__getitem__, default=0)
        return index, (self.layer_flops[index] / total if self.layer_flops else 0.0)


def training_cost(analysis: architecture.Analysis, config: TrainConfig, n_train: int, n_test: int) -> TrainingCost:
    """The estimate for training a valid stack's analysis with `config` on n_train images, tested on n_test."""
    sizes = split_sizes(n_train, config)
    forward = analysis.forward_flops
    epoch = forward * (TRAIN_STEP_FACTOR * sizes.train + sizes.val)
    return TrainingCost(tuple(r.flops for r in analysis.layers), float(epoch), config.epochs, float(forward * n_test))


def split_data(data: MnistData, config: TrainConfig) -> DataSplit:
    """A seeded random share of the training images, the validation part held out from it."""
    sizes = split_sizes(len(data.x_train), config)
    order = np.random.default_rng(config.seed).permutation(len(data.x_train))[:sizes.train + sizes.val]
    train_idx, val_idx = order[sizes.val:], order[:sizes.val]
    x_val = cnnlab.images.batch(data.x_train[val_idx]) if sizes.val else None
    y_val = data.y_train[val_idx].astype(np.int32) if sizes.val else None
    return DataSplit(cnnlab.images.batch(data.x_train[train_idx]), data.y_train[train_idx].astype(np.int32), x_val, y_val)


def compile_model(model, config: TrainConfig) -> None:
    model.compile(optimizer=optimizers.make(config.optimizer, config.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def build_state_before_fit(model, x: np.ndarray, y: np.ndarray) -> None:
    """Create a compiled model's optimizer, loss and metric variables now, eagerly, not inside fit's first trace.

    With no tf.distribute strategy Keras 3 leaves them to the first trace of the train step, where
    TensorFlow must lift each new variable's initializer out of the graph: a second, slower trace, all of
    it holding the interpreter lock (benchmarks/bench_training.py measures it). Two samples go through the
    model, the loss and the metrics; reset_metrics() forgets them (fit resets them at every epoch anyway);
    weights do not change.
    """
    model.optimizer.build(model.trainable_variables)
    sample_x, sample_y = x[:2], y[:2]
    predicted = model(sample_x, training=False)
    model.compute_loss(sample_x, sample_y, predicted)
    model.compute_metrics(sample_x, sample_y, predicted, sample_weight=None)
    model.reset_metrics()


def publishable_model(stack, config: TrainConfig):
    """The copy of a job's model that other pages use: compiled, so a downloaded file can evaluate()."""
    model = architecture.build_model(stack)
    compile_model(model, config)
    return model


def model_bytes(model) -> bytes:
    """The model as a .keras file's bytes (model.save needs a path)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.keras"
        model.save(path)
        return path.read_bytes()


# ---------------------------------------------------------------- the evaluation

@dataclass(frozen=True)
class Evaluation:
    test_loss: float
    test_accuracy: float
    confusion: np.ndarray  # (10, 10) counts, rows = true digit, columns = predicted
    per_class_accuracy: np.ndarray  # (10,)
    mistakes: tuple  # (index, true, predicted, confidence) most confident first, up to MISCLASSIFIED_KEPT
    mistake_images: np.ndarray  # uint8 (k, 28, 28), same order
    test_size: int


def test_probabilities(model, images: np.ndarray, batch: int = 1000,
                       before_each: Callable[[], None] | None = None) -> np.ndarray:
    """The model's output for uint8 test images, `batch` at a time, calling the model directly (never .predict).

    before_each() runs before every batch (the worker checks there whether it should leave).
    """
    parts = []
    for i in range(0, len(images), batch):
        if before_each is not None:
            before_each()
        parts.append(np.asarray(model(cnnlab.images.batch(images[i:i + batch]), training=False)))
    return np.concatenate(parts)


def evaluation_from_probs(probs: np.ndarray, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Test loss/accuracy, confusion matrix, per-class accuracy and the most confident mistakes."""
    labels = np.asarray(labels, dtype=np.int64)
    predicted = probs.argmax(axis=1)
    confidence = probs[np.arange(len(probs)), predicted]
    eps = 1e-7  # keras clips probabilities the same way in sparse_categorical_crossentropy
    loss = float(-np.mean(np.log(np.clip(probs[np.arange(len(probs)), labels], eps, 1 - eps))))
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
    wrong = np.flatnonzero(predicted != labels)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")][:MISCLASSIFIED_KEPT]
    mistakes = tuple((int(i), int(labels[i]), int(predicted[i]), float(confidence[i])) for i in wrong)
    return Evaluation(loss, float(np.mean(predicted == labels)), confusion, per_class, mistakes,
                      np.asarray(images[wrong]), len(labels))
