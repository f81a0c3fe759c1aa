"""A number box whose shown value is always the value used: what is typed outside the range is clamped, and
the box says so in the page's language.

Streamlit's st.number_input with min_value/max_value refuses an out-of-range entry in the browser: the box
keeps showing it beside an English "Number is outside the allowed range" tooltip while the script goes on
with the previous value. Here the range is ours: the widget gets none, its callback clamps the entry and
writes the used value back into the box, and a note under it names both numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components import state_keys as keys
from components.i18n import t


def clamp(value: float | None, low: int, high: int) -> int:
    """The whole number in [low, high] closest to `value` (low for none)."""
    if value is None:
        return low
    return int(min(high, max(low, round(value))))


def _clamped(key: str, low: int, high: int, on_change: Callable | None, args: tuple) -> None:
    typed = st.session_state.get(key)
    used = clamp(typed, low, high)
    st.session_state[keys.number_box_note(key)] = (typed, used) if typed != used else None
    st.session_state[key] = used
    if on_change is not None:
        on_change(*args)


def number_box(label: str, low: int, high: int, *, key: str, value: int | None = None, container=None,
               on_change: Callable | None = None, args: tuple = (), **options) -> int:
    """An integer in [low, high] (st.number_input's label, key, help, width, persist_state, bind...).

    value: the first value, used only while the session has none for `key` (never passed to the widget as
    well: Streamlit warns when a widget gets a default and a Session State value). A stale or linked (URL)
    value outside the range is clamped before the box is drawn.
    """
    area = container if container is not None else st
    current = st.session_state.get(key, value if value is not None else low)
    if key not in st.session_state or clamp(current, low, high) != current:
        st.session_state[key] = clamp(current, low, high)
    shown = area.number_input(label, step=1, key=key, on_change=_clamped,
                              args=(key, low, high, on_change, args), **options)
    note = st.session_state.get(keys.number_box_note(key))
    if note is not None and note[1] == shown:
        typed, used = note
        area.caption(t("common.number_above" if typed is not None and typed > high else "common.number_below",
                       typed=f"{typed:g}" if typed is not None else "—", used=used))
    return clamp(shown, low, high)
