"""Every layer kind of the registry, judged by Keras: shapes, parameters, formula, names and code."""

from __future__ import annotations

import re

import pytest

from cnnlab import architecture as arch
from cnnlab import codegen, shapes
from cnnlab.layers import KINDS, LAYER_KINDS, LayerSpec, kind_of

keras = pytest.importorskip("keras")

# A sample of settings for every kind: a new kind needs its samples here (test_every_kind_has_samples).
SAMPLES = {
    "Conv2D": [arch.conv(32), arch.conv(8, 5, padding="same", strides=2), arch.conv(4, 1, activation="linear"),
               arch.conv(6, 4, strides=3, activation="tanh")],
    "MaxPooling2D": [arch.pool(2), arch.pool(3, padding="same"), arch.pool(5)],
    "Dropout": [LayerSpec("Dropout", rate=0.0), LayerSpec("Dropout", rate=0.5)],
    "Flatten": [LayerSpec("Flatten")],
    "Dense": [arch.dense(32), arch.dense(1, "sigmoid"), arch.dense(7, "linear")],
    "BatchNormalization": [LayerSpec("BatchNormalization")],
    "Reshape": [LayerSpec("Reshape")],
    "Permute": [LayerSpec("Permute")],
    "SimpleRNN": [LayerSpec("SimpleRNN", units=16), LayerSpec("SimpleRNN", units=5, return_sequences=True)],
    "LSTM": [LayerSpec("LSTM", units=12), LayerSpec("LSTM", units=3, return_sequences=True)],
    "GRU": [LayerSpec("GRU", units=9), LayerSpec("GRU", units=4, return_sequences=True)],
}
RESHAPE, FLATTEN = LayerSpec("Reshape"), LayerSpec("Flatten")


def _stacks():
    """Each sample in a trainable stack: before Flatten when it needs an image, after it when it needs a
    vector, in both places when it takes either."""
    head = arch.dense(10, "softmax")
    for kind, samples in SAMPLES.items():
        rank = KINDS[kind].input_rank
        for i, layer in enumerate(samples):
            if rank is None or rank[0] == 4:
                yield f"{kind}-{i}-image", (layer, LayerSpec("Flatten"), head)
            if rank is None or rank[0] == 2:
                yield f"{kind}-{i}-vector", (LayerSpec("Flatten"), layer, head)
            if rank is None or rank[0] == 3:  # on a digit's rows; a sequence it returns is flattened
                still_a_sequence = len(arch.analyze((RESHAPE, layer)).output_shape) == 3
                tail = (FLATTEN, head) if still_a_sequence else (head,)
                yield f"{kind}-{i}-sequence", (RESHAPE, layer, *tail)
    # a recurrent reader on feature maps, a column reader, two recurrent layers stacked, a sequence to Dense
    yield "Reshape-after-Conv2D", (arch.conv(4), RESHAPE, LayerSpec("GRU", units=5), head)
    yield "Permute-columns", (RESHAPE, LayerSpec("Permute"), LayerSpec("LSTM", units=6), head)
    yield "stacked", (RESHAPE, LayerSpec("GRU", units=8, return_sequences=True), LayerSpec("SimpleRNN", units=4), head)


STACKS = dict(_stacks())


def _summary(model) -> tuple[list[tuple[str, str, str]], list[str]]:
    """model.summary() as rows of (layer class, output shape, parameters) and its three totals lines.

    Layer names are left out: Keras numbers them by what the session built before.
    """
    rows, totals, row = [], [], None
    for line in arch.summary_text(model).splitlines():
        if line.startswith("│"):  # a row's line; a long name goes on over the next line
            cells = [c.strip() for c in line.split("│")[1:-1]]
            row = cells if row is None else [f"{a} {b}".strip() for a, b in zip(row, cells, strict=True)]
        elif row is not None:  # the line under a row
            rows.append((re.search(r"\((\w+)\)$", row[0]).group(1), row[1], row[2]))
            row = None
        if "params:" in line:
            totals.append(line.split("(")[0].strip())
    return rows, totals


def test_every_kind_has_samples():
    assert set(SAMPLES) == set(LAYER_KINDS)
    assert all(kind_of(name).name == name and kind_of(name).default.kind == name for name in LAYER_KINDS)
    with pytest.raises(ValueError):
        kind_of("Conv3D")


@pytest.mark.parametrize("name", list(STACKS))
def test_shapes_and_parameters_are_what_keras_summary_prints(name):
    stack = STACKS[name]
    analysis = arch.analyze(stack)
    assert analysis.ok, analysis.first_issue
    rows, totals = _summary(arch.build_model(stack))
    assert rows == [(r.layer.kind, shapes.format_shape(r.output_shape), f"{r.params:,}") for r in analysis.layers]
    frozen = analysis.total_params - analysis.trainable_params
    assert totals == [f"Total params: {analysis.total_params:,}", f"Trainable params: {analysis.trainable_params:,}",
                      f"Non-trainable params: {frozen:,}"]


@pytest.mark.parametrize("name", list(STACKS))
def test_generated_code_builds_the_same_model(name):
    stack = STACKS[name]
    namespace: dict = {}
    exec(compile(codegen.keras_code(stack).replace("model.summary()", ""), name, "exec"), namespace)  # noqa: S102
    generated, built = namespace["model"], arch.build_model(stack)
    assert _summary(generated) == _summary(built)
    # and the same settings, beyond what the summary shows (rate, activation, padding, ...)
    assert [_settings(layer) for layer in generated.layers] == [_settings(layer) for layer in built.layers]


def _settings(layer) -> dict:
    return {key: value for key, value in layer.get_config().items() if key != "name"}


@pytest.mark.parametrize("name", list(STACKS))
def test_the_parameter_formula_gives_the_count(name):
    for report in arch.analyze(STACKS[name]).layers:
        formula = arch.param_formula(report)
        if report.params:
            assert eval(formula.replace("×", "*")) == report.params, formula  # noqa: S307
        else:
            assert formula == ""


@pytest.mark.parametrize("name", LAYER_KINDS)
def test_keras_names_each_kind_as_the_registry_says(name):
    kind = kind_of(name)
    shape = (None, 28, 28, 1) if kind.input_rank is None or kind.input_rank[0] == 4 else (None, 28, 28)
    layer = kind.keras(kind.default, shape, keras.layers, None)  # no name given: Keras picks its default
    assert type(layer).__name__ == name
    assert re.fullmatch(rf"{kind.keras_name}(_\d+)?", layer.name), layer.name


@pytest.mark.parametrize("name", LAYER_KINDS)
def test_editor_fields_are_settings_of_the_spec(name):
    kind = kind_of(name)
    for field in kind.fields:
        value = getattr(kind.default, field.name)
        assert field.widget in ("number", "choice", "slider", "toggle")
        if field.widget == "choice":
            assert value in field.options
        else:
            assert field.low <= value <= field.high


RANK_CASES = {
    "Conv2D after an RNN": ((RESHAPE, LayerSpec("LSTM", units=4, return_sequences=True), arch.conv(4), FLATTEN,
                             arch.dense(10, "softmax")), 2, "image_layer_on_sequence"),
    "LSTM on the image": ((LayerSpec("LSTM"), arch.dense(10, "softmax")), 0, "sequence_layer_on_image"),
    "second RNN without return_sequences": ((RESHAPE, LayerSpec("GRU"), LayerSpec("LSTM"), arch.dense(10, "softmax")),
                                            2, "sequence_layer_on_vector"),
    "Dense on a sequence": ((RESHAPE, LayerSpec("SimpleRNN", return_sequences=True), arch.dense(10, "softmax")),
                            2, "dense_on_sequence"),
    "Reshape after Flatten": ((FLATTEN, RESHAPE, LayerSpec("LSTM"), arch.dense(10, "softmax")), 1, "needs_image"),
}


@pytest.mark.parametrize("name", list(RANK_CASES))
def test_a_layer_on_the_wrong_rank_is_refused_with_its_reason_and_keras_refuses_it_too(name):
    stack, index, reason = RANK_CASES[name]
    analysis = arch.analyze(stack)
    assert analysis.first_issue[0] == index and analysis.first_issue[1].reason == reason
    # Keras applies Dense to a sequence's last axis and reshapes anything: those two are the editor's own rules
    if reason not in ("dense_on_sequence", "needs_image"):
        with pytest.raises((ValueError, TypeError)):
            arch.build_model(stack, validate_first=False)


def test_recurrent_parameter_formulas_are_keras_own():
    """units·(units + inputs + 1) for SimpleRNN, 4× for LSTM, 3·units·(units + inputs + 2) for GRU (reset_after)."""
    for kind, blocks, biases in (("SimpleRNN", 1, 1), ("LSTM", 4, 1), ("GRU", 3, 2)):
        layer = getattr(keras.layers, kind)(7)
        layer.build((None, 28, 11))
        assert layer.count_params() == blocks * 7 * (7 + 11 + biases)
        report = arch.analyze((RESHAPE, LayerSpec(kind, units=7), arch.dense(10, "softmax")))
        assert report.layers[1].params == blocks * 7 * (7 + 28 + biases)
