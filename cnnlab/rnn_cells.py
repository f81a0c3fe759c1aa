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

