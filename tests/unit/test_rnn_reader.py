"""A recurrent model reading a digit row by row, judged by Keras: every hidden state, every row's answer, the
numpy arithmetic of one step, the shipped RNN's recorded numbers, the exported code."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import numpy as np
import pytest

from cnnlab import architecture as arch
from cnnlab import codegen, family_comparison, latex, models, recipe, rnn_cells, rnn_reader
from cnnlab.drawn_digits import drawn_digits
from cnnlab.images import batch, one_image_batch
from cnnlab.layers import LayerSpec
from cnnlab.preprocess import preprocess

keras = pytest.importorskip("keras")

RESHAPE, PERMUTE = LayerSpec("Reshape"), LayerSpec("Permute")
HEAD = arch.dense(10, "softmax")
STACKS = {
    "SimpleRNN": (RESHAPE, LayerSpec("SimpleRNN", units=12), HEAD),
    "LSTM": (RESHAPE, LayerSpec("LSTM", units=10), HEAD),
    "GRU": (RESHAPE, LayerSpec("GRU", units=9), HEAD),
    "GRU-columns": (RESHAPE, PERMUTE, LayerSpec("GRU", units=7), arch.dense(16, "relu"), LayerSpec("Dropout"), HEAD),
    "stacked": (RESHAPE, LayerSpec("LSTM", units=6, return_sequences=True), LayerSpec("SimpleRNN", units=5), HEAD),
}


def _random_weights(model, seed: int = 0, scale: float = 0.6) -> None:
    """Weights far from Keras' small initial ones: the gates saturate and the states use their whole range."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, scale, w.shape).astype(np.float32) for w in model.get_weights()])


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    return preprocess(next(d for d in drawn_digits(40, seed=5) if d.label == 7).image)


@pytest.fixture(scope="module")
def shipped():
    model = models.load_pretrained("rnn")
    assert model is not None, "assets/mnist_rnn.keras is shipped"
    return model


def _built(name: str):
    model = arch.build_model(STACKS[name])
    _random_weights(model)
    return model


# ---------------------------------------------------------------- the cells, step by step

@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_every_hidden_state_of_the_numpy_cell_is_keras_own(kind):
    layer = getattr(keras.layers, kind)(11, return_sequences=True, return_state=True)
    x = np.random.default_rng(1).uniform(0, 1, (1, 28, 28)).astype(np.float32)
    layer.build(x.shape)
    _random_weights(layer, seed=2)
    sequence, *final = (np.asarray(v)[0] for v in layer(x))
    weights = rnn_cells.CellWeights.of_layer(layer)
    steps = rnn_cells.cell_steps(x[0], weights)
    np.testing.assert_allclose(rnn_cells.cell_states(x[0], weights), sequence, atol=1e-4)
    assert np.ptp(sequence) > 1.0, "the states span a real range"
    if kind == "LSTM":  # the carry too: Keras returns [h_T, c_T]
        np.testing.assert_allclose(steps[-1].c, final[1], atol=1e-4)
    for step in steps[::9]:
        for j in range(weights.units):
            for g in rnn_cells.unit_terms(step, weights, j):
                activation = np.tanh if g.name in ("h", "g") else rnn_cells.sigmoid
                assert g.pre == pytest.approx(g.x_part + g.h_part + g.bias)
                assert float(activation(g.pre)) == pytest.approx(g.value, abs=1e-9)


def test_the_gated_cells_combine_their_gates_as_the_formulas_say():
    x = np.random.default_rng(3).uniform(0, 1, (6, 4))
    rng = np.random.default_rng(4)
    lstm = rnn_cells.CellWeights("LSTM", rng.normal(size=(4, 12)), rng.normal(size=(3, 12)), rng.normal(size=12))
    for step in rnn_cells.lstm_steps(x, lstm):
        g = step.gates
        np.testing.assert_allclose(step.c, g["f"] * step.c_prev + g["i"] * step.g)
        np.testing.assert_allclose(step.h, g["o"] * np.tanh(step.c))
    gru = rnn_cells.CellWeights("GRU", rng.normal(size=(4, 9)), rng.normal(size=(3, 9)), rng.normal(size=(2, 9)))
    for step in rnn_cells.gru_steps(x, gru):
        np.testing.assert_allclose(step.h, step.gates["z"] * step.h_prev + (1 - step.gates["z"]) * step.g)


# ---------------------------------------------------------------- the reading

def _truncated_answer(model, image: np.ndarray, reader: rnn_reader.Reader, t: int) -> np.ndarray:
    """Keras' answer had the image ended after time step t: fresh layers with the model's weights on x_1..x_t."""
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    x = one_image_batch(image)
    for layer in layers[:reader.first]:
        x = layer(x)
    x = np.asarray(x)[:, :t]
    for layer in layers[reader.first:]:
        if type(layer).__name__ in ("SimpleRNN", "LSTM", "GRU"):
            copy = type(layer).from_config(layer.get_config())
            copy.build(x.shape)
            copy.set_weights(layer.get_weights())
            x = copy(x)
        else:
            x = layer(x, training=False)
    return np.asarray(x)[0]


@pytest.mark.parametrize("name", list(STACKS))
def test_every_row_answer_and_hidden_state_is_what_keras_gives(name, digit):
    model = _built(name)
    reading = rnn_reader.read_rows(model, digit)
    reader = reading.reader
    expected_sequence = digit.T if name.endswith("columns") else digit
    np.testing.assert_allclose(reading.sequence, expected_sequence, atol=1e-6)
    assert reader.direction == ("columns" if name.endswith("columns") else "rows")
    first = model.layers[reader.first]
    twin = type(first).from_config({**first.get_config(), "return_sequences": True})
    twin.build((1, *reading.sequence.shape))
    twin.set_weights(first.get_weights())
    np.testing.assert_allclose(reading.hidden, np.asarray(twin(reading.sequence[None]))[0], atol=1e-4)
    assert reading.per_row.shape == (28, 10)
    for t in (1, 5, 14, 27, 28):
        np.testing.assert_allclose(reading.per_row[t - 1], _truncated_answer(model, digit, reader, t), atol=1e-4)
    np.testing.assert_allclose(reading.probabilities, np.asarray(model(one_image_batch(digit)))[0], atol=1e-4)


def test_the_numpy_step_through_matches_keras_at_every_step(digit):
    for name in ("SimpleRNN", "LSTM", "GRU", "stacked"):
        model = _built(name)
        reading = rnn_reader.read_rows(model, digit)
        worked = rnn_reader.step_through(model, reading)
        assert len(worked.steps) == 28 and worked.keras_difference < 1e-4, name


def test_one_probe_per_model_that_follows_new_weights(digit):
    model = _built("GRU")
    before = rnn_reader.read_rows(model, digit)
    probe = rnn_reader.cached_probe(model, "rows", lambda m: pytest.fail("made twice"))
    assert probe is not None
    _random_weights(model, seed=9)
    after = rnn_reader.read_rows(model, digit)
    assert not np.allclose(before.hidden, after.hidden), "the probe reads the model's variables, not a copy"
    np.testing.assert_allclose(after.probabilities, np.asarray(model(one_image_batch(digit)))[0], atol=1e-4)


def test_many_threads_read_one_fresh_model_alike(digit):
    model = _built("LSTM")
    expected = np.asarray(model(one_image_batch(digit)))[0]
    results, errors = [], []

    def read():
        try:
            results.append(rnn_reader.read_rows(model, digit).probabilities)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 8
    for probabilities in results:
        np.testing.assert_allclose(probabilities, expected, atol=1e-4)


def test_a_cnn_has_no_row_reading_and_a_flattening_head_no_per_row_answers(digit):
    assert rnn_reader.read_rows(arch.build_model(arch.chapter_spec()), digit) is None
    model = arch.build_model((RESHAPE, LayerSpec("SimpleRNN", units=4, return_sequences=True), LayerSpec("Flatten"),
                              HEAD))
    reading = rnn_reader.read_rows(model, digit)
    assert reading.per_row is None and reading.decided_at is None
    np.testing.assert_allclose(reading.probabilities, np.asarray(model(one_image_batch(digit)))[0], atol=1e-4)


def test_where_the_reader_made_up_its_mind():
    def rows(*answers):
        return np.eye(10)[list(answers)]

    assert rnn_reader.decided_step(rows(3, 3, 3)) == 1
    assert rnn_reader.decided_step(rows(1, 7, 1, 7, 7)) == 4
    assert rnn_reader.decided_step(rows(1, 1, 7)) == 3


# ---------------------------------------------------------------- one step written out

def test_the_written_step_shows_the_numbers_it_computes(shipped, digit):
    reading = rnn_reader.read_rows(shipped, digit)
    worked = rnn_reader.step_through(shipped, reading)
    step = worked.steps[13]
    unit = int(rnn_reader.units_to_show(step, 1)[0])
    terms = rnn_cells.unit_terms(step, worked.weights, unit)
    pixels = [(float(worked.weights.kernel[i, unit]), float(step.x[i])) for i in np.flatnonzero(step.x > 0)]
    state = {"h": step.h[unit], "h_prev": step.h_prev[unit], "c": step.c[unit], "c_prev": step.c_prev[unit]}
    lines = latex.unit_step_latex("LSTM", 14, unit, terms, pixels, state)
    assert len(lines) == 6 and lines[0].startswith(f"i_{{14}}[{unit}]")
    for g, line in zip(terms, lines, strict=False):
        assert line.endswith(f"= {latex.decimals(g.value, 3)}") and latex.decimals(g.pre, 3) in line
    assert lines[-1].endswith(latex.decimals(float(reading.hidden[13, unit]), 3)), "Keras' own h_14"


# ---------------------------------------------------------------- the shipped RNN and the comparison

def test_the_shipped_rnn_reaches_its_recorded_accuracy(shipped):
    from cnnlab.data import load_bundled

    data = load_bundled()
    info = models.pretrained_info("rnn")
    accuracy = float((models.predict_proba(shipped, batch(data.x_test)).argmax(1) == data.y_test).mean())
    assert abs(info["test_accuracy"] - accuracy) < 0.002 and accuracy >= 0.97
    assert shipped.count_params() == info["params"] == arch.analyze(arch.rnn_spec()).total_params == 81_674
    assert [type(layer).__name__ for layer in shipped.layers] == ["Reshape", "LSTM", "Dense"]
    for field in ("command", "data", "epochs", "augmentation", "seed", "epoch_seconds_side_by_side"):
        assert info.get(field), field
    assert "scripts/train_rnn_pretrained.py" in info["command"]
    assert models.RNN_PRETRAINED_PATH.stat().st_size < 1_000_000


def test_the_shipped_rnn_reads_the_drawn_digits_as_recorded(shipped):
    digits = drawn_digits(models.pretrained_info("rnn")["drawn_size"])
    x = np.concatenate([one_image_batch(preprocess(d.image)) for d in digits])
    predicted = models.predict_proba(shipped, x).argmax(1)
    accuracy = float(np.mean(predicted == np.array([d.label for d in digits])))
    assert round(accuracy, 4) == models.pretrained_info("rnn")["drawn_accuracy"] and accuracy >= 0.97


def test_the_comparison_numbers_are_the_models_own_evaluation(shipped):
    from cnnlab.data import load_bundled

    data = load_bundled()
    numbers = family_comparison.shipped_numbers("rnn", shipped, data.x_test[:300], data.y_test[:300])
    predicted = models.predict_proba(shipped, batch(data.x_test[:300])).argmax(1)
    assert numbers.test_accuracy == pytest.approx(float(np.mean(predicted == data.y_test[:300])))
    assert numbers.confusion.sum() == 300 and numbers.params == 81_674
    side_by_side = models.pretrained_info("rnn")["epoch_seconds_side_by_side"]
    assert numbers.epoch_seconds == side_by_side["rnn"] and family_comparison.shipped_epoch_seconds("cnn") == side_by_side["cnn"]
    top = numbers.top_confusion()
    if top is not None:
        wrong = numbers.confusion - np.diag(np.diag(numbers.confusion))
        assert top[2] == wrong.max() and numbers.confusion[top[0], top[1]] == top[2]
    assert numbers.per_class[numbers.worst_digit] == numbers.per_class.min()


# ---------------------------------------------------------------- the exported code

def test_the_exported_training_code_of_an_rnn_runs_as_it_is(tmp_path):
    """The Train page's program for the starting RNN, run as a student would (on 5% of the bundled digits)."""
    from cnnlab.data import BUNDLED_PATH

    config = recipe.TrainConfig(epochs=1, batch_size=64, data_fraction=0.05)
    code = codegen.training_code(arch.rnn_spec(), config, source="bundled", train_size=8_000)
    assert "layers.Reshape((28, 28))" in code and "layers.LSTM(128)" in code
    (tmp_path / "mnist_subset.npz").symlink_to(BUNDLED_PATH)
    code += "import json\nprint(json.dumps([model.count_params(), float(test_acc)]))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    params, accuracy = json.loads(done.stdout.strip().splitlines()[-1])
    assert params == 81_674 and 0.1 < accuracy <= 1
