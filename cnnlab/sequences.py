"""Sequential data and recurrent networks (chapter 10, section 1), in numpy.

- Generated, seeded examples of sequential data: a stock-price-like random walk,
  a sentence as a sequence of tokens, a short audio-like waveform.
- A SimpleRNN cell stepped through by hand, with the exact arithmetic of
  `tf.keras.layers.SimpleRNN`: h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias),
  which is the textbook h_t = tanh(W·x_t + U·h_{t-1} + b) with W = kernelᵀ, U = recurrent_kernelᵀ.
- Next-value prediction: generated series, sliding windows, and a training helper
  that fits a Dense (standard) network, a SimpleRNN and an LSTM on the same windows.

TensorFlow is imported only inside `train_models` (and the functions that build
Keras models): importing this module is free.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from cnnlab import optimizers
from cnnlab.recipe import build_state_before_fit

# --------------------------------------------------------------------------------------
# 1. Sequential data, seen
# --------------------------------------------------------------------------------------


def stock_walk(n: int = 80, seed: int = 0, start: float = 100.0) -> np.ndarray:
    """A stock-price-like geometric random walk: each day's price is yesterday's times a small change."""
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.001, 0.02, size=n - 1)
    return start * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))


def audio_wave(n: int = 240, seed: int = 0) -> np.ndarray:
    """A short audio-like waveform: a plucked note (two decaying tones) plus a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / n
    envelope = np.exp(-3.0 * t)
    tone = np.sin(2 * np.pi * 9 * t) + 0.45 * np.sin(2 * np.pi * 23 * t + 0.7)
    return envelope * tone + 0.03 * rng.normal(size=n)


def tokens(sentence: str) -> list[str]:
    """A sentence as a sequence of tokens (here: words separated by spaces)."""
    return sentence.split()


def shuffle_order(n: int, seed: int = 0) -> np.ndarray:
    """A seeded permutation of 0..n-1 that moves at least one element (for n > 1)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    while n > 1 and np.array_equal(order, np.arange(n)):
        order = rng.permutation(n)
    return order


def neighbour_correlation(values: Sequence[float]) -> float:
    """Correlation of each value with the one before it (lag-1 autocorrelation).

    Close to 1 when the past predicts the next value well; near 0 once the order is shuffled.
    """
    x = np.asarray(values, dtype=float)
    if x.size < 3 or np.std(x[:-1]) == 0 or np.std(x[1:]) == 0:
        return 0.0
    return float(np.corrcoef(x[:-1], x[1:])[0, 1])


# --------------------------------------------------------------------------------------
# 2. A SimpleRNN cell, step by step
# --------------------------------------------------------------------------------------

STEP_INPUTS = ("pulse", "ramp", "sine")


@dataclass(frozen=True)
class RnnWeights:
    """SimpleRNN weights in Keras layout: kernel (input_dim, units), recurrent_kernel (units, units), bias (units,)."""

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray

    @property
    def units(self) -> int:
        return int(self.bias.shape[0])

    @property
    def W(self) -> np.ndarray:  # noqa: N802 - the textbook's name
        """Textbook W (units, input_dim) = kernelᵀ."""
        return self.kernel.T

    @property
    def U(self) -> np.ndarray:  # noqa: N802 - the textbook's name
        """Textbook U (units, units) = recurrent_kernelᵀ."""
        return self.recurrent_kernel.T

    def as_keras(self) -> list[np.ndarray]:
        """[kernel, recurrent_kernel, bias] for `SimpleRNN.set_weights`."""
        return [self.kernel.astype(np.float32), self.recurrent_kernel.astype(np.float32),
                self.bias.astype(np.float32)]


# Small, readable weights for a 3-unit cell on a 1-dimensional input (textbook layout W, U).
_DEMO_W = np.array([[0.9], [-0.6], [0.4]])
_DEMO_U = np.array([[0.5, -0.3, 0.2],
                    [0.4, 0.6, -0.2],
                    [-0.3, 0.2, 0.7]])
_DEMO_B = np.array([0.0, 0.1, -0.1])


def demo_weights(memory: float = 1.0) -> RnnWeights:
    """The step-through cell: 1 input, 3 hidden units. `memory` scales U (0 = no memory at all)."""
    return RnnWeights(kernel=_DEMO_W.T.copy(), recurrent_kernel=np.round(_DEMO_U * memory, 4).T.copy(),
                      bias=_DEMO_B.copy())


def demo_inputs(kind: str = "pulse", steps: int = 8) -> np.ndarray:
    """A short input sequence, shape (steps, 1).

    pulse: a single 1 at the first step, then zeros (does the state remember it?);
    ramp: -1 … 1 in equal steps; sine: one period of a sine, rounded to 2 decimals.
    """
    if kind == "pulse":
        x = np.zeros(steps)
        x[0] = 1.0
    elif kind == "ramp":
        x = np.round(np.linspace(-1.0, 1.0, steps), 2)
    elif kind == "sine":
        x = np.round(np.sin(2 * np.pi * np.arange(steps) / steps), 2)
    else:
        raise ValueError(f"unknown input kind {kind!r}; expected one of {STEP_INPUTS}")
    return x.reshape(steps, 1)


@dataclass(frozen=True)
class RnnStep:
    """One time step t of h_t = tanh(W·x_t + U·h_{t-1} + b), every term as a vector (units,)."""

    t: int  # 1-based, as in the formula
    x: np.ndarray  # (input_dim,)
    h_prev: np.ndarray
    wx: np.ndarray  # W·x_t
    uh: np.ndarray  # U·h_{t-1}
    b: np.ndarray
    pre: np.ndarray  # W·x_t + U·h_{t-1} + b
    h: np.ndarray  # tanh(pre)


def simple_rnn_steps(x: np.ndarray, weights: RnnWeights, h0: np.ndarray | None = None) -> list[RnnStep]:
    """Run the cell over x (T, input_dim) from h0 (zeros, as Keras), keeping every term."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    h = np.zeros(weights.units) if h0 is None else np.asarray(h0, dtype=float)
    steps = []
    for t, x_t in enumerate(x, start=1):
        wx = weights.W @ x_t
        uh = weights.U @ h
        pre = wx + uh + weights.bias
        h_new = np.tanh(pre)
        steps.append(RnnStep(t=t, x=x_t, h_prev=h, wx=wx, uh=uh, b=weights.bias, pre=pre, h=h_new))
        h = h_new
    return steps


def simple_rnn_states(x: np.ndarray, weights: RnnWeights) -> np.ndarray:
    """All hidden states (T, units), like SimpleRNN(return_sequences=True) on one sequence."""
    return np.stack([s.h for s in simple_rnn_steps(x, weights)])


def _py_list(a: np.ndarray, indent: str = "") -> str:
    """A small array as a Python literal, one row per line for matrices, numbers as short as exact."""
    a = np.asarray(a, dtype=float)

    def num(v: float) -> str:
        return f"{v:g}"

    if a.ndim == 1:
        return "[" + ", ".join(num(v) for v in a) + "]"
    rows = [indent + "    [" + ", ".join(f"{num(v):>5}" for v in row) + "]," for row in a]
    return "[\n" + "\n".join(rows) + "\n" + indent + "]"


def step_code(x: np.ndarray, weights: RnnWeights) -> str:
    """Runnable tf.keras code that reproduces the step-through's hidden states."""
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    steps, features = x.shape
    return f"""import numpy as np
import tensorflow as tf

# the input sequence x_1 … x_{steps}: shape (batch 1, time steps {steps}, features {features})
x = np.array({_py_list(x[:, 0])}, dtype="float32").reshape(1, {steps}, {features})

rnn = tf.keras.layers.SimpleRNN({weights.units}, return_sequences=True)
rnn.build(x.shape)
kernel = np.array({_py_list(weights.kernel)}, dtype="float32")  # = Wᵀ
recurrent_kernel = np.array({_py_list(weights.recurrent_kernel)}, dtype="float32")  # = Uᵀ
bias = np.array({_py_list(weights.bias)}, dtype="float32")  # = b
rnn.set_weights([kernel, recurrent_kernel, bias])

h = rnn(x)  # every hidden state h_1 … h_{steps}, shape (1, {steps}, {weights.units})
print(np.round(h.numpy()[0], 2))  # one row per time step
"""


# --------------------------------------------------------------------------------------
# 3. Experiment: next-value prediction, Dense vs SimpleRNN vs LSTM
# --------------------------------------------------------------------------------------

SERIES_KINDS = ("changing_wave", "sine_noise", "random_walk", "waves")
MODEL_KINDS = ("dense", "rnn", "lstm")
KERAS_LAYER = {"dense": "Dense", "rnn": "SimpleRNN", "lstm": "LSTM"}
DEFAULT_WINDOWS = 600
TEST_FRACTION = 0.2
# The experiment's starting settings on the page, chosen so that the recurrent model wins clearly
# and on every seed (benchmarks/bench_sequences.py measures the Dense/RNN error ratio over 5 seeds).
DEFAULT_SERIES = "changing_wave"
CHANGE_EVERY = 30  # steps between two periods of the changing_wave series
DEFAULT_WINDOW = 20
DEFAULT_UNITS = 16
DEFAULT_EPOCHS = 20


def make_series(kind: str, n: int, seed: int = 0) -> np.ndarray:
    """A generated series of length n (float32).

    changing_wave: a sine whose period jumps to a new random value (8 to 40 steps) every
    CHANGE_EVERY steps, with a little noise: to predict it, a model must read the current
    period off the recent values; sine_noise: a sine with period 25 plus noise; random_walk:
    cumulative sum of Gaussian steps; waves: a sum of three sines with different periods.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    if kind == "changing_wave":
        periods = np.repeat(rng.uniform(8, 40, size=n // CHANGE_EVERY + 1), CHANGE_EVERY)[:n]
        y = np.sin(np.cumsum(2 * np.pi / periods)) + 0.02 * rng.normal(size=n)
    elif kind == "sine_noise":
        y = np.sin(2 * np.pi * t / 25) + 0.15 * rng.normal(size=n)
    elif kind == "random_walk":
        y = np.cumsum(rng.normal(0.0, 1.0, size=n)) * 0.2
    elif kind == "waves":
        y = np.sin(2 * np.pi * t / 40) + 0.5 * np.sin(2 * np.pi * t / 13 + 1.0) + 0.3 * np.sin(2 * np.pi * t / 7)
    else:
        raise ValueError(f"unknown series kind {kind!r}; expected one of {SERIES_KINDS}")
    return y.astype(np.float32)


def make_windows(series: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows: x[i] = series[i : i+window] (n-window, window), y[i] = series[i+window] (n-window,)."""
    series = np.asarray(series)
    if window < 1:
        raise ValueError("window must be at least 1")
    if len(series) <= window:
        raise ValueError(f"series of length {len(series)} is too short for window {window}")
    x = np.lib.stride_tricks.sliding_window_view(series[:-1], window).copy()
    y = series[window:].copy()
    return x, y


@dataclass(frozen=True)
class WindowData:
    """Windows split in time order: the first (1 - TEST_FRACTION) for training, the rest held out.

    x_* and y_* are standardised with the training part's mean and std (what the models see);
    `series` is the raw series, `split` the index in `series` of the first held-out target.
    """

    kind: str
    window: int
    series: np.ndarray
    x_train: np.ndarray  # (n_train, window)
    y_train: np.ndarray  # (n_train,)
    x_test: np.ndarray
    y_test: np.ndarray
    mean: float
    std: float

    @property
    def split(self) -> int:
        return self.window + len(self.y_train)

    def to_raw(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values) * self.std + self.mean


def prepare_data(kind: str, window: int, n_windows: int = DEFAULT_WINDOWS, seed: int = 0) -> WindowData:
    """The series for `kind`, cut into n_windows windows of length `window`, split and standardised."""
    series = make_series(kind, n_windows + window, seed)
    x, y = make_windows(series, window)
    n_train = int(round(len(y) * (1 - TEST_FRACTION)))
    mean = float(series[: n_train + window].mean())
    std = float(series[: n_train + window].std()) or 1.0
    xs, ys = (x - mean) / std, (y - mean) / std
    return WindowData(kind=kind, window=window, series=series, x_train=xs[:n_train].astype(np.float32),
                      y_train=ys[:n_train].astype(np.float32), x_test=xs[n_train:].astype(np.float32),
                      y_test=ys[n_train:].astype(np.float32), mean=mean, std=std)


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

    seed: every random initial weight comes from its own seeded initializer (seed + 1, + 2, + 3), so the
    same seed gives the same model in any thread, whatever else the process draws (no global seeding).
    """
    import keras
    from keras import layers

    def glorot(k: int):
        return "glorot_uniform" if seed is None else keras.initializers.GlorotUniform(seed=seed + k)

    def recurrent(cls):
        orthogonal = "orthogonal" if seed is None else keras.initializers.Orthogonal(seed=seed + 2)
        return cls(units, kernel_initializer=glorot(1), recurrent_initializer=orthogonal)

    if kind == "dense":
        body = [keras.Input(shape=(window,)), layers.Dense(units, activation="relu", kernel_initializer=glorot(1))]
    elif kind == "rnn":
        body = [keras.Input(shape=(window, 1)), recurrent(layers.SimpleRNN)]
    elif kind == "lstm":
        body = [keras.Input(shape=(window, 1)), recurrent(layers.LSTM)]
    else:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {MODEL_KINDS}")
    return keras.Sequential([*body, layers.Dense(1, kernel_initializer=glorot(3))], name=KERAS_LAYER[kind])


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


def train_models(data: WindowData, kinds: Sequence[str] = ("dense", "rnn"), *, units: int = 16, epochs: int = 20,
                 batch_size: int = 32, seed: int = 0, learning_rate: float = 0.01,
                 on_epoch: Callable[[str, int, float], None] | None = None) -> ExperimentResult:
    """Train each model kind on the same windows, one after the other, and test it on the held-out windows.

    on_epoch(kind, epoch, loss) is called after every epoch (1-based), from the calling thread.
    Evaluation calls the model directly (no model.predict). Errors are reported in the series' own units.
    Reproducible for a seed without touching the process's random state (other sessions train at the
    same time): seeded initializers, and each epoch's order of the windows from a seeded numpy generator.
    The caller holds a training slot (cnnlab.training.training_slot) while this runs.
    """
    started = time.perf_counter()
    truth = data.to_raw(data.y_test)
    naive_mse, naive_mae = errors(data.to_raw(data.x_test[:, -1]), truth)
    results: dict[str, ModelResult] = {}
    for kind in kinds:
        t0 = time.perf_counter()
        model = build_model(kind, data.window, units, seed=seed)
        # One compiled execution per epoch: the same updates as step by step, with less Python overhead.
        steps = max(1, -(-len(data.y_train) // batch_size))
        model.compile(optimizer=optimizers.make("adam", learning_rate), loss="mse", steps_per_execution=steps)
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
        result.mse, result.mae = errors(result.predictions, truth)
        result.seconds = time.perf_counter() - t0
        results[kind] = result
    return ExperimentResult(kind=data.kind, window=data.window, units=units, epochs=epochs, models=results,
                            truth=truth, naive_mse=naive_mse, naive_mae=naive_mae,
                            seconds=time.perf_counter() - started)


_SERIES_CODE = {
    "changing_wave": f"periods = np.repeat(rng.uniform(8, 40, size=n // {CHANGE_EVERY} + 1), {CHANGE_EVERY})[:n]"
                     f"  # a new period every {CHANGE_EVERY} steps\n"
                     "y = np.sin(np.cumsum(2 * np.pi / periods)) + 0.02 * rng.normal(size=n)",
    "sine_noise": "y = np.sin(2 * np.pi * t / 25) + 0.15 * rng.normal(size=n)",
    "random_walk": "y = np.cumsum(rng.normal(0.0, 1.0, size=n)) * 0.2",
    "waves": "y = np.sin(2 * np.pi * t / 40) + 0.5 * np.sin(2 * np.pi * t / 13 + 1.0) + 0.3 * np.sin(2 * np.pi * t / 7)",
}
_MODEL_CODE = {
    "dense": "tf.keras.Input(shape=(window,)),  # the flattened window\n"
             "        tf.keras.layers.Dense(units, activation=\"relu\", kernel_initializer=glorot(1)),",
    "rnn": "tf.keras.Input(shape=(window, 1)),  # window time steps, 1 feature each\n"
           "        tf.keras.layers.SimpleRNN(units, kernel_initializer=glorot(1), recurrent_initializer=orthogonal(2)),",
    "lstm": "tf.keras.Input(shape=(window, 1)),\n"
            "        tf.keras.layers.LSTM(units, kernel_initializer=glorot(1), recurrent_initializer=orthogonal(2)),",
}


def experiment_code(kind: str, window: int, units: int, epochs: int, kinds: Sequence[str] = ("dense", "rnn"),
                    n_windows: int = DEFAULT_WINDOWS, seed: int = 0, batch_size: int = 32) -> str:
    """Runnable tf.keras code for the experiment with these settings (same series, split and models)."""
    models = "\n".join(f'    "{k}": lambda: tf.keras.Sequential([\n        {_MODEL_CODE[k]}\n'
                       f'        tf.keras.layers.Dense(1, kernel_initializer=glorot(3)),\n    ]),' for k in kinds)
    return f"""import numpy as np
import tensorflow as tf

window, units, epochs = {window}, {units}, {epochs}

# The series ({kind}) and its sliding windows: x = {window} past values, y = the next value
rng = np.random.default_rng({seed})
n = {n_windows} + window
t = np.arange(n, dtype=float)
{_SERIES_CODE[kind]}
y = y.astype("float32")
x_all = np.lib.stride_tricks.sliding_window_view(y[:-1], window)  # ({n_windows}, window)
y_all = y[window:]
n_train = int(round(len(y_all) * {1 - TEST_FRACTION}))                 # first 80% train, last 20% test
mean, std = y[:n_train + window].mean(), y[:n_train + window].std()
x_all, y_all = (x_all - mean) / std, (y_all - mean) / std
x_train, y_train, x_test, y_test = x_all[:n_train], y_all[:n_train], x_all[n_train:], y_all[n_train:]

# Seeded initial weights and a seeded order of the windows: every run gives the same numbers
def glorot(k):
    return tf.keras.initializers.GlorotUniform(seed={seed} + k)


def orthogonal(k):
    return tf.keras.initializers.Orthogonal(seed={seed} + k)


models = {{
{models}
}}
for name, build in models.items():
    model = build()
    model.compile(optimizer=tf.keras.optimizers.Adam({0.01}), loss="mse")
    xs_train, xs_test = (x_train, x_test) if name == "dense" else (x_train[..., None], x_test[..., None])
    order = np.random.default_rng({seed})
    for epoch in range(epochs):  # one pass over the windows, in a new seeded order each time
        shuffled = order.permutation(len(y_train))
        model.fit(xs_train[shuffled], y_train[shuffled], epochs=1, batch_size={batch_size}, shuffle=False, verbose=0)
    pred = model(xs_test, training=False).numpy().reshape(-1) * std + mean
    truth = y_test * std + mean
    print(name, model.count_params(), "params, test MSE", np.mean((pred - truth) ** 2))
"""
