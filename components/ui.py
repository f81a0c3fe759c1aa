"""Small shared UI pieces: charts with the app's config, code panels, page headers."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components import presentation
from components.charts import PLOTLY_CONFIG
from components.i18n import t


def show_chart(fig: go.Figure, *, key: str | None = None) -> None:
    """Every chart is drawn through here, so they all share one config (and presentation mode's sizes).

    Except the clickable grids (window_views.output_chart, network_view.show_clickable): same config, but
    drawn at their own size in presentation mode too. Scaled, the Network overview no longer fits one
    screen and the step-through's highlighted output number overflows its cell (seen at 853×480 @1.5).
    """
    st.plotly_chart(presentation.for_screen(fig), width="stretch", config=PLOTLY_CONFIG, key=key)


def page_header(namespace: str) -> None:
    """Title and one-line lead of a page, from "<namespace>.title" and "<namespace>.lead"."""
    st.title(t(f"{namespace}.title"))
    st.caption(t(f"{namespace}.lead"))


def code_panel(code: str, *, caption_key: str = "common.code_caption") -> None:
    """Runnable tf.keras code for what the page shows (st.code has a copy button).

    Long lines wrap: a projector or a narrow column must not cut them off at the right edge.
    """
    st.caption(t(caption_key))
    st.code(code, language="python", wrap_lines=True)
