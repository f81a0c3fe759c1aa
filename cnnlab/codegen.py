"""Every piece of tf.keras code the app shows, in the chapter's style.

Conv2D/MaxPooling2D layers and the explorers' small programs, TensorFlow's print of a tensor,
the Model page's Sequential and the Train page's whole program. Comments in the code are in the
page's language (`lang`, texts in assets/i18n/code.json); the code itself is the same in both.
"""

from __future__ import annotations

import numpy as np

from cnnlab import optimizers, recipe, shapes
from cnnlab import sequence_experiment as experiment
from cnnlab.architecture import INPUT_SHAPE, analyze
from cnnlab.conv_ops import ConvSettings, PoolSettings
from cnnlab.i18n import DEFAULT_LANGUAGE, translate
from cnnlab.layers import conv2d_args, kind_of, pair_arg
from cnnlab.rnn_cells import RnnWeights
from cnnlab.sequence_data import CHANGE_EVERY, TEST_FRACTION


def tf_print(y: np.ndarray, dtype: str = "float32") -> str:
    """The text `print(tensor)` shows in TensorFlow for this array."""
    y = np.asarray(y, dtype=np.float32)
    return f"tf.Tensor(\n{np.array2string(y)}, shape={tuple(y.shape)}, dtype={dtype})"


def conv2d_layer_code(s: ConvSettings) -> str:
    """`tf.keras.layers.Conv2D(...)` for the explorer's settings (written by the Conv2D kind's conv2d_args)."""
    args = conv2d_args(s.filters, s.kernel_size, s.strides, s.padding, s.dilation_rate, s.activation)
    return f"tf.keras.layers.Conv2D({args})"


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
    strides = "None" if p.strides is None else pair_arg(p.strides)
    args = f"pool_size={pair_arg(p.pool_size)}, strides={strides}, padding='{p.padding}'"
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


# ---------------------------------------------------------------- the Model page's Sequential

def _sequence_comment(kind: str, shape: tuple | None) -> str:
    """What Reshape and Permute make of the image, as a comment on their line (the data itself stays 28×28×1)."""
    if shape is None or len(shape) != 3:
        return ""
    if kind == "Reshape":
        return f"  # each image as {shape[1]} time steps (its rows) of {shape[2]} features"
    if kind == "Permute":
        return f"  # time steps and features swapped: {shape[1]} time steps (the columns)"
    return ""


def stack_text(stack) -> str:
    """The layers as one line of their Keras calls: "Reshape((28, 28)) → LSTM(128) → Dense(10, activation='softmax')"."""
    return " → ".join(f"{r.layer.kind}({kind_of(r.layer.kind).code(r.layer, r.input_shape)})"
                      for r in analyze(stack).layers)


def keras_code(stack, optimizer: str = "adam", learning_rate: float | None = None) -> str:
    """tf.keras code, in the chapter's style, that builds, summarises and compiles this stack."""
    lines = [
        "import tensorflow as tf",
        "from tensorflow.keras import layers, models",
        "",
        "model = models.Sequential()",
        f"model.add(layers.Input(shape={INPUT_SHAPE}))",
    ]
    for report in analyze(stack).layers:
        layer = report.layer
        line = f"model.add(layers.{layer.kind}({kind_of(layer.kind).code(layer, report.input_shape)}))"
        lines.append(line + _sequence_comment(layer.kind, report.output_shape))
    lines += [
        "",
        "model.summary()",
        f"model.compile(optimizer={optimizers.code(optimizer, learning_rate)},",
        "              loss='sparse_categorical_crossentropy',",
        "              metrics=['accuracy'])",
    ]
    return "\n".join(lines) + "\n"


def _comment(key: str, lang: str, **values: object) -> str:
    """A code comment ("# ...") in `lang`, from assets/i18n/code.json."""
    return translate(f"code.{key}", lang, **values)


# ---------------------------------------------------------------- the Train page's program

_KERAS_LOAD = "(train_images, train_labels), (test_images, test_labels) = datasets.mnist.load_data()"


def _load_code(source: str, lang: str) -> list[str]:
    if source != "bundled":
        return [_KERAS_LOAD]
    return [*_comment("load_bundled", lang).split("\n"), f"# {_KERAS_LOAD}",
            "with np.load('mnist_subset.npz') as data:",
            "    train_images, train_labels = data['x_train'], data['y_train']",
            "    test_images, test_labels = data['x_test'], data['y_test']"]


def training_code(stack, config: recipe.TrainConfig, source: str = "bundled", train_size: int = 8_000,
                  lang: str = DEFAULT_LANGUAGE) -> str:
    """The chapter's tf.keras program for this stack, these settings and the data the app trains on.

    source: "bundled" (assets/mnist_subset.npz, np.load) or "keras" (full MNIST); train_size: its
    number of training images. The share of the data and the validation images are picked by
    the same seeded permutation as `split_data`, so the program trains on the very same images.
    """
    sizes = recipe.split_sizes(train_size, config)
    choose = sizes.train + sizes.val < train_size or sizes.val > 0
    lines = ["import numpy as np"] if source == "bundled" or choose else []
    lines += ["import tensorflow as tf", "from tensorflow.keras import datasets, layers, models", "",
              *_load_code(source, lang),
              "train_images = train_images.reshape((-1, 28, 28, 1)) / 255.0",
              "test_images = test_images.reshape((-1, 28, 28, 1)) / 255.0"]
    if choose:
        share = (_comment("share_of_images", lang, percent=f"{config.data_fraction:.0%}") if config.data_fraction < 1
                 else _comment("all_images", lang))
        lines += [f"chosen = np.random.default_rng({config.seed}).permutation(len(train_images))"
                  f"[:{sizes.train + sizes.val}]  {share}",
                  "train_images, train_labels = train_images[chosen], train_labels[chosen]"]
    fit_args = [f"epochs={config.epochs}", f"batch_size={config.batch_size}"]
    if sizes.val:
        lines += [f"val_images, val_labels = train_images[:{sizes.val}], train_labels[:{sizes.val}]"
                  f"  {_comment('held_out', lang)}",
                  f"train_images, train_labels = train_images[{sizes.val}:], train_labels[{sizes.val}:]"]
        fit_args.append("validation_data=(val_images, val_labels)")
    model_lines = keras_code(stack, config.optimizer, config.learning_rate).splitlines()
    lines += [""] + model_lines[3:]  # the model part, without its imports
    lines += [
        f"model.fit(train_images, train_labels, {', '.join(fit_args)})",
        "test_loss, test_acc = model.evaluate(test_images, test_labels)",
        "print(test_acc)",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the Sequences page's programs

def _py_list(a: np.ndarray, indent: str = "") -> str:
    """A small array as a Python literal, one row per line for matrices, numbers as short as exact."""
    a = np.asarray(a, dtype=float)

    def num(v: float) -> str:
        return f"{v:g}"

    if a.ndim == 1:
        return "[" + ", ".join(num(v) for v in a) + "]"
    rows = [indent + "    [" + ", ".join(f"{num(v):>5}" for v in row) + "]," for row in a]
    return "[\n" + "\n".join(rows) + "\n" + indent + "]"


def step_code(x: np.ndarray, weights: RnnWeights, lang: str = DEFAULT_LANGUAGE) -> str:
    """Runnable tf.keras code that reproduces the step-through's hidden states."""
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    steps, features = x.shape
    return f"""import numpy as np
import tensorflow as tf

{_comment("rnn_input", lang, steps=steps, features=features)}
x = np.array({_py_list(x[:, 0])}, dtype="float32").reshape(1, {steps}, {features})

rnn = tf.keras.layers.SimpleRNN({weights.units}, return_sequences=True)
rnn.build(x.shape)
kernel = np.array({_py_list(weights.kernel)}, dtype="float32")  # = Wᵀ
recurrent_kernel = np.array({_py_list(weights.recurrent_kernel)}, dtype="float32")  # = Uᵀ
bias = np.array({_py_list(weights.bias)}, dtype="float32")  # = b
rnn.set_weights([kernel, recurrent_kernel, bias])

h = rnn(x)  {_comment("rnn_states", lang, steps=steps, units=weights.units)}
print(np.round(h.numpy()[0], 2))  {_comment("rnn_rows", lang)}
"""


# sequence_data.make_series, one formula per series kind (a test runs each against it)
_SERIES_CODE = {
    "changing_wave": f"periods = np.repeat(rng.uniform(8, 40, size=n // {CHANGE_EVERY} + 1), {CHANGE_EVERY})[:n]"
                     "  {new_period}\n"
                     "y = np.sin(np.cumsum(2 * np.pi / periods)) + 0.02 * rng.normal(size=n)",
    "sine_noise": "y = np.sin(2 * np.pi * t / 25) + 0.15 * rng.normal(size=n)",
    "random_walk": "y = np.cumsum(rng.normal(0.0, 1.0, size=n)) * 0.2",
    "waves": "y = np.sin(2 * np.pi * t / 40) + 0.5 * np.sin(2 * np.pi * t / 13 + 1.0) + 0.3 * np.sin(2 * np.pi * t / 7)",
}


def _series_code(series: str, lang: str) -> str:
    code = _SERIES_CODE[series]
    return code.replace("{new_period}", _comment("new_period", lang, every=CHANGE_EVERY)) if series == "changing_wave" else code


def _experiment_model_code(kind: str, lang: str) -> str:
    """sequence_experiment.build_model's layers for `kind`, as the items of a tf.keras.Sequential list."""
    layer = f"tf.keras.layers.{experiment.KERAS_LAYER[kind]}"
    kernel = f"kernel_initializer=glorot({experiment.KERNEL_SEED})"
    if kind == "dense":
        body = (f"tf.keras.Input(shape=(window,)),  {_comment('flat_window', lang)}\n"
                f'        {layer}(units, activation="{experiment.DENSE_ACTIVATION}", {kernel}),')
    else:
        note = f"  {_comment('window_steps', lang)}" if kind == "rnn" else ""
        body = (f"tf.keras.Input(shape=(window, 1)),{note}\n"
                f"        {layer}(units, {kernel}, recurrent_initializer=orthogonal({experiment.RECURRENT_SEED})),")
    return (f'    "{kind}": lambda: tf.keras.Sequential([\n        {body}\n'
            f"        tf.keras.layers.Dense(1, kernel_initializer=glorot({experiment.HEAD_SEED})),\n    ]),")


def experiment_code(settings: experiment.ExperimentSettings, lang: str = DEFAULT_LANGUAGE) -> str:
    """Runnable tf.keras code for the experiment with these settings (same series, split, models and training)."""
    s = settings
    models = "\n".join(_experiment_model_code(k, lang) for k in s.kinds)
    train, test = 1 - TEST_FRACTION, TEST_FRACTION
    return f"""import numpy as np
import tensorflow as tf

window, units, epochs = {s.window}, {s.units}, {s.epochs}

{_comment("series_windows", lang, series=s.series, window=s.window)}
rng = np.random.default_rng({s.seed})
n = {s.n_windows} + window
t = np.arange(n, dtype=float)
{_series_code(s.series, lang)}
y = y.astype("float32")
x_all = np.lib.stride_tricks.sliding_window_view(y[:-1], window)  # ({s.n_windows}, window)
y_all = y[window:]
n_train = int(round(len(y_all) * {train}))  {_comment("train_test", lang, train=f"{train:.0%}", test=f"{test:.0%}")}
mean, std = y[:n_train + window].mean(), y[:n_train + window].std()
x_all, y_all = (x_all - mean) / std, (y_all - mean) / std
x_train, y_train, x_test, y_test = x_all[:n_train], y_all[:n_train], x_all[n_train:], y_all[n_train:]

{_comment("seeded", lang)}
def glorot(k):
    return tf.keras.initializers.GlorotUniform(seed={s.seed} + k)


def orthogonal(k):
    return tf.keras.initializers.Orthogonal(seed={s.seed} + k)


models = {{
{models}
}}
for name, build in models.items():
    model = build()
    model.compile(optimizer={optimizers.code(experiment.OPTIMIZER, s.learning_rate)}, loss="mse")
    xs_train, xs_test = (x_train, x_test) if name == "dense" else (x_train[..., None], x_test[..., None])
    order = np.random.default_rng({s.seed})
    for epoch in range(epochs):  {_comment("one_pass", lang)}
        shuffled = order.permutation(len(y_train))
        model.fit(xs_train[shuffled], y_train[shuffled], epochs=1, batch_size={s.batch_size}, shuffle=False, verbose=0)
    pred = model(xs_test, training=False).numpy().reshape(-1) * std + mean
    truth = y_test * std + mean
    print(name, model.count_params(), "params, test MSE", np.mean((pred - truth) ** 2))
"""
