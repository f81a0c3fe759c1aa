"""What the learner has done: pages visited, questions answered and answered right.

The one interface the app writes progress through. It keeps progress in the session for now; the store
(issue 25) will keep it across reloads and tabs: each public function then becomes one call of the store's
record_visit / record_answer / progress / reset_progress.
An answer counts per question id (a template such as "conv_shape"): its latest answer says right or not.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from components import state_keys as keys
from components.pages import PAGES


@dataclass(frozen=True)
class Progress:
    """visited: the chapter's pages seen, in the chapter's order; answers: {question id: (page, right)}."""

    visited: tuple[str, ...]
    answers: dict

    @property
    def sections(self) -> int:
        return len(PAGES)

    @property
    def answered(self) -> int:
        return len(self.answers)

    @property
    def right(self) -> int:
        return sum(1 for _page, correct in self.answers.values() if correct)

    def on_page(self, page: str) -> tuple[int, int]:
        """(answered, right) on one page."""
        found = [correct for where, correct in self.answers.values() if where == page]
        return len(found), sum(found)


def _session() -> dict:
    return st.session_state.setdefault(keys.PROGRESS, {"visited": [], "answers": {}})


def _record_visit(page: str) -> None:
    visited = _session()["visited"]
    if page not in visited:
        visited.append(page)


def _record_answer(page: str, question_id: str, answer: str, correct: bool) -> None:
    _session()["answers"][question_id] = {"page": page, "answer": answer, "correct": bool(correct)}


def _progress() -> Progress:
    record = _session()
    order = [info.name for info in PAGES]
    visited = tuple(name for name in order if name in record["visited"])
    answers = {qid: (a["page"], a["correct"]) for qid, a in record["answers"].items()}
    return Progress(visited, answers)


def _reset_progress() -> None:
    st.session_state[keys.PROGRESS] = {"visited": [], "answers": {}}


# ---------------------------------------------------------------- the interface


def visit(page: str) -> None:
    """The learner opened `page` (Home is not a section and is not counted)."""
    _record_visit(page)


def answered(page: str, question_id: str, answer: str, correct: bool) -> None:
    """The learner answered question `question_id` on `page` with `answer` (its text); right or not."""
    _record_answer(page, question_id, answer, correct)


def summary() -> Progress:
    """Pages visited and answers so far."""
    return _progress()


def reset() -> None:
    """Forget every visit and answer (the questions on the pages become unanswered again)."""
    _reset_progress()
    st.session_state.pop(keys.CHECKS_ANSWERED, None)
