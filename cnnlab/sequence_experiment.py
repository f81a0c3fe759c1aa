"""The sequences page's experiment: next-value prediction, a Dense network vs a SimpleRNN (vs an LSTM).

Every model learns the same windows of the same series (cnnlab.sequence_data), one after the other,
and is tested on the held-out windows. `ExperimentSettings` is one run: the worker trains it
(cnnlab.trainer_worker, through cnnlab.training.SequencesJob) and cnnlab.codegen writes it as code,
both from the definitions here (models, seeds, optimizer, learning rate).

TensorFlow is imported only inside the functions that build or train Keras models: importing this
module is free.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from cnnlab import optimizers
from cnnlab.recipe import build_state_before_fit
from cnnlab.sequence_data import DEFAULT_WINDOWS, TEST_FRACTION, WindowData, prepare_data

MODEL_KINDS = ("dense", "rnn", "lstm")
KERAS_LAYER = {"dense": "Dense", "rnn": "SimpleRNN", "lstm": "LSTM"}
DENSE_ACTIVATION = "relu"  # the standard network's hidden layer
# The experiment's starting settings on the page, chosen so that the recurrent model wins clearly
# and on every seed (benchmarks/bench_sequences.py measures the Dense/RNN error ratio over 5 seeds).
DEFAULT_SERIES = "changing_wave"
DEFAULT_WINDOW = 20
DEFAULT_UNITS = 16
DEFAULT_EPOCHS = 20
OPTIMIZER = "adam"
LEARNING_RATE = 0.01
BATCH_SIZE = 32
# Each random initial weight has its own seeded initializer: the run's seed plus this offset.
KERNEL_SEED, RECURRENT_SEED, HEAD_SEED = 1, 2, 3


@dataclass(frozen=True)
class ExperimentSettings:
    """One run of the experiment: the page's controls (series .. kinds) and the fixed choices after them."""

    series: str = DEFAULT_SERIES
    window: int = DEFAULT_WINDOW
    units: int = DEFAULT_UNITS
    epochs: int = DEFAULT_EPOCHS
    kinds: tuple[str, ...] = ("dense", "rnn")
    n_windows: int = DEFAULT_WINDOWS
    seed: int = 0  # the series' noise, the initial weights and each epoch's order of the windows
    batch_size: int = BATCH_SIZE
    learning_rate: float = LEARNING_RATE

    def data(self) -> WindowData:
        return prepare_data(self.series, self.window, self.n_windows, self.seed)

    def made(self, result: ExperimentResult) -> bool:
        """True if `result` comes from these settings (as far as the page's controls tell)."""
        return result.settings() == (self.series, self.window, self.units, self.epochs, self.kinds)


@dataclass(frozen=True)
class LayerRow:
    name: str
    output_shape: tuple
    params: int


def model_layers(kind: str, window: int, units: int) -> list[LayerRow]:
    """The layers of each experiment model with Keras' parameter counts, computed without TensorFlow.

    dense: Dense(units, relu) on the flattened window -> Dense(1): (window + 1)·units + units + 1
    rnn:   SimpleRNN(units) on (window, 1) -> Dense(1):           units·(1 + units + 1) + units + 1
    lstm:  LSTM(units) on (window, 1) -> Dense(1):                4·units·(1 + units + 1) + units + 1
    The recurrent models' counts do not depend on the window: the same cell is reused at every step.
    """
    head = LayerRow("Dense", (None, 1), units + 1)
    if kind == "dense":
        return [LayerRow("Dense", (None, units), (window + 1) * units), head]
    if kind == "rnn":
        return [LayerRow("SimpleRNN", (None, units), units * (1 + units + 1)), head]
    if kind == "lstm":
        return [LayerRow("LSTM", (None, units), 4 * units * (1 + units + 1)), head]
    raise ValueError(f"unknown model kind {kind!r}; expected one of {MODEL_KINDS}")


def input_shape(kind: str, window: int) -> tuple:
    """What each model is fed: the flat window for Dense, (window, 1) steps for the recurrent ones."""
    return (None, window) if kind == "dense" else (None, window, 1)


def total_params(kind: str, window: int, units: int) -> int:
    return sum(row.params for row in model_layers(kind, window, units))


def build_model(kind: str, window: int, units: int, seed: int | None = None):
    """The Keras model for `kind` (see `model_layers`), uncompiled.

    seed: every random initial weight comes from its own seeded initializer (seed + KERNEL_SEED, ...), so
    the same seed gives the same model in any thread, whatever else the process draws (no global seeding).
    """
    import keras
    from keras import layers

    def glorot(offset: int):
        return "glorot_uniform" if seed is None else keras.initializers.GlorotUniform(seed=seed + offset)

    def recurrent(cls):
        orthogonal = "orthogonal" if seed is None else keras.initializers.Orthogonal(seed=seed + RECURRENT_SEED)
        return cls(units, kernel_initializer=glorot(KERNEL_SEED), recurrent_initializer=orthogonal)

    if kind == "dense":
        body = [keras.Input(shape=(window,)),
                layers.Dense(units, activation=DENSE_ACTIVATION, kernel_initializer=glorot(KERNEL_SEED))]
    elif kind == "rnn":
        body = [keras.Input(shape=(window, 1)), recurrent(layers.SimpleRNN)]
    elif kind == "lstm":
        body = [keras.Input(shape=(window, 1)), recurrent(layers.LSTM)]
    else:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {MODEL_KINDS}")
    return keras.Sequential([*body, layers.Dense(1, kernel_initializer=glorot(HEAD_SEED))], name=KERAS_LAYER[kind])


def forward_flops(kind: str, window: int, units: int) -> int:
    """One window's forward pass through the `kind` model, counted as cnnlab.layers counts (a multiply-add is 2,
    a bias 1, activations not counted): a recurrent cell does its work once per step of the window."""
    head = 2 * units + 1
    if kind == "dense":
        return units * (2 * window + 1) + head
    cell = units * (2 * (1 + units) + 1)  # input and recurrent weights, then the bias: SimpleRNN's step
    gates = 4 if kind == "lstm" else 1  # an LSTM step computes four such gates
    return window * gates * cell + head


def experiment_cost(settings: ExperimentSettings) -> float:
    """The experiment's estimated floating-point operations: each model's training steps (3 forward passes'
    worth per window and epoch, as cnnlab.recipe counts a training) and its test pass."""
    n_train = int(round(settings.n_windows * (1 - TEST_FRACTION)))  # as sequence_data.prepare_data splits
    n_test = settings.n_windows - n_train
    return float(sum(forward_flops(kind, settings.window, settings.units) * (3 * n_train * settings.epochs + n_test)
                     for kind in settings.kinds))


@dataclass
class ModelResult:
    """One trained model: per-epoch training loss (MSE, standardised units), held-out predictions (raw units)."""

    kind: str
    losses: list[float] = field(default_factory=list)
    predictions: np.ndarray | None = None
    mse: float | None = None
    mae: float | None = None
    params: int = 0
    seconds: float = 0.0


@dataclass
class ExperimentResult:
    kind: str
    window: int
    units: int
    epochs: int
    models: dict[str, ModelResult]
    truth: np.ndarray  # held-out targets, raw units
    naive_mse: float  # "next = last value" on the same held-out windows
    naive_mae: float
    seconds: float

    def settings(self) -> tuple:
        return (self.kind, self.window, self.units, self.epochs, tuple(self.models))


def error_ratio(result: ExperimentResult, kind: str = "dense", than: str = "rnn") -> float | None:
    """Test MSE of `kind` divided by that of `than` (> 1: `than` wins); None if either is missing."""
    a, b = result.models.get(kind), result.models.get(than)
    if a is None or b is None or a.mse is None or not b.mse:
        return None
    return a.mse / b.mse


def errors(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(MSE, MAE) between predictions and truth."""
    diff = np.asarray(pred, dtype=float) - np.asarray(truth, dtype=float)
    return float(np.mean(diff**2)), float(np.mean(np.abs(diff)))


def run(settings: ExperimentSettings,
        on_epoch: Callable[[str, int, float], None] | None = None) -> ExperimentResult:
    """The experiment these settings describe (see train_models)."""
    return train_models(settings.data(), settings.kinds, units=settings.units, epochs=settings.epochs,
                        batch_size=settings.batch_size, seed=settings.seed, learning_rate=settings.learning_rate,
                        on_epoch=on_epoch)


def train_models(data: WindowData, kinds: Sequence[str] = ("dense", "rnn"), *, units: int = DEFAULT_UNITS,
                 epochs: int = DEFAULT_EPOCHS, batch_size: int = BATCH_SIZE, seed: int = 0,
                 learning_rate: float = LEARNING_RATE,
                 on_epoch: Callable[[str, int, float], None] | None = None) -> ExperimentResult:
    """Train each model kind on the same windows, one after the other, and test it on the held-out windows.

    on_epoch(kind, epoch, loss) is called after every epoch (1-based), from the calling thread.
    Evaluation calls the model directly (no model.predict). Errors are reported in the series' own units.
    Reproducible for a seed without touching the process's random state: seeded initializers, and each
    epoch's order of the windows from a seeded numpy generator.
    """
    started = time.perf_counter()
    truth = data.to_raw(data.y_test)
    naive_mse, naive_mae = errors(data.to_raw(data.x_test[:, -1]), truth)
    results = {kind: train_one(data, kind, units=units, epochs=epochs, batch_size=batch_size, seed=seed,
                               learning_rate=learning_rate, on_epoch=on_epoch) for kind in kinds}
    return ExperimentResult(kind=data.kind, window=data.window, units=units, epochs=epochs, models=results,
                            truth=truth, naive_mse=naive_mse, naive_mae=naive_mae,
                            seconds=time.perf_counter() - started)


def train_one(data: WindowData, kind: str, *, units: int, epochs: int, batch_size: int, seed: int,
              learning_rate: float, on_epoch: Callable[[str, int, float], None] | None = None) -> ModelResult:
    """One model of the experiment, trained epoch by epoch (each a new seeded order) and tested."""
    t0 = time.perf_counter()
    model = build_model(kind, data.window, units, seed=seed)
    # One compiled execution per epoch: the same updates as step by step, with less Python overhead.
    steps = max(1, -(-len(data.y_train) // batch_size))
    model.compile(optimizer=optimizers.make(OPTIMIZER, learning_rate), loss="mse", steps_per_execution=steps)
    result = ModelResult(kind=kind, params=int(model.count_params()))
    x_train, x_test = data.x_train, data.x_test
    if kind != "dense":
        x_train, x_test = x_train[..., None], x_test[..., None]
    build_state_before_fit(model, x_train, data.y_train)
    order = np.random.default_rng(seed)
    for epoch in range(1, epochs + 1):
        shuffled = order.permutation(len(data.y_train))
        history = model.fit(x_train[shuffled], data.y_train[shuffled], epochs=1, batch_size=batch_size,
                            shuffle=False, verbose=0)
        result.losses.append(float(history.history.get("loss", [float("nan")])[-1]))
        if on_epoch is not None:
            on_epoch(kind, epoch, result.losses[-1])
    pred = np.asarray(model(x_test, training=False)).reshape(-1)
    result.predictions = data.to_raw(pred)
    result.mse, result.mae = errors(result.predictions, data.to_raw(data.y_test))
    result.seconds = time.perf_counter() - t0
    return result
