"""Predict, then check (AppTest): on every page, in both languages, each question answered wrong, then right.

A wrong answer that is a common mistake must be graded wrong, reveal the answer and explain the gap with the
page's own numbers; the right answer must be graded right; the progress counts both. The right answers below
are the chapter's and Keras' numbers for each page's starting settings (tests/unit/test_questions_keras.py
checks every generated answer against Keras for any settings).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from cnnlab import conv_ops, i18n, kernels, step_through
from components import state_keys as keys
from tests.apptest.helpers import all_text

# page -> question id -> (right answer, a mistake's answer, {lang: what the mistake's explanation must say}).
# Draw is read with nothing drawn; Network follows the shipped model's first Conv2D (one input channel).
ANSWERS = {
    "sequences": {
        "seq_depends": ("only_x", "x_and_h", {"en": "h₀ is all zeros", "ko": "h₀가 모두 0"}),
        "seq_rnn_params": ("288", "32", {"en": "16 × 16 = 256", "ko": "16 × 16 = 256"}),
        "seq_windows": ("600", "601", {"en": "620 − 20", "ko": "620 − 20"}),
    },
    "conv": {
        "conv_shape": ("(4, 26, 26, 2)", "(4, 25, 25, 2)", {"en": "28 − 3 = 25", "ko": "28 − 3 = 25"}),
        "conv_params": ("56", "54", {"en": "so add 2", "ko": "2개를 더하세요"}),
        "conv_cell": (None, "0.1", {"en": "relu(", "ko": "relu("}),
    },
    "pooling": {
        "pool_matrix": ("5 6; 8 9", "[[5]]", {"en": "strides=(1, 1)", "ko": "strides=(1, 1)"}),
        "pool_same_s2": ("(1, 2, 2, 1)", "(1, 3, 3, 1)", {"en": "strides 1 only", "ko": "보폭이 1일 때만"}),
        "pool_params": ("0", "4", {"en": "4 is the number of cells", "ko": "4개는 윈도우의 칸 수"}),
    },
    "model": {
        "model_layer_params": ("18,496", "640", {"en": "gives 32 channels", "ko": "채널 32개"}),
        "model_flatten": ("(None, 576)", "(576)", {"en": "(None, 576)", "ko": "(None, 576)"}),
        "model_total": ("93322", "93,088", {"en": "234 in all", "ko": "모두 234개"}),
    },
    "train": {
        "train_steps": (None, None, {"en": "once per batch of 32", "ko": "배치 32장마다"}),
        "train_updates": (None, None, {"en": "there are 5 epochs", "ko": "에포크는 5번"}),
        "train_loss": ("sparse_categorical_crossentropy", "categorical_crossentropy", {"en": "one-hot", "ko": "원-핫"}),
    },
    "draw": {
        "draw_inputs": ("784", "78,400", {"en": "shrunk to 28 × 28", "ko": "28 × 28 크기로"}),
        "draw_softmax_sum": ("always", "less_if_unsure", {"en": "stays 100%", "ko": "그대로 100%"}),
    },
    "network": {
        "net_conv_inputs": ("9", "10", {"en": "3 × 3 × 1 products", "ko": "3 × 3 × 1개"}),
        "net_dense_params": ("36,928", "36864", {"en": "(576 + 1) × 64", "ko": "(576 + 1) × 64"}),
        "net_softmax": ("divides", "trained", {"en": "untrained", "ko": "학습하지 않은"}),
    },
}
CHECK_INPUT = re.compile(r"^check_input_(?P<qid>.+)_(?P<fp>[0-9a-f]{12})$")


def check_inputs(at) -> dict:
    """{question id: its input widget} for every question still waiting for an answer."""
    found = {}
    for widget in [*at.text_input, *at.radio]:
        match = CHECK_INPUT.match(widget.key or "")
        if match:
            found[match["qid"]] = widget
    return found


def answer(at, question_id: str, text: str) -> None:
    """Type (or pick) `text` in the question's form and press its Check button."""
    widget = check_inputs(at)[question_id]
    if hasattr(widget, "input"):
        widget.input(text)
    else:
        widget.set_value(text)
    submit = next(b for b in at.button if b.form_id == widget.form_id)
    submit.click().run()
    assert not at.exception, [e.value for e in at.exception]


def conv_cell_answer() -> str:
    """The chapter's explorer, filter 1's middle output cell of the 7×7 step grid, by the forward pass."""
    kernel, bias = kernels.random_kernels((3, 3), 1, 2, 0)
    out = conv_ops.conv2d_forward(step_through.small_grid(7), kernel[:, :, :, :1], bias[:1], activation="relu")
    return f"{out[0, 2, 2, 0]:.4f}"


def train_answers(at) -> dict:
    """Batches per epoch and updates for the page's data (bundled or full MNIST), batch 32, 5 epochs."""
    prompt = next(m.value for m in at.markdown if m.value.startswith("**1.**"))
    images = int(re.search(r"(\d[\d,]*)", prompt.removeprefix("**1.**"))[1].replace(",", ""))
    steps = math.ceil(images / 32)
    return {"train_steps": (str(steps), str(images)), "train_updates": (str(5 * steps), str(steps))}


def expected(at, page: str) -> dict:
    table = {qid: list(entry) for qid, entry in ANSWERS[page].items()}
    if page == "conv":
        table["conv_cell"][0] = conv_cell_answer()
    if page == "train":
        for qid, (right, wrong) in train_answers(at).items():
            table[qid][0:2] = [right, wrong]
    return table


@pytest.fixture
def open_page(app_test, monkeypatch):
    """The app on `page` in `lang`.

    AppTest calls a radio's format_func between runs, outside the session, where the language falls back to
    the default: it must be the test's language, or a Korean label is looked up among English ones.
    """
    def start(lang: str, page: str):
        monkeypatch.setattr("components.i18n.DEFAULT_LANGUAGE", lang)
        return _open(app_test, lang, page)

    return start


def _open(app_test, lang: str, page: str):
    at = app_test(lang, f"app_pages/{page}.py", open_checks=True)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("page", list(ANSWERS))
def test_every_question_is_graded_and_explained(open_page, page, lang):
    at = open_page(lang, page)
    table = expected(at, page)
    assert set(check_inputs(at)) == set(table), "the page asks other questions than expected"
    for qid, (_right, wrong, says) in table.items():
        answer(at, qid, wrong)
        assert qid not in check_inputs(at), "an answered question keeps its form"
        errors = [e.value for e in at.error]
        assert any(i18n.translate("checks.wrong", lang, yours="", answer="")[:6] in e for e in errors), errors
        assert says[lang] in all_text(at), f"{qid}: the gap is not explained with the page's numbers"
    summary = at.session_state[keys.PROGRESS]["answers"]
    assert {qid for qid, a in summary.items() if not a["correct"]} == set(table)

    del at.session_state[keys.CHECKS_ANSWERED]  # the same questions, answered again
    at.run()
    for qid, (right, _wrong, _says) in table.items():
        answer(at, qid, right)
    rights = [s.value for s in at.success if s.value.startswith(i18n.translate("checks.right", lang, answer="")[:5])]
    assert len(rights) == len(table), rights
    assert all(a["correct"] for a in at.session_state[keys.PROGRESS]["answers"].values())
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert f"{len(table)}/{len(table)}" in sidebar or f"{len(table)}개 중 {len(table)}개" in sidebar, sidebar


def test_the_chapters_examples_are_the_starting_questions(open_page):
    conv = open_page("en", "conv")
    prompts = all_text(conv)
    assert "`Conv2D(2, 3, activation='relu')` on an input of shape `(4, 28, 28, 3)`" in prompts
    answer(conv, "conv_shape", "(4,26,26,2)")
    assert "Right: (4, 26, 26, 2)." in [s.value for s in conv.success]
    pooling = open_page("en", "pooling")
    assert "strides=(1, 1), padding='valid')` on the matrix below" in all_text(pooling)
    answer(pooling, "pool_matrix", "[[5, 6], [8, 9]]")
    assert "Right: [[5, 6], [8, 9]]." in [s.value for s in pooling.success]
    model = open_page("en", "model")
    answer(model, "model_total", "93 322")
    assert "Right: 93,322." in [s.value for s in model.success]


def test_an_unreadable_answer_is_named_and_keeps_the_question(open_page):
    at = open_page("ko", "conv")
    answer(at, "conv_shape", "스물여섯")
    assert "conv_shape" in check_inputs(at), "the question was graded or lost"
    assert check_inputs(at)["conv_shape"].value == "스물여섯"  # the text stays for the learner to fix
    assert i18n.translate("checks.unread_shape", "ko") in [w.value for w in at.warning]
    assert keys.PROGRESS not in at.session_state or not at.session_state[keys.PROGRESS]["answers"]


def test_an_unknown_mistake_gets_the_right_computation(open_page):
    at = open_page("en", "conv")
    answer(at, "conv_shape", "(1, 2, 3)")
    text = all_text(at)
    assert "you answered (1, 2, 3); the answer is (4, 26, 26, 2)" in text
    assert "height ⌊(28 − 3) / 1⌋ + 1 = 26" in text
    assert "28 − 3 = 25" not in text  # no mistake's explanation for an answer no mistake gives


def test_questions_follow_the_settings(open_page):
    at = open_page("en", "conv")
    answer(at, "conv_shape", "(4, 26, 26, 2)")
    at.button_group(key=keys.CONV_PADDING).set_value("same").run()
    assert "conv_shape" in check_inputs(at), "a changed question is a new, unanswered one"
    answer(at, "conv_shape", "(4, 28, 28, 2)")
    assert "Right: (4, 28, 28, 2)." in [s.value for s in at.success]


def test_the_questions_do_not_give_their_answers(open_page):
    # The browser test reads the whole box's HTML; here: the prompts, their numbers and the inputs.
    at = open_page("en", "pooling")
    asked = " ".join(m.value for m in at.markdown if re.match(r"\*\*\d\.\*\*", m.value))
    asked += " ".join(str(w.value) + str(w.placeholder) for w in check_inputs(at).values())
    asked += " ".join(m.value for m in at.latex)
    for answer_text in ("[[5, 6], [8, 9]]", "5 6; 8 9", "(1, 2, 2, 1)", "[5, 6]"):
        assert answer_text not in asked
    assert "1 & 2 & 3" in asked  # the matrix to pool is shown


def test_a_choice_offers_every_option_and_none_chosen(open_page):
    at = open_page("en", "network")
    radio = check_inputs(at)["net_softmax"]
    assert radio.value is None
    assert sorted(radio.options) == sorted(i18n.translate(f"checks.net_softmax_opt_{c}", "en")
                                           for c in ("divides", "trained", "relu", "rounding"))


def test_conv_cell_answer_reference_is_the_middle_cell():
    # The reference above reads the forward pass, not the step-through: both must agree.
    kernel, bias = kernels.random_kernels((3, 3), 1, 2, 0)
    step = step_through.conv_step(step_through.small_grid(7), kernel[:, :, 0, 0], 2, 2, bias=float(bias[0]),
                                  activation="relu")
    assert np.isclose(step.result, float(conv_cell_answer()), atol=1e-4)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_a_drawing_brings_the_rest_of_100_percent(open_page, lang):
    from cnnlab.drawn_digits import drawn_digits
    from tests.apptest.test_draw import CANVAS, canvas_value

    at = open_page(lang, "draw")
    seven = next(d for d in drawn_digits(40, seed=5) if d.label == 7)
    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert set(check_inputs(at)) == {"draw_inputs", "draw_softmax_sum", "draw_rest"}
    prompt = next(m.value for m in at.markdown if m.value.startswith("**3.**"))
    top = int(re.search(r"(\d+)%", prompt)[1])  # the prediction's share, as the page shows it
    assert "7" in prompt
    answer(at, "draw_rest", str(top))  # the top digit's own share: a known mistake
    assert f"100 − {top} = {100 - top}" in all_text(at)
    answer(at, "draw_softmax_sum", "always")
    assert any(s.value.startswith(i18n.translate("checks.right", lang, answer="")[:5]) for s in at.success)
    assert re.search(r"= 1\.000", all_text(at)), "the drawing's own ten probabilities, added up"
