"""Layer specs: shapes and parameters equal Keras' own, impossible stacks are rejected with index and reason."""

from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnlab import architecture as arch
from cnnlab import codegen, conv_ops, layers, shapes

VARIANTS = {
    "chapter": arch.chapter_spec(),
    "same_padding_strides": (arch.conv(8, 5, padding="same", strides=2), arch.pool(3, padding="same"),
                             arch.LayerSpec("BatchNormalization"), arch.conv(16, 3), arch.LayerSpec("Flatten"),
                             arch.LayerSpec("Dropout", rate=0.5), arch.dense(32, "tanh"),
                             arch.LayerSpec("BatchNormalization"), arch.dense(10, "softmax")),
    "dense_only": (arch.LayerSpec("Flatten"), arch.dense(128), arch.LayerSpec("Dropout"), arch.dense(10, "softmax")),
    "big_kernel_exact_fit": (arch.conv(4, 11), arch.pool(2), arch.conv(4, 9), arch.LayerSpec("Flatten"),
                             arch.dense(10, "softmax")),
}


def test_chapter_spec_is_the_chapters_model():
    analysis = arch.analyze(arch.chapter_spec())
    assert analysis.ok
    assert analysis.total_params == 93_322
    assert [r.params for r in analysis.layers] == [320, 0, 18_496, 0, 36_928, 0, 36_928, 650]
    assert [r.output_shape for r in analysis.layers] == [
        (None, 26, 26, 32), (None, 13, 13, 32), (None, 11, 11, 64), (None, 5, 5, 64), (None, 3, 3, 64),
        (None, 576), (None, 64), (None, 10)]
    assert arch.param_formula(analysis.layers[0]) == "(3×3×1 + 1)×32"


@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_layer_matches_the_built_keras_model(name):
    stack = VARIANTS[name]
    analysis = arch.analyze(stack)
    assert analysis.ok, analysis.first_issue
    model = arch.build_model(stack)
    assert len(model.layers) == len(stack)
    for report, layer in zip(analysis.layers, model.layers, strict=True):
        assert tuple(layer.output.shape) == report.output_shape, (name, layer.name)
        assert layer.count_params() == report.params, (name, layer.name)
    assert model.count_params() == analysis.total_params
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert trainable == analysis.trainable_params
    summary = arch.summary_text(model)
    assert f"Total params: {analysis.total_params:,}" in summary
    for report in analysis.layers:
        assert shapes.format_shape(report.output_shape) in summary


def test_build_chapter_model_keeps_its_result():
    from cnnlab.models import build_chapter_model

    model = build_chapter_model()
    assert model.count_params() == 93_322
    assert tuple(model.layers[-1].output.shape) == (None, 10)
    assert [layer.name for layer in model.layers][:3] == ["conv2d", "max_pooling2d", "conv2d_1"]


@pytest.mark.parametrize(("edit", "index", "reason"), [
    (lambda s: arch.remove_layer(s, 5), 5, "dense_before_flatten"),  # Dense on (None, 3, 3, 64)
    (lambda s: arch.update_layer(s, 2, kernel_size=11), 4, "output_not_positive"),  # 13->3->1, then 3x3 on 1x1
    (lambda s: arch.update_layer(s, 0, kernel_size=29), 0, "output_not_positive"),
    (lambda s: arch.update_layer(s, 7, units=5), 7, "last_not_classes"),
    (lambda s: s[:-1], 6, "last_not_classes"),
    (lambda s: arch.update_layer(s, 7, activation="relu"), 7, "last_not_softmax"),
    (lambda s: arch.move_layer(s, 5, -1), 5, "needs_image"),  # Conv2D after Flatten
    (lambda s: arch.update_layer(s, 0, filters=0), 0, "bad_value"),
])
def test_impossible_stacks_are_rejected_at_the_offending_layer(edit, index, reason):
    stack = edit(arch.chapter_spec())
    analysis = arch.analyze(stack)
    assert not analysis.ok
    assert analysis.first_issue[0] == index
    assert analysis.first_issue[1].reason == reason
    if reason.startswith("last_"):  # the shape exists, it is just not a 10-class output
        assert analysis.layers[index].output_shape is not None
    else:  # no shape for this layer, nor for any after it
        assert analysis.layers[index].output_shape is None
        assert all(r.output_shape is None for r in analysis.layers[index + 1:])
    with pytest.raises(arch.SpecError) as info:
        arch.build_model(stack)
    assert info.value.index == index and info.value.issue.reason == reason


def test_output_not_positive_names_axis_and_sizes():
    issue = arch.analyze(arch.update_layer(arch.chapter_spec(), 0, kernel_size=29)).first_issue[1]
    assert issue.values["axis"] == "height" and issue.values["n"] == 28 and issue.values["span"] == 29


def test_empty_and_too_large_models_are_model_level_issues():
    assert arch.analyze(()).first_issue[0] is None
    assert arch.analyze(()).first_issue[1].reason == "empty"
    huge = (arch.conv(256, 3, padding="same"), arch.LayerSpec("Flatten"), arch.dense(64), arch.dense(10, "softmax"))
    index, issue = arch.analyze(huge).first_issue
    assert index is None and issue.reason == "too_many_params" and issue.values["params"] > arch.MAX_PARAMS


def test_editing_returns_new_stacks_and_keeps_uids():
    stack = arch.chapter_spec()
    uids = [layer.uid for layer in stack]
    assert len(set(uids)) == len(uids)
    moved = arch.move_layer(stack, 1, 1)
    assert moved[1].uid == stack[2].uid and moved[2].uid == stack[1].uid
    assert arch.move_layer(stack, 0, -1) == stack
    added = arch.insert_layer(stack, 7, arch.default_layer("Dropout"))
    assert added[7].kind == "Dropout" and added[7].uid not in uids and len(added) == 9
    assert arch.analyze(added).total_params == 93_322
    assert arch.remove_layer(added, 7) == stack
    assert arch.update_layer(stack, 0, filters=8)[0].filters == 8 and stack[0].filters == 32
    fresh = arch.with_uids(arch.chapter_spec(), start=arch.next_uid(added))
    assert fresh == stack and not set(layer.uid for layer in fresh) & set(layer.uid for layer in added)


def test_add_layer_suggestion_keeps_the_chapter_model_trainable():
    stack = arch.chapter_spec()
    # Conv2D fits only where the tensor is still an image, never after Flatten or a Dense.
    assert arch.valid_insertions(stack, "Conv2D") == (0, 1, 2, 3, 4, 5)
    assert arch.valid_insertions(stack, "Dense") == (6, 7)
    # A recurrent layer alone fits nowhere in a CNN: it needs a sequence (Reshape first); Reshape alone fits
    # only after the last Conv2D (the layers above it need an image), where Flatten takes its sequence.
    assert set(arch.insertable_kinds(stack)) == set(arch.LAYER_KINDS) - {"Permute", "SimpleRNN", "LSTM", "GRU"}
    assert arch.valid_insertions(stack, "Reshape") == (5,)
    for kind in arch.insertable_kinds(stack):
        index = arch.suggested_insertion(stack, kind)
        added = arch.insert_layer(stack, index, arch.default_layer(kind))
        assert arch.analyze(added).ok, kind
        assert added[-1] == stack[-1], "the output layer stays last"
    # The old behaviour (append a Conv2D right before the output) is what breaks the model.
    assert not arch.analyze(arch.insert_layer(stack, 7, arch.default_layer("Conv2D"))).ok


def test_add_layer_offers_only_kinds_that_fit_somewhere():
    # A 28x28 kernel leaves a 1x1 image: no room for another Conv2D or a pooling window anywhere.
    tight = arch.with_uids((arch.conv(8, 28), arch.LayerSpec("Flatten"), arch.dense(10, "softmax")))
    assert arch.analyze(tight).ok
    assert arch.insertable_kinds(tight) == ("Dropout", "Flatten", "Dense", "BatchNormalization", "Reshape")
    assert arch.valid_insertions(tight, "Conv2D") == ()
    broken = arch.remove_layer(arch.chapter_spec(), 5)  # no Flatten
    assert arch.insertable_kinds(broken) == arch.LAYER_KINDS
    # For a stack that needs a Flatten, the suggestion is the place that fixes it.
    fixed = arch.insert_layer(broken, arch.suggested_insertion(broken, "Flatten"), arch.default_layer("Flatten"))
    assert arch.analyze(fixed).ok


IMAGE_KINDS = ("Conv2D", "MaxPooling2D", "Dropout", "BatchNormalization")
SEQUENCE_KINDS = ("Permute", "SimpleRNN", "LSTM", "GRU", "Dropout", "BatchNormalization")


def _default(kind: str) -> arch.LayerSpec:
    """The kind's default layer; a recurrent one hands on its sequence, so that Flatten can follow it."""
    layer = arch.default_layer(kind)
    return replace(layer, return_sequences=True) if kind in arch.RECURRENT_KINDS else layer


@given(st.lists(st.sampled_from(IMAGE_KINDS), max_size=4), st.none() | st.lists(st.sampled_from(SEQUENCE_KINDS), max_size=3))
@settings(max_examples=40, deadline=None)
def test_suggested_insertion_never_breaks_a_trainable_stack(image_kinds, sequence_kinds):
    """CNN stacks, and stacks that go on as a sequence (Reshape) after their image layers."""
    kinds = image_kinds + ([] if sequence_kinds is None else ["Reshape", *sequence_kinds])
    stack = arch.with_uids(tuple(_default(k) for k in kinds) + (arch.LayerSpec("Flatten"), arch.dense(10, "softmax")))
    assume(arch.analyze(stack).ok)
    for kind in arch.insertable_kinds(stack):
        added = arch.insert_layer(stack, arch.suggested_insertion(stack, kind), arch.default_layer(kind))
        assert arch.analyze(added).ok, (kinds, kind)


def test_generated_code_builds_and_compiles_the_same_model():
    stack = VARIANTS["same_padding_strides"]
    code = codegen.keras_code(stack, "sgd", 0.05)
    assert "tf.keras.optimizers.SGD(learning_rate=0.05)" in code
    namespace = {}
    exec(compile(code.replace("model.summary()", ""), "<generated>", "exec"), namespace)  # noqa: S102
    model = namespace["model"]
    assert model.count_params() == arch.analyze(stack).total_params
    assert model.optimizer is not None and model.loss == "sparse_categorical_crossentropy"
    assert "optimizer='adam'" in codegen.keras_code(arch.chapter_spec())
    assert "model.add(layers.Conv2D(32, (3, 3), activation='relu'))" in codegen.keras_code(arch.chapter_spec())


@pytest.mark.parametrize("name", sorted(set(layers.ACTIVATIONS) | set(conv_ops.ACTIVATIONS)))
def test_activation_names_round_trip_through_keras(name):
    """Every name the core offers is Keras' own: a layer built with it reads back as the same name."""
    import keras

    from cnnlab.inspect_model import layer_activation

    assert arch.activation_name(name) == name
    assert arch.activation_name(keras.activations.get(name)) == name
    layer = keras.layers.Dense(3, activation=name)
    assert layer_activation(layer) == name


def test_none_is_keras_linear_at_the_edges():
    import keras

    from cnnlab.inspect_model import layer_activation

    assert arch.activation_name(None) == arch.activation_name("none") == "linear"
    assert layer_activation(keras.layers.Conv2D(2, 3, activation=None)) == "linear"
    assert layer_activation(keras.layers.MaxPooling2D()) is None  # a layer without an activation function
    assert "linear" in layers.ACTIVATIONS and "linear" in conv_ops.ACTIVATIONS and "none" not in conv_ops.ACTIVATIONS
