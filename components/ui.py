"""Small shared UI pieces: charts with the app's config, code panels, page headers."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components.charts import PLOTLY_CONFIG
from components.i18n import t


def show_chart(fig: go.Figure, *, key: str | None = None) -> None:
    """Every chart is drawn through here, so they all share one config."""
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key=key)


def page_header(namespace: str) -> None:
    """Title and one-line lead of a page, from "<namespace>.title" and "<namespace>.lead"."""
    st.title(t(f"{namespace}.title"))
    st.caption(t(f"{namespace}.lead"))


def code_panel(code: str, *, caption_key: str = "common.code_caption") -> None:
    """Runnable tf.keras code for what the page shows (st.code has a copy button)."""
    st.caption(t(caption_key))
    st.code(code, language="python")
