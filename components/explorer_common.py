"""Blocks the Conv2D and MaxPooling2D explorers share, written once.

Widget options (P, BOUND), the shape read-out, a rejected setting explained, the dropped-cells
note, the per-axis output-size formula, and tabs that keep the open tab when the language changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from cnnlab import conv_ops, latex, shapes
from cnnlab.i18n import LANGUAGES, translate
from components import presentation
from components.i18n import t

P = dict(persist_state="session")
# The main controls live in the URL too: a link reopens the same settings (TensorFlow Playground style).
BOUND = dict(persist_state="session", bind="query-params")


def chosen(value, default):
    """A required choice bound to the URL: an empty `?key=` clears even a required control (Streamlit's rule for
    bound widgets), and the default applies then. Unknown values never reach here: Streamlit drops them."""
    return default if value is None else value
def explorer_areas(label: str):
    """(controls, results): the controls in a narrow column beside the results; on a projector, folded into an
    expander (labelled `label`) above the results, which then get the whole width of the screen."""
    if presentation.is_on():
        return st.expander(label, icon=":material/tune:"), st.container()
    return st.columns([1, 2.4], gap="large")


def seed_state(defaults: dict) -> None:
    """Start values for widgets that code also writes: set here, never as widget defaults too
    (Streamlit warns when a widget has a default and a Session State value)."""
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def axis_name(axis: str | None) -> str:
    return t(f"conv.axis_{axis}") if axis in ("height", "width") else ""


def shape_error_message(err: shapes.ShapeError) -> str:
    """A rejected setting explained in the student's language, with the numbers."""
    v = err.values
    if err.reason == "stride_and_dilation":
        return t("conv.error_stride_dilation", strides=shapes.format_shape(v["strides"]),
                 dilation=shapes.format_shape(v["dilation"]))
    if err.reason == "output_not_positive":
        key = "conv.error_pool_too_big" if err.field == "pool_size" else "conv.error_kernel_too_big"
        return t(key, axis=axis_name(err.axis), n=v["n"], k=v["k"], d=v["d"], span=v["span"], out=v["out"])
    return t("conv.error_bad_value", name=v.get("name", ""), value=v.get("value", ""))


def dropped_note(rows: int, cols: int) -> str | None:
    """The gentle note for border cells that 'valid' windows never read (None when nothing is dropped)."""
    if rows and cols:
        return t("conv.dropped_both", rows=rows, cols=cols)
    if rows:
        return t("conv.dropped_height", cells=rows)
    if cols:
        return t("conv.dropped_width", cells=cols)
    return None


@dataclass(frozen=True)
class AxisSetting:
    """One spatial axis of a layer: input length, window (kernel or pool) size, stride, dilation."""

    n: int
    k: int
    s: int
    d: int = 1


def axes_of(input_hw: tuple[int, int], window, strides, dilation=1) -> tuple[AxisSetting, AxisSetting]:
    (h, w), (kh, kw), (sh, sw), (dh, dw) = input_hw, shapes.pair(window), shapes.pair(strides), shapes.pair(dilation)
    return AxisSetting(h, kh, sh, dh), AxisSetting(w, kw, sw, dw)


def show_setting_notes(error: shapes.ShapeError | None, axes, padding: str, error_slot, note_slot) -> None:
    """Under the controls: why a setting is rejected, or which border cells 'valid' never reads."""
    if error is not None:
        error_slot.error(shape_error_message(error), icon=":material/block:")
        return
    if padding == "valid":
        note = dropped_note(*(shapes.dropped_cells(a.n, a.k, a.s, a.d) for a in axes))
        if note:
            note_slot.info(note, icon=":material/info:")


def axis_formulas(axes, padding: str, values_key: str, pads_key: str, valid_key: str | None = None) -> None:
    """The output-size formula per axis with the numbers filled in, and what 'same' pads."""
    for axis, a, symbol in zip(("height", "width"), axes, ("H", "W"), strict=True):
        st.caption(t(values_key, axis=axis_name(axis), n=a.n, k=a.k, s=a.s, d=a.d, padding=padding))
        st.latex(latex.conv_axis_latex(a.n, a.k, a.s, padding, a.d, symbol))
    if padding == "same":
        (top, bottom), (left, right) = (conv_ops.padding_amounts(a.n, a.k, a.s, "same", a.d) for a in axes)
        st.caption(t(pads_key, top=top, bottom=bottom, left=left, right=right))
    elif valid_key:
        st.caption(t(valid_key))


def big_shape(label: str, shape: tuple[int, ...] | None, *, help: str | None = None) -> None:
    """A shape in large type, readable from the back of a classroom."""
    st.metric(label, shapes.format_shape(shape), help=help)


def sync_tab_language(key: str, labels_by_lang: dict[str, list[str]], current: list[str]) -> None:
    """Keep the open tab when the language changes (tab state is the label text)."""
    chosen = st.session_state.get(key)
    if chosen is None or chosen in current:
        return
    for labels in labels_by_lang.values():
        if chosen in labels:
            st.session_state[key] = current[labels.index(chosen)]
            return


def explorer_tabs(namespace: str, tab_keys: list[str], key: str):
    """st.tabs (state in `key`) whose open tab survives a language switch; only the open tab's body runs."""
    labels = [t(f"{namespace}.{k}") for k in tab_keys]
    sync_tab_language(key, {lang: [translate(f"{namespace}.{k}", lang) for k in tab_keys] for lang in LANGUAGES},
                      labels)
    return st.tabs(labels, key=key, on_change="rerun")
