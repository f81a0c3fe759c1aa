"""The whole network on one screen: the overview of every layer, one cell traced back, the softmax in numbers.

Every figure comes from the chart kit (components.charts): grids filled into cached skeletons, highlights
as outline traces, cells clickable through click targets whose customdata is (position, map, row, col, value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnlab import inspect_model, latex, network_trace, step_through
from components import chart_texts, charts, presentation
from components import state_keys as keys
from components.i18n import t
from components.number_box import number_box
from components.ui import show_chart
from components.window_views import number_grid

MAPS_SHOWN = 3  # feature maps per layer in the overview: big enough to read from the back of a room
OVERVIEW_CELL_PX = 108
OVERVIEW_TOP_PX = 70
NUMBERED_ROWS = 8  # a map with more rows than this is drawn without its numbers (they would overlap)
TRACE_HEIGHT = 420  # the traced cell's map and the layer before; on a projector they share one screen with the sum
TRACE_HEIGHT_PRESENT = 270


@dataclass(frozen=True)
class Selection:
    """The traced cell: outputs[position], map `channel`, (row, col)."""

    position: int
    channel: int
    row: int
    col: int


@dataclass(frozen=True)
class Column:
    """One column of the overview: the input image, a spatial layer, or a hidden Dense layer's units."""

    title: str
    position: int | None  # index in the outputs list; None for the input image
    channels: tuple[int, ...]  # the maps shown (a single 0 for the input and for Dense units)
    maps: tuple[np.ndarray, ...]


def units_square(values: np.ndarray) -> np.ndarray:
    """A Dense layer's units as a near-square grid (NaN where the grid has more cells than units)."""
    n = len(values)
    cols = math.ceil(math.sqrt(n))
    grid = np.full(cols * math.ceil(n / cols), np.nan, dtype=np.float32)
    grid[:n] = values
    return grid.reshape(-1, cols)


def header_name(kind: str) -> str:
    """A layer kind for a narrow column header: "MaxPooling2D" on two lines, so neighbours never overlap."""
    return "Max<br>Pooling2D" if kind == "MaxPooling2D" else kind  # bolded line by line in overview_skeleton


def shown_channels(layers, position: int, selection: Selection | None) -> tuple[int, ...]:
    """The first MAPS_SHOWN maps, with the selected map (and the map a pooling cell reads) among them."""
    count = layers[position].shape[-1]
    chosen = list(range(min(MAPS_SHOWN, count)))
    wanted = None
    if selection is not None and (position == selection.position or (
            position == selection.position - 1 and layers[selection.position].kind == "MaxPooling2D")):
        wanted = selection.channel
    if wanted is not None and wanted not in chosen:
        chosen[-1] = wanted
    return tuple(chosen)


def overview_columns(image: np.ndarray, layers: list[inspect_model.LayerOutput],
                     selection: Selection | None) -> list[Column]:
    columns = [Column(t("network.col_input"), None, (0,), (np.asarray(image, np.float32),))]
    for position, layer in enumerate(layers[:-1]):
        shape = inspect_model.shape_text(layer.shape)
        if layer.is_spatial:
            channels = shown_channels(layers, position, selection)
            columns.append(Column(f"{header_name(layer.kind)}<br>{shape}", position, channels,
                                  tuple(layer.output[..., c] for c in channels)))
        elif layer.kind == "Dense":
            columns.append(Column(t("network.col_dense", count=layer.shape[0]), position, (0,),
                                  (units_square(layer.output),)))
    return columns


def _axis(index: int) -> tuple[str, str]:
    """Trace axis references of subplot `index` (1-based, row-major)."""
    return ("x", "y") if index == 1 else (f"x{index}", f"y{index}")


def window_box(trace: network_trace.CellTrace) -> tuple[int, int, int, int]:
    """The window the traced cell reads in the layer before: (top, left, bottom, right), inclusive."""
    return (trace.rows[0], trace.cols[0], trace.rows[1], trace.cols[1])


def cell_box(selection: Selection) -> tuple[int, int, int, int]:
    return (selection.row, selection.col, selection.row, selection.col)


def map_click_targets(values: np.ndarray, index: int, position: int, channel: int, cell_px: float) -> go.Scatter:
    """Clicking a cell of a map in subplot `index` selects (position, channel, row, col): see select_clicked."""
    return charts.click_targets(values.shape, size=max(4.0, cell_px), prefix=(position, channel), values=values,
                                hovertemplate=t("network.hover_cell") + "<extra></extra>", axes=_axis(index))


# --- the overview --------------------------------------------------------------------------------------

@charts.skeleton_cache(maxsize=16)
def overview_skeleton(rows: int, cells: tuple, cell_titles: tuple[bool, ...], headers: tuple[str, ...]) -> go.Figure:
    """The overview's empty grid: one column per header, each header above its column (the layer in bold,
    its shape below it, plain: narrower), no zooming; the last column's first subplot, stretched over every
    row, holds the probabilities as bars."""
    count = len(headers)
    fig = charts.grid_figure(rows, count, cells, cell_titles=cell_titles, vertical_spacing=0.08,
                             horizontal_spacing=0.012, column_widths=(1.0,) * (count - 1) + (1.5,),
                             height=rows * OVERVIEW_CELL_PX + OVERVIEW_TOP_PX, margin_top=OVERVIEW_TOP_PX,
                             title_size=13, fixed_range=True)
    for index, text in enumerate(headers, start=1):
        domain = fig.layout[f"xaxis{'' if index == 1 else index}"].domain
        name, _, shape = text.rpartition("<br>") if "<br>" in text else (text, "", "")
        fig.add_annotation(text=f"<b>{name}</b><br>{shape}" if shape else f"<b>{name}</b>", x=(domain[0] + domain[1]) / 2,
                           xref="paper", y=1, yref="paper", xanchor="center", yanchor="bottom", yshift=20,
                           showarrow=False, font=dict(size=13))
    fig.layout[f"yaxis{count}"].update(domain=[0, 1], scaleanchor=None, autorange="reversed", type="category",
                                       showticklabels=True, tickfont=dict(size=16), ticks="")
    start, end = fig.layout[f"xaxis{count}"].domain
    fig.layout[f"xaxis{count}"].update(range=[0, 1.6], constrain=None, domain=[start + 0.025, end])
    return fig


def overview_figure(columns: list[Column], layers, selection: Selection | None,
                    trace: network_trace.CellTrace | None, *, rows: int = MAPS_SHOWN) -> go.Figure:
    """Input → every layer's maps → hidden Dense units → the output's probabilities, one column each.

    The traced cell and the window it reads are outlined; every cell of a traceable layer is clickable.
    """
    count = len(columns) + 1
    cells, maps, places = [], [], []
    for col, column in enumerate(columns, start=1):
        scale = charts.IMAGE_SCALE if column.position is None else charts.ACTIVATION_SCALE
        for row, (channel, values) in enumerate(zip(column.channels, column.maps, strict=True), start=1):
            cells.append((row, col, scale, None))
            maps.append(values)
            places.append((column, channel, values, (row - 1) * count + col))
    spatial = {p[3]: t("network.map_title", index=p[1]) for p in places
               if p[0].position is not None and layers[p[0].position].is_spatial}
    skeleton = overview_skeleton(rows, tuple(cells), tuple(i + 1 in spatial for i in range(rows * count)),
                                 (*(column.title for column in columns), t("network.col_output")))
    extra = [map_click_targets(values, index, column.position, channel, OVERVIEW_CELL_PX / values.shape[0])
             for column, channel, values, index in places
             if column.position is not None and layers[column.position].kind in network_trace.TRACEABLE]
    extra += overview_highlights(places, selection, trace)
    extra.append(_probability_bars(layers[-1].output, count))
    return charts.fill_grid(skeleton, maps, ranges=charts.own_ranges(maps), titles=[spatial[i] for i in sorted(spatial)],
                            traces=extra)


def _probability_bars(probabilities: np.ndarray, index: int) -> go.Bar:
    """The probabilities as bars in subplot `index`; the predicted digit in the accent colour."""
    best = int(np.argmax(probabilities))
    x, y = _axis(index)
    return go.Bar(x=list(probabilities), y=[str(d) for d in range(len(probabilities))], xaxis=x, yaxis=y,
                  orientation="h", texttemplate="%{x:.1%}", textposition="outside", cliponaxis=False,
                  textfont=dict(size=14),
                  marker_color=[charts.ACCENT if i == best else charts.PALETTE[0] for i in range(len(probabilities))],
                  hovertemplate="%{y}: %{x:.2%}<extra></extra>", showlegend=False)


def overview_highlights(places, selection: Selection | None, trace) -> list[go.Scatter]:
    """The traced cell filled in its map; the window it reads filled in the maps of the layer before."""
    if selection is None or trace is None:
        return []
    out = []
    previous = selection.position - 1  # -1: the input image
    for column, channel, _values, index in places:
        position = -1 if column.position is None else column.position
        if position == selection.position and channel == selection.channel:
            out += charts.highlight([cell_box(selection)], fill=True, axes=_axis(index))
        elif position == previous and (trace.kind == "Conv2D" or channel == selection.channel):
            out += charts.highlight([window_box(trace)], fill=True, axes=_axis(index))
    return out


def overview_view(image: np.ndarray, layers, selection: Selection | None, trace, caption: str) -> None:
    """The overview (clickable, at its own size on a projector so it fits one screen), what it follows, a link."""
    columns = overview_columns(image, layers, selection)
    show_chart(overview_figure(columns, layers, selection, trace), key=keys.NETWORK_OVERVIEW_CHART,
               on_select=lambda: select_clicked(keys.NETWORK_OVERVIEW_CHART), projector_scaled=False,
               alt=chart_texts.probabilities(layers[-1].output) if layers[-1].is_vector else None)
    st.caption(t("network.overview_caption", shown=MAPS_SHOWN))
    st.caption(caption)


# --- the traced cell: controls, its map, the window in the layer before, the arithmetic -----------------

def traceable_positions(layers) -> list[int]:
    return [i for i, layer in enumerate(layers) if layer.kind in network_trace.TRACEABLE]


def layer_label(layers, position: int) -> str:
    layer = layers[position]
    return t("network.layer_option", number=position + 1, kind=layer.kind, shape=inspect_model.shape_text(layer.shape))


def _clamp_state(layers, positions: list[int]) -> None:
    """Keep the selection inside the current model's shapes (a new model or layer may be smaller)."""
    state = st.session_state
    if state.get(keys.NETWORK_LAYER) not in positions:
        state[keys.NETWORK_LAYER] = positions[0]
    height, width, count = layers[state[keys.NETWORK_LAYER]].shape
    if keys.NETWORK_MAP not in state or keys.NETWORK_ROW not in state or keys.NETWORK_COL not in state:
        # first visit: the strongest cell of the first map, so the sum is not zero
        strongest = np.unravel_index(int(np.argmax(layers[state[keys.NETWORK_LAYER]].output[..., 0])), (height, width))
        state.setdefault(keys.NETWORK_MAP, 0)
        state.setdefault(keys.NETWORK_ROW, int(strongest[0]))
        state.setdefault(keys.NETWORK_COL, int(strongest[1]))
    for key, size in ((keys.NETWORK_MAP, count), (keys.NETWORK_ROW, height), (keys.NETWORK_COL, width)):
        state[key] = step_through.clamp_index(state[key], size)


def trace_controls(layers) -> Selection | None:
    """Layer, map, row and column of the traced cell (None when no layer can be traced)."""
    positions = traceable_positions(layers)
    if not positions:
        return None
    _clamp_state(layers, positions)
    layer_col, map_col, row_col, col_col = st.columns([2.2, 1, 1, 1])
    with layer_col:
        position = st.selectbox(t("network.pick_layer"), positions, key=keys.NETWORK_LAYER,
                                format_func=lambda p: layer_label(layers, p))
    height, width, count = layers[position].shape
    with map_col:
        channel = number_box(t("network.pick_map", last=count - 1), 0, count - 1, key=keys.NETWORK_MAP)
    with row_col:
        row = number_box(t("network.pick_row", size=height), 0, height - 1, key=keys.NETWORK_ROW)
    with col_col:
        col = number_box(t("network.pick_col", size=width), 0, width - 1, key=keys.NETWORK_COL)
    return Selection(int(position), int(channel), int(row), int(col))


def select_clicked(chart_key: str) -> None:
    """on_select callback: a clicked cell (customdata position, map, row, col) becomes the traced cell; a click on
    the overview also brings the traced cell's part of the page into view (it is far below the overview)."""
    cell = charts.selected_cell(st.session_state.get(chart_key), 4)
    if cell is not None:
        (st.session_state[keys.NETWORK_LAYER], st.session_state[keys.NETWORK_MAP],
         st.session_state[keys.NETWORK_ROW], st.session_state[keys.NETWORK_COL]) = cell
        if chart_key == keys.NETWORK_OVERVIEW_CHART:
            st.session_state[keys.NETWORK_SCROLL_TO_TRACE] = 1 + st.session_state.get(keys.NETWORK_CLICKS, 0)
            st.session_state[keys.NETWORK_CLICKS] = st.session_state[keys.NETWORK_SCROLL_TO_TRACE]


def _single_map(values: np.ndarray, *, colorscale: str, height: int, title: str, hover: str | None = charts.CELL_HOVER,
                traces=()) -> go.Figure:
    """One map, large, with a colour bar; small maps (up to NUMBERED_ROWS rows) with their numbers written in.

    A larger map (13×13 and up) keeps its numbers for the hover and the arithmetic below: written in, they
    overlap on a projector. The traced cell's value is in the chosen map's title.
    """
    small = values.shape[0] <= NUMBERED_ROWS
    return charts.heatmap(values, colorscale=colorscale, height=height, title=title, showscale=True,
                          cell_text=(lambda v: latex.decimals(v, 2)) if small else None,
                          hover=hover, fixed_range=True, traces=traces)


def trace_height() -> int:
    return TRACE_HEIGHT_PRESENT if presentation.is_on() else TRACE_HEIGHT


def map_figure(layer: inspect_model.LayerOutput, position: int, selection: Selection, *,
               height: int = TRACE_HEIGHT) -> go.Figure:
    """The chosen map, large, with the traced cell filled; every cell clickable; the cell's value in the title."""
    values = layer.output[..., selection.channel]
    title = t("network.chosen_cell", layer=layer.kind, index=selection.channel, row=selection.row, col=selection.col,
              value=latex.decimals(float(values[selection.row, selection.col]), 3))
    return _single_map(values, colorscale=charts.ACTIVATION_SCALE, height=height, hover=None, title=title,
                       traces=[map_click_targets(values, 1, position, selection.channel, 0.8 * height / values.shape[0]),
                               *charts.highlight([cell_box(selection)], width=4, fill=True, axes=_axis(1))])


def previous_figure(previous: np.ndarray, trace: network_trace.CellTrace, is_input: bool, title: str, *,
                    height: int = 420) -> go.Figure:
    """The layer before, with the window the traced cell reads outlined on every map it reads."""
    box = window_box(trace)
    if is_input or trace.kind == "MaxPooling2D":
        outlines = charts.highlight([box], width=4, axes=_axis(1))
        if trace.winner is not None:
            outlines += charts.highlight([(*trace.winner, *trace.winner)], width=2, fill=True, axes=_axis(1))
        return _single_map(previous[..., 0 if is_input else trace.channel], height=height, title=title,
                           colorscale=charts.IMAGE_SCALE if is_input else charts.ACTIVATION_SCALE, traces=outlines)
    maps = [previous[..., c] for c in trace.channels]
    columns = 8
    return charts.heatmap_grid(maps, titles=[f"#{c}" for c in trace.channels], columns=columns,
                               cell_px=int(height / max(1, math.ceil(len(maps) / columns))) if len(maps) > 16 else 110,
                               title=title, ranges=charts.own_ranges(maps), fixed_range=True,
                               traces=[line for i in range(len(maps))
                                       for line in charts.highlight([box], width=2.5, axes=_axis(i + 1))])


def window_step(trace: network_trace.CellTrace, channel: int = 0) -> step_through.WindowStep:
    """The traced cell as the explorers' WindowStep, for their written-out sum (conv_step_latex/pool_step_latex)."""
    weights = None if trace.weights is None else trace.weights[..., channel]
    return step_through.WindowStep(trace.row, trace.col, trace.values[..., channel], (0, 0), ((0, 0), (0, 0)),
                                   list(trace.cells), trace.values[..., channel], trace.result, weights, trace.bias,
                                   trace.pre_activation, trace.winner, trace.is_pad)


def channel_sums_figure(trace: network_trace.CellTrace, *, height: int = 300) -> go.Figure:
    """Each input channel's share of the sum: Σ over the window of that channel's products."""
    sums = trace.products.sum(axis=(0, 1))
    return charts.bar_chart([str(c) for c in trace.channels], sums, highlight=int(np.argmax(np.abs(sums))),
                            height=height, value_format=".2f", title=t("network.channel_sums_title"),
                            yaxis_title=t("network.channel_sum"), xaxis_title=t("network.input_channel"),
                            show_values=len(sums) <= 16)


def sum_line(trace: network_trace.CellTrace) -> None:
    """The traced cell's value in one line: the sum of the products, the bias, the activation (the key number)."""
    st.markdown(t("network.sum_line", count=trace.products.size, total=latex.decimals(trace.total, 4),
                  bias=latex.decimals(trace.bias, 4), z=latex.decimals(trace.pre_activation, 4),
                  activation=trace.activation, result=latex.decimals(trace.result, 4)))


def arithmetic_view(trace: network_trace.CellTrace) -> None:
    """The numbers behind the traced cell: window × kernel = products → sum (+ bias, activation), or the max."""
    if trace.kind == "MaxPooling2D":
        st.caption(t("network.pool_explain"))
        st.latex(latex.pool_step_latex(window_step(trace)))
        return
    sum_line(trace)
    if len(trace.channels) == 1:
        grids = ((trace.values[..., 0], "network.window_values", False),
                 (trace.weights[..., 0], "network.kernel_weights", True),
                 (trace.products[..., 0], "network.products", True))
        for index, (column, (values, key, signed)) in enumerate(zip(st.columns(3), grids, strict=True)):
            with column:
                show_chart(number_grid(values, pad_mask=trace.is_pad, symmetric=signed, height=300, title=t(key),
                                       colorscale=charts.SIGNED_SCALE if signed else "Greys"),
                           key=keys.network_grid_chart(index), alt=None)  # the sum under them writes them out
        st.latex(latex.conv_step_latex(window_step(trace), trace.activation))
    else:
        show_chart(channel_sums_figure(trace), key=keys.NETWORK_CHANNEL_SUMS_CHART,
                   alt=chart_texts.channel_sums(list(trace.channels), trace.products.sum(axis=(0, 1))))


def trace_view(image: np.ndarray, layers, selection: Selection, trace: network_trace.CellTrace) -> None:
    """The traced cell's map (clickable) beside the layer before with the window it reads, then its arithmetic.

    After a click on the overview this part comes into view, its top at the top of the window: the two
    pictures and the sum line under them fit one projector screen (TRACE_HEIGHT_PRESENT).
    """
    st.caption(t("network.trace_lead"))
    is_input = selection.position == 0
    previous = network_trace.previous_output(image, layers, selection.position)
    previous_name = t("network.col_input") if is_input else layers[selection.position - 1].kind
    with st.container(key=keys.NETWORK_TRACE):
        map_col, previous_col = st.columns([1, 1.4 if not is_input and trace.kind == "Conv2D" else 1])
        with map_col:
            show_chart(map_figure(layers[selection.position], selection.position, selection, height=trace_height()),
                       key=keys.NETWORK_MAP_CHART, on_select=lambda: select_clicked(keys.NETWORK_MAP_CHART),
                       projector_scaled=False, alt=None)  # the sum line under it states the cell's value
        with previous_col:
            title = t("network.window_in", layer=previous_name, rows=f"{trace.rows[0]}–{trace.rows[1]}",
                      cols=f"{trace.cols[0]}–{trace.cols[1]}")
            show_chart(previous_figure(previous, trace, is_input, title, height=trace_height()),
                       key=keys.NETWORK_PREVIOUS_CHART, projector_scaled=False, alt=None)  # its title: the window
        arithmetic_view(trace)
    clicks = st.session_state.pop(keys.NETWORK_SCROLL_TO_TRACE, None)  # the run right after the click only
    if clicks:
        presentation.scroll_to(keys.NETWORK_TRACE, clicks)


# --- softmax ----------------------------------------------------------------------------------------

def softmax_table(steps: network_trace.SoftmaxSteps) -> dict[str, list]:
    shift = f" − {latex.decimals(steps.shift, 2)}" if steps.shift else ""
    return {
        t("network.col_digit"): [str(d) for d in range(len(steps.logits))],
        t("network.col_logit"): [latex.decimals(z, 3) for z in steps.logits],
        t("network.col_exp", shift=shift): [latex.significant(e, 4) for e in steps.exps],
        t("network.col_probability"): [latex.percent(p, 2) for p in steps.probabilities],
    }


def softmax_view(model, layers) -> None:
    """The last Dense layer's softmax written out: the formula for the predicted digit, the sum, every digit."""
    steps = network_trace.model_softmax(model, layers)
    if steps is None:
        return
    st.subheader(t("network.softmax_title"))
    st.caption(t("network.softmax_lead", inputs=layers[-2].shape[0], classes=len(steps.logits)))
    st.latex(latex.softmax_latex(steps))
    st.markdown(t("network.softmax_sum", total=latex.significant(steps.total, 4), digit=steps.predicted,
                  percent=latex.percent(steps.probabilities[steps.predicted], 2)))
    if steps.shift:
        st.caption(t("network.softmax_shift", shift=latex.decimals(steps.shift, 2)))
    st.table(softmax_table(steps))
