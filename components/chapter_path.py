"""The path through the chapter: what the page showed, what to try next, and the previous and next pages.

The chapter's order is components.pages' (Home, then sequential data → Conv2D → MaxPooling2D → the model
→ training → drawing → the whole network). Every page ends with `path_view` (components/page_paths.py
fills in its summary and suggestions); `neighbours` serves any other view that links the pages in order
(presentation mode's compact ◀ ▶ at the top).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import streamlit as st

from components import state_keys as keys
from components.i18n import t
from components.pages import HOME, PAGES, PageInfo

ORDER: tuple[PageInfo, ...] = (HOME, *PAGES)


def neighbours(page_name: str) -> tuple[PageInfo | None, PageInfo | None]:
    """The pages before and after `page_name` in the chapter's order (None at either end)."""
    names = [info.name for info in ORDER]
    if page_name not in names:
        raise ValueError(f"unknown page {page_name!r}; expected one of {names}")
    i = names.index(page_name)
    return (ORDER[i - 1] if i > 0 else None), (ORDER[i + 1] if i + 1 < len(ORDER) else None)


@dataclass(frozen=True)
class Suggestion:
    """ "Try this next": a label (an i18n key and its values) and the change one click makes.

    writes: widget keys and the values they take; they are written in the button's callback, before the
    widgets are drawn again. change: a function for what is not a widget's value (the model's layer stack).
    """

    label: str
    writes: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    change: Callable[[], None] | None = None


def _apply(suggestion: Suggestion) -> None:
    for key, value in suggestion.writes.items():
        st.session_state[key] = value
    if suggestion.change is not None:
        suggestion.change()


def nav_links(page_name: str, *, compact: bool = False) -> None:
    """◀ previous and next ▶, on one row (compact: arrows and the pages' names only)."""
    before, after = neighbours(page_name)
    # Both ends of the row; "next" alone (on Home) still sits on the right, where it always is.
    with st.container(horizontal=True, horizontal_alignment="distribute" if before else "right",
                      vertical_alignment="center"):
        if before is not None:
            label = t(f"nav.{before.name}") if compact else t("path.previous", page=t(f"nav.{before.name}"))
            st.page_link(before.path, label=label, icon=":material/arrow_back:")
        if after is not None:
            label = t(f"nav.{after.name}") if compact else t("path.next", page=t(f"nav.{after.name}"))
            st.page_link(after.path, label=label, icon=":material/arrow_forward:", icon_position="right")


def path_view(page_name: str, summary: tuple[str, dict] | None = None,
              suggestions: Sequence[Suggestion] = (), *, heading: str = "path.summary_heading") -> None:
    """The bottom of a page: a two-line summary of what it showed, "try this next", ◀ previous / next ▶."""
    with st.container(border=True, key=keys.path_box(page_name)):
        if summary is not None:
            key, values = summary
            st.markdown(f"**{t(heading)}**  \n{t(key, **values)}")
        if suggestions:
            st.markdown(f"**{t('path.try_heading')}**")
            with st.container(horizontal=True, gap="small"):
                for index, suggestion in enumerate(suggestions):
                    st.button(t(suggestion.label, **suggestion.values), key=keys.path_suggestion(page_name, index),
                              on_click=_apply, args=(suggestion,), icon=":material/science:")
        nav_links(page_name)
