"""Each page's questions from what the page computed: one call per page, at its end (or in its section).

The numbers come from the page's own objects (its settings, the stack, the model's layer outputs), and the
questions from cnnlab.question_bank, which uses the page's core functions: a question never disagrees with
the page. Pages whose explorer is a fragment call from inside it, so the questions follow every change.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab import architecture as arch
from cnnlab import question_bank as bank
from cnnlab import recipe, step_through
from cnnlab import sequence_experiment as experiment
from components import conv_views, pooling_views
from components import state_keys as keys
from components.checks import checks_view


def sequences(memory: float, step_t: int, settings: experiment.ExperimentSettings) -> None:
    """The step-through's h_t, the experiment's SimpleRNN parameters and its (window, target) pairs."""
    checks_view("sequences", lambda: bank.sequence_questions(memory, step_t, settings.window, settings.units,
                                                             settings.n_windows))


def conv(settings: conv_views.ConvExplorerSettings) -> None:
    """The output shape, the parameters, and the middle cell of the step-through's grid and filter."""
    def questions():
        if settings.error is not None:
            return []
        kernels, _pic = conv_views.pictures(settings)
        count = kernels.kernel.shape[-1]
        which = step_through.clamp_index(int(st.session_state.get(keys.CONV_STEP_FILTER, 1)) - 1, count)
        crop = st.session_state.get(keys.CONV_STEP_INPUT, "grid") == "crop"
        grid = step_through.digit_crop(settings.digit, 8) if crop else step_through.small_grid(7)
        return bank.conv_questions(settings.layer, grid, kernels.kernel[:, :, 0, which],
                                   float(kernels.bias[which]), which + 1)

    checks_view("conv", questions, in_fragment=True)


def pooling(settings: pooling_views.PoolExplorerSettings) -> None:
    """The pooled matrix, the shape with 'same' and strides 2, the layer's parameters."""
    rows, cols = settings.in_shape[1:3]
    checks_view("pooling", lambda: bank.pooling_questions(settings.matrix, settings.layer, rows, cols),
                in_fragment=True)


def model(stack: tuple) -> None:
    checks_view("model", lambda: bank.model_questions(stack))


def train(n_train: int, config: recipe.TrainConfig) -> None:
    checks_view("train", lambda: bank.train_questions(n_train, config))


def draw(active, layers, canvas_px: int) -> None:
    """active: the active model (None: none); layers: the drawing's layer outputs (None: nothing drawn)."""
    shape = arch.INPUT_SHAPE if active is None else tuple(active.model.input_shape[1:])
    probabilities = None if not layers else np.asarray(layers[-1].output)
    checks_view("draw", lambda: bank.draw_questions(shape, canvas_px, probabilities), in_fragment=True)


def _traced(model, layers, selection) -> tuple | None:
    """(kind, window, input channels, where) of the Network page's traced cell."""
    if selection is None:
        return None
    out = layers[selection.position]
    layer = model.layers[out.index]
    channels = (layers[selection.position - 1].shape[-1] if selection.position > 0
                else int(model.input_shape[-1]))
    window = tuple(layer.get_weights()[0].shape[:2]) if out.kind == "Conv2D" else tuple(layer.pool_size)
    where = {"layer": selection.position + 1, "kind": out.kind, "map": selection.channel, "row": selection.row,
             "col": selection.col}
    return out.kind, window, int(channels), where


def _first_dense(layers) -> tuple[int, int, int] | None:
    """(inputs, units, layer number) of the first Dense layer that reads a flat vector."""
    for position, out in enumerate(layers):
        if out.kind == "Dense" and position > 0 and layers[position - 1].is_vector:
            return layers[position - 1].shape[0], out.shape[0], position + 1
    return None


def network(model, layers, selection) -> None:
    """The traced cell's inputs, the first Dense layer's parameters, why softmax adds up to 1."""
    checks_view("network", lambda: bank.network_questions(_traced(model, layers, selection), _first_dense(layers),
                                                          np.asarray(layers[-1].output)))
