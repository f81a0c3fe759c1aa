"""The server's limits (cnnlab.limits): what a training costs, the budget, the bounded Keras check.

Costs are judged with TensorFlow's own profiler: each layer's forward FLOPs as it counts them.
"""

from __future__ import annotations

import re
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab import architecture as arch
from cnnlab import keras_check, limits, recipe, sequence_experiment, shapes, training
from cnnlab.conv_ops import ConvSettings, padding_amounts
from cnnlab.data import load_bundled
from cnnlab.layers import LayerSpec
from tests.conftest import ROOT

ACTIVATION_OPS = {"Relu", "Softmax", "Sigmoid", "Tanh"}  # not counted by our rule (nor by TF for ReLU)

VARIED = arch.with_uids((
    LayerSpec("Conv2D", filters=8, kernel_size=5, strides=2, padding="same"),
    LayerSpec("BatchNormalization"),
    LayerSpec("Dropout", rate=0.3),
    LayerSpec("MaxPooling2D", pool_size=3, padding="same"),
    LayerSpec("Conv2D", filters=6, kernel_size=2, activation="tanh"),
    LayerSpec("Flatten"),
    LayerSpec("Dense", units=12, activation="sigmoid"),
    LayerSpec("Dense", units=10, activation="softmax"),
))


def tensorflow_flops(layer_spec: LayerSpec, input_shape: tuple, unroll: bool = False) -> int:
    """TensorFlow's profiler count for one layer's inference graph on one image, activations left out
    (unroll: the recurrent layer made by the app, with its time steps unrolled into the graph)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    from cnnlab.keras_lock import keras_models

    with keras_models() as keras:
        layer = arch.kind_of(layer_spec.kind).keras(layer_spec, input_shape, keras.layers, "probe")
        if unroll:
            layer = type(layer).from_config({**layer.get_config(), "unroll": True})
        model = keras.Sequential([keras.Input(shape=input_shape[1:]), layer])
    graph = tf.function(lambda x: model(x, training=False), autograph=False).get_concrete_function(
        tf.TensorSpec([1, *input_shape[1:]], tf.float32))
    frozen = convert_variables_to_constants_v2(graph).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(graph=frozen, run_meta=tf.compat.v1.RunMetadata(), cmd="graph",
                                            options=options)
    counts: dict[str, int] = {}  # node name -> its own count (the graph view nests nodes under their users)
    pending = list(profile.children)
    while pending:
        node = pending.pop()
        counts[node.name] = node.float_ops
        pending.extend(node.children)
    return sum(n for name, n in counts.items() if name.rsplit("/", 1)[-1] not in ACTIVATION_OPS)


@pytest.mark.parametrize("stack", [arch.chapter_spec(), VARIED], ids=["chapter", "varied"])
def test_each_layers_flops_are_what_tensorflows_profiler_counts(stack):
    analysis = arch.analyze(stack)
    assert analysis.ok
    for report in analysis.layers:
        assert report.flops == tensorflow_flops(report.layer, report.input_shape), report.layer.label()


def _data_sizes():
    data = load_bundled()
    return len(data.x_train), len(data.x_test)


def test_the_chapters_model_at_the_largest_settings_fits_the_budget_on_either_data():
    analysis = arch.analyze(arch.chapter_spec())
    largest = recipe.TrainConfig(epochs=20, batch_size=8, data_fraction=1.0, validation_split=0.0)
    for n_train, n_test in (_data_sizes(), (60_000, 10_000)):
        cost = recipe.training_cost(analysis, largest, n_train, n_test)
        assert not cost.over_budget, f"{cost.total / 1e12:.1f} TFLOP on {n_train} images"


def test_the_issues_stack_is_refused_and_told_which_layer_and_how_many_epochs():
    heavy = arch.with_uids((LayerSpec("Conv2D", filters=256, kernel_size=11, padding="same"),
                            LayerSpec("Conv2D", filters=256, kernel_size=6, padding="same"),
                            LayerSpec("MaxPooling2D", pool_size=8), LayerSpec("Flatten"),
                            LayerSpec("Dense", units=10, activation="softmax")))
    analysis = arch.analyze(heavy)
    assert analysis.ok and analysis.total_params < limits.MAX_PARAMS  # the parameter cap alone let it through
    cost = recipe.training_cost(analysis, recipe.TrainConfig(epochs=20, batch_size=8), *_data_sizes())
    assert cost.over_budget and cost.share > 50
    index, share = cost.heaviest_layer
    assert index == 1 and share > 0.9  # the 6×6 Conv2D over 256 channels
    assert cost.epochs_that_fit == 0
    with pytest.raises(training.OverBudget) as refused:
        training.TrainingJob(heavy, recipe.TrainConfig(epochs=20, batch_size=8), load_bundled(),
                             slots=training.TrainingSlots(1))
    assert refused.value.cost is not None and refused.value.cost.total == cost.total


def test_epochs_that_fit_is_the_largest_number_of_epochs_within_the_budget():
    stack = arch.with_uids((LayerSpec("Conv2D", filters=128, kernel_size=5, padding="same"), LayerSpec("Flatten"),
                            LayerSpec("Dense", units=10, activation="softmax")))
    analysis = arch.analyze(stack)
    n_train, n_test = 60_000, 10_000
    cost = recipe.training_cost(analysis, recipe.TrainConfig(epochs=20), n_train, n_test)
    assert cost.over_budget and cost.epochs_that_fit >= 1
    fits = recipe.training_cost(analysis, recipe.TrainConfig(epochs=cost.epochs_that_fit), n_train, n_test)
    more = recipe.training_cost(analysis, recipe.TrainConfig(epochs=cost.epochs_that_fit + 1), n_train, n_test)
    assert not fits.over_budget and more.over_budget


def test_the_sequences_experiment_at_its_largest_sliders_fits_the_budget():
    largest = sequence_experiment.ExperimentSettings(window=60, units=64, epochs=100, kinds=("dense", "rnn", "lstm"))
    assert sequence_experiment.experiment_cost(largest) < limits.TRAINING_BUDGET_FLOPS
    data = largest.data()  # the cost counts the windows the experiment trains and tests on
    assert len(data.y_train) + len(data.y_test) == largest.n_windows
    small = sequence_experiment.ExperimentSettings(window=60, units=64, epochs=50, kinds=("dense", "rnn", "lstm"))
    assert sequence_experiment.experiment_cost(small) < sequence_experiment.experiment_cost(largest)


def test_uploads_are_capped_by_streamlits_own_limit_at_the_same_size():
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")  # tomllib is 3.11+: a regex
    server = config.split("[server]", 1)[1].split("\n[", 1)[0]
    assert re.search(r"^maxUploadSize\s*=\s*(\d+)\s*$", server, re.M).group(1) == str(limits.UPLOAD_MAX_MB)


# ---------------------------------------------------------------- the Conv2D check on a crop

@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 512), k=st.integers(1, 11), s=st.integers(1, 5), d=st.integers(1, 5),
       padding=st.sampled_from(shapes.PADDINGS))
def test_the_crop_keeps_how_the_axis_is_padded_or_cut(n, k, s, d, padding):
    if s > 1 and d > 1:
        return  # Keras refuses strides and dilation together
    span = shapes.effective_kernel(k, d)
    if padding == "valid" and n < span:
        return  # no output on the full axis: nothing to check
    c = keras_check.crop_side(n, k, s, d)
    assert 1 <= c <= n and c <= max(limits.VERIFY_MAX_SIDE, span) + s - 1
    assert padding_amounts(c, k, s, padding, d) == padding_amounts(n, k, s, padding, d)
    if padding == "valid":
        assert shapes.dropped_cells(c, k, s, d) == shapes.dropped_cells(n, k, s, d)


def test_verify_on_the_largest_input_the_url_allows_is_bounded_and_keras_agrees():
    worst = ConvSettings((256, 512, 512, 64), 64, (11, 11), (1, 1), "same", (1, 1), "relu")
    keras_check.verify_conv2d(ConvSettings((1, 6, 6, 1), 1, (3, 3)))  # TensorFlow imported and warm first
    tracemalloc.start()
    try:
        result = keras_check.verify_conv2d(worst)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.agree, result
    assert result.keras_shape == result.core_shape == (256, 512, 512, 64)
    assert result.crop_shape == (1, 32, 32, 64)
    assert peak < 64e6  # the full input alone would be 17 GB



@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("units", [4, 16])
def test_a_recurrent_layers_flops_are_what_the_profiler_counts_once_unrolled(kind, units):
    """The profiler does not look inside a while loop (a recurrent layer's steps): unrolled, every step's
    operations are in the graph, and they are what our rule counts."""
    spec = LayerSpec(kind, units=units, activation="tanh")
    shape = (None, 5, 7)  # 5 time steps of 7 features
    assert arch.kind_of(kind).flops(spec, shape) == tensorflow_flops(spec, shape, unroll=True)
