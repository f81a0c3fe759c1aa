"""Every layer kind the Model page offers, each in one place: adding a kind is adding one entry to KINDS.

A `LayerKind` holds all the app knows about one kind: its label, its input rank, its shape rule and
parameter count (as model.summary() prints them), the formula behind that count, its Keras layer,
its tf.keras code, Keras' default name for it, what "add layer" inserts and the editor's fields.
cnnlab.architecture walks a stack with these rules, cnnlab.codegen writes the code and
components.model_editor draws the fields (their texts are model.kind_<name> and model.field_<field>
in assets/i18n/model.json).

    Conv2D(32, 3x3) on (None, 28, 28, 1) -> (None, 26, 26, 32), (3*3*1 + 1)*32 = 320 parameters
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from cnnlab import shapes

ACTIVATIONS = ("relu", "sigmoid", "tanh", "softmax", "linear")  # Keras' names; "linear" is activation=None


@dataclass(frozen=True)
class LayerSpec:
    """One layer. Only the fields of its kind matter:

    Conv2D: filters, kernel_size, strides, padding, activation
    MaxPooling2D: pool_size, padding (strides = pool size, the Keras default)
    Dense: units, activation        Dropout: rate        Flatten, BatchNormalization: none
    SimpleRNN, LSTM, GRU: units, return_sequences (Keras' default activations: tanh, gates sigmoid)
    Reshape (an image's rows as time steps), Permute (time steps and features swapped): none
    `uid` identifies a layer in an editor across moves; it is not part of the model.
    """

    kind: str
    filters: int = 32
    kernel_size: int = 3
    strides: int = 1
    padding: str = "valid"
    activation: str = "relu"
    pool_size: int = 2
    units: int = 64
    rate: float = 0.25
    return_sequences: bool = False
    uid: int = field(default=0, compare=False)

    def label(self) -> str:
        """Short text such as "Conv2D(32, 3x3, relu)"."""
        return kind_of(self.kind).label(self)


class LayerError(Exception):
    """A layer that cannot exist on its input: `reason` is a cnnlab.architecture.LayerIssue code."""

    def __init__(self, reason: str, values: dict):
        super().__init__(reason)
        self.reason, self.values = reason, values


@dataclass(frozen=True)
class Field:
    """One setting of a layer in the editor.

    widget: "number" (a whole number in low..high), "choice" (one of options), "slider"
    (low..high in steps of step) or "toggle" (on/off); width: the widget's width in px.
    """

    name: str
    widget: str
    low: float = 0
    high: float = 0
    step: float = 1
    options: tuple = ()
    width: int = 82


def _no_params(spec: LayerSpec, shape: tuple) -> tuple[int, int]:
    return 0, 0


def _no_formula(spec: LayerSpec, shape: tuple) -> str:
    return ""


def _no_code(spec: LayerSpec, shape: tuple | None) -> str:
    return ""


def _bare_label(spec: LayerSpec) -> str:
    return f"{spec.kind}()"


@dataclass(frozen=True)
class LayerKind:
    """One kind of layer. The rules take the spec and its input shape ((None, h, w, c) or (None, n)):

    output(spec, shape)        the output shape; LayerError or shapes.ShapeError when the layer is impossible
    flops(spec, shape)         floating-point operations of one image's forward pass, counted as TensorFlow's
                               profiler counts them (a multiply-add is 2; activations are not counted):
                               what a training's cost estimate adds up (cnnlab.recipe.training_cost)
    params(spec, shape)        (parameters, trainable parameters)
    formula(spec, shape)       how the parameter count comes about, "" when there are none
    keras(spec, shape, layers, name)  the Keras layer (layers is keras.layers)
    code(spec, shape)          the arguments of layers.<name>(...) in the chapter's style (shape None: unknown)
    input_rank: the rank the input must have and the LayerIssue reason when it has another; None: any
    (`rank_issue` names a sequence given where an image or a vector is needed, and the reverse).
    """

    name: str  # the Keras class, as in layers.Conv2D
    keras_name: str  # Keras' default layer name in a fresh session (conv2d, conv2d_1, ...)
    default: LayerSpec  # what "add layer" inserts
    output: Callable[[LayerSpec, tuple], tuple]
    keras: Callable
    flops: Callable[[LayerSpec, tuple], int]  # no default: a new kind says what it costs
    params: Callable[[LayerSpec, tuple], tuple[int, int]] = _no_params
    formula: Callable[[LayerSpec, tuple], str] = _no_formula
    code: Callable[[LayerSpec, tuple | None], str] = _no_code
    label: Callable[[LayerSpec], str] = _bare_label
    fields: tuple[Field, ...] = ()
    input_rank: tuple[int, str] | None = None


# ---------------------------------------------------------------- the tf.keras code of a Conv2D

def _size_arg(v: tuple[int, int]) -> str:
    return str(v[0]) if v[0] == v[1] else f"({v[0]}, {v[1]})"


def pair_arg(v: tuple[int, int]) -> str:
    return f"({v[0]}, {v[1]})"


def conv2d_args(filters: int, kernel_size, strides=1, padding: str = "valid", dilation_rate=1,
                activation: str = "linear", *, kernel_as_pair: bool = False, keep_linear: bool = False) -> str:
    """The arguments of the one Conv2D code generator, default arguments left out as the chapter does.

    kernel_as_pair: (3, 3) as in the chapter's model code; else 3, as in its Conv2D(2, 3) example.
    activation "linear" is Keras' default (activation=None) and is left out, unless keep_linear (the
    Model page writes every layer's activation).
    """
    kernel, strides, dilation = shapes.pair(kernel_size), shapes.pair(strides), shapes.pair(dilation_rate)
    args = [str(filters), pair_arg(kernel) if kernel_as_pair else _size_arg(kernel)]
    if strides != (1, 1):
        args.append(f"strides={pair_arg(strides)}")
    if padding != "valid":
        args.append(f"padding='{padding}'")
    if dilation != (1, 1):
        args.append(f"dilation_rate={pair_arg(dilation)}")
    if activation != "linear" or keep_linear:
        args.append(f"activation='{activation}'")
    return ", ".join(args)


# ---------------------------------------------------------------- the kinds

PADDING = Field("padding", "choice", options=shapes.PADDINGS, width=100)
ACTIVATION = Field("activation", "choice", options=ACTIVATIONS, width=110)


def _trainable(n: int) -> tuple[int, int]:
    return n, n


def _elements(shape: tuple) -> int:
    """Values in one image's tensor of this shape (the batch axis left out)."""
    return math.prod(shape[1:])


def _conv_flops(s: LayerSpec, shape: tuple) -> int:
    """A multiply-add per kernel weight per output value, then its bias."""
    out = shapes.conv2d_output_shape(shape, s.filters, s.kernel_size, s.strides, s.padding)
    return _elements(out) * (2 * s.kernel_size * s.kernel_size * shape[3] + 1)


def _pool_flops(s: LayerSpec, shape: tuple) -> int:
    """A comparison per window cell per output value."""
    return _elements(shapes.pool2d_output_shape(shape, s.pool_size, None, s.padding)) * s.pool_size ** 2


def _conv_label(s: LayerSpec) -> str:
    extra = "".join([f", strides {s.strides}" if s.strides != 1 else "", ", same" if s.padding == "same" else ""])
    return f"Conv2D({s.filters}, {s.kernel_size}x{s.kernel_size}, {s.activation}{extra})"


def _pool_code(s: LayerSpec, shape: tuple | None) -> str:
    return f"({s.pool_size}, {s.pool_size})" + (f", padding='{s.padding}'" if s.padding != "valid" else "")


def _dense_output(s: LayerSpec, shape: tuple) -> tuple:
    if s.units < 1:
        raise LayerError("bad_value", {"name": "units", "value": s.units})
    return (None, s.units)


def _dropout_output(s: LayerSpec, shape: tuple) -> tuple:
    if not 0 <= s.rate < 1:
        raise LayerError("bad_value", {"name": "rate", "value": s.rate})
    return shape


CONV2D = LayerKind(
    "Conv2D", "conv2d", LayerSpec("Conv2D", filters=32, kernel_size=3),
    input_rank=(4, "needs_image"),
    output=lambda s, shape: shapes.conv2d_output_shape(shape, s.filters, s.kernel_size, s.strides, s.padding),
    flops=_conv_flops,
    params=lambda s, shape: _trainable(shapes.conv2d_params(s.kernel_size, shape[3], s.filters)),
    formula=lambda s, shape: f"({s.kernel_size}×{s.kernel_size}×{shape[-1]} + 1)×{s.filters}",
    keras=lambda s, shape, layers, name: layers.Conv2D(s.filters, (s.kernel_size, s.kernel_size), strides=s.strides,
                                                padding=s.padding, activation=s.activation, name=name),
    code=lambda s, shape: conv2d_args(s.filters, s.kernel_size, s.strides, s.padding, activation=s.activation,
                               kernel_as_pair=True, keep_linear=True),
    label=_conv_label,
    fields=(Field("filters", "number", 1, 256), Field("kernel_size", "number", 1, 11),
            Field("strides", "number", 1, 4), PADDING, ACTIVATION),
)

MAX_POOLING2D = LayerKind(
    "MaxPooling2D", "max_pooling2d", LayerSpec("MaxPooling2D", pool_size=2),
    input_rank=(4, "needs_image"),
    output=lambda s, shape: shapes.pool2d_output_shape(shape, s.pool_size, None, s.padding),
    flops=_pool_flops,
    keras=lambda s, shape, layers, name: layers.MaxPooling2D((s.pool_size, s.pool_size), padding=s.padding, name=name),
    code=_pool_code,
    label=lambda s: f"MaxPooling2D({s.pool_size}x{s.pool_size}{', same' if s.padding == 'same' else ''})",
    fields=(Field("pool_size", "number", 1, 8), PADDING),
)

DROPOUT = LayerKind(
    "Dropout", "dropout", LayerSpec("Dropout", rate=0.25),
    output=_dropout_output,
    flops=lambda s, shape: 0,  # nothing in the forward pass that predicts
    keras=lambda s, shape, layers, name: layers.Dropout(s.rate, name=name),
    code=lambda s, shape: f"{s.rate:g}",
    label=lambda s: f"Dropout({s.rate:g})",
    fields=(Field("rate", "slider", 0.0, 0.9, 0.05, width=220),),
)

FLATTEN = LayerKind(
    "Flatten", "flatten", LayerSpec("Flatten"),
    output=lambda s, shape: (None, math.prod(shape[1:])),
    flops=lambda s, shape: 0,  # a reshape
    keras=lambda s, shape, layers, name: layers.Flatten(name=name),
)

DENSE = LayerKind(
    "Dense", "dense", LayerSpec("Dense", units=64, activation="relu"),
    input_rank=(2, "dense_before_flatten"),
    output=_dense_output,
    flops=lambda s, shape: s.units * (2 * shape[1] + 1),  # a multiply-add per weight, then the bias
    params=lambda s, shape: _trainable(shapes.dense_params(shape[1], s.units)),
    formula=lambda s, shape: f"({shape[-1]} + 1)×{s.units}",
    keras=lambda s, shape, layers, name: layers.Dense(s.units, activation=s.activation, name=name),
    code=lambda s, shape: f"{s.units}, activation='{s.activation}'",
    label=lambda s: f"Dense({s.units}, {s.activation})",
    fields=(Field("units", "number", 1, 1024), ACTIVATION),
)

BATCH_NORMALIZATION = LayerKind(
    "BatchNormalization", "batch_normalization", LayerSpec("BatchNormalization"),
    output=lambda s, shape: shape,
    flops=lambda s, shape: 2 * _elements(shape) + 6 * shape[-1],  # scale and shift; per channel, their factors
    params=lambda s, shape: (4 * shape[-1], 2 * shape[-1]),  # gamma, beta trainable; moving mean/variance not
    formula=lambda s, shape: f"4×{shape[-1]}",
    keras=lambda s, shape, layers, name: layers.BatchNormalization(name=name),
)

# ---------------------------------------------------------------- a digit read as a sequence

def _rows_as_steps(s: LayerSpec, shape: tuple) -> tuple:
    """(None, h, w, c) -> (None, h, w·c): each of the h rows is one time step of w·c features."""
    return (None, shape[1], shape[2] * shape[3])


def _reshape_code(s: LayerSpec, shape: tuple | None) -> str:
    if shape is None or len(shape) != 4:
        return "..."  # a stack broken above this layer: no target shape to write
    return f"({shape[1]}, {shape[2] * shape[3]})"


RESHAPE = LayerKind(
    "Reshape", "reshape", LayerSpec("Reshape"),
    input_rank=(4, "needs_image"),
    output=_rows_as_steps,
    flops=lambda s, shape: 0,  # a reshape
    keras=lambda s, shape, layers, name: layers.Reshape(_rows_as_steps(s, shape)[1:], name=name),
    code=_reshape_code,
    label=lambda s: "Reshape(rows → time steps)",
)

PERMUTE = LayerKind(
    "Permute", "permute", LayerSpec("Permute"),
    input_rank=(3, "needs_sequence"),
    output=lambda s, shape: (None, shape[2], shape[1]),
    flops=lambda s, shape: 0,  # a transpose: data moved, nothing computed
    keras=lambda s, shape, layers, name: layers.Permute((2, 1), name=name),
    code=lambda s, shape: "(2, 1)",
    label=lambda s: "Permute((2, 1))",
)


@dataclass(frozen=True)
class RecurrentRule:
    """What sets one recurrent kind apart: its gate blocks and extra biases per unit, in Keras 3.

    params = blocks·units·(units + inputs + biases): SimpleRNN one block (h), LSTM four (i, f, c, o),
    GRU three (z, r, h) with two biases each (reset_after=True, Keras 3's default: an input and a
    recurrent bias).
    """

    blocks: int
    biases: int
    # Element-wise adds and multiplies per unit and time step (activations not counted), as the profiler
    # counts them on the unrolled layer: SimpleRNN adds the bias and the two products (2); LSTM adds its 4
    # biases and 4 pairs of products, then c = f·c + i·g and h = o·tanh(c) (4 + 4 + 3 + 1 = 12); GRU adds
    # its 3 input and 3 recurrent biases, z's and r's two products, the candidate x_h + r·h_h and then
    # h = z·h + (1 − z)·h̃ (3 + 3 + 2 + 2 + 4 = 14).
    elementwise: int

    def params(self, s: LayerSpec, shape: tuple) -> tuple[int, int]:
        return _trainable(self.blocks * s.units * (s.units + shape[-1] + self.biases))

    def formula(self, s: LayerSpec, shape: tuple) -> str:
        lead = f"{self.blocks}×" if self.blocks > 1 else ""
        return f"{lead}{s.units}×({s.units} + {shape[-1]} + {self.biases})"

    def flops(self, s: LayerSpec, shape: tuple) -> int:
        """Per time step, every block multiplies the input and the last state by its weights (a multiply-add
        per weight), then the gates' element-wise work."""
        per_step = 2 * self.blocks * s.units * (shape[-1] + s.units) + self.elementwise * s.units
        return per_step * shape[1]


def _recurrent_output(s: LayerSpec, shape: tuple) -> tuple:
    if s.units < 1:
        raise LayerError("bad_value", {"name": "units", "value": s.units})
    return (None, shape[1], s.units) if s.return_sequences else (None, s.units)


def _recurrent_code(s: LayerSpec, shape: tuple | None) -> str:
    return f"{s.units}" + (", return_sequences=True" if s.return_sequences else "")


def _recurrent_label(s: LayerSpec) -> str:
    return f"{s.kind}({s.units}{', sequences' if s.return_sequences else ''})"


RECURRENT_FIELDS = (Field("units", "number", 1, 512), Field("return_sequences", "toggle", width=270))


def _recurrent(name: str, keras_name: str, rule: RecurrentRule) -> LayerKind:
    return LayerKind(
        name, keras_name, LayerSpec(name, units=64, activation="tanh"),
        input_rank=(3, "needs_sequence"),
        output=_recurrent_output,
        params=rule.params, formula=rule.formula, flops=rule.flops,
        keras=lambda s, shape, layers, layer_name: getattr(layers, name)(s.units, return_sequences=s.return_sequences,
                                                                  name=layer_name),
        code=_recurrent_code, label=_recurrent_label, fields=RECURRENT_FIELDS,
    )


SIMPLE_RNN = _recurrent("SimpleRNN", "simple_rnn", RecurrentRule(blocks=1, biases=1, elementwise=2))
LSTM = _recurrent("LSTM", "lstm", RecurrentRule(blocks=4, biases=1, elementwise=12))
GRU = _recurrent("GRU", "gru", RecurrentRule(blocks=3, biases=2, elementwise=14))
RECURRENT_KINDS = ("SimpleRNN", "LSTM", "GRU")

# In the order the editor offers them.
KINDS: dict[str, LayerKind] = {k.name: k for k in (CONV2D, MAX_POOLING2D, DROPOUT, FLATTEN, DENSE, BATCH_NORMALIZATION,
                                                   RESHAPE, PERMUTE, SIMPLE_RNN, LSTM, GRU)}
LAYER_KINDS = tuple(KINDS)

# The input's rank where a kind needs another: (needed, given) -> the LayerIssue reason, when a sequence
# (None, steps, features) is involved; the kind's own reason otherwise.
_SEQUENCE_REASONS = {(4, 3): "image_layer_on_sequence", (2, 3): "dense_on_sequence",
                     (3, 4): "sequence_layer_on_image", (3, 2): "sequence_layer_on_vector"}


def rank_issue(kind: LayerKind, shape: tuple) -> str | None:
    """Why `kind` cannot take an input of this shape's rank, or None when it can."""
    if kind.input_rank is None or len(shape) == kind.input_rank[0]:
        return None
    return _SEQUENCE_REASONS.get((kind.input_rank[0], len(shape)), kind.input_rank[1])


def kind_of(name: str) -> LayerKind:
    """The kind called `name` ("Conv2D", ...); ValueError for a kind the app does not know."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown layer kind {name!r}") from None
