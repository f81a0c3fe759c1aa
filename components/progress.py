"""What the learner has done: pages visited, questions answered and answered right.

The one interface the app writes progress through: kept in the learner's store (cnnlab.store: record_visit,
record_answer, progress, last_answers, reset_progress), so it survives reloads, tabs and replicas; the session
holds a copy read once. Without a store (the database down) the session still counts.
An answer counts per question id (a template such as "conv_shape"): its latest answer says right or not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st

from cnnlab.store import StoreError
from components import state_keys as keys
from components.learner import learner_id
from components.pages import PAGES
from components.saved_work import store

logger = logging.getLogger(__name__)


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
    """The session's copy of the learner's progress, read from the store once per session (a reload, another
    tab, another replica: the store has every visit and answer); written through to the store after."""
    who = learner_id()
    record = st.session_state.get(keys.PROGRESS)
    if record is None or record["learner"] != who:  # the browser's own id adopted since, or "forget me"
        record = {"learner": who, "visited": [], "answers": {}}
        s = store()
        try:
            if s is not None:
                record["visited"] = [page for page, p in s.progress(who).items() if p.visits]
                record["answers"] = {qid: {"page": page, "correct": correct}
                                     for qid, (page, correct) in s.last_answers(who).items()}
        except StoreError as exc:  # this session counts from here; the store is read again next session
            logger.warning("progress not read from the store: %s", exc)
        st.session_state[keys.PROGRESS] = record
    return record


def _write(what: str, call) -> None:
    s = store()
    if s is None:
        return
    try:
        call(s, learner_id())
    except StoreError as exc:  # the session still counts it; the sidebar's saved work says saving is down
        logger.warning("%s not saved: %s", what, exc)


def _record_visit(page: str) -> None:
    visited = _session()["visited"]
    if page not in visited:
        visited.append(page)
        _write(f"visit of {page}", lambda s, who: s.record_visit(who, page))


def _record_answer(page: str, question_id: str, answer: str, correct: bool) -> None:
    _session()["answers"][question_id] = {"page": page, "correct": bool(correct)}
    _write(f"answer to {question_id}", lambda s, who: s.record_answer(who, page, question_id, answer, bool(correct)))


def _progress() -> Progress:
    record = _session()
    order = [info.name for info in PAGES]
    visited = tuple(name for name in order if name in record["visited"])
    answers = {qid: (a["page"], a["correct"]) for qid, a in record["answers"].items()}
    return Progress(visited, answers)


def _reset_progress() -> None:
    _write("progress reset", lambda s, who: s.reset_progress(who))
    st.session_state[keys.PROGRESS] = {"learner": learner_id(), "visited": [], "answers": {}}


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
