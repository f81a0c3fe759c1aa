"""Every page's predict-then-check questions, built from the learner's current settings.

Each builder takes what its page computes from (the layer's settings, the matrix, the stack, the training
settings, the model's layers) and returns the page's questions, 2 to 4, computed by the core functions the
page itself uses. With the page's starting settings they are the chapter's own examples: Conv2D(2, 3) on
(4, 28, 28, 3) -> (4, 26, 26, 2); MaxPooling2D((2, 2), strides=(1, 1)) on [[1,2,3],[4,5,6],[7,8,9]] ->
[[5, 6], [8, 9]]; the chapter's model, 93,322 parameters. Keras judges every answer
(tests/unit/test_questions_keras.py).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import replace

import numpy as np

from cnnlab import architecture as arch
from cnnlab import conv_ops, latex, recipe, shapes, step_through
from cnnlab.layers import conv2d_args
from cnnlab.questions import CHOICE, MATRIX, NUMBER, SHAPE, Mistake, Question, ceil_div_text, floor_div_text, shown

# ---------------------------------------------------------------- Sequences

DEPENDS_CHOICES = ("only_x", "x_and_h", "only_h", "all_inputs")
# A window of more numbers than this is no question to work out by hand: the cell question is left out.
MAX_HAND_TAPS = 25
# The pooled matrix's maxima written out: the first few make the rule plain, a whole 12×12 would bury it.
WORKED_CELLS = 6


def rnn_depends(memory: float, t: int) -> Question:
    """What h_t depends on at step t of the step-through: x_t alone at t = 1 or without memory (U = 0)."""
    alone = memory == 0 or t == 1
    explain = "explain_memory0" if memory == 0 else ("explain_first" if t == 1 else "explain")
    wrong_both = "x_and_h_memory0" if memory == 0 else "x_and_h_first"
    mistakes = [Mistake(wrong_both if c == "x_and_h" else c, c) for c in DEPENDS_CHOICES]
    return Question("seq_depends", CHOICE, "only_x" if alone else "x_and_h",
                    {"t": t, "prev": t - 1, "memory": f"{memory:g}"}, tuple(mistakes), DEPENDS_CHOICES,
                    explain=explain)


def rnn_params(units: int, window: int) -> Question:
    """SimpleRNN(units) on (window, 1): units·(1 + units + 1), whatever the window."""
    u = units
    return Question("seq_rnn_params", NUMBER, u * (1 + u + 1),
                    {"units": u, "window": window, "uu": u * u, "params": latex.thousands(u * (u + 2))},
                    (Mistake("no_recurrent", u * (1 + 1)), Mistake("no_bias", u * (1 + u)),
                     Mistake("window_inputs", u * (window + u + 1))))


def window_pairs(series_length: int, window: int) -> Question:
    """A series of N values cut into windows of `window` values, each followed by its target: N − window."""
    n, w = series_length, window
    return Question("seq_windows", NUMBER, n - w, {"n": n, "window": w, "last": n - w - 1, "pairs": n - w},
                    (Mistake("last_window", n - w + 1), Mistake("no_overlap", n // w), Mistake("every_value", n)))


def sequence_questions(memory: float, t: int, window: int, units: int, n_windows: int) -> list[Question]:
    """The Sequences page: the step-through's h_t, the experiment's SimpleRNN and its windows."""
    return [rnn_depends(memory, t), rnn_params(units, window), window_pairs(n_windows + window, window)]


# ---------------------------------------------------------------- Conv2D

def _layer_texts(layer: conv_ops.ConvSettings) -> dict:
    """The layer as the explorer's code writes it, and its input shape."""
    args = conv2d_args(layer.filters, layer.kernel_size, layer.strides, layer.padding, layer.dilation_rate,
                       layer.activation)
    return {"layer": f"Conv2D({args})", "input": shapes.format_shape(layer.input_shape)}


def _axis_texts(layer: conv_ops.ConvSettings) -> dict:
    _b, h, w, _c = layer.input_shape
    (kh, kw), (sh, sw), (dh, dw) = layer.kernel_size, layer.strides, layer.dilation_rate
    spans = (shapes.effective_kernel(kh, dh), shapes.effective_kernel(kw, dw))
    if layer.padding == "same":
        return {"formula_h": ceil_div_text(h, sh), "formula_w": ceil_div_text(w, sw), "span_h": spans[0],
                "span_w": spans[1]}
    return {"formula_h": floor_div_text(h, spans[0], sh), "formula_w": floor_div_text(w, spans[1], sw),
            "span_h": spans[0], "span_w": spans[1]}


def _conv_shape_with(layer: conv_ops.ConvSettings, **changes) -> tuple | None:
    try:
        return replace(layer, **changes).output_shape()
    except shapes.ShapeError:
        return None


def conv_shape(layer: conv_ops.ConvSettings) -> Question:
    """The output shape of the explorer's Conv2D (the chapter's (4, 26, 26, 2) at the start)."""
    out = layer.output_shape()
    b, h, w, c = layer.input_shape
    (kh, kw), (sh, sw), (dh, dw) = layer.kernel_size, layer.strides, layer.dilation_rate
    values = {"b": b, "h": h, "w": w, "c": c, "f": layer.filters, "kh": kh, "kw": kw, "sh": sh, "sw": sw,
              "dh": dh, "dw": dw, "padding": layer.padding, "out": shapes.format_shape(out), **_axis_texts(layer),
              **_layer_texts(layer)}
    other = "same" if layer.padding == "valid" else "valid"
    spans = (values["span_h"], values["span_w"])
    mistakes = [Mistake("kept_channels", (b, out[1], out[2], c)), Mistake("no_batch", out[1:])]
    if layer.padding == "valid":
        mistakes.insert(0, Mistake("steps_not_windows", (b, (h - spans[0]) // sh, (w - spans[1]) // sw, layer.filters),
                                   {"wrong_h": (h - spans[0]) // sh, "n_minus_k": h - spans[0]}))
    wrong = _conv_shape_with(layer, padding=other)
    if wrong is not None:
        mistakes.append(Mistake(f"padding_{other}", wrong))
    for name, change in (("no_stride", {"strides": (1, 1)}), ("no_dilation", {"dilation_rate": (1, 1)})):
        wrong = _conv_shape_with(layer, **change)
        if wrong is not None:
            mistakes.append(Mistake(name, wrong))
    return Question("conv_shape", SHAPE, out, values, tuple(mistakes))


def conv_params(layer: conv_ops.ConvSettings) -> Question:
    """(kh·kw·C + 1)·F weights and biases (the chapter's 56 at the start)."""
    (kh, kw), c, f = layer.kernel_size, layer.input_shape[3], layer.filters
    values = {"kh": kh, "kw": kw, "c": c, "f": f, "weights": kh * kw * c, "per_filter": kh * kw * c + 1,
              "b": layer.input_shape[0], "params": latex.thousands(layer.params()), **_layer_texts(layer)}
    return Question("conv_params", NUMBER, layer.params(), values,
                    (Mistake("no_bias", kh * kw * c * f), Mistake("no_channels", (kh * kw + 1) * f),
                     Mistake("one_filter", kh * kw * c + 1)))


def conv_cell(grid: np.ndarray, kernel: np.ndarray, bias: float, layer: conv_ops.ConvSettings,
              filter_number: int) -> Question | None:
    """The middle output cell of the step-through's grid and filter: input × weight summed, the bias, the
    activation. None when the kernel does not fit the grid or has more than MAX_HAND_TAPS weights."""
    if kernel.size > MAX_HAND_TAPS:
        return None
    try:
        _, out_h, out_w, _ = shapes.conv2d_output_shape((1, *grid.shape, 1), 1, kernel.shape, layer.strides,
                                                        layer.padding, layer.dilation_rate)
    except shapes.ShapeError:
        return None
    row, col = out_h // 2, out_w // 2
    step = step_through.conv_step(grid, kernel, row, col, layer.strides, layer.padding, layer.dilation_rate, bias,
                                  layer.activation)
    # The learner computes with the numbers as shown (3 significant digits): both results are right.
    pre_shown = float(np.sum(np.vectorize(shown)(step.values) * np.vectorize(shown)(step.weights)) + shown(bias))
    result_shown = float(conv_ops.activate(np.float32(pre_shown), layer.activation))
    tolerance = abs(result_shown - step.result) + 0.01
    values = {"row": row, "col": col, "filter": filter_number, "activation": layer.activation,
              "pre": latex.compact_number(step.pre_activation), "result": latex.compact_number(step.result),
              "bias": latex.compact_number(bias), "taps": step.values.size}
    mistakes = [Mistake("no_activation", step.pre_activation)]
    if bias:
        mistakes.append(Mistake("no_bias", float(conv_ops.activate(np.float32(step.pre_activation - bias),
                                                                       layer.activation))))
    grids = (("checks.grid_window", step.values), ("checks.grid_kernel", step.weights))
    explain = "explain" if layer.activation == "linear" else "explain_activation"
    return Question("conv_cell", NUMBER, step.result, values, tuple(mistakes), tolerance=tolerance, grids=grids,
                    worked=latex.conv_step_latex(step, layer.activation), explain=explain)


def conv_questions(layer: conv_ops.ConvSettings, grid: np.ndarray | None = None, kernel: np.ndarray | None = None,
                   bias: float = 0.0, filter_number: int = 1) -> list[Question]:
    """The Conv2D page: the output shape, the parameters, and one output cell of the step-through.
    None when Keras would reject the settings (the page explains why instead)."""
    try:
        layer.output_shape()
    except shapes.ShapeError:
        return []
    found = [conv_shape(layer), conv_params(layer)]
    if grid is not None and kernel is not None:
        cell = conv_cell(grid, kernel, bias, layer, filter_number)
        found += [cell] if cell is not None else []
    return found


# ---------------------------------------------------------------- MaxPooling2D

def _pooled(matrix: np.ndarray, pool, strides, padding: str) -> np.ndarray | None:
    try:
        return conv_ops.max_pool_forward(matrix, pool, strides, padding)[0, :, :, 0].astype(np.float64)
    except shapes.ShapeError:
        return None


def pool_matrix(matrix: np.ndarray, layer: conv_ops.PoolSettings) -> Question | None:
    """The pooled matrix (the chapter's [[5, 6], [8, 9]] at the start); None when Keras rejects the layer."""
    answer = _pooled(matrix, layer.pool_size, layer.strides, layer.padding)
    if answer is None:
        return None
    (ph, pw), (sh, sw) = layer.pool_size, layer.effective_strides
    values = {"ph": ph, "pw": pw, "sh": sh, "sw": sw, "padding": layer.padding, "rows": matrix.shape[0],
              "cols": matrix.shape[1], "out_rows": answer.shape[0], "out_cols": answer.shape[1],
              "strides": "None" if layer.strides is None else shapes.format_shape(layer.strides)}
    mistakes = []
    if (sh, sw) != (ph, pw):
        mistakes.append(Mistake("strides_as_pool", _pooled(matrix, layer.pool_size, None, layer.padding)))
    if (sh, sw) != (1, 1):
        mistakes.append(Mistake("strides_1", _pooled(matrix, layer.pool_size, (1, 1), layer.padding)))
    if layer.padding == "same":
        mistakes.append(Mistake("valid_for_same", _pooled(matrix, layer.pool_size, layer.strides, "valid")))
    mistakes = [m for m in mistakes if m.answer is not None]
    cells = [(r, c) for r in range(answer.shape[0]) for c in range(answer.shape[1])]
    lines = [latex.pool_step_latex(step_through.pool_step(matrix, r, c, layer.pool_size, layer.strides, layer.padding))
             for r, c in cells[:WORKED_CELLS]] + ([r"\vdots"] if len(cells) > WORKED_CELLS else [])
    return Question("pool_matrix", MATRIX, answer, values, tuple(mistakes), tolerance=0.005,
                    grids=(("checks.grid_matrix", matrix),),
                    worked=r"\begin{gathered}" + r" \\ ".join(lines) + r"\end{gathered}")


def pool_same_stride2(rows: int, cols: int, layer: conv_ops.PoolSettings) -> Question:
    """The output shape with the same pool size, padding='same' and strides 2: ⌈n / 2⌉ per axis.

    The chapter says 'same' keeps the height and width; that holds for strides 1 only."""
    ph, pw = layer.pool_size
    answer = shapes.pool2d_output_shape((1, rows, cols, 1), (ph, pw), (2, 2), "same")
    values = {"rows": rows, "cols": cols, "ph": ph, "pw": pw, "formula_h": ceil_div_text(rows, 2),
              "formula_w": ceil_div_text(cols, 2), "out": shapes.format_shape(answer)}
    mistakes = [Mistake("same_keeps_size", (1, rows, cols, 1)), Mistake("floor", (1, rows // 2, cols // 2, 1)),
                Mistake("no_batch", answer[1:3])]
    with contextlib.suppress(shapes.ShapeError):  # a pool larger than the input: no 'valid' output to mistake
        mistakes.append(Mistake("valid", shapes.pool2d_output_shape((1, rows, cols, 1), (ph, pw), (2, 2), "valid")))
    return Question("pool_same_s2", SHAPE, answer, values, tuple(mistakes))


def pool_params(layer: conv_ops.PoolSettings) -> Question:
    """A MaxPooling2D layer learns nothing: 0 parameters, whatever its window."""
    ph, pw = layer.pool_size
    return Question("pool_params", NUMBER, 0, {"ph": ph, "pw": pw, "cells": ph * pw},
                    (Mistake("window_cells", ph * pw), Mistake("window_plus_bias", ph * pw + 1)))


def pooling_questions(matrix: np.ndarray | None, layer: conv_ops.PoolSettings, rows: int, cols: int) -> list[Question]:
    """The MaxPooling2D page: the pooled matrix (while every cell is a number), 'same' with strides 2, parameters."""
    found = [pool_matrix(matrix, layer)] if matrix is not None else []
    return [q for q in found if q is not None] + [pool_same_stride2(rows, cols, layer), pool_params(layer)]


# ---------------------------------------------------------------- Model

def _biases(report: arch.LayerReport) -> int:
    """How many of a layer's parameters are biases (one per filter or unit)."""
    return {"Conv2D": report.layer.filters, "Dense": report.layer.units}.get(report.layer.kind, 0)


def layer_params(report: arch.LayerReport, number: int) -> Question:
    """One layer's parameter count (the chapter's second Conv2D: (3·3·32 + 1)·64 = 18,496)."""
    layer, shape = report.layer, report.input_shape
    values = {"number": number, "label": layer.label(), "input": shapes.format_shape(shape),
              "formula": arch.param_formula(report), "params": latex.thousands(report.params),
              "biases": _biases(report)}
    if layer.kind == "Conv2D":
        k, c, f = layer.kernel_size, shape[-1], layer.filters
        values.update(k=k, c=c, f=f)
        mistakes = (Mistake("no_channels", (k * k + 1) * f), Mistake("no_bias", k * k * c * f))
        explain = "explain_conv"
    elif layer.kind == "Dense":
        values.update(n=shape[-1], units=layer.units)
        mistakes, explain = (Mistake("no_bias", shape[-1] * layer.units),), "explain_dense"
    else:  # BatchNormalization: gamma and beta learn, the moving mean and variance are counted too
        values.update(c=shape[-1])
        mistakes, explain = (Mistake("trainable_only", report.trainable),), "explain_other"
    return Question("model_layer_params", NUMBER, report.params, values, mistakes, explain=explain)


def _flatten_after(stack, index: int, **changes_by_kind) -> tuple | None:
    """The Flatten's output when every layer of a kind is changed (a mistaken way of reading the stack)."""
    changed = tuple(replace(layer, **changes_by_kind.get(layer.kind, {})) for layer in stack)
    return arch.analyze(changed).layers[index].output_shape


def flatten_shape(stack, report: arch.LayerReport, number: int) -> Question:
    """The shape that leaves Flatten: (None, h·w·c) of what reaches it (the chapter's (None, 576))."""
    _, h, w, c = report.input_shape
    n = report.output_shape[1]
    values = {"number": number, "input": shapes.format_shape(report.input_shape), "h": h, "w": w, "c": c, "n": n}
    mistakes = (Mistake("no_batch", (n,)), Mistake("no_channels", (None, h * w)),
                Mistake("pool_ceil", _flatten_after(stack, report.index, MaxPooling2D={"padding": "same"})),
                Mistake("no_shrink", _flatten_after(stack, report.index, Conv2D={"padding": "same"})))
    return Question("model_flatten", SHAPE, report.output_shape, values,
                    tuple(m for m in mistakes if m.answer is not None))


def total_params(analysis: arch.Analysis) -> Question:
    """Every layer's parameters added up (the chapter's model: 93,322)."""
    total, biases = analysis.total_params, sum(_biases(r) for r in analysis.layers)
    terms = " + ".join(latex.thousands(r.params) for r in analysis.layers if r.params)
    values = {"layers": len(analysis.layers), "terms": terms, "total": latex.thousands(total),
              "biases": latex.thousands(biases)}
    largest = max(analysis.layers, key=lambda r: r.params)
    return Question("model_total", NUMBER, total, {**values, "largest": latex.thousands(largest.params)},
                    (Mistake("no_biases", total - biases), Mistake("largest_only", largest.params)))


def _question_layer(analysis: arch.Analysis) -> arch.LayerReport | None:
    """The layer to ask about: the first Conv2D that reads several channels, else the first with parameters."""
    with_params = [r for r in analysis.layers if r.params and r.input_shape is not None]
    deep = [r for r in with_params if r.layer.kind == "Conv2D" and r.input_shape[-1] > 1]
    return (deep or with_params or [None])[0]


def model_questions(stack) -> list[Question]:
    """The Model page: one layer's parameters, the shape after Flatten, the total (only what can exist)."""
    analysis = arch.analyze(stack)
    found = []
    layer = _question_layer(analysis)
    if layer is not None:
        found.append(layer_params(layer, layer.index + 1))
    flatten = next((r for r in analysis.layers if r.layer.kind == "Flatten" and r.output_shape is not None
                    and len(r.input_shape) == 4), None)
    if flatten is not None:
        found.append(flatten_shape(stack, flatten, flatten.index + 1))
    if analysis.ok:
        found.append(total_params(analysis))
    return found


# ---------------------------------------------------------------- Train

LOSS_CHOICES = ("sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
                "mean_squared_error")


def train_steps(n_total: int, config: recipe.TrainConfig) -> Question:
    """Batches per epoch, as Keras prints "250/250": ⌈training images / batch size⌉ (the chapter: 1875)."""
    sizes = recipe.split_sizes(n_total, config)
    b = config.batch_size
    values = {"images": latex.thousands(sizes.train), "batch": b, "steps": latex.thousands(sizes.steps),
              "val": latex.thousands(sizes.val), "used": latex.thousands(sizes.train + sizes.val),
              "last": sizes.train - (sizes.steps - 1) * b}
    return Question("train_steps", NUMBER, sizes.steps, values,
                    (Mistake("floor", sizes.train // b), Mistake("before_split", math.ceil((sizes.train + sizes.val) / b)),
                     Mistake("images", sizes.train)),
                    explain="explain" if sizes.train % b == 0 else "explain_last")


def train_updates(n_total: int, config: recipe.TrainConfig) -> Question:
    """Weight updates in the whole training: epochs × batches per epoch (one update per batch)."""
    sizes = recipe.split_sizes(n_total, config)
    e = config.epochs
    values = {"epochs": e, "images": latex.thousands(sizes.train), "batch": config.batch_size,
              "steps": latex.thousands(sizes.steps), "updates": latex.thousands(e * sizes.steps)}
    return Question("train_updates", NUMBER, e * sizes.steps, values,
                    (Mistake("one_epoch", sizes.steps), Mistake("per_image", e * sizes.train),
                     Mistake("epochs_only", e)))


def train_loss() -> Question:
    """The chapter's loss: labels are the integers 0–9, the model gives 10 softmax probabilities."""
    mistakes = tuple(Mistake(f"chose_{c}", c) for c in LOSS_CHOICES[1:])
    return Question("train_loss", CHOICE, LOSS_CHOICES[0], {"classes": arch.NUM_CLASSES}, mistakes, LOSS_CHOICES)


def train_questions(n_total: int, config: recipe.TrainConfig) -> list[Question]:
    """The Train page: batches per epoch, updates in all, the loss for integer labels."""
    return [train_steps(n_total, config), train_updates(n_total, config), train_loss()]


# ---------------------------------------------------------------- Draw and Network

SOFTMAX_SUM_CHOICES = ("always", "less_if_unsure", "more_if_several", "depends")
SOFTMAX_WHY_CHOICES = ("divides", "trained", "relu", "rounding")


def _probability_values(probabilities: np.ndarray | None) -> dict:
    if probabilities is None:
        return {}
    p = np.asarray(probabilities, dtype=np.float64)
    digit = int(np.argmax(p))
    return {"digit": digit, "percent": latex.percent(float(p[digit]), 0), "sum": latex.decimals(float(p.sum()), 3),
            "terms": " + ".join(latex.decimals(float(v), 2) for v in p)}


def model_inputs(input_shape: tuple[int, ...], canvas_px: int) -> Question:
    """How many numbers the model reads from a drawing: 28·28·1 = 784, whatever the canvas' size."""
    h, w, c = input_shape
    values = {"h": h, "w": w, "c": c, "canvas": canvas_px, "canvas_pixels": latex.thousands(canvas_px * canvas_px),
              "inputs": latex.thousands(h * w * c)}
    return Question("draw_inputs", NUMBER, h * w * c, values,
                    (Mistake("rgb", h * w * 3), Mistake("canvas", canvas_px * canvas_px), Mistake("sides", h + w)))


def softmax_sum(probabilities: np.ndarray | None) -> Question:
    """The ten probabilities always add up to 100%, a scribble's too."""
    values = _probability_values(probabilities)
    mistakes = tuple(Mistake(c, c) for c in SOFTMAX_SUM_CHOICES[1:])
    return Question("draw_softmax_sum", CHOICE, "always", values, mistakes, SOFTMAX_SUM_CHOICES,
                    explain="explain" if values else "explain_no_drawing")


def rest_percent(probabilities: np.ndarray) -> Question:
    """The other nine digits share 100% − the top one's (within a percentage point: the page rounds)."""
    values = _probability_values(probabilities)
    top = round(float(np.max(probabilities)) * 100)
    values.update(rest=100 - top, top=top)
    return Question("draw_rest", NUMBER, 100 - top, values,
                    (Mistake("same_as_top", top), Mistake("split_nine", (100 - top) / 9)), tolerance=1.0)


def draw_questions(input_shape: tuple[int, ...], canvas_px: int, probabilities: np.ndarray | None) -> list[Question]:
    """The Draw page: the model's inputs, why the probabilities add up, the rest of 100% (once there is a drawing)."""
    found = [model_inputs(input_shape, canvas_px), softmax_sum(probabilities)]
    return found + ([rest_percent(probabilities)] if probabilities is not None else [])


def cell_inputs(kind: str, window: tuple[int, int], channels: int, where: dict) -> Question:
    """How many numbers one traced cell combines: kh·kw·C products for Conv2D, ph·pw values for MaxPooling2D."""
    kh, kw = window
    values = {**where, "kh": kh, "kw": kw, "c": channels, "taps": kh * kw, "products": kh * kw * channels}
    if kind == "Conv2D":
        return Question("net_conv_inputs", NUMBER, kh * kw * channels, values,
                        (Mistake("no_channels", kh * kw), Mistake("with_bias", kh * kw * channels + 1)))
    return Question("net_pool_inputs", NUMBER, kh * kw, values, (Mistake("with_channels", kh * kw * channels),))


def dense_params(inputs: int, units: int, number: int) -> Question:
    """The first Dense layer after Flatten: (inputs + 1)·units (the chapter's (576 + 1)·64 = 36,928)."""
    values = {"n": latex.thousands(inputs), "units": units, "number": number,
              "params": latex.thousands((inputs + 1) * units)}
    return Question("net_dense_params", NUMBER, (inputs + 1) * units, values,
                    (Mistake("no_bias", inputs * units), Mistake("inputs_only", inputs)))


def softmax_why(probabilities: np.ndarray) -> Question:
    """Why the ten probabilities add up to 1: softmax divides each exp(z) by the sum of them all."""
    mistakes = tuple(Mistake(c, c) for c in SOFTMAX_WHY_CHOICES[1:])
    return Question("net_softmax", CHOICE, "divides", _probability_values(probabilities), mistakes,
                    SOFTMAX_WHY_CHOICES)


def network_questions(traced: tuple[str, tuple[int, int], int, dict] | None, dense: tuple[int, int, int] | None,
                      probabilities: np.ndarray) -> list[Question]:
    """The Network page: the traced cell's inputs, the first Dense layer's parameters, why softmax adds up to 1.

    traced: (kind, window, input channels, {layer, map, row, col}) of the traced cell; dense: (inputs, units,
    layer number) of the first Dense layer.
    """
    found = [cell_inputs(*traced)] if traced is not None else []
    found += [dense_params(*dense)] if dense is not None else []
    return found + [softmax_why(probabilities)]
