"""Predict, then check: a page's questions, answered first, graded exactly, the gap explained.

One call per page (components/page_checks.py builds the page's questions from its current settings). The
answer is never sent to the browser before the learner answers: the form holds only the prompt, the
numbers it is about and an empty input (or the choices, none selected); the reveal and the explanation
come after the submit, graded on the server (cnnlab.questions.grade).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnlab import latex
from cnnlab.questions import CHOICE, AnswerFormatError, Question, Verdict, format_answer, grade
from components import progress
from components import state_keys as keys
from components.i18n import t

INPUT_PX = 380  # the answer box: room for a shape or a small matrix, the Check button beside it on a projector


@dataclass(frozen=True)
class Answered:
    """An answer given: to which version of the question (its fingerprint), the text, the verdict."""

    fingerprint: str
    text: str
    verdict: Verdict


def _answers() -> dict:
    return st.session_state.setdefault(keys.CHECKS_ANSWERED, {})


def _unread() -> dict:
    return st.session_state.setdefault(keys.CHECKS_UNREAD, {})


def choice_order(question: Question) -> list[str]:
    """The choices in an order of their own per question version: the right one is not always first."""
    order = list(question.choices)
    random.Random(question.fingerprint).shuffle(order)
    return order


def texts(question: Question, extra: dict | None = None) -> dict:
    """The values a question's texts are filled from (the learner's numbers, and the answer given)."""
    return {**question.values, **(extra or {})}


def answer_text(question: Question, value: object) -> str:
    """An answer as the learner reads it: a choice by its words, anything else as the page writes it."""
    if question.kind == CHOICE:
        return t(question.key(f"opt_{value}"))
    return format_answer(question, value)


def _submit(page: str, question: Question, input_key: str) -> None:
    """Grade the submitted answer; keep it with the version it answers, and count it in the progress."""
    text = st.session_state.get(input_key)
    text = "" if text is None else str(text)
    try:
        verdict = grade(question, text)
    except AnswerFormatError as unread:
        _unread()[question.id] = unread.reason
        return
    _unread().pop(question.id, None)
    _answers()[question.id] = Answered(question.fingerprint, text, verdict)
    progress.answered(page, question.id, text, verdict.correct)
    st.session_state[keys.CHECKS_REFRESH] = True


def _matrix_latex(values: np.ndarray) -> str:
    rows = [" & ".join(latex.compact_number(float(v)) for v in row) for row in np.asarray(values)]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def _grids_view(question: Question) -> None:
    """The numbers a question is about (a window and its kernel, a matrix), side by side."""
    if not question.grids:
        return
    for column, (caption, values) in zip(st.columns(len(question.grids)), question.grids, strict=True):
        with column:
            st.caption(t(caption))
            st.latex(_matrix_latex(values))


def _answer_form(page: str, question: Question) -> None:
    """The input and the Check button; nothing in it gives the answer away."""
    input_key = keys.check_input(question.id, question.fingerprint)
    with (st.form(keys.check_form(question.id, question.fingerprint), border=False, enter_to_submit=True),
          st.container(horizontal=True, vertical_alignment="bottom", gap="small")):
        if question.kind == CHOICE:
            st.radio(t("checks.your_choice"), choice_order(question), index=None, key=input_key,
                     format_func=lambda c: t(question.key(f"opt_{c}")), label_visibility="collapsed")
        else:
            st.text_input(t(f"checks.your_{question.kind}"), key=input_key, width=INPUT_PX,
                          placeholder=t(f"checks.placeholder_{question.kind}"))
        st.form_submit_button(t("checks.submit"), icon=":material/fact_check:", on_click=_submit,
                              args=(page, question, input_key))
    reason = _unread().get(question.id)
    if reason is not None:
        st.warning(t(f"checks.unread_{reason}"), icon=":material/edit:")


def _verdict_view(question: Question, answered: Answered) -> None:
    """Right or not, the answer, the gap explained with the learner's numbers, the computation."""
    verdict = answered.verdict
    yours, right = answer_text(question, verdict.response), answer_text(question, question.answer)
    if verdict.correct:
        st.success(t("checks.right", answer=right), icon=":material/check_circle:")
    else:
        st.error(t("checks.wrong", yours=yours, answer=right), icon=":material/cancel:")
        if verdict.mistake is not None:
            st.markdown(t(question.key(verdict.mistake.name), **texts(question, {**verdict.mistake.values,
                                                                                 "yours": yours})))
    st.markdown(t(question.key(question.explain), **texts(question)))
    if question.worked:
        st.latex(question.worked)


def question_view(page: str, number: int, question: Question) -> None:
    """One question: the prompt and its numbers, then the form, or the verdict once answered."""
    with st.container(border=True):
        st.markdown(f"**{number}.** {t(question.key(question.prompt), **texts(question))}")
        _grids_view(question)
        answered = _answers().get(question.id)
        if answered is not None and answered.fingerprint == question.fingerprint:
            _verdict_view(question, answered)
        else:
            _answer_form(page, question)


def checks_view(page: str, make_questions: Callable[[], Sequence[Question]], *, in_fragment: bool = False) -> None:
    """The page's questions under "Predict, then check" (a note when there are none for these settings).

    The box is folded until the learner opens it, and `make_questions` runs only while it is open: a class
    moving sliders and drawing at once pays for its questions only where a learner is answering them. Once
    opened it stays open (its key), and the questions follow every change of the settings.
    in_fragment: the view runs inside a fragment; after an answer the whole app reruns once, so the progress
    in the sidebar (drawn outside the fragment) counts it.
    """
    box = st.expander(t("checks.heading"), icon=":material/quiz:", key=keys.checks_box(page), on_change="rerun")
    if not box.open:
        return
    with box:
        questions = make_questions()
        if not questions:
            st.caption(t("checks.none"))
            return
        st.caption(t("checks.lead"))
        for number, question in enumerate(questions, start=1):
            question_view(page, number, question)
    if st.session_state.pop(keys.CHECKS_REFRESH, False) and in_fragment:
        st.rerun(scope="app")
