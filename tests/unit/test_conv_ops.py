"""The numpy Conv2D / MaxPooling2D match Keras; step-through, parsing and code generation."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from cnnlab import conv_ops, shapes
from cnnlab.conv_ops import ConvSettings, PoolSettings

keras = pytest.importorskip("keras")

CASES = [
    dict(kernel_size=(3, 3), strides=(1, 1), padding="valid", dilation_rate=(1, 1), activation="relu"),
    dict(kernel_size=(4, 2), strides=(2, 3), padding="same", dilation_rate=(1, 1), activation="none"),
    dict(kernel_size=(3, 3), strides=(1, 1), padding="same", dilation_rate=(2, 3), activation="tanh"),
    dict(kernel_size=(5, 5), strides=(3, 3), padding="valid", dilation_rate=(1, 1), activation="sigmoid"),
    dict(kernel_size=(2, 2), strides=(2, 2), padding="same", dilation_rate=(1, 1), activation="relu"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['kernel_size']}-{c['strides']}-{c['padding']}-{c['dilation_rate']}")
def test_numpy_conv_matches_keras_on_a_digit(case):
    from cnnlab.data import load_bundled

    digit = load_bundled().x_test[0].astype(np.float32) / 255.0  # single-channel, as the page uses it
    s = ConvSettings(input_shape=(1, 28, 28, 1), filters=3, **case)
    kernel, _ = conv_ops.random_kernels(s.kernel_size, 1, 3, seed=1)
    bias = np.array([0.1, -0.2, 0.0], dtype=np.float32)
    ours = conv_ops.conv2d_forward(digit, kernel, bias, s.strides, s.padding, s.dilation_rate, s.activation)
    theirs = conv_ops.keras_conv2d(digit[None, :, :, None], kernel, bias, s)
    assert ours.shape == theirs.shape == s.output_shape()[:3] + (3,)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_numpy_conv_matches_keras_multichannel_batch():
    s = ConvSettings(input_shape=(2, 9, 7, 3), filters=4, kernel_size=(3, 2), strides=(2, 1), padding="same")
    result = conv_ops.verify_conv2d(s, seed=3)
    assert result.core_shape == result.keras_shape == (2, 5, 7, 4)
    assert result.agree and result.max_abs_diff < 1e-4


@pytest.mark.parametrize(("pool", "strides", "padding"), [((2, 2), None, "valid"), ((2, 2), (1, 1), "valid"),
                                                          ((3, 2), (2, 2), "same"), ((2, 2), None, "same")])
def test_numpy_max_pool_matches_keras_even_with_negative_values(pool, strides, padding):
    x = np.random.default_rng(0).standard_normal((5, 7)).astype(np.float32) - 3  # all negative: padding must not win
    p = PoolSettings(pool, strides, padding)
    ours = conv_ops.max_pool_forward(x, pool, strides, padding)
    np.testing.assert_allclose(ours, conv_ops.keras_max_pool(x, p))
    assert np.isfinite(ours).all()


def test_chapter_pooling_example_and_tf_print():
    x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.float32)
    y = conv_ops.max_pool_forward(x, (2, 2), (1, 1), "valid")
    assert y[0, :, :, 0].tolist() == [[5, 6], [8, 9]]
    import tensorflow as tf

    real = tf.keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="valid")(
        tf.reshape(tf.constant(x), [1, 3, 3, 1]))
    assert conv_ops.tf_print(y) == str(real)


def _run_code(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_generated_code_runs_and_prints_what_the_page_shows():
    conv = ConvSettings()  # the chapter's defaults
    code = conv_ops.conv2d_code(conv)
    assert "tf.keras.layers.Conv2D(2, 3, activation='relu')(x)" in code
    x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.float32)
    pool = PoolSettings((2, 2), (1, 1), "valid")
    pool_code = conv_ops.pool_code(x, pool)
    assert "'valid')" in pool_code and "max_pool_2d =" in pool_code and "’" not in pool_code
    out = _run_code(code + pool_code)
    lines = out.strip().splitlines()
    assert lines[0] == "(4, 26, 26, 2)"
    assert "\n".join(lines[1:]) == conv_ops.tf_print(conv_ops.max_pool_forward(x, (2, 2), (1, 1), "valid"))


def test_code_changes_with_settings():
    s = ConvSettings(filters=7, kernel_size=(3, 5), strides=(2, 2), padding="same", activation="none")
    layer = conv_ops.conv2d_layer_code(s)
    assert layer == "tf.keras.layers.Conv2D(7, (3, 5), strides=(2, 2), padding='same')"
    assert "print(y.shape)  # (4, 14, 14, 7)" in conv_ops.conv2d_code(s)
    d = ConvSettings(dilation_rate=(2, 2))
    assert "dilation_rate=(2, 2)" in conv_ops.conv2d_layer_code(d)
    assert "strides=None" in conv_ops.pool_layer_code(PoolSettings((2, 2), None, "same"))


def test_conv_step_writes_out_the_sum_with_padding_and_dilation():
    grid = conv_ops.small_grid(7, seed=0)
    kernel = conv_ops.classic_kernel("edge_vertical", 3)
    full = conv_ops.conv2d_forward(grid, kernel[:, :, None, None], None, 2, "same", 1)[0, :, :, 0]
    for (r, c) in [(0, 0), (1, 2), (3, 3)]:
        step = conv_ops.conv_step(grid, kernel, r, c, strides=2, padding="same")
        assert step.result == pytest.approx(full[r, c], abs=1e-5)
        assert step.result == pytest.approx(float(np.sum(step.values * step.weights)))
    corner = conv_ops.conv_step(grid, kernel, 0, 0, strides=2, padding="same")
    assert corner.pads == ((1, 1), (1, 1)) and corner.is_pad[0].all() and corner.is_pad[:, 0].all()
    assert (corner.values[corner.is_pad] == 0).all()
    dilated = conv_ops.conv_step(grid, kernel, 0, 0, strides=1, padding="valid", dilation_rate=2)
    assert dilated.cells[:3] == [(0, 0), (0, 2), (0, 4)] and dilated.cells[3] == (2, 0)
    with pytest.raises(shapes.ShapeError):
        conv_ops.conv_step(grid, conv_ops.classic_kernel("blur", 9), 0, 0)


def test_pool_step_padded_cells_never_win():
    x = -np.arange(1, 10, dtype=np.float32).reshape(3, 3)  # all negative
    step = conv_ops.pool_step(x, 0, 1, (2, 2), None, "same")  # window over column 2 and the padded column
    assert step.is_pad[:, 1].all() and not step.is_pad[:, 0].any()
    assert step.result == -3 and step.winner == (0, 2)
    assert np.isneginf(step.values[step.is_pad]).all()


def test_parse_matrix_names_every_bad_cell():
    m, problems = conv_ops.parse_matrix([["1", "2"], ["", "x"], ["3.5", None]])
    assert m is None
    assert [(p.row, p.col, p.kind) for p in problems] == [(2, 1, "blank"), (2, 2, "not_a_number"), (3, 2, "blank")]
    m, problems = conv_ops.parse_matrix([["1", " -2,5 "], [3, 4.0]])
    assert problems == [] and m.tolist() == [[1, -2.5], [3, 4]]
    assert conv_ops.parse_matrix([["inf"]])[1][0].kind == "not_a_number"
    assert conv_ops.resize_matrix([["1", "2"], ["3", "4"]], 3, 1) == [["1"], ["3"], ["0"]]


def test_kernels():
    k, b, names = conv_ops.classic_kernels((3, 3), 1, 6)
    assert k.shape == (3, 3, 1, 6) and names[0] == "edge_vertical" and names[5] == "edge_vertical"
    assert conv_ops.classic_kernel("blur", 3).sum() == pytest.approx(1)
    assert conv_ops.classic_kernel("sharpen", (3, 5)).sum() == pytest.approx(1)
    r1, _ = conv_ops.random_kernels(3, 1, 4, seed=5)
    r2, _ = conv_ops.random_kernels(3, 1, 4, seed=5)
    r3, _ = conv_ops.random_kernels(3, 1, 4, seed=6)
    assert np.array_equal(r1, r2) and not np.array_equal(r1, r3)


def test_first_conv_kernels_of_a_keras_model():
    from cnnlab.models import build_chapter_model

    mk = conv_ops.first_conv_kernels(build_chapter_model())
    assert mk.kernel.shape == (3, 3, 1, 32) and mk.bias.shape == (32,) and mk.activation == "relu"
    assert conv_ops.first_conv_kernels(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])) is None


def test_importing_the_core_does_not_import_tensorflow():
    code = "import sys; import cnnlab.conv_ops, cnnlab.shapes; print('tensorflow' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


# ---------------------------------------------------------------- step-through ranges (degenerate outputs)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(h=hs.integers(1, 9), w=hs.integers(1, 9), kh=hs.integers(1, 7), kw=hs.integers(1, 7),
       s=hs.integers(1, 3), d=hs.integers(1, 3), padding=hs.sampled_from(shapes.PADDINGS))
def test_conv_step_slider_range_covers_every_output_cell(h, w, kh, kw, s, d, padding):
    """Every output size gets a usable slider (min < max) or none at all (1x1), and each index is a real cell."""
    try:
        _, oh, ow, _ = shapes.conv2d_output_shape((1, h, w, 1), 1, (kh, kw), s, padding, d)
    except shapes.ShapeError:
        return
    last = conv_ops.cell_slider_last(oh, ow)
    if last is None:
        assert (oh, ow) == (1, 1)
        indices = [0]
    else:
        assert last > 0 and conv_ops.cell_of_index(last, ow) == (oh - 1, ow - 1)
        indices = range(last + 1)
    grid = np.arange(h * w, dtype=np.float32).reshape(h, w) % 7 - 3
    kernel = np.arange(kh * kw, dtype=np.float32).reshape(kh, kw) % 5 - 2
    full = conv_ops.conv2d_forward(grid, kernel[:, :, None, None], None, s, padding, d)[0, :, :, 0]
    for index in indices:
        row, col = conv_ops.cell_of_index(index, ow)
        step = conv_ops.conv_step(grid, kernel, row, col, s, padding, d)
        assert step.result == pytest.approx(full[row, col], abs=1e-4)


@settings(max_examples=150, deadline=None)
@given(h=hs.integers(1, 8), w=hs.integers(1, 8), ph=hs.integers(1, 6), pw=hs.integers(1, 6),
       strides=hs.one_of(hs.none(), hs.tuples(hs.integers(1, 6), hs.integers(1, 6))),
       padding=hs.sampled_from(shapes.PADDINGS))
def test_pool_step_slider_range_covers_every_output_cell(h, w, ph, pw, strides, padding):
    try:
        _, oh, ow, _ = shapes.pool2d_output_shape((1, h, w, 1), (ph, pw), strides, padding)
    except shapes.ShapeError:
        return
    last = conv_ops.cell_slider_last(oh, ow)
    assert (last is None) == ((oh, ow) == (1, 1))
    matrix = np.arange(h * w, dtype=np.float32).reshape(h, w) * 37 % 11
    pooled = conv_ops.max_pool_forward(matrix, (ph, pw), strides, padding)[0, :, :, 0]
    for index in range((last or 0) + 1):
        row, col = conv_ops.cell_of_index(index, ow)
        assert conv_ops.pool_step(matrix, row, col, (ph, pw), strides, padding).result == pooled[row, col]
