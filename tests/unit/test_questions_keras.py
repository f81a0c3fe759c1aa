"""Every generated question's answer is Keras' answer, for any settings (property-tested with Hypothesis).

Keras is the judge: shapes come from the Keras layer, parameter counts from count_params(), cell values from
the layer's output with the question's own weights, batches and updates from a real fit, the RNN's memory from
a SimpleRNN's states. Every right answer, written as the page writes it, is graded right; every mistake the
question knows is graded wrong.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cnnlab import architecture as arch
from cnnlab import conv_ops, question_bank, recipe, rnn_cells, shapes
from cnnlab.layers import LayerSpec
from cnnlab.questions import Question, format_answer, grade, same_answer

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # builds models


def graded_as_given(question: Question) -> None:
    """The right answer, written as the page writes it, is right; no known mistake is."""
    if question.kind != "choice":
        assert grade(question, format_answer(question, question.answer)).correct, question.id
    for mistake in question.mistakes:
        assert not same_answer(question, mistake.answer, question.answer), (question.id, mistake.name)
        if question.kind == "choice":
            verdict = grade(question, mistake.answer)
            assert not verdict.correct and verdict.mistake == mistake


def by_id(questions) -> dict[str, Question]:
    for question in questions:
        graded_as_given(question)
    return {q.id: q for q in questions}


# ---------------------------------------------------------------- Conv2D

conv_layers = st.builds(
    lambda b, h, w, c, f, kh, kw, s, d, padding, activation: conv_ops.ConvSettings(
        (b, h, w, c), f, (kh, kw), (s, s), padding, (d, d), activation),
    st.integers(1, 4), st.integers(3, 14), st.integers(3, 14), st.integers(1, 4), st.integers(1, 5),
    st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 2), st.sampled_from(shapes.PADDINGS),
    st.sampled_from(conv_ops.ACTIVATIONS))


@FAST
@given(layer=conv_layers, seed=st.integers(0, 2**16))
def test_conv_questions_are_keras_answers(layer, seed):
    rng = np.random.default_rng(seed)
    grid = rng.integers(0, 10, (7, 7)).astype(np.float32)
    kernel = rng.uniform(-1, 1, layer.kernel_size).astype(np.float32)
    bias = float(np.float32(rng.uniform(-1, 1)))
    questions = by_id(question_bank.conv_questions(layer, grid, kernel, bias, 1))
    try:
        keras_layer = keras.layers.Conv2D(layer.filters, layer.kernel_size, strides=layer.strides,
                                          padding=layer.padding, dilation_rate=layer.dilation_rate)
        keras_shape = tuple(keras_layer(np.zeros(layer.input_shape, dtype=np.float32)).shape)
    except ValueError:  # Keras rejects these settings: the page asks nothing then
        assert questions == {}
        return
    assert questions["conv_shape"].answer == keras_shape
    assert questions["conv_params"].answer == keras_layer.count_params()
    cell = questions.get("conv_cell")
    if cell is not None:
        assert cell.answer == pytest.approx(keras_cell(grid, kernel, bias, layer, cell), abs=1e-4)


def keras_cell(grid, kernel, bias, layer, cell: Question) -> float:
    """Keras' output at the question's cell, the question's kernel and bias set as the layer's weights."""
    probe = keras.layers.Conv2D(1, kernel.shape, strides=layer.strides, padding=layer.padding,
                                dilation_rate=layer.dilation_rate, activation=None if layer.activation == "linear"
                                else layer.activation)
    probe.build((1, *grid.shape, 1))
    probe.set_weights([kernel[:, :, None, None], np.array([bias], dtype=np.float32)])
    out = np.asarray(probe(grid[None, :, :, None]))
    return float(out[0, cell.values["row"], cell.values["col"], 0])


# ---------------------------------------------------------------- MaxPooling2D

@FAST
@given(rows=st.integers(1, 7), cols=st.integers(1, 7), ph=st.integers(1, 3), pw=st.integers(1, 3),
       strides=st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))),
       padding=st.sampled_from(shapes.PADDINGS), seed=st.integers(0, 2**16))
def test_pooling_questions_are_keras_answers(rows, cols, ph, pw, strides, padding, seed):
    matrix = np.random.default_rng(seed).integers(-9, 10, (rows, cols)).astype(np.float64)
    layer = conv_ops.PoolSettings((ph, pw), strides, padding)
    questions = by_id(question_bank.pooling_questions(matrix, layer, rows, cols))
    pool = keras.layers.MaxPooling2D((ph, pw), strides=strides, padding=padding)
    # A window larger than the matrix: Keras' own shape rule says nothing comes out. The op itself is not
    # run then: TensorFlow's CPU kernel can die of a division by zero (SIGFPE) on an empty output.
    try:
        empty = min(pool.compute_output_shape((1, rows, cols, 1))[1:3]) <= 0
    except ValueError:  # Keras' shape rule refuses a 'valid' window larger than the input
        empty = True
    if empty:
        pooled = np.zeros((0, 0))
    else:
        try:
            pooled = np.asarray(pool(matrix.astype(np.float32)[None, :, :, None]))[0, :, :, 0]
        except (ValueError, tf.errors.OpError):  # TensorFlow's kernel refuses the window
            pooled = np.zeros((0, 0))
    if pooled.size == 0:  # nothing comes out (or an error): the page explains the window instead of asking
        assert "pool_matrix" not in questions
    else:
        np.testing.assert_array_equal(questions["pool_matrix"].answer, pooled)
    same_two = keras.layers.MaxPooling2D((ph, pw), strides=2, padding="same")
    assert questions["pool_same_s2"].answer == tuple(same_two(np.zeros((1, rows, cols, 1), np.float32)).shape)
    assert questions["pool_params"].answer == pool.count_params() == 0


# ---------------------------------------------------------------- Model

def _stack_layer(draw, spatial: bool) -> LayerSpec:
    if spatial and draw(st.booleans()):
        return LayerSpec("Conv2D", filters=draw(st.integers(1, 8)), kernel_size=draw(st.integers(1, 5)),
                         strides=draw(st.integers(1, 2)), padding=draw(st.sampled_from(shapes.PADDINGS)))
    if spatial:
        return LayerSpec("MaxPooling2D", pool_size=draw(st.integers(1, 3)), padding=draw(st.sampled_from(shapes.PADDINGS)))
    return draw(st.sampled_from([LayerSpec("Dense", units=draw(st.integers(1, 20))), LayerSpec("Dropout"),
                                 LayerSpec("BatchNormalization")]))


@st.composite
def trainable_stacks(draw):
    """A trainable stack: some Conv2D/MaxPooling2D, Flatten, some Dense/Dropout/BatchNormalization, Dense(10)."""
    spatial = [_stack_layer(draw, True) for _ in range(draw(st.integers(0, 4)))]
    flat = [_stack_layer(draw, False) for _ in range(draw(st.integers(0, 2)))]
    stack = arch.with_uids((*spatial, LayerSpec("Flatten"), *flat, LayerSpec("Dense", units=10, activation="softmax")))
    assume(arch.analyze(stack).ok)
    return stack


@SLOW
@given(stack=trainable_stacks())
def test_model_questions_are_keras_answers(stack):
    questions = by_id(question_bank.model_questions(stack))
    model = arch.build_model(stack)
    assert questions["model_total"].answer == model.count_params()
    flatten = next(i for i, layer in enumerate(stack) if layer.kind == "Flatten")
    assert questions["model_flatten"].answer == tuple(model.layers[flatten].output.shape)
    asked = questions.get("model_layer_params")
    if asked is not None:
        assert asked.answer == model.layers[asked.values["number"] - 1].count_params()


def test_the_chapters_model_asks_the_chapters_numbers():
    questions = by_id(question_bank.model_questions(arch.chapter_spec()))
    model = arch.build_model(arch.chapter_spec())
    assert questions["model_total"].answer == model.count_params() == 93_322
    assert questions["model_layer_params"].answer == model.layers[2].count_params() == 18_496
    assert questions["model_flatten"].answer == tuple(model.layers[5].output.shape) == (None, 576)


# ---------------------------------------------------------------- Train

def fitted_batches(n_images: int, batch_size: int, epochs: int) -> tuple[int, int]:
    """(batches in the first epoch, weight updates in all) of a real Keras fit on n_images."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    seen = []
    count = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    first_epoch = []
    ends = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: first_epoch.append(len(seen)))
    x, y = np.zeros((n_images, 2), np.float32), np.zeros(n_images, np.int32)
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[count, ends])
    return first_epoch[0], int(model.optimizer.iterations.numpy())


@SLOW
@given(n_total=st.integers(20, 400), batch=st.sampled_from([8, 16, 32, 64, 128]), epochs=st.integers(1, 3),
       fraction=st.sampled_from([0.25, 0.5, 1.0]), validation=st.sampled_from([0.0, 0.1, 0.3]))
def test_train_questions_are_a_real_fits_batches(n_total, batch, epochs, fraction, validation):
    config = recipe.TrainConfig(epochs=epochs, batch_size=batch, data_fraction=fraction, validation_split=validation)
    questions = by_id(question_bank.train_questions(n_total, config))
    steps, updates = fitted_batches(recipe.split_sizes(n_total, config).train, batch, epochs)
    assert questions["train_steps"].answer == steps
    assert questions["train_updates"].answer == updates


def test_the_chapters_loss_takes_integer_labels():
    question = question_bank.train_loss()
    probabilities = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]], np.float32)
    labels = np.array([1, 0])
    loss = getattr(keras.losses, question.answer)(labels, probabilities)
    np.testing.assert_allclose(np.asarray(loss), -np.log([0.7, 0.5]), rtol=1e-5)
    with pytest.raises(ValueError):  # the one-hot loss cannot read integer labels
        keras.losses.categorical_crossentropy(labels, probabilities)


# ---------------------------------------------------------------- Sequences

@FAST
@given(units=st.integers(1, 32), window=st.integers(2, 60))
def test_rnn_parameters_are_keras_count(units, window):
    question = question_bank.rnn_params(units, window)
    graded_as_given(question)
    model = keras.Sequential([keras.Input((window, 1)), keras.layers.SimpleRNN(units)])
    assert question.answer == model.layers[0].count_params()


@FAST
@given(length=st.integers(5, 80), window=st.integers(2, 30))
def test_window_pairs_are_keras_timeseries_samples(length, window):
    assume(window < length)
    question = question_bank.window_pairs(length, window)
    graded_as_given(question)
    series = np.arange(length, dtype=np.float32)
    # Every value but the last can be read; the window starting at i predicts value i + window.
    pairs = keras.utils.timeseries_dataset_from_array(series[:-1], series[window:], sequence_length=window,
                                                      batch_size=1000)
    assert question.answer == sum(int(x.shape[0]) for x, _y in pairs)


@FAST
@given(memory=st.sampled_from([0.0, 0.25, 1.0, 2.0]), t=st.integers(1, 8), kind=st.sampled_from(rnn_cells.STEP_INPUTS))
def test_what_h_t_depends_on_is_what_keras_simplernn_computes(memory, t, kind):
    question = question_bank.rnn_depends(memory, t)
    graded_as_given(question)
    weights = rnn_cells.demo_weights(memory)
    rnn = keras.layers.SimpleRNN(weights.units, return_sequences=True)
    rnn.build((1, 8, 1))
    rnn.set_weights(weights.as_keras())
    x = rnn_cells.demo_inputs(kind)[None].astype(np.float32)
    changed_before, changed_after = x.copy(), x.copy()
    changed_before[0, : t - 1] += 0.7  # every input before step t
    changed_after[0, t:] += 0.7  # every input after it
    h_t = [np.asarray(rnn(v))[0, t - 1] for v in (x, changed_before, changed_after)]
    np.testing.assert_allclose(h_t[0], h_t[2], atol=1e-6)  # later inputs never reach h_t
    reaches = not np.allclose(h_t[0], h_t[1], atol=1e-6)
    assert question.answer == ("x_and_h" if reaches else "only_x")


# ---------------------------------------------------------------- Draw and Network

logits = st.lists(st.floats(-60, 60, allow_nan=False), min_size=10, max_size=10)


@FAST
@given(z=logits)
def test_softmax_questions_are_keras_softmax(z):
    p = np.asarray(keras.layers.Softmax()(np.array([z], np.float32)))[0].astype(np.float64)
    assert p.sum() == pytest.approx(1.0, abs=1e-5)
    for question in (question_bank.softmax_sum(p), question_bank.softmax_why(p)):
        graded_as_given(question)
        assert question.answer in ("always", "divides")
    rest = question_bank.rest_percent(p)
    graded_as_given(rest)
    assert abs(rest.answer - 100 * (p.sum() - p.max())) <= rest.tolerance + 1e-3


def test_the_model_reads_784_numbers():
    model = arch.build_model(arch.chapter_spec())
    question = question_bank.model_inputs(tuple(model.input_shape[1:]), 280)
    graded_as_given(question)
    assert question.answer == math.prod(model.input_shape[1:]) == 784


@FAST
@given(k=st.integers(1, 5), channels=st.integers(1, 8), filters=st.integers(1, 4))
def test_a_traced_conv_cell_sums_keras_kernel_per_filter(k, channels, filters):
    question = question_bank.cell_inputs("Conv2D", (k, k), channels, {"layer": 3, "map": 0, "row": 0, "col": 0})
    graded_as_given(question)
    layer = keras.layers.Conv2D(filters, k)
    layer.build((1, 8, 8, channels))
    assert question.answer == (layer.count_params() - filters) // filters  # weights per filter, biases apart


@FAST
@given(p=st.integers(1, 3), channels=st.integers(2, 6), seed=st.integers(0, 2**16))
def test_a_traced_pool_cell_compares_one_maps_window(p, channels, seed):
    question = question_bank.cell_inputs("MaxPooling2D", (p, p), channels, {"layer": 2, "map": 0, "row": 0, "col": 0})
    graded_as_given(question)
    x = np.random.default_rng(seed).normal(size=(1, p, p, channels)).astype(np.float32)
    louder = x.copy()
    louder[..., 1:] += 100.0  # the other maps get far larger values: map 0's maximum does not see them
    pool = keras.layers.MaxPooling2D(p)
    assert np.asarray(pool(louder))[0, 0, 0, 0] == np.asarray(pool(x))[0, 0, 0, 0] == x[0, :, :, 0].max()
    assert question.answer == x[0, :, :, 0].size


@FAST
@given(inputs=st.integers(1, 2000), units=st.integers(1, 128))
def test_dense_parameters_are_keras_count(inputs, units):
    question = question_bank.dense_params(inputs, units, 7)
    graded_as_given(question)
    layer = keras.layers.Dense(units)
    layer.build((None, inputs))
    assert question.answer == layer.count_params()
