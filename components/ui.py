"""Small shared UI pieces: the one way to draw a chart, code panels, page headers."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from cnnlab import preprocess
from cnnlab.limits import SHOWN_NAME_MAX_CHARS
from components import presentation
from components.charts import PLOTLY_CONFIG
from components.i18n import t

MARKDOWN_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")  # CommonMark's escapable characters


def thumbnail(png: bytes, width: int) -> bytes:
    """A stored drawing for st.image at `width` px, scaled once per drawing (preprocess.png_thumbnail); a picture
    that cannot be read shows as a black square instead of an error."""
    try:
        return preprocess.png_thumbnail(png, width)
    except (preprocess.UnreadableImage, preprocess.ImageTooLarge):
        return preprocess.blank_png(width)


def plain_text(text: str, max_chars: int = SHOWN_NAME_MAX_CHARS) -> str:
    """A user's text (a file name, a cell) made safe to put in Markdown: it shows as written, never as a link,
    an image, a formula or a colour. Every ASCII punctuation mark is backslash-escaped (CommonMark shows an
    escaped mark as itself), control characters become spaces, and a long text is cut with "…"."""
    text = "".join(" " if ch < " " or ch == "\x7f" else ch for ch in str(text))
    if len(text) > max_chars:
        text = text[:max_chars - 1] + "…"
    return "".join("\\" + ch if ch in MARKDOWN_PUNCTUATION else ch for ch in text)


def show_chart(fig: go.Figure, *, alt: str | None, key: str | None = None,
               on_select: Callable[[], None] | None = None, projector_scaled: bool = True) -> None:
    """Every chart is drawn through here: one config, presentation mode's sizes, clickable points.

    alt: the chart's text alternative (components.chart_texts), shown right under it: the number the chart
    carries, for a screen reader and for the back of the room. Required, so that no chart is drawn without a
    decision: None only for a chart that carries no lesson number of its own (a picture of the input) or whose
    numbers the page already states as text beside it (a caption, a formula, st.metric).
    on_select: called when the user clicks a point (the chart's selection is then in st.session_state[key]).
    projector_scaled=False draws the chart at its own size in presentation mode too: a clickable grid must
    keep its highlighted number inside its cell, and the Network overview must fit one screen.
    """
    shown = presentation.for_screen(fig) if projector_scaled else fig
    clicks = {} if on_select is None else dict(on_select=on_select, selection_mode="points")
    # theme=None: the figure as built (charts.APP_TEMPLATE, ink-coloured text); Streamlit's chart theme would
    # repaint ticks and axis titles in a grey of 3.7:1 on white, below WCAG AA's 4.5:1.
    st.plotly_chart(shown, width="stretch", config=PLOTLY_CONFIG, key=key, theme=None, **clicks)
    if alt:
        st.caption(alt)


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
