"""Recurrent cells stepped through by hand, with Keras' exact arithmetic, in numpy.

A SimpleRNN cell, as `tf.keras.layers.SimpleRNN` computes it:
h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias), which is the textbook
h_t = tanh(W·x_t + U·h_{t-1} + b) with W = kernelᵀ, U = recurrent_kernelᵀ. Every term of every
step is kept (`RnnStep`), so a page can show the formula with the numbers filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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



# ---------------------------------------------------------------- the gated cells, as Keras 3 computes them

def sigmoid(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


@dataclass(frozen=True)
class CellWeights:
    """A recurrent layer's weights in Keras layout, for any of the three kinds.

    kernel (inputs, blocks·units), recurrent_kernel (units, blocks·units); bias (blocks·units,), or for the
    GRU (2, 3·units): an input bias and a recurrent bias (reset_after=True). Blocks in Keras' order:
    SimpleRNN h; LSTM i, f, c, o; GRU z, r, h.
    """

    kind: str  # "SimpleRNN", "LSTM" or "GRU"
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray

    @property
    def units(self) -> int:
        return int(self.recurrent_kernel.shape[0])

    @classmethod
    def of_layer(cls, layer) -> CellWeights:
        """The weights of a Keras SimpleRNN/LSTM/GRU layer (with a bias, GRU with reset_after)."""
        kernel, recurrent, bias = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
        return cls(type(layer).__name__, kernel, recurrent, bias)

    def simple(self) -> RnnWeights:
        return RnnWeights(self.kernel, self.recurrent_kernel, self.bias)


@dataclass(frozen=True)
class GatedStep:
    """One time step t of an LSTM or a GRU, every gate as a vector (units,).

    LSTM: i, f, o gates (sigmoid), g the candidate (tanh), c_prev → c the cell state.
    GRU:  z (update) and r (reset) gates, g the candidate h̃; c and c_prev are None.
    """

    t: int
    x: np.ndarray
    h_prev: np.ndarray
    gates: dict[str, np.ndarray]  # "i", "f", "o" or "z", "r"
    g: np.ndarray
    h: np.ndarray
    c_prev: np.ndarray | None = None
    c: np.ndarray | None = None


def _blocks(v: np.ndarray, count: int) -> list[np.ndarray]:
    return np.split(v, count, axis=-1)


def lstm_steps(x: np.ndarray, w: CellWeights) -> list[GatedStep]:
    """i, f, g, o = σ, σ, tanh, σ of (x_t·kernel + h_{t−1}·recurrent_kernel + bias); c_t = f⊙c_{t−1} + i⊙g;
    h_t = o⊙tanh(c_t), from h_0 = c_0 = 0."""
    h = c = np.zeros(w.units)
    steps = []
    for t, x_t in enumerate(np.asarray(x, dtype=np.float64), start=1):
        pre_i, pre_f, pre_g, pre_o = _blocks(x_t @ w.kernel + h @ w.recurrent_kernel + w.bias, 4)
        i, f, g, o = sigmoid(pre_i), sigmoid(pre_f), np.tanh(pre_g), sigmoid(pre_o)
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        steps.append(GatedStep(t, x_t, h, {"i": i, "f": f, "o": o}, g, h_new, c, c_new))
        h, c = h_new, c_new
    return steps


def gru_steps(x: np.ndarray, w: CellWeights) -> list[GatedStep]:
    """Keras 3's GRU (reset_after=True): z, r = σ(x_t·W + b_in + h_{t−1}·U + b_rec) per block;
    h̃ = tanh(x_t·W_h + b_in,h + r⊙(h_{t−1}·U_h + b_rec,h)); h_t = z⊙h_{t−1} + (1 − z)⊙h̃."""
    input_bias, recurrent_bias = w.bias
    h = np.zeros(w.units)
    steps = []
    for t, x_t in enumerate(np.asarray(x, dtype=np.float64), start=1):
        x_z, x_r, x_h = _blocks(x_t @ w.kernel + input_bias, 3)
        h_z, h_r, h_h = _blocks(h @ w.recurrent_kernel + recurrent_bias, 3)
        z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
        g = np.tanh(x_h + r * h_h)
        h_new = z * h + (1 - z) * g
        steps.append(GatedStep(t, x_t, h, {"z": z, "r": r}, g, h_new))
        h = h_new
    return steps


def cell_steps(x: np.ndarray, w: CellWeights) -> list[RnnStep] | list[GatedStep]:
    """Every step of the layer's cell over x (T, inputs), with all its terms."""
    if w.kind == "SimpleRNN":
        return simple_rnn_steps(x, w.simple())
    if w.kind == "LSTM":
        return lstm_steps(x, w)
    if w.kind == "GRU":
        return gru_steps(x, w)
    raise ValueError(f"not a recurrent layer kind: {w.kind!r}")


def cell_states(x: np.ndarray, w: CellWeights) -> np.ndarray:
    """All hidden states (T, units), like the layer with return_sequences=True on one sequence."""
    return np.stack([s.h for s in cell_steps(x, w)])


@dataclass(frozen=True)
class GateTerms:
    """One gate of one unit at one step: value = activation(pre), pre = x_part + h_part + bias.

    name: "h" (SimpleRNN), "i", "f", "g", "o" (LSTM: g the candidate), "z", "r", "g" (GRU: g the candidate h̃,
    whose h_part is r ⊙ (h_{t−1}·U_h + recurrent bias): the reset gate applied after the product).
    x_part = x_t·(the kernel's column), h_part = h_{t−1}·(the recurrent kernel's column).
    """

    name: str
    x_part: float
    h_part: float
    bias: float
    pre: float
    value: float


def _column(w: CellWeights, block: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    col = block * w.units + j
    return w.kernel[:, col], w.recurrent_kernel[:, col]


def unit_terms(step, w: CellWeights, j: int) -> list[GateTerms]:
    """Every gate of unit j at this step, its terms recomputed from the layer's weights."""
    if w.kind == "SimpleRNN":
        return [GateTerms("h", float(step.wx[j]), float(step.uh[j]), float(step.b[j]), float(step.pre[j]),
                          float(step.h[j]))]
    names = ("i", "f", "g", "o") if w.kind == "LSTM" else ("z", "r", "g")
    biases = w.bias if w.kind == "LSTM" else w.bias.sum(axis=0)  # GRU: input + recurrent bias
    out = []
    for block, name in enumerate(names):
        kernel, recurrent = _column(w, block, j)
        x_part, h_part = float(step.x @ kernel), float(step.h_prev @ recurrent)
        bias = float(biases[block * w.units + j])
        if w.kind == "GRU" and name == "g":  # reset after: r ⊙ (h·U_h + b_rec,h); only the input bias outside
            bias = float(w.bias[0][block * w.units + j])
            h_part = float(step.gates["r"][j]) * (h_part + float(w.bias[1][block * w.units + j]))
        value = float(step.g[j] if name == "g" else step.gates[name][j])
        out.append(GateTerms(name, x_part, h_part, bias, x_part + h_part + bias, value))
    return out
