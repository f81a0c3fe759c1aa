"""The learner's progress, shown: one line in the sidebar, and on Home a line per page and a reset."""

from __future__ import annotations

import streamlit as st

from components import progress
from components import state_keys as keys
from components.i18n import t
from components.pages import PAGES


def headline(summary: progress.Progress) -> str:
    """ "4 of 7 sections, 9/12 checks right" (or that nothing is answered yet)."""
    visited = t("progress.sections", visited=len(summary.visited), sections=summary.sections)
    if not summary.answered:
        return t("progress.no_checks", sections=visited)
    return t("progress.checks", sections=visited, right=summary.right, answered=summary.answered)


def sidebar_view() -> None:
    """One line and a bar under the language and presentation toggles."""
    summary = progress.summary()
    st.caption(headline(summary))
    st.progress(len(summary.visited) / summary.sections)


def _reset() -> None:
    progress.reset()


def home_view() -> None:
    """Your progress: the headline, each page visited or not with its checks, and "start over"."""
    summary = progress.summary()
    st.subheader(t("progress.heading"), anchor=False)
    st.markdown(headline(summary))
    with st.container(horizontal=True, gap="small"):
        for info in PAGES:  # a way in as well: each page, visited or not, and its checks
            answered, right = summary.on_page(info.name)
            checks = t("progress.page_checks", right=right, answered=answered) if answered else ""
            icon = ":material/check_circle:" if info.name in summary.visited else ":material/radio_button_unchecked:"
            st.page_link(info.path, label=t(f"nav.{info.name}") + checks, icon=icon)
    with st.popover(t("progress.reset"), icon=":material/restart_alt:"):
        st.caption(t("progress.reset_confirm_text"))
        st.button(t("progress.reset_confirm"), key=keys.PROGRESS_RESET, on_click=_reset, type="primary")
