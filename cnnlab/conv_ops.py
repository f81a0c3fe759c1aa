"""Conv2D and MaxPooling2D in numpy: forward passes, kernels, step-through, code.

Everything here follows Keras exactly (channels-last, TensorFlow's 'same' padding
split, max pooling that never lets a padded cell win) so the explorers can show
real feature maps instantly without importing TensorFlow. The few functions that
do need TensorFlow (`verify_conv2d`, `keras_conv2d`, `keras_max_pool`,
`first_conv_kernels`) import it inside.

Shapes:
  x        (N, H, W, C)            a batch of images, channels last
  kernel   (kh, kw, C, F)          Keras' Conv2D kernel layout
  bias     (F,)
  output   (N, H', W', F) / (N, H', W', C) for pooling
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cnnlab import shapes

ACTIVATIONS = ("none", "relu", "sigmoid", "tanh")
KERNEL_SOURCES = ("random", "classic", "model")
CLASSIC_KERNELS = ("edge_vertical", "edge_horizontal", "blur", "sharpen", "outline")


@dataclass(frozen=True)
class ConvSettings:
    """Every Conv2D argument the explorer offers (sizes as (height, width) pairs)."""

    input_shape: tuple[int, int, int, int] = (4, 28, 28, 3)
    filters: int = 2
    kernel_size: tuple[int, int] = (3, 3)
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    dilation_rate: tuple[int, int] = (1, 1)
    activation: str = "relu"  # one of ACTIVATIONS; "none" is Keras' activation=None

    def output_shape(self) -> tuple[int, int, int, int]:
        """Keras' output shape, or shapes.ShapeError for a setting Keras rejects."""
        return shapes.conv2d_output_shape(self.input_shape, self.filters, self.kernel_size, self.strides,
                                          self.padding, self.dilation_rate)

    def params(self) -> int:
        return shapes.conv2d_params(self.kernel_size, self.input_shape[3], self.filters)


@dataclass(frozen=True)
class PoolSettings:
    pool_size: tuple[int, int] = (2, 2)
    strides: tuple[int, int] | None = None  # None = the pool size, as in Keras
    padding: str = "valid"

    @property
    def effective_strides(self) -> tuple[int, int]:
        return self.pool_size if self.strides is None else self.strides


# ---------------------------------------------------------------- padding and windows

def padding_amounts(n: int, k: int, s: int, padding: str, d: int = 1) -> tuple[int, int]:
    """Cells added (before, after) on one axis: none for 'valid', TensorFlow's split for 'same'."""
    return shapes.same_padding(n, k, s, d) if padding == "same" else (0, 0)


def pad2d(x: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]], fill: float) -> np.ndarray:
    """Pad axes 1 and 2 of (N, H, W, C) with `fill` (0 for convolution, -inf for max pooling)."""
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), mode="constant", constant_values=fill)


def _as_batch(x: np.ndarray) -> np.ndarray:
    """(H, W) -> (1, H, W, 1); (H, W, C) -> (1, H, W, C); (N, H, W, C) unchanged."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 2:
        return x[None, :, :, None]
    if x.ndim == 3:
        return x[None]
    return x


def _windows(x: np.ndarray, kernel_hw, strides, dilation, out_hw):
    """Yield (a, b, view): for kernel tap (a, b), the input cells it touches for every output cell."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel_hw, strides, dilation, out_hw
    for a in range(kh):
        for b in range(kw):
            r0, c0 = a * dh, b * dw
            yield a, b, x[:, r0:r0 + (oh - 1) * sh + 1:sh, c0:c0 + (ow - 1) * sw + 1:sw, :]


def activate(z: np.ndarray, activation: str) -> np.ndarray:
    if activation in ("none", None, "linear"):
        return z
    if activation == "relu":
        return np.maximum(z, 0)
    if activation == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if activation == "tanh":
        return np.tanh(z)
    raise ValueError(f"unknown activation {activation!r}")


def conv2d_forward(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None, strides=1,
                   padding: str = "valid", dilation_rate=1, activation: str = "none") -> np.ndarray:
    """What keras.layers.Conv2D computes, for x (N, H, W, C) (or (H, W) / (H, W, C)).

    Raises shapes.ShapeError for settings Keras rejects.
    """
    x = _as_batch(x)
    kernel = np.asarray(kernel, dtype=np.float32)
    kh, kw, c_in, filters = kernel.shape
    if c_in != x.shape[3]:
        raise ValueError(f"kernel expects {c_in} channels, input has {x.shape[3]}")
    sh, sw = shapes.pair(strides)
    dh, dw = shapes.pair(dilation_rate)
    _, oh, ow, _ = shapes.conv2d_output_shape(x.shape, filters, (kh, kw), (sh, sw), padding, (dh, dw))
    pads = (padding_amounts(x.shape[1], kh, sh, padding, dh), padding_amounts(x.shape[2], kw, sw, padding, dw))
    xp = pad2d(x, pads, 0.0)
    out = np.zeros((x.shape[0], oh, ow, filters), dtype=np.float32)
    for a, b, view in _windows(xp, (kh, kw), (sh, sw), (dh, dw), (oh, ow)):
        out += view @ kernel[a, b]
    if bias is not None:
        out += np.asarray(bias, dtype=np.float32)
    return activate(out, activation).astype(np.float32)


def max_pool_forward(x: np.ndarray, pool_size=2, strides=None, padding: str = "valid") -> np.ndarray:
    """What keras.layers.MaxPooling2D computes: padded cells are -inf, so they never win."""
    x = _as_batch(x)
    ph, pw = shapes.pair(pool_size)
    sh, sw = shapes.pair(strides) if strides is not None else (ph, pw)
    _, oh, ow, _ = shapes.pool2d_output_shape(x.shape, (ph, pw), (sh, sw), padding)
    pads = (padding_amounts(x.shape[1], ph, sh, padding), padding_amounts(x.shape[2], pw, sw, padding))
    xp = pad2d(x, pads, -np.inf)
    out = np.full((x.shape[0], oh, ow, x.shape[3]), -np.inf, dtype=np.float32)
    for _a, _b, view in _windows(xp, (ph, pw), (sh, sw), (1, 1), (oh, ow)):
        out = np.maximum(out, view)
    return out


# ---------------------------------------------------------------- kernels

def random_kernels(kernel_size, in_channels: int, filters: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Glorot-uniform kernels (Keras' default initializer) and zero biases, reproducible by seed."""
    kh, kw = shapes.pair(kernel_size)
    fan_in, fan_out = kh * kw * in_channels, kh * kw * filters
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    rng = np.random.default_rng(seed)
    kernel = rng.uniform(-limit, limit, size=(kh, kw, in_channels, filters)).astype(np.float32)
    return kernel, np.zeros(filters, dtype=np.float32)


def classic_kernel(name: str, kernel_size=3) -> np.ndarray:
    """A hand-made (kh, kw) kernel of any size; at 3x3 these are the textbook ones.

    edge_vertical / edge_horizontal: Prewitt-like (-1 on one side, +1 on the other);
    blur: the mean of the window; sharpen: 2*centre - blur; outline: centre - blur (x kh*kw).
    """
    kh, kw = shapes.pair(kernel_size)
    k = np.zeros((kh, kw), dtype=np.float32)
    centre = np.zeros((kh, kw), dtype=np.float32)
    centre[(kh - 1) // 2, (kw - 1) // 2] = 1.0
    box = np.full((kh, kw), 1.0 / (kh * kw), dtype=np.float32)
    if name == "edge_vertical":
        if kw > 1:
            k[:, 0], k[:, -1] = -1.0, 1.0
    elif name == "edge_horizontal":
        if kh > 1:
            k[0, :], k[-1, :] = -1.0, 1.0
    elif name == "blur":
        k = box
    elif name == "sharpen":
        k = 2 * centre - box
    elif name == "outline":
        k = (centre - box) * (kh * kw)
    else:
        raise ValueError(f"unknown classic kernel {name!r}")
    return k.astype(np.float32)


def classic_kernels(kernel_size, in_channels: int, filters: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`filters` classic kernels (cycling through CLASSIC_KERNELS), the same on every input channel."""
    kh, kw = shapes.pair(kernel_size)
    names = [CLASSIC_KERNELS[i % len(CLASSIC_KERNELS)] for i in range(filters)]
    kernel = np.stack([classic_kernel(n, (kh, kw)) for n in names], axis=-1)  # (kh, kw, F)
    kernel = np.repeat(kernel[:, :, None, :], in_channels, axis=2) / in_channels
    return kernel.astype(np.float32), np.zeros(filters, dtype=np.float32), names


@dataclass(frozen=True)
class ModelKernels:
    """The first Conv2D layer of a Keras model: its weights and its own settings."""

    kernel: np.ndarray  # (kh, kw, C, F)
    bias: np.ndarray  # (F,)
    strides: tuple[int, int]
    padding: str
    dilation_rate: tuple[int, int]
    activation: str
    layer_name: str


def first_conv_kernels(model) -> ModelKernels | None:
    """The weights of the model's first Conv2D layer, or None if it has none."""
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ == "Conv2D":
            weights = layer.get_weights()
            config = layer.get_config()
            bias = weights[1] if len(weights) > 1 else np.zeros(weights[0].shape[-1], dtype=np.float32)
            activation = config.get("activation") or "none"
            return ModelKernels(np.asarray(weights[0], dtype=np.float32), np.asarray(bias, dtype=np.float32),
                                tuple(config["strides"]), config["padding"], tuple(config["dilation_rate"]),
                                "none" if activation == "linear" else activation, layer.name)
    return None


# ---------------------------------------------------------------- step-through

@dataclass(frozen=True)
class WindowStep:
    """One output cell (row, col): the input cells its window reads, in padded coordinates.

    padded: the input after padding (2-D); origin: where the original input starts in it;
    cells: [(r, c)] per kernel tap in row-major order (dilation spreads them apart);
    values: the input value under each tap; for conv also weights/products and the result.
    """

    row: int
    col: int
    padded: np.ndarray
    origin: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    cells: list[tuple[int, int]]
    values: np.ndarray  # (kh, kw)
    result: float
    weights: np.ndarray | None = None  # (kh, kw), conv only
    bias: float = 0.0
    pre_activation: float = 0.0
    winner: tuple[int, int] | None = None  # pooling: the padded cell holding the maximum
    is_pad: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))  # (kh, kw)


def cell_slider_last(out_h: int, out_w: int) -> int | None:
    """The last index of a row-by-row output-cell slider, or None when there is only one cell.

    A slider needs min < max (Streamlit rejects min == max): a 1x1 output gets no slider.
    """
    if out_h < 1 or out_w < 1:
        raise ValueError(f"no output cells in {out_h}x{out_w}")
    last = out_h * out_w - 1
    return last if last > 0 else None


def cell_of_index(index: int, out_w: int) -> tuple[int, int]:
    """Row-by-row index -> (row, col) of the output."""
    return divmod(int(index), out_w)


def _step_cells(row: int, col: int, size, strides, dilation) -> list[tuple[int, int]]:
    (kh, kw), (sh, sw), (dh, dw) = size, strides, dilation
    return [(row * sh + a * dh, col * sw + b * dw) for a in range(kh) for b in range(kw)]


def conv_step(image: np.ndarray, kernel: np.ndarray, row: int, col: int, strides=1, padding: str = "valid",
              dilation_rate=1, bias: float = 0.0, activation: str = "none") -> WindowStep:
    """The multiply-and-sum behind output cell (row, col) of a single-channel conv."""
    image = np.asarray(image, dtype=np.float32)
    kernel = np.asarray(kernel, dtype=np.float32)
    kh, kw = kernel.shape
    s, d = shapes.pair(strides), shapes.pair(dilation_rate)
    _, oh, ow, _ = shapes.conv2d_output_shape((1, *image.shape, 1), 1, (kh, kw), s, padding, d)
    if not (0 <= row < oh and 0 <= col < ow):
        raise IndexError(f"output cell ({row}, {col}) outside {oh}x{ow}")
    pads = (padding_amounts(image.shape[0], kh, s[0], padding, d[0]),
            padding_amounts(image.shape[1], kw, s[1], padding, d[1]))
    padded = np.pad(image, pads, constant_values=0.0)
    is_pad = np.pad(np.zeros(image.shape, bool), pads, constant_values=True)
    cells = _step_cells(row, col, (kh, kw), s, d)
    values = np.array([padded[r, c] for r, c in cells], dtype=np.float32).reshape(kh, kw)
    pad_flags = np.array([is_pad[r, c] for r, c in cells]).reshape(kh, kw)
    z = float(np.sum(values * kernel) + bias)
    return WindowStep(row, col, padded, (pads[0][0], pads[1][0]), pads, cells, values,
                      float(activate(np.float32(z), activation)), kernel, float(bias), z, None, pad_flags)


def pool_padded(matrix: np.ndarray, pool_size=2, strides=None, padding: str = "valid"):
    """The 2-D input as max pooling sees it: (padded with -inf, mask of padded cells, pads per axis)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    p = shapes.pair(pool_size)
    s = shapes.pair(strides) if strides is not None else p
    pads = (padding_amounts(matrix.shape[0], p[0], s[0], padding), padding_amounts(matrix.shape[1], p[1], s[1], padding))
    padded = np.pad(matrix, pads, constant_values=-np.inf)
    is_pad = np.pad(np.zeros(matrix.shape, bool), pads, constant_values=True)
    return padded, is_pad, pads


def pool_step(matrix: np.ndarray, row: int, col: int, pool_size=2, strides=None, padding: str = "valid") -> WindowStep:
    """The window behind pooled cell (row, col); padded cells hold -inf and never win."""
    matrix = np.asarray(matrix, dtype=np.float32)
    p = shapes.pair(pool_size)
    s = shapes.pair(strides) if strides is not None else p
    _, oh, ow, _ = shapes.pool2d_output_shape((1, *matrix.shape, 1), p, s, padding)
    if not (0 <= row < oh and 0 <= col < ow):
        raise IndexError(f"output cell ({row}, {col}) outside {oh}x{ow}")
    padded, is_pad, pads = pool_padded(matrix, p, s, padding)
    cells = _step_cells(row, col, p, s, (1, 1))
    values = np.array([padded[r, c] for r, c in cells], dtype=np.float32).reshape(p)
    winner = cells[int(np.argmax(values))]
    pad_flags = np.array([is_pad[r, c] for r, c in cells]).reshape(p)
    best = float(np.max(values))
    return WindowStep(row, col, padded, (pads[0][0], pads[1][0]), pads, cells, values, best,
                      winner=winner, is_pad=pad_flags, pre_activation=best)


def small_grid(size: int = 7, seed: int = 0) -> np.ndarray:
    """A size x size grid of small integers (0..9), readable in a step-through."""
    return np.random.default_rng(seed).integers(0, 10, size=(size, size)).astype(np.float32)


def digit_crop(image: np.ndarray, size: int = 8) -> np.ndarray:
    """The size x size patch of a digit around its ink's centre, rounded to 1 decimal for reading."""
    image = np.asarray(image, dtype=np.float32)
    if image.max() > 1.0:
        image = image / 255.0
    ys, xs = np.nonzero(image > 0.2)
    cy, cx = (int(ys.mean()), int(xs.mean())) if len(ys) else (image.shape[0] // 2, image.shape[1] // 2)
    top = int(np.clip(cy - size // 2, 0, image.shape[0] - size))
    left = int(np.clip(cx - size // 2, 0, image.shape[1] - size))
    return np.round(image[top:top + size, left:left + size], 1).astype(np.float32)


# ---------------------------------------------------------------- input matrices (pooling editor)

@dataclass(frozen=True)
class CellProblem:
    row: int  # 1-based, as the user reads the table
    col: int
    text: str
    kind: str  # "blank" | "not_a_number"


def parse_matrix(cells) -> tuple[np.ndarray | None, list[CellProblem]]:
    """Rows of cell texts/numbers -> float32 matrix, or None and every cell that is not a number."""
    problems: list[CellProblem] = []
    rows = [list(r) for r in cells]
    width = max((len(r) for r in rows), default=0)
    out = np.zeros((len(rows), width), dtype=np.float32)
    for i, row in enumerate(rows):
        for j in range(width):
            raw = row[j] if j < len(row) else None
            text = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw).strip()
            if text == "":
                problems.append(CellProblem(i + 1, j + 1, text, "blank"))
                continue
            try:
                value = float(text.replace(",", "."))
            except ValueError:
                problems.append(CellProblem(i + 1, j + 1, text, "not_a_number"))
                continue
            if not np.isfinite(value):
                problems.append(CellProblem(i + 1, j + 1, text, "not_a_number"))
                continue
            out[i, j] = value
    if not rows or width == 0:
        return None, problems
    return (None if problems else out), problems


def resize_matrix(cells, rows: int, cols: int, fill: str = "0") -> list[list[str]]:
    """Keep the top-left values, cut or fill with `fill` to rows x cols."""
    old = [list(r) for r in cells]
    return [[(str(old[i][j]) if (i < len(old) and j < len(old[i]) and old[i][j] is not None) else fill)
             for j in range(cols)] for i in range(rows)]


def format_number(v: float) -> str:
    """Compact, exact-looking numbers for matrices and sums: 5, -0.25, 0.333, -inf."""
    if np.isneginf(v):
        return "-inf"
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.3g}"


def tf_print(y: np.ndarray, dtype: str = "float32") -> str:
    """The text `print(tensor)` shows in TensorFlow for this array."""
    y = np.asarray(y, dtype=np.float32)
    return f"tf.Tensor(\n{np.array2string(y)}, shape={tuple(y.shape)}, dtype={dtype})"


# ---------------------------------------------------------------- code generation

def _size_arg(v: tuple[int, int]) -> str:
    return str(v[0]) if v[0] == v[1] else f"({v[0]}, {v[1]})"


def _pair_arg(v: tuple[int, int]) -> str:
    return f"({v[0]}, {v[1]})"


def conv2d_layer_code(s: ConvSettings) -> str:
    """`tf.keras.layers.Conv2D(...)` for the settings, default arguments left out as the chapter does."""
    args = [str(s.filters), _size_arg(s.kernel_size)]
    if s.strides != (1, 1):
        args.append(f"strides={_pair_arg(s.strides)}")
    if s.padding != "valid":
        args.append(f"padding='{s.padding}'")
    if s.dilation_rate != (1, 1):
        args.append(f"dilation_rate={_pair_arg(s.dilation_rate)}")
    if s.activation != "none":
        args.append(f"activation='{s.activation}'")
    return f"tf.keras.layers.Conv2D({', '.join(args)})"


def conv2d_code(s: ConvSettings) -> str:
    """The chapter's example, for these settings; prints the shape the page shows.

    Keras 3 takes the shape from x when a layer is called directly, so the chapter's
    input_shape=shape[1:] is left out (Keras would ignore it with a warning).
    """
    try:
        expected = f"  # {s.output_shape()}"
    except shapes.ShapeError:
        expected = ""
    return ("import tensorflow as tf\n\n"
            f"shape = {tuple(s.input_shape)}\n"
            "x = tf.random.normal(shape)\n"
            f"y = {conv2d_layer_code(s)}(x)\n"
            f"print(y.shape){expected}\n")


def pool_layer_code(p: PoolSettings, *, wrap: bool = False) -> str:
    strides = "None" if p.strides is None else _pair_arg(p.strides)
    args = f"pool_size={_pair_arg(p.pool_size)}, strides={strides}, padding='{p.padding}'"
    return f"tf.keras.layers.MaxPooling2D(\n    {args})" if wrap else f"tf.keras.layers.MaxPooling2D({args})"


def _float_literal(v: float) -> str:
    """1.0 -> '1.', 2.5 -> '2.5' (the chapter writes floats as 1., 2., ...)."""
    v = float(v)
    return f"{int(v)}." if v.is_integer() and abs(v) < 1e15 else repr(v)


def pool_code(matrix: np.ndarray, p: PoolSettings) -> str:
    """The chapter's pooling example (typos fixed) for any matrix and settings, one matrix row per line."""
    m = np.asarray(matrix, dtype=np.float32)
    rows = [("[" + ", ".join(_float_literal(v) for v in r) + "]") for r in m]
    indent = " " * len("x = tf.constant([")
    matrix_text = (",\n" + indent).join(rows)
    return ("import tensorflow as tf\n\n"
            f"x = tf.constant([{matrix_text}])\n"
            f"x = tf.reshape(x, [1, {m.shape[0]}, {m.shape[1]}, 1])\n"
            f"max_pool_2d = {pool_layer_code(p, wrap=True)}\n"
            "print(max_pool_2d(x))\n")


# ---------------------------------------------------------------- TensorFlow (only on request)

@dataclass(frozen=True)
class Verification:
    core_shape: tuple[int, ...]
    keras_shape: tuple[int, ...]
    max_abs_diff: float  # numpy forward pass vs the Keras layer, same weights, same input

    @property
    def agree(self) -> bool:
        return self.core_shape == self.keras_shape and self.max_abs_diff < 1e-3


def keras_conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, s: ConvSettings) -> np.ndarray:
    """The real keras.layers.Conv2D with the given weights (imports TensorFlow)."""
    import keras

    layer = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2], strides=s.strides, padding=s.padding,
                                dilation_rate=s.dilation_rate,
                                activation=None if s.activation == "none" else s.activation)
    layer.build(x.shape)
    layer.set_weights([kernel, bias])
    return np.asarray(layer(x))


def keras_max_pool(x: np.ndarray, p: PoolSettings) -> np.ndarray:
    import keras

    return np.asarray(keras.layers.MaxPooling2D(p.pool_size, strides=p.strides, padding=p.padding)(_as_batch(x)))


def verify_conv2d(s: ConvSettings, seed: int = 0) -> Verification:
    """Run the real Conv2D on a random tensor of the input shape; compare with the core's shape and numpy."""
    core_shape = s.output_shape()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(s.input_shape).astype(np.float32)
    kernel, _ = random_kernels(s.kernel_size, s.input_shape[3], s.filters, seed)
    bias = rng.standard_normal(s.filters).astype(np.float32) * 0.1
    y_keras = keras_conv2d(x, kernel, bias, s)
    y_numpy = conv2d_forward(x, kernel, bias, s.strides, s.padding, s.dilation_rate, s.activation)
    diff = float(np.max(np.abs(y_keras - y_numpy))) if y_keras.shape == y_numpy.shape else float("inf")
    return Verification(tuple(core_shape), tuple(int(v) for v in y_keras.shape), diff)


# ---------------------------------------------------------------- the step-through written out

def _latex_num(v: float, padded: bool = False, paren: bool = True) -> str:
    text = "-\\infty" if np.isneginf(v) else format_number(float(v))
    if text.startswith("-") and not padded and paren:
        text = f"({text})"
    return f"\\color{{gray}}{{{text}}}" if padded else text


def conv_step_latex(step: WindowStep, activation: str = "none") -> str:
    """y[r, c] = sum of input x weight, one kernel row per line; padded zeros in grey."""
    kh, kw = step.values.shape
    lines = []
    for a in range(kh):
        terms = " + ".join(f"{_latex_num(step.values[a, b], bool(step.is_pad[a, b]))} \\cdot "
                           f"{_latex_num(step.weights[a, b])}" for b in range(kw))
        lines.append((f"y_{{{step.row},{step.col}}} &= " if a == 0 else "&\\quad + ") + terms)
    z = format_number(step.pre_activation)
    lines.append(f"&\\quad + \\underbrace{{{_latex_num(step.bias)}}}_{{b}} = {z}")
    if activation != "none":
        lines.append(f"\\operatorname{{{activation}}}({z}) &= {format_number(step.result)}")
    return "\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}"


def pool_step_latex(step: WindowStep) -> str:
    """y[r, c] = max(window) with the winner in bold; padded cells as grey -inf."""
    flat = [(v, bool(p)) for v, p in zip(step.values.ravel(), step.is_pad.ravel(), strict=True)]
    win = int(np.argmax(step.values))
    terms = [_latex_num(v, p, False) for v, p in flat]
    terms[win] = f"\\boldsymbol{{{terms[win]}}}"
    return f"y_{{{step.row},{step.col}}} = \\max({', '.join(terms)}) = {format_number(step.result)}"
