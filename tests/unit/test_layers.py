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
}


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
    layer = kind.keras(kind.default, keras.layers, None)  # no name given: Keras picks its default
    assert type(layer).__name__ == name
    assert re.fullmatch(rf"{kind.keras_name}(_\d+)?", layer.name), layer.name


@pytest.mark.parametrize("name", LAYER_KINDS)
def test_editor_fields_are_settings_of_the_spec(name):
    kind = kind_of(name)
    for field in kind.fields:
        value = getattr(kind.default, field.name)
        assert field.widget in ("number", "choice", "slider")
        if field.widget == "choice":
            assert value in field.options
        else:
            assert field.low <= value <= field.high
