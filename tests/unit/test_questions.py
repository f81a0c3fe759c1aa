"""Reading and grading answers, recognising mistakes, and every question's texts in both languages."""

from __future__ import annotations

import itertools
import string

import numpy as np
import pytest

from cnnlab import architecture as arch
from cnnlab import conv_ops, i18n, question_bank, recipe
from cnnlab.layers import LayerSpec
from cnnlab.questions import (
    CHOICE,
    AnswerFormatError,
    Mistake,
    Question,
    grade,
    parse_matrix,
    parse_number,
    parse_shape,
)


@pytest.mark.parametrize(("text", "value"), [
    ("18,496", 18496), ("18496", 18496), ("18 496", 18496), ("-0.37", -0.37), ("−0.37", -0.37), ("0,5", 0.5),
    ("92%", 92), ("784개", 784), (" 12.76 ", 12.76), (".5", 0.5), ("1,234.5", 1234.5)])
def test_numbers_are_read_as_people_write_them(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "reason"), [("", "empty"), ("   ", "empty"), ("abc", "number"), ("1.2.3", "number"),
                                              ("12 apples", "number"), ("1,2,3", "number")])
def test_what_is_not_a_number_is_named(text, reason):
    with pytest.raises(AnswerFormatError) as err:
        parse_number(text)
    assert err.value.reason == reason


@pytest.mark.parametrize(("text", "shape"), [
    ("(4, 26, 26, 2)", (4, 26, 26, 2)), ("4 26 26 2", (4, 26, 26, 2)), ("[None, 576]", (None, 576)),
    ("none,576", (None, 576)), ("26×26", (26, 26)), ("(576,)", (576,)), ("(배치, 10)", (None, 10))])
def test_shapes_are_read_with_or_without_brackets(text, shape):
    assert parse_shape(text) == shape


def test_what_is_not_a_shape_is_named():
    with pytest.raises(AnswerFormatError) as err:
        parse_shape("(4, 26.5)")
    assert err.value.reason == "shape"
    with pytest.raises(AnswerFormatError):
        parse_shape("()")


@pytest.mark.parametrize("text", ["[[5, 6], [8, 9]]", "5 6; 8 9", "5, 6\n8, 9", "[5 6] [8 9]"])
def test_matrices_are_read_row_by_row(text):
    np.testing.assert_array_equal(parse_matrix(text), [[5, 6], [8, 9]])


@pytest.mark.parametrize(("text", "reason"), [("5 6; 8", "ragged"), ("5 x; 8 9", "matrix"), ("", "empty")])
def test_what_is_not_a_matrix_is_named(text, reason):
    with pytest.raises(AnswerFormatError) as err:
        parse_matrix(text)
    assert err.value.reason == reason


def test_grading_is_exact_and_names_the_mistake():
    question = question_bank.conv_shape(conv_ops.ConvSettings())
    assert grade(question, "(4, 26, 26, 2)").correct
    off_by_one = grade(question, "(4, 25, 25, 2)")
    assert not off_by_one.correct and off_by_one.mistake.name == "steps_not_windows"
    assert off_by_one.mistake.values["n_minus_k"] == 25
    assert grade(question, "(26, 26, 2)").mistake.name == "no_batch"
    assert grade(question, "(4, 28, 28, 2)").mistake.name == "padding_same"
    assert grade(question, "(4, 26, 26, 3)").mistake.name == "kept_channels"
    unknown = grade(question, "(4, 27, 27, 2)")
    assert not unknown.correct and unknown.mistake is None


def test_a_mistake_that_gives_the_right_answer_is_dropped():
    question = Question("conv_params", "number", 10, mistakes=(Mistake("no_bias", 10), Mistake("one_filter", 9),
                                                                Mistake("no_channels", 9)))
    assert [m.name for m in question.mistakes] == ["one_filter"]  # one mistake per wrong answer
    with pytest.raises(ValueError):
        Question("train_loss", CHOICE, "mse", choices=("a", "b"))


def test_numbers_within_the_tolerance_are_right():
    p = np.full(10, 0.02)
    p[3] = 0.82
    question = question_bank.rest_percent(p)
    assert question.answer == 18
    assert grade(question, "18%").correct and grade(question, "17.5").correct and not grade(question, "16").correct
    assert grade(question, "82").mistake.name == "same_as_top"


def test_a_question_changes_its_fingerprint_with_its_settings():
    chapter = question_bank.conv_shape(conv_ops.ConvSettings())
    assert chapter.fingerprint == question_bank.conv_shape(conv_ops.ConvSettings()).fingerprint
    assert chapter.fingerprint != question_bank.conv_shape(conv_ops.ConvSettings(filters=3)).fingerprint
    matrix = np.arange(9.0).reshape(3, 3)
    pooled = question_bank.pool_matrix(matrix, conv_ops.PoolSettings())
    assert pooled.fingerprint != question_bank.pool_matrix(matrix + 1, conv_ops.PoolSettings()).fingerprint


def test_the_rnn_question_follows_memory_and_step():
    assert question_bank.rnn_depends(1.0, 3).answer == "x_and_h"
    assert question_bank.rnn_depends(0.0, 3).answer == "only_x"
    assert question_bank.rnn_depends(1.0, 1).answer == "only_x"
    assert grade(question_bank.rnn_depends(0.0, 3), "x_and_h").mistake.name == "x_and_h_memory0"


# ---------------------------------------------------------------- every text, both languages

def sample_questions() -> list[Question]:
    """Questions from many settings: every template, every explanation, every mistake the bank knows."""
    found = []
    for memory, t in itertools.product((0.0, 1.0), (1, 4)):
        found += question_bank.sequence_questions(memory, t, 20, 16, 600)
    grid = np.arange(49, dtype=np.float32).reshape(7, 7) % 10
    for padding, strides, dilation, activation, channels in itertools.product(
            ("valid", "same"), (1, 2), (1, 2), ("linear", "relu"), (1, 3)):
        layer = conv_ops.ConvSettings((4, 28, 28, channels), 2, (3, 3), (strides, strides), padding,
                                      (dilation, dilation), activation)
        found += question_bank.conv_questions(layer, grid, np.full((3, 3), -0.5, np.float32), 0.25, 1)
    for strides, padding in itertools.product((None, (1, 1), (2, 1)), ("valid", "same")):
        found += question_bank.pooling_questions(np.arange(25.0).reshape(5, 5), conv_ops.PoolSettings((2, 2), strides,
                                                                                                     padding), 5, 5)
    stacks = [arch.chapter_spec(), arch.with_uids((LayerSpec("Conv2D", filters=4), LayerSpec("BatchNormalization"),
                                                   LayerSpec("Flatten"), LayerSpec("Dense", units=10,
                                                                                   activation="softmax")))]
    softmax = LayerSpec("Dense", units=10, activation="softmax")
    stacks += [arch.with_uids((LayerSpec("BatchNormalization"), LayerSpec("Flatten"), softmax)),
               arch.with_uids((LayerSpec("Flatten"), softmax))]
    for stack in stacks:
        found += question_bank.model_questions(stack)
    for batch, validation in ((32, 0.0), (30, 0.2)):
        found += question_bank.train_questions(8000, recipe.TrainConfig(batch_size=batch, validation_split=validation))
    p = np.linspace(0.01, 0.2, 10)
    p /= p.sum()
    found += question_bank.draw_questions((28, 28, 1), 280, None) + question_bank.draw_questions((28, 28, 1), 280, p)
    where = {"layer": 3, "map": 1, "row": 2, "col": 4}
    found += question_bank.network_questions(("Conv2D", (3, 3), 32, where), (576, 64, 7), p)
    found += question_bank.network_questions(("MaxPooling2D", (2, 2), 32, where), None, p)
    return found


def test_the_sample_reaches_every_template_and_explanation():
    questions = sample_questions()
    ids = {q.id for q in questions}
    assert len(ids) == 22
    explained = {(q.id, q.explain) for q in questions}
    assert {("model_layer_params", f"explain_{kind}") for kind in ("conv", "dense", "other")} <= explained
    assert {("seq_depends", e) for e in ("explain", "explain_first", "explain_memory0")} <= explained
    assert {"conv_cell", "pool_matrix", "model_layer_params", "draw_rest", "net_pool_inputs"} <= ids


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_question_text_exists_and_is_filled(lang):
    fields = string.Formatter()
    for question in sample_questions():
        keys = [question.prompt, question.explain, *(m.name for m in question.mistakes)]
        keys += [f"opt_{c}" for c in question.choices]
        for part in keys:
            mistake = next((m for m in question.mistakes if m.name == part), None)
            values = {**question.values, **(mistake.values if mistake else {}), "yours": "x"}
            text = i18n.translate(question.key(part), lang, **values)  # KeyError for a missing key or value
            assert "{" not in text and "}" not in text, (question.key(part), text)
            assert all(name in values for _, name, _, _ in fields.parse(i18n.catalog()[question.key(part)][lang])
                       if name), question.key(part)
