"""The tf.keras code the app shows runs and prints what the pages show."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from cnnlab import codegen, conv_ops
from cnnlab.conv_ops import ConvSettings, PoolSettings

keras = pytest.importorskip("keras")


def test_chapter_pooling_example_and_tf_print():
    x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.float32)
    y = conv_ops.max_pool_forward(x, (2, 2), (1, 1), "valid")
    assert y[0, :, :, 0].tolist() == [[5, 6], [8, 9]]
    import tensorflow as tf

    real = tf.keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="valid")(
        tf.reshape(tf.constant(x), [1, 3, 3, 1]))
    assert codegen.tf_print(y) == str(real)


def _run_code(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_generated_code_runs_and_prints_what_the_page_shows():
    conv = ConvSettings()  # the chapter's defaults
    code = codegen.conv2d_code(conv)
    assert "tf.keras.layers.Conv2D(2, 3, activation='relu')(x)" in code
    x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.float32)
    pool = PoolSettings((2, 2), (1, 1), "valid")
    pool_code = codegen.pool_code(x, pool)
    assert "'valid')" in pool_code and "max_pool_2d =" in pool_code and "’" not in pool_code
    out = _run_code(code + pool_code)
    lines = out.strip().splitlines()
    assert lines[0] == "(4, 26, 26, 2)"
    assert "\n".join(lines[1:]) == codegen.tf_print(conv_ops.max_pool_forward(x, (2, 2), (1, 1), "valid"))


def test_code_changes_with_settings():
    s = ConvSettings(filters=7, kernel_size=(3, 5), strides=(2, 2), padding="same", activation="linear")
    layer = codegen.conv2d_layer_code(s)
    assert layer == "tf.keras.layers.Conv2D(7, (3, 5), strides=(2, 2), padding='same')"
    assert "print(y.shape)  # (4, 14, 14, 7)" in codegen.conv2d_code(s)
    d = ConvSettings(dilation_rate=(2, 2))
    assert "dilation_rate=(2, 2)" in codegen.conv2d_layer_code(d)
    assert "strides=None" in codegen.pool_layer_code(PoolSettings((2, 2), None, "same"))


def test_one_conv2d_generator_for_the_explorer_and_the_model_page():
    from cnnlab import architecture as arch

    stack = (arch.conv(8, 5, padding="same", strides=2), arch.LayerSpec("Flatten"), arch.dense(10, "softmax"))
    assert "model.add(layers.Conv2D(8, (5, 5), strides=(2, 2), padding='same', activation='relu'))" in codegen.keras_code(stack)
    explorer = ConvSettings((1, 28, 28, 1), 8, (5, 5), (2, 2), "same", (1, 1), "relu")
    assert codegen.conv2d_layer_code(explorer) == "tf.keras.layers.Conv2D(8, 5, strides=(2, 2), padding='same', activation='relu')"
    assert codegen.conv2d_args(8, 5, 2, "same", activation="relu", kernel_as_pair=True) in codegen.keras_code(stack)


def test_the_model_page_writes_every_activation_the_explorer_leaves_keras_default_out():
    from cnnlab import architecture as arch

    stack = (arch.conv(4, 3, activation="linear"), arch.LayerSpec("Flatten"), arch.dense(10, "softmax"))
    assert "model.add(layers.Conv2D(4, (3, 3), activation='linear'))" in codegen.keras_code(stack)
    assert codegen.conv2d_layer_code(ConvSettings(activation="linear")) == "tf.keras.layers.Conv2D(2, 3)"


def test_code_comments_follow_the_page_language():
    """The Train and Sequences programs comment in Korean on a Korean page; the code itself is the same."""
    import re

    from cnnlab import architecture as arch
    from cnnlab import recipe
    from cnnlab.rnn_cells import RnnWeights
    from cnnlab.sequence_experiment import ExperimentSettings

    def without_comments(code: str) -> str:
        return re.sub(r"#.*", "", code)

    weights = RnnWeights(np.ones((1, 2)), np.eye(2), np.zeros(2))
    settings = ExperimentSettings("changing_wave", window=6, units=4, epochs=2, kinds=("dense", "rnn"))
    config = recipe.TrainConfig(data_fraction=0.5, validation_split=0.2)
    for make in (lambda lang: codegen.training_code(arch.chapter_spec(), config, lang=lang),
                 lambda lang: codegen.step_code(np.arange(3.0), weights, lang=lang),
                 lambda lang: codegen.experiment_code(settings, lang=lang)):
        english, korean = make("en"), make("ko")
        assert without_comments(english) == without_comments(korean)
        english_comments = re.findall(r"#.*", english)
        korean_comments = re.findall(r"#.*", korean)
        assert english_comments and len(english_comments) == len(korean_comments)
        worded = [c for c in korean_comments if re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", c)]
        # the only English sentence left is Keras's own call, kept as code in a comment
        assert all("load_data()" in c for c in worded), worded
        assert any(re.search(r"[\uac00-\ud7a3]", c) for c in korean_comments)
