"""The i18n helper for pages and components: t("home.title") in the session's language."""

from __future__ import annotations

import streamlit as st

from cnnlab.i18n import DEFAULT_LANGUAGE, translate
from components import state_keys as keys


def current_language() -> str:
    return st.session_state.get(keys.LANG, DEFAULT_LANGUAGE)


def t(key: str, quantity: int | None = None, **values: object) -> str:
    """Translated text for `key` ("<namespace>.<key>"), placeholders filled from `values`; `quantity`
    picks the singular text for 1 (cnnlab.i18n.translate)."""
    return translate(key, current_language(), quantity, **values)
