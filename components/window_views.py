"""Number grids and the linked step view shared by the Conv2D and MaxPooling2D explorers.

A number grid writes every value in its cell. The linked step view shows one output cell at a time: its
input window outlined on the (padded) input, the output grid with the cell filled, and what the explorer
adds below (conv: the kernel, the products and the sum; pooling: the maximum). The cell is picked by a
click on the output (plotly point selection), a slider, or play. The window itself always comes from
cnnlab.step_through (one formula for stride, 'same' offsets and dilation).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnlab import latex, step_through
from cnnlab.shapes import format_shape
from components import chart_texts, charts, presentation
from components.i18n import t
from components.number_box import number_box
from components.state_keys import StepViewKeys
from components.ui import show_chart

PAD_COLOUR = "#d9dde5"  # padded cells: zeros for convolution, -inf for max pooling
PAD_TEXT = "#4a5160"  # their '0' or '-∞': 5.9:1 on PAD_COLOUR
GRID_SCALE = "Blues"
PLAY_SECONDS = 1.2  # one output cell per tick while playing
WINDOW_TRACE = "window"  # the outlined input window's trace name (browser tests read it from the DOM)
WINDOW_MARGIN = 0.46  # the window's outline runs just inside each cell, so neighbouring cells stay apart
MAX_TEXT_PX = 22  # plotly fits heatmap numbers to their cells, never above the layout's font size


def _text_layer(mask: np.ndarray, texts: np.ndarray, colour: str, font_colour: str, width: int) -> go.Heatmap:
    """Cells in `mask` filled with one colour and their numbers written in (charts.fill_texts: at the grid's size)."""
    return go.Heatmap(z=np.where(mask, 1.0, np.nan), text=charts.fill_texts(texts, mask, width),
                      colorscale=[[0, colour], [1, colour]], texttemplate="%{text}", showscale=False, xgap=1, ygap=1,
                      hoverinfo="skip", textfont=dict(color=font_colour))  # no <b>: plotly would count the tags


def number_grid(values: np.ndarray, *, pad_mask: np.ndarray | None = None, outline: list[tuple[int, int]] = (),
                fill: list[tuple[int, int]] = (), inner_box: tuple[int, int, int, int] | None = None,
                colorscale: str = GRID_SCALE, symmetric: bool = False, height: int = 320,
                title: str | None = None, cell_hover: list[str] | None = None,
                selectable: bool = False) -> go.Figure:
    """A small matrix with every number written in its cell (latex.grid_number).

    pad_mask: cells added by padding (drawn grey, text '0' or '-∞'); outline: cells of the
    current window (accent border, trace named WINDOW_TRACE); fill: cells to fill with the accent
    (the max, the current output cell); inner_box: (top, left, bottom, right), inclusive, a dashed frame
    around the original input; selectable: a click selects a cell (charts.click_targets; cell_hover: the
    cells' hover texts, row-major).
    """
    values = np.asarray(values, dtype=float)
    pad_mask = np.zeros(values.shape, bool) if pad_mask is None else np.asarray(pad_mask, bool)
    shown = np.where(pad_mask | ~np.isfinite(values), np.nan, values)
    lo, hi = charts.colour_range(shown, symmetric=symmetric)
    texts = np.vectorize(latex.grid_number, otypes=[str])(values)
    width = max(len(text) for text in texts.flat)
    # Numbers are heatmap text, not fixed-size labels: plotly shrinks them to fit narrow screens (a projector).
    fill_mask = np.zeros(values.shape, bool)
    if fill:
        fill_mask[tuple(zip(*fill, strict=True))] = True
    traces = [go.Heatmap(z=shown, colorscale=colorscale, zmin=lo, zmax=hi, showscale=False, xgap=1, ygap=1,
                         hoverinfo="skip" if selectable else None,
                         hovertemplate=None if selectable else "row %{y}, col %{x}<extra></extra>")]
    traces += charts.number_layers(texts, charts.cell_colours(shown, colorscale, lo, hi), ~(pad_mask | fill_mask), width)
    if pad_mask.any():
        traces.append(_text_layer(pad_mask, texts, PAD_COLOUR, PAD_TEXT, width))
    if fill:
        traces.append(_text_layer(fill_mask, texts, charts.ACCENT, charts.LIGHT_TEXT, width))
    if outline:
        traces += charts.highlight([(r, c, r, c) for r, c in outline], margin=WINDOW_MARGIN, name=WINDOW_TRACE)
    if inner_box is not None:
        traces.append(charts.outline_trace([inner_box], color="#1f2430", width=1.5, dash="dash"))
    if selectable:
        traces.append(charts.click_targets(values.shape, size=28, hovertext=cell_hover))
    spec = charts.spec_of(number_grid_layout(height, bool(title), selectable))
    layout = spec["layout"]
    layout["xaxis"]["range"] = [-0.5, values.shape[1] - 0.5]
    layout["yaxis"]["range"] = [values.shape[0] - 0.5, -0.5]
    if title:
        layout["title"]["text"] = title
    return charts.unvalidated(spec, traces)


@charts.skeleton_cache()
def number_grid_layout(height: int, titled: bool, selectable: bool) -> go.Figure:
    """number_grid's figure without traces (axes ranged for a 1×1 grid, set per grid)."""
    fig = go.Figure()
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, range=[-0.5, 0.5],
                     constrain="domain", fixedrange=True)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, range=[0.5, -0.5],
                     scaleanchor="x", constrain="domain", fixedrange=True)
    fig = charts.styled(fig, height=height, title=" " if titled else None)
    fig.update_layout(font_size=MAX_TEXT_PX, plot_bgcolor=PAD_COLOUR, clickmode="event+select" if selectable else None,
                      dragmode=False if selectable else None)
    return fig


def window_figure(step: step_through.WindowStep, source_shape: tuple[int, int], *, title: str | None = None,
                  height: int = 360) -> go.Figure:
    """The (padded) input with the current window outlined; for pooling the winner is filled."""
    pad_mask = np.pad(np.zeros(source_shape, bool), step.pads, constant_values=True)
    (top, left), (rows, cols) = step.origin, source_shape
    return number_grid(step.padded, pad_mask=pad_mask, outline=step.cells,
                       fill=[step.winner] if step.winner is not None else [],
                       inner_box=(top, left, top + rows - 1, left + cols - 1) if pad_mask.any() else None,
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

def _on_output_click(keys: StepViewKeys, out_w: int) -> None:
    """A click on the output grid picks that cell for the slider and stops playing."""
    cell = charts.selected_cell(st.session_state.get(keys.output_chart))
    if cell is not None:
        st.session_state[keys.cell] = cell[0] * out_w + cell[1]
        st.session_state[keys.play] = False


def play_toggle(keys: StepViewKeys, out_h: int, out_w: int) -> bool:
    """The play switch (none for a 1x1 output); it lives outside the playing fragment so it can restart it."""
    st.session_state.setdefault(keys.play, False)
    if step_through.cell_slider_last(out_h, out_w) is None:
        return False
    return st.toggle(t("conv.step_play"), key=keys.play, help=t("conv.step_play_help"))


def _now() -> float:
    """The play timer's clock (tests replace it)."""
    return time.monotonic()


def _advance_if_playing(keys: StepViewKeys, last: int) -> None:
    """While playing, each timed rerun moves one cell on (wrapping); a user's rerun in between does not."""
    if not st.session_state.get(keys.play):
        st.session_state.pop(keys.tick, None)
        return
    now, previous = _now(), st.session_state.get(keys.tick)
    if previous is None or now - previous >= 0.8 * PLAY_SECONDS:
        if previous is not None:
            st.session_state[keys.cell] = (int(st.session_state.get(keys.cell, 0)) + 1) % (last + 1)
        st.session_state[keys.tick] = now


def _on_row_or_col(keys: StepViewKeys, out_w: int) -> None:
    """A typed (or arrow-stepped) row or column moves the slider to that cell and stops playing."""
    st.session_state[keys.cell] = int(st.session_state[keys.row]) * out_w + int(st.session_state[keys.col])
    st.session_state[keys.play] = False


def cell_picker(keys: StepViewKeys, out_h: int, out_w: int) -> tuple[int, int]:
    """The output cell to show: set by a click on the output, the slider, the row and column boxes, or play.

    The slider is the one source of truth; the row and column boxes are written from it before they are
    drawn, so a click, play and the keyboard always show the same cell. A 1x1 output has no slider
    (Streamlit rejects min == max); a stale cell number is clamped.
    """
    last = step_through.cell_slider_last(out_h, out_w)
    if last is None:
        st.caption(t("conv.step_single_cell"))
        return 0, 0
    current = int(st.session_state.setdefault(keys.cell, 0))
    if step_through.clamp_index(current, last + 1) != current:
        st.session_state[keys.cell] = step_through.clamp_index(current, last + 1)
    _advance_if_playing(keys, last)
    st.session_state[keys.row], st.session_state[keys.col] = step_through.cell_of_index(
        int(st.session_state[keys.cell]), out_w)
    slider_area, row_area, col_area = st.columns([3, 1, 1], vertical_alignment="bottom")
    index = slider_area.slider(t("conv.step_slider", last=last), 0, last, key=keys.cell)
    for area, key, size, label in ((row_area, keys.row, out_h, "conv.step_row"), (col_area, keys.col, out_w, "conv.step_col")):
        number_box(t(label, last=size - 1), 0, size - 1, key=key, container=area, on_change=_on_row_or_col,
                   args=(keys, out_w))
    return step_through.cell_of_index(index, out_w)


def _run_playing(keys: StepViewKeys, playing: bool, body: Callable[[], None]) -> None:
    """Run `body` as a fragment that reruns by itself every PLAY_SECONDS while playing."""
    def linked_view() -> None:
        if playing and not st.session_state.get(keys.play):
            st.rerun()  # stopped by a click on the output: drop the timer
        body()

    linked_view.__qualname__ = f"linked_view_{keys.cell}"
    st.fragment(linked_view, run_every=PLAY_SECONDS if playing else None)()


# ---------------------------------------------------------------- the linked step view

@dataclass(frozen=True)
class LinkedLayer:
    """One explorer's layer on a small 2-D input, as the linked step view walks it.

    step(row, col): the window behind an output cell; window(row, col): its cells in the input's own
    coordinates; output(): the whole 2-D output. input_title / output_title: i18n keys taking {shape}.
    details(step): what the explorer writes out for the cell (its sum or maximum); side(step, areas, height):
    the explorer's two small grids (conv: the kernel and the products), if any, one in each area.
    column_widths / max_grid_px: the two grids' proportions and their largest height.

    On a projector everything a click changes shares one screen: the two grids and `side`'s grids (or else
    `details`) in one row, each at most PRESENT_GRID_PX tall, and `details` right under them.
    """

    keys: StepViewKeys
    source: np.ndarray
    out_hw: tuple[int, int]
    step: Callable[[int, int], step_through.WindowStep]
    window: Callable[[int, int], step_through.OutputWindow]
    output: Callable[[], np.ndarray]
    input_title: str
    output_title: str
    details: Callable[[step_through.WindowStep], None]
    side: Callable[[step_through.WindowStep, list, int | None], None] | None = None
    column_widths: tuple[float, float] = (1.3, 1.0)
    max_grid_px: int = 420


def linked_step_view(layer: LinkedLayer) -> None:
    """Pick an output cell (click, slider or play); see the window it reads, the output, and the explorer's part."""
    st.caption(t("conv.step_click_hint"))
    playing = play_toggle(layer.keys, *layer.out_hw)
    _run_playing(layer.keys, playing, lambda: _linked_cell(layer))


PRESENT_GRID_PX = 230  # a step-through grid's largest height on a projector (853×480): the sum fits below


def _linked_cell(layer: LinkedLayer) -> None:
    """Input window | output (clickable) | on a projector the explorer's side part, then its details."""
    keys, (out_h, out_w) = layer.keys, layer.out_hw
    row, col = cell_picker(keys, out_h, out_w)
    step, full = layer.step(row, col), layer.output()
    hover = window_hover({(r, c): layer.window(r, c) for r in range(out_h) for c in range(out_w)}, out_w)
    present = presentation.is_on()
    top = PRESENT_GRID_PX if present else layer.max_grid_px
    widths = [*layer.column_widths, *((0.8, 0.8) if layer.side else (1.0,))] if present else layer.column_widths
    columns = st.columns(list(widths))
    with columns[0]:
        show_chart(window_figure(step, layer.source.shape, height=grid_height(step.padded.shape[0], hi=top),
                                 title=t(layer.input_title, shape=format_shape(step.padded.shape))),
                   key=keys.window_chart, projector_scaled=False, alt=None)  # step_cell's sentence below says both
    with columns[1]:
        show_chart(number_grid(full, fill=[(row, col)], height=grid_height(full.shape[0], hi=top),
                               title=t(layer.output_title, shape=format_shape(full.shape)), selectable=True,
                               cell_hover=hover),
                   key=keys.output_chart, on_select=lambda: _on_output_click(keys, out_w), projector_scaled=False,
                   alt=None)  # step_cell's sentence below says both
    # The grids' text alternative: one line across the page, right above the sum (under the narrow output
    # grid it would take four lines and push the sum off a projector's screen).
    alt = chart_texts.step_cell(row, col, float(full[row, col]), step.cells)
    if present and layer.side:
        layer.side(step, columns[2:], PRESENT_GRID_PX)
    elif present:
        with columns[2]:  # the maximum first: the key number tops the narrow column
            layer.details(step)
            st.caption(alt)
            return
    elif layer.side:
        layer.side(step, st.columns(2), None)
    st.caption(alt)
    layer.details(step)
