"""Numbers grids and the linked window view shared by both explorers.

An output grid is clickable: clicking (plotly point selection) or pointing at a cell names the input
window it reads; the same cell can be walked with a slider or played. The window itself always
comes from cnnlab.step_through (one formula for stride, 'same' offsets and dilation).
"""

from __future__ import annotations

import functools
import json
import time

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnlab import latex, step_through
from components import charts
from components.charts import PLOTLY_CONFIG
from components.i18n import t

PAD_COLOUR = "#d9dde5"  # padded cells: zeros for convolution, -inf for max pooling
GRID_SCALE = "Blues"
PLAY_SECONDS = 1.2  # one output cell per tick while playing
WINDOW_TRACE = "window"  # the outlined input window's trace name (browser tests read it from the DOM)


MAX_TEXT_PX = 22  # plotly fits heatmap numbers to their cells, never above the layout's font size


def _text_layer(mask: np.ndarray, texts: np.ndarray, colour: str, font_colour: str) -> go.Heatmap:
    """Cells in `mask` filled with one colour and their numbers written in (sized by plotly to fit)."""
    # A heatmap writes text in every cell, NaN or not: only the masked cells get any.
    return go.Heatmap(z=np.where(mask, 1.0, np.nan), text=np.where(mask, texts, "").tolist(), colorscale=[[0, colour], [1, colour]],
                      texttemplate="%{text}", showscale=False, xgap=1, ygap=1, hoverinfo="skip",
                      textfont=dict(color=font_colour))  # no <b>: plotly would count the tags when fitting


def _rect_paths(rects: list[tuple[float, float, float, float]]) -> tuple[list, list]:
    """Closed rectangles (centre row, centre col, half height, half width) as one line path with gaps."""
    xs, ys = [], []
    for r, c, hh, hw in rects:
        xs += [c - hw, c + hw, c + hw, c - hw, c - hw, None]
        ys += [r - hh, r - hh, r + hh, r + hh, r - hh, None]
    return xs, ys


def _click_targets(shape: tuple[int, int], hover: list[str] | None) -> go.Scatter:
    """Invisible square markers on the cell centres: heatmaps cannot be point-selected, markers can."""
    rows, cols = np.indices(shape)
    return go.Scatter(x=cols.ravel(), y=rows.ravel(), mode="markers", name="cells",
                      marker=dict(symbol="square", size=28, color="rgba(0,0,0,0)"),
                      hovertext=hover, hoverinfo="text" if hover else "skip", showlegend=False,
                      selected=dict(marker=dict(opacity=1)), unselected=dict(marker=dict(opacity=1)))


def number_grid(values: np.ndarray, *, pad_mask: np.ndarray | None = None, outline: list[tuple[int, int]] = (),
                fill: list[tuple[int, int]] = (), inner_box: tuple[int, int, int, int] | None = None,
                colorscale: str = GRID_SCALE, symmetric: bool = False, height: int = 320,
                title: str | None = None, cell_hover: list[str] | None = None,
                selectable: bool = False) -> go.Figure:
    """A small matrix with every number written in its cell.

    pad_mask: cells added by padding (drawn grey, text '0' or '-∞'); outline: cells of the
    current window (accent border, trace named WINDOW_TRACE); fill: cells to fill with the accent
    (the max, the current output cell); inner_box: (top, left, h, w) dashed frame around the original
    input; selectable: invisible markers on the cells so a click selects one (cell_hover: their hover text).
    """
    values = np.asarray(values, dtype=float)
    pad_mask = np.zeros(values.shape, bool) if pad_mask is None else np.asarray(pad_mask, bool)
    shown = np.where(pad_mask | ~np.isfinite(values), np.nan, values)
    finite = shown[np.isfinite(shown)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if symmetric:
        lo, hi = -max(abs(lo), abs(hi), 1e-6), max(abs(lo), abs(hi), 1e-6)
    if hi == lo:
        hi = lo + 1
    texts = np.vectorize(latex.grid_number, otypes=[str])(values)
    # Numbers are heatmap text, not fixed-size labels: plotly shrinks them to fit narrow screens (a projector).
    fill_mask = np.zeros(values.shape, bool)
    if fill:
        fill_mask[tuple(zip(*fill, strict=True))] = True
    traces = [go.Heatmap(z=shown, text=np.where(pad_mask | fill_mask, "", texts).tolist(), texttemplate="%{text}",
                         colorscale=colorscale, zmin=lo, zmax=hi, showscale=False, xgap=1, ygap=1,
                         hoverinfo="skip" if selectable else None,
                         hovertemplate=None if selectable else "row %{y}, col %{x}<extra></extra>")]
    if pad_mask.any():
        traces.append(_text_layer(pad_mask, texts, PAD_COLOUR, "#5b6270"))
    if fill:
        traces.append(_text_layer(fill_mask, texts, charts.ACCENT, "white"))
    # Outlines are scatter traces, not layout shapes: one trace validates far faster than many shapes.
    if outline:
        xs, ys = _rect_paths([(r, c, 0.46, 0.46) for r, c in outline])
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", name=WINDOW_TRACE, line=dict(color=charts.ACCENT, width=3),
                                 hoverinfo="skip", showlegend=False))
    if inner_box is not None:
        top, left, h, w = inner_box
        xs, ys = _rect_paths([(top + (h - 1) / 2, left + (w - 1) / 2, h / 2, w / 2)])
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#1f2430", width=1.5, dash="dash"),
                                 hoverinfo="skip", showlegend=False))
    if selectable:
        traces.append(_click_targets(values.shape, cell_hover))
    # The traces are validated as they are made; the layout comes from a cached one (number_grid_layout),
    # not validated again: styling a figure costs ~20 ms, and explorers redraw several grids per slider move.
    layout = json.loads(number_grid_layout(height, bool(title), selectable))["layout"]
    layout["xaxis"]["range"] = [-0.5, values.shape[1] - 0.5]
    layout["yaxis"]["range"] = [values.shape[0] - 0.5, -0.5]
    if title:
        layout["title"]["text"] = title
    return go.Figure({"data": [trace.to_plotly_json() for trace in traces], "layout": layout}, _validate=False)


@functools.lru_cache(maxsize=64)
def number_grid_layout(height: int, titled: bool, selectable: bool) -> str:
    """number_grid's styled layout (axes ranged for a 1×1 grid) as figure JSON, shared by every session."""
    fig = go.Figure()
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, range=[-0.5, 0.5],
                     constrain="domain", fixedrange=True)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, range=[0.5, -0.5],
                     scaleanchor="x", constrain="domain", fixedrange=True)
    fig = charts.styled(fig, height=height, title=" " if titled else None)
    fig.update_layout(font_size=MAX_TEXT_PX, plot_bgcolor=PAD_COLOUR, clickmode="event+select" if selectable else None,
                      dragmode=False if selectable else None)
    return fig.to_json()


def window_figure(step: step_through.WindowStep, source_shape: tuple[int, int], *, title: str | None = None,
                  height: int = 360) -> go.Figure:
    """The (padded) input with the current window outlined; for pooling the winner is filled."""
    pad_mask = np.pad(np.zeros(source_shape, bool), step.pads, constant_values=True)
    return number_grid(step.padded, pad_mask=pad_mask, outline=step.cells,
                       fill=[step.winner] if step.winner is not None else [],
                       inner_box=(*step.origin, *source_shape) if pad_mask.any() else None,
                       height=height, title=title)


def grid_height(rows: int, *, cell: int = 46, lo: int = 150, hi: int = 420) -> int:
    """A number grid's height that keeps cells readable without blowing a 1x1 result up to full size."""
    return int(min(hi, max(lo, rows * cell + 60)))


def span_text(cells: tuple[int, ...]) -> str:
    """Input rows (or columns) of a window: "1–3", or "1, 3, 5" when dilation spreads them apart."""
    if len(cells) > 1 and all(b - a == 1 for a, b in zip(cells, cells[1:], strict=False)):
        return f"{cells[0]}–{cells[-1]}"
    return ", ".join(str(c) for c in cells)


def window_hover(windows: dict[tuple[int, int], step_through.OutputWindow], out_w: int) -> list[str]:
    """Hover text per output cell (row-major): which rows and columns of the input as drawn (padded) it reads."""
    return [t("conv.cell_hover", row=r, col=c, rows=span_text(tuple(v + w.pads[0][0] for v in w.rows)),
              cols=span_text(tuple(v + w.pads[1][0] for v in w.cols)))
            for (r, c), w in sorted(windows.items(), key=lambda item: item[0][0] * out_w + item[0][1])]


# ---------------------------------------------------------------- which output cell: click, slider or play

def _cell_key(namespace: str) -> str:
    return f"{namespace}_step_cell"


def _play_key(namespace: str) -> str:
    return f"{namespace}_step_play"


def _on_output_click(namespace: str, out_w: int) -> None:
    """A click on the output grid picks that cell for the slider and stops playing."""
    event = st.session_state.get(f"{namespace}_step_output") or {}
    points = (event.get("selection") or {}).get("points") or []
    if points:
        st.session_state[_cell_key(namespace)] = int(round(points[0]["y"])) * out_w + int(round(points[0]["x"]))
        st.session_state[_play_key(namespace)] = False


def output_chart(fig: go.Figure, namespace: str, out_w: int) -> None:
    """The clickable output grid (its selection picks the output cell)."""
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key=f"{namespace}_step_output",
                    on_select=lambda: _on_output_click(namespace, out_w), selection_mode="points")


def play_toggle(namespace: str, out_h: int, out_w: int) -> bool:
    """The play switch (none for a 1x1 output); it lives outside the playing fragment so it can restart it."""
    st.session_state.setdefault(_play_key(namespace), False)
    if step_through.cell_slider_last(out_h, out_w) is None:
        return False
    return st.toggle(t("conv.step_play"), key=_play_key(namespace), help=t("conv.step_play_help"))


def _now() -> float:
    return time.monotonic()


def _advance_if_playing(namespace: str, last: int) -> None:
    """While playing, each timed rerun moves one cell on (wrapping); a user's rerun in between does not."""
    key, tick = _cell_key(namespace), f"{namespace}_step_tick"
    if not st.session_state.get(_play_key(namespace)):
        st.session_state.pop(tick, None)
        return
    now, previous = _now(), st.session_state.get(tick)
    if previous is None or now - previous >= 0.8 * PLAY_SECONDS:
        if previous is not None:
            st.session_state[key] = (int(st.session_state.get(key, 0)) + 1) % (last + 1)
        st.session_state[tick] = now


def cell_picker(namespace: str, out_h: int, out_w: int) -> tuple[int, int]:
    """The output cell to show: set by a click on the output, the slider, or the play switch.

    A 1x1 output has no slider (Streamlit rejects min == max); a stale cell number is clamped.
    """
    last = step_through.cell_slider_last(out_h, out_w)
    key = _cell_key(namespace)
    if last is None:
        st.caption(t("conv.step_single_cell"))
        return 0, 0
    st.session_state.setdefault(key, 0)
    if not 0 <= int(st.session_state[key]) <= last:
        st.session_state[key] = min(max(int(st.session_state[key]), 0), last)
    _advance_if_playing(namespace, last)
    index = st.slider(t("conv.step_slider", last=last), 0, last, key=key)
    return step_through.cell_of_index(index, out_w)


def run_linked_view(namespace: str, playing: bool, body) -> None:
    """Run the linked view as a fragment that reruns by itself every PLAY_SECONDS while playing."""
    def linked_view() -> None:
        if playing and not st.session_state.get(_play_key(namespace)):
            st.rerun()  # stopped by a click on the output: drop the timer
        body()

    linked_view.__qualname__ = f"linked_view_{namespace}"
    st.fragment(linked_view, run_every=PLAY_SECONDS if playing else None)()
