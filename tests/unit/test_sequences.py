"""Core of the sequences page: examples, windows, the SimpleRNN step-through, the training helper."""

from pathlib import Path

import numpy as np
import pytest

from cnnlab import codegen, rnn_cells, sequence_data, sequence_experiment
from cnnlab.sequence_experiment import ExperimentSettings


def test_importing_the_core_does_not_import_tensorflow():
    import subprocess
    import sys

    code = ("import sys; import cnnlab.sequence_data, cnnlab.rnn_cells, cnnlab.sequence_experiment; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    root = Path(sequence_experiment.__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("window", [1, 5, 20])
def test_windows_shapes_and_contents(window):
    series = np.arange(50, dtype=np.float32)
    x, y = sequence_data.make_windows(series, window)
    assert x.shape == (50 - window, window)
    assert y.shape == (50 - window,)
    # each target is the value right after its window
    np.testing.assert_array_equal(x[3], series[3:3 + window])
    assert y[3] == series[3 + window]


def test_windows_reject_too_short_series():
    with pytest.raises(ValueError):
        sequence_data.make_windows(np.arange(5), 5)
    with pytest.raises(ValueError):
        sequence_data.make_windows(np.arange(5), 0)


@pytest.mark.parametrize("kind", sequence_data.SERIES_KINDS)
def test_prepare_data_splits_in_time_order(kind):
    data = sequence_data.prepare_data(kind, window=12, n_windows=100)
    assert data.x_train.shape == (80, 12) and data.x_test.shape == (20, 12)
    assert data.y_train.shape == (80,) and data.y_test.shape == (20,)
    assert data.split == 12 + 80
    # the held-out targets are the last 20 values of the series, in order
    np.testing.assert_allclose(data.to_raw(data.y_test), data.series[-20:], rtol=1e-5, atol=1e-5)
    # standardised with the training part only
    assert abs(float(np.mean(data.series[:data.split])) - data.mean) < 1e-5


def test_series_are_seeded():
    a, b = sequence_data.make_series("random_walk", 100, seed=1), sequence_data.make_series("random_walk", 100, seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sequence_data.make_series("random_walk", 100, seed=2))
    with pytest.raises(ValueError):
        sequence_data.make_series("nope", 10)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("kind", sequence_data.SERIES_KINDS)
def test_the_shown_code_generates_the_same_series(kind, lang):
    n, seed = 157, 4
    namespace = {"np": np, "rng": np.random.default_rng(seed), "n": n, "t": np.arange(n, dtype=float)}
    exec(codegen._series_code(kind, lang), namespace)  # noqa: S102 - the page's own code snippet, its comments filled
    np.testing.assert_allclose(namespace["y"].astype(np.float32), sequence_data.make_series(kind, n, seed))


def test_the_changing_wave_changes_its_period_and_is_the_default():
    default = sequence_experiment.DEFAULT_SERIES
    assert default == "changing_wave" and default in sequence_data.SERIES_KINDS
    y = sequence_data.make_series("changing_wave", 600, seed=0)
    # Upward zero crossings per block of CHANGE_EVERY steps: different periods give different counts.
    ups = np.flatnonzero((y[:-1] < 0) & (y[1:] >= 0))
    gaps = np.diff(ups)
    assert gaps.min() >= 6 and gaps.max() <= 45 and np.ptp(gaps) >= 10, gaps
    assert np.abs(y).max() < 1.2


def test_error_ratio():
    models = {"dense": sequence_experiment.ModelResult("dense", mse=0.03),
              "rnn": sequence_experiment.ModelResult("rnn", mse=0.01)}
    result = sequence_experiment.ExperimentResult("sine_noise", 5, 4, 2, models, np.zeros(3), 0.1, 0.1, 1.0)
    assert sequence_experiment.error_ratio(result) == pytest.approx(3.0)
    assert sequence_experiment.error_ratio(result, "rnn", "dense") == pytest.approx(1 / 3)
    assert sequence_experiment.error_ratio(result, "dense", "lstm") is None


def test_order_carries_information_and_shuffling_destroys_it():
    for values in (sequence_data.stock_walk(80), sequence_data.audio_wave(240)):
        shuffled = values[sequence_data.shuffle_order(len(values))]
        assert sequence_data.neighbour_correlation(values) > 0.8
        assert abs(sequence_data.neighbour_correlation(shuffled)) < 0.4
    order = sequence_data.shuffle_order(6)
    assert sorted(order) == list(range(6)) and not np.array_equal(order, np.arange(6))
    assert sequence_data.tokens("dark clouds, so take an umbrella") == ["dark", "clouds,", "so", "take", "an",
                                                                        "umbrella"]


def test_step_through_writes_out_the_formula():
    w = rnn_cells.demo_weights()
    steps = rnn_cells.simple_rnn_steps(rnn_cells.demo_inputs("ramp"), w)
    for prev, step in zip([None, *steps[:-1]], steps, strict=True):
        h_prev = np.zeros(3) if prev is None else prev.h
        np.testing.assert_allclose(step.h_prev, h_prev)
        np.testing.assert_allclose(step.wx, w.W @ step.x)
        np.testing.assert_allclose(step.uh, w.U @ h_prev)
        np.testing.assert_allclose(step.pre, step.wx + step.uh + w.bias)
        np.testing.assert_allclose(step.h, np.tanh(step.pre))


def test_pulse_is_remembered_only_with_recurrent_weights():
    x = rnn_cells.demo_inputs("pulse")
    with_memory = rnn_cells.simple_rnn_states(x, rnn_cells.demo_weights(1.0))
    without = rnn_cells.simple_rnn_states(x, rnn_cells.demo_weights(0.0))
    # after the pulse, without U every step sees only x=0 and the bias: the same state each time
    np.testing.assert_allclose(without[1], without[-1])
    assert not np.allclose(with_memory[1], with_memory[2])


@pytest.mark.parametrize("inputs,memory", [("pulse", 1.0), ("sine", 1.5), ("ramp", 0.5)])
def test_step_through_matches_keras_simple_rnn(inputs, memory):
    import keras

    x = rnn_cells.demo_inputs(inputs)
    w = rnn_cells.demo_weights(memory)
    layer = keras.layers.SimpleRNN(w.units, return_sequences=True)
    layer.build((1, *x.shape))
    layer.set_weights(w.as_keras())
    keras_states = np.asarray(layer(x[None].astype("float32")))[0]
    np.testing.assert_allclose(rnn_cells.simple_rnn_states(x, w), keras_states, atol=1e-5)


def test_model_summary_without_tensorflow_matches_keras():
    for kind in sequence_experiment.MODEL_KINDS:
        for window, units in [(5, 4), (20, 16)]:
            model = sequence_experiment.build_model(kind, window, units)
            rows = sequence_experiment.model_layers(kind, window, units)
            assert [layer.count_params() for layer in model.layers] == [r.params for r in rows]
            assert [tuple(layer.output.shape) for layer in model.layers] == [r.output_shape for r in rows]
            assert tuple(model.inputs[0].shape) == sequence_experiment.input_shape(kind, window)
    # the window changes the standard network's size, not the recurrent ones'
    assert sequence_experiment.total_params("dense", 30, 16) > sequence_experiment.total_params("dense", 10, 16)
    assert sequence_experiment.total_params("rnn", 30, 16) == sequence_experiment.total_params("rnn", 10, 16)


def test_training_reduces_the_loss_on_an_easy_series():
    data = sequence_data.prepare_data("sine_noise", window=10, n_windows=200)
    seen = []
    result = sequence_experiment.train_models(data, ("dense", "rnn"), units=8, epochs=6,
                              on_epoch=lambda kind, epoch, loss: seen.append((kind, epoch)))
    assert seen == [(k, e) for k in ("dense", "rnn") for e in range(1, 7)]
    for kind, model in result.models.items():
        assert len(model.losses) == 6
        assert model.losses[-1] < 0.5 * model.losses[0], (kind, model.losses)
        assert model.predictions.shape == result.truth.shape == (40,)
        assert model.mse == pytest.approx(np.mean((model.predictions - result.truth) ** 2), rel=1e-5)
        assert model.params == sequence_experiment.total_params(kind, 10, 8)
        # a sine is learnable: both beat guessing the series' mean
        assert model.mse < np.var(result.truth)


def test_generated_code_runs_and_reproduces_the_step_through():
    import contextlib
    import io

    x, w = rnn_cells.demo_inputs("sine"), rnn_cells.demo_weights(1.0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(codegen.step_code(x, w), {})
    numbers = [float(v) for v in out.getvalue().replace("[", " ").replace("]", " ").split()]
    np.testing.assert_allclose(np.array(numbers).reshape(-1, 3), rnn_cells.simple_rnn_states(x, w), atol=5.1e-3)


def test_experiment_code_runs_and_reproduces_the_training_helper():
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(codegen.experiment_code(ExperimentSettings("waves", window=6, units=4, epochs=2, kinds=("dense", "rnn"),
                                                         n_windows=60)), {})
    lines = out.getvalue().strip().splitlines()
    assert [line.split()[0] for line in lines] == ["dense", "rnn"]
    assert int(lines[0].split()[1]) == sequence_experiment.total_params("dense", 6, 4)
    # same series, split, seed and models: the page's numbers, from the code it shows
    result = sequence_experiment.train_models(sequence_data.prepare_data("waves", 6, n_windows=60), ("dense", "rnn"),
                                              units=4, epochs=2)
    printed = {line.split()[0]: float(line.split()[-1]) for line in lines}
    for kind, model in result.models.items():
        assert printed[kind] == pytest.approx(model.mse, rel=1e-4)


def test_experiment_code_trains_with_the_settings_learning_rate_seed_and_batch_size():
    """The shown code is written from the settings the worker trains with, not from constants of its own."""
    import contextlib
    import io

    settings = ExperimentSettings("sine_noise", window=5, units=3, epochs=2, kinds=("lstm",), n_windows=50, seed=2,
                                  batch_size=8, learning_rate=0.05)
    code = codegen.experiment_code(settings)
    assert "Adam(learning_rate=0.05)" in code and "batch_size=8" in code
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {})  # noqa: S102 - our own generated code
    printed = float(out.getvalue().split()[-1])
    assert printed == pytest.approx(sequence_experiment.run(settings).models["lstm"].mse, rel=1e-4)
