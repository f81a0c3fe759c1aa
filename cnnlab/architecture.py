"""A Sequential CNN as plain data: a stack of layer specs, editing it, validating it, building it.

A model is a tuple of `LayerSpec`s on a (28, 28, 1) input. `analyze()` walks the stack with
each kind's rules from `cnnlab.layers` (no TensorFlow) and gives every layer its output shape
and parameter count exactly as `model.summary()` prints them, or the reason it cannot exist.
`build_model()` makes the Keras model; `cnnlab.codegen.keras_code()` the tf.keras code that
builds and compiles it.

    input (None, 28, 28, 1)
    Conv2D(32, 3x3) -> (None, 26, 26, 32)   (3*3*1 + 1) * 32 = 320 params
    MaxPooling2D(2) -> (None, 13, 13, 32)   0 params
    ...
    Flatten         -> (None, 576)
    Dense(10)       -> (None, 10)          (576 + 1) * 10
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from cnnlab import shapes
from cnnlab.keras_lock import keras_models
from cnnlab.layers import KINDS, LAYER_KINDS, RECURRENT_KINDS, LayerError, LayerSpec, kind_of, rank_issue
from cnnlab.limits import MAX_PARAMS

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


def activation_name(value) -> str:
    """Keras' name of an activation ("relu", "linear", ...) for a value entering the core.

    The core spells activations as Keras does; None and "none" (Keras' activation=None, the identity)
    are "linear". A Keras activation function (layer.activation) gives its own name.
    """
    if value is None:
        return "linear"
    name = value if isinstance(value, str) else getattr(value, "__name__", None) or type(value).__name__.lower()
    return "linear" if name == "none" else name


def conv(filters: int, kernel_size: int = 3, **kw) -> LayerSpec:
    return LayerSpec("Conv2D", filters=filters, kernel_size=kernel_size, **kw)


def pool(pool_size: int = 2, **kw) -> LayerSpec:
    return LayerSpec("MaxPooling2D", pool_size=pool_size, **kw)


def dense(units: int, activation: str = "relu", **kw) -> LayerSpec:
    return LayerSpec("Dense", units=units, activation=activation, **kw)


def chapter_spec() -> tuple[LayerSpec, ...]:
    """The chapter's MNIST model, 93,322 parameters."""
    stack = (conv(32), pool(), conv(64), pool(), conv(64), LayerSpec("Flatten"), dense(64), dense(10, "softmax"))
    return with_uids(stack)


def rnn_spec() -> tuple[LayerSpec, ...]:
    """The recurrent family's starting model (the shipped RNN's): the image's 28 rows as 28 time steps of 28
    pixels, one LSTM that reads them, Dense(10) on its last hidden state."""
    stack = (LayerSpec("Reshape"), LayerSpec("LSTM", units=RNN_UNITS, activation="tanh"), dense(10, "softmax"))
    return with_uids(stack)


FAMILIES = ("cnn", "rnn")
RNN_UNITS = 128


def family_of(stack) -> str:
    """"rnn" for a stack with a recurrent layer (it reads the image as a sequence), else "cnn"."""
    return "rnn" if any(layer.kind in RECURRENT_KINDS for layer in stack) else "cnn"


def starting_spec(family: str) -> tuple[LayerSpec, ...]:
    """The model a family starts from: the chapter's CNN, or the recurrent reader."""
    return rnn_spec() if family == "rnn" else chapter_spec()


def default_layer(kind: str) -> LayerSpec:
    """What "add layer" inserts for each kind."""
    return kind_of(kind).default


def with_uids(stack, start: int = 1) -> tuple[LayerSpec, ...]:
    return tuple(replace(layer, uid=start + i) for i, layer in enumerate(stack))


def next_uid(stack) -> int:
    return max((layer.uid for layer in stack), default=0) + 1


# ---------------------------------------------------------------- editing (pure, returns new stacks)

def insert_layer(stack, index: int, layer: LayerSpec) -> tuple[LayerSpec, ...]:
    layer = replace(layer, uid=next_uid(stack))
    index = max(0, min(index, len(stack)))
    return tuple(stack[:index]) + (layer,) + tuple(stack[index:])


def remove_layer(stack, index: int) -> tuple[LayerSpec, ...]:
    return tuple(layer for i, layer in enumerate(stack) if i != index)


def move_layer(stack, index: int, offset: int) -> tuple[LayerSpec, ...]:
    """Swap layer `index` with its neighbour `offset` (-1 up, +1 down); out of range: unchanged."""
    target = index + offset
    if not (0 <= index < len(stack) and 0 <= target < len(stack)):
        return tuple(stack)
    items = list(stack)
    items[index], items[target] = items[target], items[index]
    return tuple(items)


def update_layer(stack, index: int, **changes) -> tuple[LayerSpec, ...]:
    return tuple(replace(layer, **changes) if i == index else layer for i, layer in enumerate(stack))


def valid_insertions(stack, kind: str) -> tuple[int, ...]:
    """Every index at which inserting `default_layer(kind)` leaves a trainable stack (analysis ok)."""
    layer = default_layer(kind)
    return tuple(i for i in range(len(stack) + 1) if analyze(insert_layer(stack, i, layer)).ok)


def insertable_kinds(stack) -> tuple[str, ...]:
    """The kinds that fit somewhere in a trainable stack; every kind when the stack needs fixing anyway."""
    if not analyze(stack).ok:
        return LAYER_KINDS
    return tuple(kind for kind in LAYER_KINDS if valid_insertions(stack, kind))


def suggested_insertion(stack, kind: str) -> int:
    """Where "add layer" puts a new `kind` layer: the last place where the stack is trainable after it.

    The output layer stays last (new layers go before it). When no place works (a stack with
    another problem, or a kind that fits nowhere) the layer goes just before the output layer.
    """
    fallback = max(len(stack) - 1, 0)
    places = valid_insertions(stack, kind)
    before_output = [i for i in places if i <= fallback]
    if before_output:
        return before_output[-1]
    return places[-1] if places else fallback


# ---------------------------------------------------------------- shapes, parameters, validation

@dataclass(frozen=True)
class LayerIssue:
    """Why a layer cannot exist. reason is a stable code for the UI's translated message:

    output_not_positive  a window (kernel/pool) larger than the input: values n, k, axis
    bad_value            a size below 1 or a rate outside [0, 1)
    stride_and_dilation  (from shapes.py; not reachable with this editor)
    needs_image          Conv2D/MaxPooling2D/Reshape after Flatten (needs a 4-D tensor)
    dense_before_flatten Dense on a 4-D tensor: Flatten first
    needs_sequence       a recurrent layer or Permute on some other rank than a sequence's 3
    image_layer_on_sequence   Conv2D/MaxPooling2D/Reshape on a sequence (None, steps, features)
    dense_on_sequence    Dense on a sequence: the last recurrent layer must not return sequences (or Flatten)
    sequence_layer_on_image   a recurrent layer or Permute on an image: Reshape first
    sequence_layer_on_vector  a recurrent layer or Permute on a vector: return_sequences on the layer before
    last_not_classes     the last layer is not Dense(10)
    last_not_softmax     the last Dense(10) does not use softmax
    output_not_flat      the output is not (None, 10)
    empty                no layers at all
    too_many_params      more than MAX_PARAMS parameters (too slow for a shared server)
    """

    reason: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LayerReport:
    index: int
    layer: LayerSpec
    input_shape: tuple | None
    output_shape: tuple | None  # (None, h, w, c) or (None, n); None when the layer is impossible
    params: int
    trainable: int
    issue: LayerIssue | None = None
    flops: int = 0  # one image's forward pass (cnnlab.layers: LayerKind.flops)


@dataclass(frozen=True)
class Analysis:
    layers: tuple[LayerReport, ...]
    input_shape: tuple = (None, *INPUT_SHAPE)
    model_issue: LayerIssue | None = None  # problems of the whole stack (empty, too large)

    @property
    def ok(self) -> bool:
        return self.model_issue is None and all(r.issue is None for r in self.layers)

    @property
    def first_issue(self) -> tuple[int | None, LayerIssue] | None:
        """(layer index or None for the whole model, issue) of the first problem."""
        for r in self.layers:
            if r.issue is not None:
                return r.index, r.issue
        return (None, self.model_issue) if self.model_issue else None

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.layers)

    @property
    def forward_flops(self) -> int:
        """Floating-point operations of one image's forward pass through the whole stack."""
        return sum(r.flops for r in self.layers)

    @property
    def trainable_params(self) -> int:
        return sum(r.trainable for r in self.layers)

    @property
    def output_shape(self) -> tuple | None:
        return self.layers[-1].output_shape if self.layers else self.input_shape


class SpecError(ValueError):
    """An impossible stack: `.index` is the offending layer (None: the whole model), `.issue` why."""

    def __init__(self, index: int | None, issue: LayerIssue):
        self.index, self.issue = index, issue
        where = "model" if index is None else f"layer {index}"
        super().__init__(f"{where}: {issue.reason} {issue.values}")


def _layer_output(layer: LayerSpec, shape: tuple) -> tuple[tuple, int, int, int]:
    """(output shape, params, trainable params, forward FLOPs) of one layer; LayerError or shapes.ShapeError if
    impossible."""
    kind = KINDS.get(layer.kind)
    if kind is None:
        raise LayerError("bad_value", {"name": "kind", "value": layer.kind})
    reason = rank_issue(kind, shape)
    if reason is not None:
        raise LayerError(reason, {"shape": shape})
    out = kind.output(layer, shape)
    return (out, *kind.params(layer, shape), kind.flops(layer, shape))


def analyze(stack, input_shape: tuple = INPUT_SHAPE) -> Analysis:
    """Every layer's output shape and parameters, and the first reason the stack is impossible.

    After an impossible layer the following layers have no shape (output_shape None).
    """
    shape: tuple | None = (None, *input_shape)
    reports: list[LayerReport] = []
    for i, layer in enumerate(stack):
        if shape is None:
            reports.append(LayerReport(i, layer, None, None, 0, 0))
            continue
        try:
            out, n, trainable, flops = _layer_output(layer, shape)
            reports.append(LayerReport(i, layer, shape, out, n, trainable, flops=flops))
            shape = out
        except shapes.ShapeError as exc:
            values = {**exc.values, "axis": exc.axis, "field": exc.field, "shape": shape}
            reports.append(LayerReport(i, layer, shape, None, 0, 0, LayerIssue(exc.reason, values)))
            shape = None
        except LayerError as exc:
            reports.append(LayerReport(i, layer, shape, None, 0, 0, LayerIssue(exc.reason, exc.values)))
            shape = None
    model_issue = None
    if not reports:
        model_issue = LayerIssue("empty")
    elif shape is not None:
        last = reports[-1]
        if last.layer.kind != "Dense" or last.layer.units != NUM_CLASSES:
            reports[-1] = replace(last, issue=LayerIssue("last_not_classes", {"classes": NUM_CLASSES}))
        elif last.layer.activation != "softmax":
            reports[-1] = replace(last, issue=LayerIssue("last_not_softmax", {"activation": last.layer.activation}))
        elif len(shape) != 2:
            reports[-1] = replace(last, issue=LayerIssue("output_not_flat", {"shape": shape}))
        total = sum(r.params for r in reports)
        if total > MAX_PARAMS:
            model_issue = LayerIssue("too_many_params", {"params": total, "limit": MAX_PARAMS})
    return Analysis(tuple(reports), (None, *input_shape), model_issue)


def validate(stack) -> Analysis:
    """The analysis of a trainable stack, or SpecError(index, issue) for the first problem."""
    result = analyze(stack)
    problem = result.first_issue
    if problem is not None:
        raise SpecError(*problem)
    return result


def param_formula(report: LayerReport) -> str:
    """How the parameter count comes about, e.g. "(3×3×1 + 1)×32" for the first Conv2D; "" when 0."""
    if report.input_shape is None or report.output_shape is None:
        return ""
    return kind_of(report.layer.kind).formula(report.layer, report.input_shape)


# ---------------------------------------------------------------- Keras model and code

def layer_names(stack) -> list[str]:
    """Keras' default names in a fresh session (conv2d, conv2d_1, ...), independent of history."""
    seen: dict[str, int] = {}
    names = []
    for layer in stack:
        base = kind_of(layer.kind).keras_name
        count = seen.get(base, 0)
        names.append(base if count == 0 else f"{base}_{count}")
        seen[base] = count + 1
    return names


def build_model(stack, *, validate_first: bool = True, name: str = "sequential"):
    """The keras.Sequential for a valid stack (SpecError otherwise), with fresh-session layer names."""
    if validate_first:
        validate(stack)
    inputs = [r.input_shape for r in analyze(stack).layers]
    with keras_models() as keras:
        layers = [kind_of(layer.kind).keras(layer, shape, keras.layers, n)
                  for layer, shape, n in zip(stack, inputs, layer_names(stack), strict=True)]
        return keras.Sequential([keras.Input(shape=INPUT_SHAPE), *layers], name=name)


def summary_text(model) -> str:
    """model.summary() captured as text."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, **_kw: lines.append(line), line_length=80)
    return "\n".join(lines).rstrip() + "\n"


