"""Each page's end of the chapter path: its two-line summary from its current numbers, and what to try next.

One call per page (components.chapter_path.path_view draws it). A suggestion changes a setting the page
shows, with one click: it writes the widget's key (components/state_keys.py) before the widget is drawn again.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from cnnlab import architecture as arch
from cnnlab import codegen, conv_ops, latex, optimizers, recipe, shapes
from cnnlab import sequence_experiment as experiment
from cnnlab.layers import conv2d_args
from components import model_editor as editor
from components import state_keys as keys
from components.chapter_path import Suggestion, path_view

# The Conv2D explorer's controls as they start: the chapter's Conv2D(2, 3, activation='relu') on (4, 28, 28, 3).
CONV_CHAPTER = {keys.CONV_BATCH: 4, keys.CONV_CHANNELS: 3, keys.CONV_HEIGHT: 28, keys.CONV_WIDTH: 28,
                keys.CONV_FILTERS: 2, keys.CONV_SQUARE: True, keys.CONV_KERNEL: 3, keys.CONV_STRIDES: 1,
                keys.CONV_PADDING: "valid", keys.CONV_DILATION: 1, keys.CONV_ACTIVATION: "relu"}


def _unless(condition: bool, suggestion: Suggestion) -> list[Suggestion]:
    """[suggestion], or nothing when the page already shows what it would set."""
    return [] if condition else [suggestion]


def home() -> None:
    path_view("home", ("path.summary_home", {}), heading="path.home_heading")


def sequences(memory: float, shuffled: bool, settings: experiment.ExperimentSettings) -> None:
    u, w = settings.units, settings.window
    values = {"units": u, "rnn": latex.thousands(u * (u + 2)), "window": w, "dense": latex.thousands((w + 1) * u)}
    tries = (_unless(memory == 0, Suggestion("path.try_seq_memory0", {keys.SEQUENCES_MEMORY: 0.0,
                                                                       keys.SEQUENCES_STEP_INPUT: "pulse"}))
             + _unless(shuffled, Suggestion("path.try_seq_shuffle", {keys.SEQUENCES_SHUFFLE: True}))
             + _unless("lstm" in settings.kinds, Suggestion("path.try_seq_lstm", {keys.SEQUENCES_LSTM: True})))
    path_view("sequences", ("path.summary_sequences", values), tries)


def conv(settings) -> None:
    """settings: the explorer's components.conv_views.ConvExplorerSettings."""
    layer = settings.layer
    summary = None
    if settings.error is None:
        (kh, kw), c, f = layer.kernel_size, layer.input_shape[3], layer.filters
        args = conv2d_args(f, layer.kernel_size, layer.strides, layer.padding, layer.dilation_rate, layer.activation)
        summary = ("path.summary_conv", {"args": args, "input": shapes.format_shape(layer.input_shape),
                                         "output": shapes.format_shape(settings.out_shape),
                                         "params": latex.thousands(layer.params()), "kh": kh, "kw": kw, "c": c, "f": f})
    other = "same" if layer.padding == "valid" else "valid"
    square_three = layer.kernel_size == (3, 3) and st.session_state.get(keys.CONV_SQUARE, True)
    tries = ([Suggestion("path.try_conv_padding", {keys.CONV_PADDING: other}, {"padding": other})]
             + _unless(layer == conv_ops.ConvSettings(), Suggestion("path.try_conv_chapter", CONV_CHAPTER))
             + _unless(layer.strides != (1, 1) or layer.dilation_rate != (1, 1),
                       Suggestion("path.try_conv_stride", {keys.CONV_STRIDES: 2}))
             + _unless(not square_three, Suggestion("path.try_conv_kernel", {keys.CONV_KERNEL: 5})))
    path_view("conv", summary, tries[:3])  # three at most: one row, even on a projector


def pooling(settings) -> None:
    """settings: the explorer's components.pooling_views.PoolExplorerSettings."""
    layer = settings.layer
    summary = None
    if settings.out_shape is not None:
        _, rows, cols, _ = settings.in_shape
        summary = ("path.summary_pooling", {"layer": codegen.pool_layer_code(layer), "rows": rows, "cols": cols,
                                            "out_rows": settings.out_shape[1], "out_cols": settings.out_shape[2]})
    same_two = layer.padding == "same" and layer.effective_strides == (2, 2)
    tries = (_unless(same_two, Suggestion("path.try_pool_same", {
                keys.POOLING_DEFAULT_STRIDES: False, keys.POOLING_STRIDE_H: 2, keys.POOLING_STRIDE_W: 2,
                keys.POOLING_PADDING: "same"}))
             + _unless(layer.strides is None, Suggestion("path.try_pool_default", {keys.POOLING_DEFAULT_STRIDES: True})))
    path_view("pooling", summary, tries)


def _double_dense(stack: tuple, index: int) -> None:
    if index >= len(stack) or stack[index].kind != "Dense":
        return  # the stack changed since the button was drawn: nothing to double there any more
    layer = stack[index]
    changed = replace(layer, units=layer.units * 2, uid=arch.next_uid(stack))  # a fresh uid: fresh widgets
    editor.set_spec(tuple(changed if i == index else other for i, other in enumerate(stack)))


def _add_dropout(stack: tuple) -> None:
    editor.set_spec(arch.insert_layer(stack, arch.suggested_insertion(stack, "Dropout"), arch.default_layer("Dropout")))


def model(stack: tuple) -> None:
    analysis = arch.analyze(stack)
    summary = ("path.summary_model_bad", {"layers": len(stack)})
    if analysis.ok:
        largest = max(analysis.layers, key=lambda r: r.params)
        summary = ("path.summary_model", {
            "layers": len(stack), "output": shapes.format_shape(analysis.output_shape),
            "params": latex.thousands(analysis.total_params), "largest": largest.layer.label(),
            "share": latex.percent(largest.params / max(analysis.total_params, 1), 0)})
    hidden = [i for i, layer in enumerate(stack[:-1]) if layer.kind == "Dense"]
    tries = []
    if analysis.ok and hidden:
        units = stack[hidden[0]].units
        tries.append(Suggestion("path.try_model_dense", values={"units": units, "doubled": units * 2},
                                change=lambda: _double_dense(editor.current_spec(), hidden[0])))
    if analysis.ok and "Dropout" not in {layer.kind for layer in stack}:
        tries.append(Suggestion("path.try_model_dropout", change=lambda: _add_dropout(editor.current_spec())))
    tries += _unless(stack == arch.chapter_spec(), Suggestion("path.try_model_chapter", change=editor.reset_to_chapter))
    path_view("model", summary, tries)


def train(n_train: int, config: recipe.TrainConfig, busy: bool) -> None:
    """busy: this session's training is running (its settings are locked: nothing to try then)."""
    sizes = recipe.split_sizes(n_train, config)
    summary = ("path.summary_train", {"epochs": config.epochs, "steps": latex.thousands(sizes.steps),
                                      "batch": config.batch_size, "optimizer": config.optimizer,
                                      "updates": latex.thousands(config.epochs * sizes.steps)})
    sgd = {keys.TRAIN_OPTIMIZER: "sgd", keys.TRAIN_LEARNING_RATE: optimizers.default_learning_rate("sgd")}
    tries = ([] if busy else
             _unless(config.batch_size == 128, Suggestion("path.try_train_batch", {keys.TRAIN_BATCH_SIZE: 128}))
             + _unless(config.epochs == 1, Suggestion("path.try_train_epoch", {keys.TRAIN_EPOCHS: 1}))
             + _unless(config.optimizer == "sgd", Suggestion("path.try_train_sgd", sgd)))
    path_view("train", summary, tries)


def draw(layers) -> None:
    """layers: the drawing's layer outputs (None: nothing drawn yet)."""
    summary = ("path.summary_draw_empty", {})
    if layers:
        p = np.asarray(layers[-1].output)
        summary = ("path.summary_draw", {"digit": int(np.argmax(p)), "percent": latex.percent(float(p.max()), 0)})
    shown = st.session_state.get(keys.DRAW_SHOW_STEPS, False)
    path_view("draw", summary, _unless(shown or not layers, Suggestion("path.try_draw_steps",
                                                                       {keys.DRAW_SHOW_STEPS: True})))


def network(layers, traced_position: int | None) -> None:
    """layers: the model's layer outputs (None: no model); traced_position: the traced cell's layer (None: none)."""
    if layers is None:
        path_view("network")
        return
    summary = ("path.summary_network", {"layers": len(layers)})
    kinds = [(i, out.kind) for i, out in enumerate(layers)]
    last_conv = max((i for i, kind in kinds if kind == "Conv2D"), default=None)
    first_pool = min((i for i, kind in kinds if kind == "MaxPooling2D"), default=None)
    tries = (_unless(last_conv in (None, traced_position),
                     Suggestion("path.try_network_conv", {keys.NETWORK_LAYER: last_conv}, {"layer": (last_conv or 0) + 1}))
             + _unless(first_pool in (None, traced_position),
                       Suggestion("path.try_network_pool", {keys.NETWORK_LAYER: first_pool},
                                  {"layer": (first_pool or 0) + 1})))
    path_view("network", summary, tries)
