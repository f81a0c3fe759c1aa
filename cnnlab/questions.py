"""Predict-then-check questions: what a question is, how an answer is read, and exact grading.

cnnlab.question_bank builds the questions from the learner's current settings with the same core functions
that compute the page's numbers (shapes, layers, step_through, ...), so a question never disagrees with the
page; tests/unit/test_questions_keras.py judges every answer with Keras. This module knows no page and shows
nothing (components/checks.py does). Every text is an i18n key in assets/i18n/checks.json, filled from the
question's `values`, the learner's own numbers:

    checks.<id>_<prompt>     the question            checks.<id>_<explain>  the right computation
    checks.<id>_<mistake>    one recognised mistake  checks.<id>_opt_<c>    a choice's text
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field

import numpy as np

from cnnlab import latex, shapes

NUMBER, SHAPE, MATRIX, CHOICE = "number", "shape", "matrix", "choice"
KINDS = (NUMBER, SHAPE, MATRIX, CHOICE)
EXACT = 1e-6  # two floats that differ by less are the same answer


@dataclass(frozen=True)
class Mistake:
    """A common mistake: the answer it leads to, and extra numbers for its explanation."""

    name: str  # explained by "checks.<question id>_<name>"
    answer: object
    values: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)  # its answer may be a numpy matrix: compare answers with same_answer
class Question:
    """One question: its kind, the right answer, the learner's numbers it is about, the mistakes it knows.

    id: stable per template ("conv_shape"): progress counts answers per id.
    grids: (i18n caption key, matrix) shown with the question (a window, a kernel, a matrix to pool).
    worked: LaTeX of the computation, shown once the learner has answered ("" for none).
    tolerance: NUMBER and MATRIX answers within it are right (values shown rounded, percentages).
    """

    id: str
    kind: str
    answer: object
    values: dict = field(default_factory=dict)
    mistakes: tuple[Mistake, ...] = ()
    choices: tuple[str, ...] = ()
    tolerance: float = 0.0
    grids: tuple[tuple[str, np.ndarray], ...] = ()
    worked: str = ""
    prompt: str = "prompt"
    explain: str = "explain"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown question kind {self.kind!r}")
        if self.kind == CHOICE and self.answer not in self.choices:
            raise ValueError(f"{self.id}: the answer {self.answer!r} is not one of the choices")
        # A "mistake" that gives the right answer is no mistake: drop it, and keep one per wrong answer.
        kept: list[Mistake] = []
        for mistake in self.mistakes:
            if not same_answer(self, mistake.answer, self.answer) and not any(
                    same_answer(self, mistake.answer, k.answer) for k in kept):
                kept.append(mistake)
        object.__setattr__(self, "mistakes", tuple(kept))

    def key(self, part: str) -> str:
        """The i18n key of one of the question's texts ("prompt", "explain", a mistake's name, "opt_<c>")."""
        return f"checks.{self.id}_{part}"

    @property
    def fingerprint(self) -> str:
        """Changes when the question changes (other settings): a new question is a new, unanswered one."""
        parts = [self.id, self.prompt, repr(sorted((k, str(v)) for k, v in self.values.items())), repr(self.choices)]
        parts += [f"{caption}:{np.asarray(m).tobytes().hex()}" for caption, m in self.grids]
        return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Verdict:
    """A graded answer: right or not, the answer as read, and the mistake it matches (None: none known)."""

    correct: bool
    response: object
    mistake: Mistake | None = None


class AnswerFormatError(ValueError):
    """An answer that cannot be read as the question's kind: `reason` names what was expected."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "empty" | "number" | "shape" | "matrix" | "ragged" | "choice"


# ---------------------------------------------------------------- reading answers

_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_UNITS = re.compile(r"(%|개|장|번|칸|個)$")  # "784개", "92%": a unit after the number is fine


def parse_number(text: str) -> float:
    """ "18,496", "18496", "-0.37", "0,5", "92%", "784개" -> a float; AnswerFormatError otherwise."""
    cleaned = re.sub(r"[\s_\u2009\u202f]", "", str(text)).replace("−", "-")
    cleaned = _UNITS.sub("", cleaned)
    if not cleaned:
        raise AnswerFormatError("empty")
    if _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    elif cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # a decimal comma
    if not _NUMBER.fullmatch(cleaned):
        raise AnswerFormatError("number")
    return float(cleaned)


def parse_shape(text: str) -> tuple:
    """ "(4, 26, 26, 2)", "4 26 26 2", "None, 576", "26×26" -> a tuple of ints (None for the batch axis)."""
    inner = re.sub(r"[()\[\]]", " ", str(text)).strip()
    if not inner:
        raise AnswerFormatError("empty")
    parts = [p for p in re.split(r"[,\s×xX*]+", inner) if p]
    shape = []
    for part in parts:
        if part.lower() in ("none", "?", "배치", "batch"):
            shape.append(None)
        elif re.fullmatch(r"\d+", part):
            shape.append(int(part))
        else:
            raise AnswerFormatError("shape")
    return tuple(shape)


def parse_matrix(text: str) -> np.ndarray:
    """ "[[5, 6], [8, 9]]", "5 6; 8 9" or one row a line -> a float matrix; AnswerFormatError otherwise."""
    text = str(text).strip()
    if not text:
        raise AnswerFormatError("empty")
    groups = re.findall(r"\[([^\[\]]*)\]", text)
    rows = groups if groups else [r for r in re.split(r"[;\n]+", text) if r.strip()]
    try:
        values = [[parse_number(cell) for cell in re.split(r"[,\s]+", row.strip()) if cell] for row in rows]
    except AnswerFormatError:
        raise AnswerFormatError("matrix") from None
    if not values or not values[0] or any(len(row) != len(values[0]) for row in values):
        raise AnswerFormatError("ragged" if values and values[0] else "matrix")
    return np.array(values, dtype=np.float64)


def read_answer(question: Question, text: str) -> object:
    """The learner's text as an answer of the question's kind (a choice is given as its id)."""
    if question.kind == NUMBER:
        return parse_number(text)
    if question.kind == SHAPE:
        return parse_shape(text)
    if question.kind == MATRIX:
        return parse_matrix(text)
    if text not in question.choices:
        raise AnswerFormatError("choice" if text else "empty")
    return text


# ---------------------------------------------------------------- grading

def same_answer(question: Question, a: object, b: object) -> bool:
    """Equal as answers to `question`: numbers and matrices within its tolerance, shapes and choices exactly."""
    if question.kind == NUMBER:
        return abs(float(a) - float(b)) <= question.tolerance + EXACT
    if question.kind == MATRIX:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        return a.shape == b.shape and bool(np.all(np.abs(a - b) <= question.tolerance + EXACT))
    if question.kind == SHAPE:
        return tuple(a) == tuple(b)
    return a == b


def grade(question: Question, text: str) -> Verdict:
    """Read and grade an answer: right, a known mistake, or wrong. AnswerFormatError when it cannot be read."""
    response = read_answer(question, text)
    if same_answer(question, response, question.answer):
        return Verdict(True, response)
    mistake = next((m for m in question.mistakes if same_answer(question, response, m.answer)), None)
    return Verdict(False, response, mistake)


def format_answer(question: Question, value: object) -> str:
    """An answer as the page writes it: 18,496 · 12.76 · (4, 26, 26, 2) · [[5, 6], [8, 9]] (a choice: its id)."""
    if question.kind == NUMBER:
        number = float(value)  # a computed value to two decimals, as the questions ask for it
        return latex.thousands(int(number)) if number.is_integer() else latex.decimals(number, 2)
    if question.kind == SHAPE:
        return shapes.format_shape(tuple(value))
    if question.kind == MATRIX:
        rows = np.asarray(value, dtype=np.float64)
        return "[" + ", ".join("[" + ", ".join(latex.compact_number(v) for v in row) + "]" for row in rows) + "]"
    return str(value)


def shown(value: float) -> float:
    """A value as the page writes it (3 significant digits): what a learner computes with."""
    return float(latex.compact_number(float(value)))


def floor_div_text(n: int, span: int, s: int) -> str:
    """One axis of 'valid': "⌊(28 − 3) / 1⌋ + 1 = 26"."""
    return f"⌊({n} − {span}) / {s}⌋ + 1 = {(n - span) // s + 1}"


def ceil_div_text(n: int, s: int) -> str:
    """One axis of 'same': "⌈28 / 2⌉ = 14"."""
    return f"⌈{n} / {s}⌉ = {math.ceil(n / s)}"
