"""A recurrent model reading one digit row by row: its answer after every row, its hidden states, one step.

A Sequential model of the recurrent family (cnnlab.architecture.rnn_spec(): Reshape → LSTM → Dense) sees
the image as T time steps (the rows; the columns after Permute((2, 1))). Its Dense head reads only the
last hidden state h_T; the same head applied to every h_t gives the answer the model would give had the
image ended after row t. All of it comes from ONE call of a probe made once per model
(cnnlab.inspect_model.cached_probe): a functional model over the model's own layers whose last recurrent
layer is run again as a keras.layers.RNN over the SAME cell (the same weight variables) with
return_sequences=True, its head applied to every time step. `step_through` redoes the first recurrent
layer's arithmetic in numpy (cnnlab.rnn_cells) to write one step out with its numbers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from cnnlab import images, rnn_cells
from cnnlab.inspect_model import cached_probe
from cnnlab.layers import RECURRENT_KINDS

logger = logging.getLogger(__name__)

# Layers a head may have for the per-row answers: each acts on the last axis alone (Dropout: identity).
PER_STEP_HEAD = ("Dense", "Dropout", "BatchNormalization", "Activation")
DIRECTIONS = {("Reshape",): "rows", ("Reshape", "Permute"): "columns"}


@dataclass(frozen=True)
class Reader:
    """Where a model's recurrent part is: layer indices in model.layers (the InputLayer left out)."""

    first: int  # the first recurrent layer: it reads the image's rows (or columns)
    last: int  # the last recurrent layer: the head reads its hidden state
    kind: str  # the first recurrent layer's class: "SimpleRNN", "LSTM" or "GRU"
    direction: str  # "rows", "columns", or "other" (something else before it, e.g. a Conv2D)
    per_row: bool  # whether the head can read every time step (only Dense-like layers after `last`)
    recurrent_layers: int


@dataclass(frozen=True)
class RowReading:
    """What the model made of one image, time step by time step (t = 1 … T).

    sequence: (T, features) what the first recurrent layer reads, x_1 … x_T (row t's pixels)
    hidden:   (T, units) its hidden states h_1 … h_T
    per_row:  (T, classes) the answer after each time step (None when the head cannot read single steps)
    probabilities: (classes,) the model's answer: per_row[-1], the head on h_T
    """

    reader: Reader
    sequence: np.ndarray
    hidden: np.ndarray
    per_row: np.ndarray | None
    probabilities: np.ndarray

    @property
    def steps(self) -> int:
        return int(self.sequence.shape[0])

    @property
    def digit(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def decided_at(self) -> int | None:
        """The time step (1-based) from which the answer is the final one and stays so to the end."""
        return None if self.per_row is None else decided_step(self.per_row)


def decided_step(per_row: np.ndarray) -> int:
    """The first t (1-based) from which argmax(per_row[s]) is the final answer for every s ≥ t."""
    answers = np.argmax(per_row, axis=1)
    changed = np.flatnonzero(answers != answers[-1])
    return int(changed[-1]) + 2 if changed.size else 1


def _layers(model) -> list:
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def find_reader(model) -> Reader | None:
    """The recurrent part of a Sequential model, or None for a model without a recurrent layer."""
    kinds = [type(layer).__name__ for layer in _layers(model)]
    recurrent = [i for i, kind in enumerate(kinds) if kind in RECURRENT_KINDS]
    if not recurrent:
        return None
    first, last = recurrent[0], recurrent[-1]
    direction = DIRECTIONS.get(tuple(kinds[:first]), "other")
    per_row = all(kind in PER_STEP_HEAD for kind in kinds[last + 1:])
    return Reader(first, last, kinds[first], direction, per_row, len(recurrent))


def _make_probe(model):
    """[x_1…x_T, h_1…h_T of the first recurrent layer, the head on every h_t (or the model's output)]."""
    import keras

    reader = find_reader(model)
    if reader is None:
        return None
    try:
        layers = _layers(model)
        sequence = layers[reader.first].input
        last = layers[reader.last]
        states = keras.layers.RNN(last.cell, return_sequences=True, name=f"{last.name}_every_step")(last.input)
        first_states = states if reader.first == reader.last else layers[reader.first].output
        head = states
        if reader.per_row:
            for layer in layers[reader.last + 1:]:
                head = layer(head)
        else:
            head = model.outputs[0]
        probe = keras.Model(model.inputs, [sequence, first_states, head])
        probe.predict_on_batch(np.zeros((1, *model.inputs[0].shape[1:]), np.float32))  # traced now, once
        return probe
    except Exception:  # noqa: BLE001 - e.g. a model that was never built: it cannot be read row by row
        logger.warning("no row reader for model %s", getattr(model, "name", "?"), exc_info=True)
        return None


def read_rows(model, image: np.ndarray) -> RowReading | None:
    """The model's reading of one float image (h, w) or (h, w, 1) in [0, 1]; None without a recurrent layer."""
    probe = cached_probe(model, "rows", _make_probe)
    if probe is None:
        return None
    reader = find_reader(model)
    sequence, hidden, head = (np.asarray(v, dtype=np.float32)[0] for v in probe.predict_on_batch(images.one_image_batch(image)))
    per_row = head if reader.per_row else None
    probabilities = head[-1] if reader.per_row else head
    return RowReading(reader, sequence, hidden, per_row, probabilities)


@dataclass(frozen=True)
class StepThrough:
    """The first recurrent layer's arithmetic redone in numpy, every step (cnnlab.rnn_cells).

    steps: RnnStep (SimpleRNN) or GatedStep (LSTM, GRU) per time step; weights: the layer's own;
    keras_difference: the largest |h_t − Keras' h_t| over every step and unit.
    """

    weights: rnn_cells.CellWeights
    steps: list
    keras_difference: float

    @property
    def hidden(self) -> np.ndarray:
        return np.stack([s.h for s in self.steps])


def step_through(model, reading: RowReading) -> StepThrough:
    """Every step of the first recurrent layer on this reading's sequence, checked against Keras' states."""
    weights = rnn_cells.CellWeights.of_layer(_layers(model)[reading.reader.first])
    steps = rnn_cells.cell_steps(reading.sequence, weights)
    difference = float(np.max(np.abs(np.stack([s.h for s in steps]) - reading.hidden)))
    return StepThrough(weights, steps, difference)


def units_to_show(step, count: int) -> np.ndarray:
    """The `count` units whose hidden state this step changed most, in unit order."""
    moved = np.abs(step.h - step.h_prev)
    return np.sort(np.argsort(-moved, kind="stable")[:count])
