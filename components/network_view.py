"""The whole network on one screen: the overview of every layer, one cell traced back, the softmax in numbers.

Figures are built from charts.grid_skeleton (layout cached per grid shape) and charts.fill_grid (a copy
with the maps filled in); highlights are scatter line traces (much faster than layout shapes).
Clicking a cell works through invisible scatter markers: plotly selects points of scatter traces,
not heatmap cells. Each marker carries customdata (position, map, row, col, value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnlab import inspect_model, latex, network_trace, step_through
from components import charts
from components.i18n import t
from components.ui import show_chart
from components.window_views import number_grid

MAPS_SHOWN = 3  # feature maps per layer in the overview: big enough to read from the back of a room
OVERVIEW_CELL_PX = 108
OVERVIEW_TOP_PX = 70


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
    return "Max<br>Pooling2D" if kind == "MaxPooling2D" else kind  # bolded line by line in overview_figure


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


def outline_trace(cells, index: int, *, color: str = charts.ACCENT, width: float = 3,
                  fill: bool = False) -> go.Scatter:
    """Rectangles around groups of cells: each item is (top, left, bottom, right) inclusive."""
    xs, ys = [], []
    for top, left, bottom, right in cells:
        xs += [left - 0.5, right + 0.5, right + 0.5, left - 0.5, left - 0.5, None]
        ys += [top - 0.5, top - 0.5, bottom + 0.5, bottom + 0.5, top - 0.5, None]
    x, y = _axis(index)
    return go.Scatter(x=xs, y=ys, xaxis=x, yaxis=y, mode="lines", line=dict(color=color, width=width),
                      fill="toself" if fill else None, fillcolor="rgba(228,87,46,0.25)" if fill else None,
                      hoverinfo="skip", showlegend=False)


def click_trace(values: np.ndarray, index: int, position: int, channel: int, marker_px: float) -> go.Scatter:
    """Invisible markers on every cell of a map: clicking one selects (position, channel, row, col)."""
    rows, cols = np.indices(values.shape)
    # a plain list, not an array: plotly.js would hold a typed array, which reaches Python as {"0": .., "1": ..}
    custom = np.stack([np.full(rows.size, position), np.full(rows.size, channel), rows.ravel(), cols.ravel(),
                       values.ravel()], axis=1).tolist()
    x, y = _axis(index)
    return go.Scatter(x=cols.ravel(), y=rows.ravel(), xaxis=x, yaxis=y, mode="markers", customdata=custom,
                      marker=dict(size=max(4.0, marker_px), symbol="square", opacity=0),
                      hovertemplate=t("network.hover_cell") + "<extra></extra>", showlegend=False)


def window_box(trace: network_trace.CellTrace) -> tuple[int, int, int, int]:
    return (trace.rows[0], trace.cols[0], trace.rows[1], trace.cols[1])


def _ranges(maps) -> list[tuple[float, float] | None]:
    """Each map on its own range; a map that did not respond is drawn dark, not mid-scale."""
    out = []
    for m in maps:
        finite = m[np.isfinite(m)]
        lo = float(finite.min()) if finite.size else 0.0
        hi = float(finite.max()) if finite.size else 1.0
        out.append((lo, lo + 1.0) if hi == lo else None)
    return out


def overview_figure(columns: list[Column], layers, selection: Selection | None,
                    trace: network_trace.CellTrace | None, *, rows: int = MAPS_SHOWN) -> go.Figure:
    """Input → every layer's maps → hidden Dense units → the output's probabilities, one column each.

    The traced cell and the window it reads are outlined. The grid has one more column than `columns`:
    its first subplot's axes, stretched over every row, hold the probabilities as bars.
    """
    count = len(columns) + 1
    cells, maps, places = [], [], []
    for col, column in enumerate(columns, start=1):
        scale = charts.IMAGE_SCALE if column.position is None else charts.ACTIVATION_SCALE
        for row, (channel, values) in enumerate(zip(column.channels, column.maps, strict=True), start=1):
            cells.append((row, col, scale, "%{z:.3g}<extra></extra>"))
            maps.append(values)
            places.append((column, channel, values, (row - 1) * count + col))
    spatial = {p[3]: t("network.map_title", index=p[1]) for p in places
               if p[0].position is not None and layers[p[0].position].is_spatial}
    cell_titles = tuple(i + 1 in spatial for i in range(rows * count))
    skeleton = charts.grid_skeleton(rows, count, tuple(cells), cell_titles=cell_titles, vertical_spacing=0.08,
                                    horizontal_spacing=0.012, column_widths=(1.0,) * (count - 1) + (1.5,),
                                    height=rows * OVERVIEW_CELL_PX + OVERVIEW_TOP_PX, margin_top=OVERVIEW_TOP_PX,
                                    title_size=13)
    fig = charts.fill_grid(skeleton, maps, ranges=_ranges(maps), titles=[spatial[i] for i in sorted(spatial)])
    fig.update_traces(hoverinfo="skip", selector=dict(type="heatmap"))
    titles = [(column.title, next(p[3] for p in places if p[0] is column)) for column in columns]
    for text, index in [*titles, (t("network.col_output"), count)]:
        domain = fig.layout[f"xaxis{'' if index == 1 else index}"].domain
        name, _, shape = text.rpartition("<br>") if "<br>" in text else (text, "", "")  # the layer in bold, its shape below (plain: narrower)
        fig.add_annotation(text=f"<b>{name}</b><br>{shape}" if shape else f"<b>{name}</b>", x=(domain[0] + domain[1]) / 2,
                           xref="paper", y=1, yref="paper", xanchor="center", yanchor="bottom", yshift=20,
                           showarrow=False, font=dict(size=13))
    extra = [click_trace(values, index, column.position, channel, OVERVIEW_CELL_PX / values.shape[0])
             for column, channel, values, index in places
             if column.position is not None and layers[column.position].kind in network_trace.TRACEABLE]
    extra += overview_highlights(places, layers, selection, trace)
    extra.append(_probability_bars(fig, layers[-1].output, count))
    fig.add_traces(extra)
    fig.update_xaxes(fixedrange=True)
    fig.update_yaxes(fixedrange=True)
    return fig


def _probability_bars(fig: go.Figure, probabilities: np.ndarray, index: int) -> go.Bar:
    """Turn subplot `index` into a bar chart over the full height; the predicted digit in the accent colour."""
    best = int(np.argmax(probabilities))
    x, y = _axis(index)
    fig.layout[f"yaxis{index}"].update(domain=[0, 1], scaleanchor=None, autorange="reversed", type="category",
                                       showticklabels=True, tickfont=dict(size=16), ticks="")
    start, end = fig.layout[f"xaxis{index}"].domain
    fig.layout[f"xaxis{index}"].update(range=[0, 1.6], constrain=None, domain=[start + 0.025, end])
    return go.Bar(x=list(probabilities), y=[str(d) for d in range(len(probabilities))], xaxis=x, yaxis=y,
                  orientation="h", texttemplate="%{x:.1%}", textposition="outside", cliponaxis=False,
                  textfont=dict(size=14),
                  marker_color=[charts.ACCENT if i == best else charts.PALETTE[0] for i in range(len(probabilities))],
                  hovertemplate="%{y}: %{x:.2%}<extra></extra>", showlegend=False)


def overview_highlights(places, layers, selection: Selection | None, trace) -> list[go.Scatter]:
    if selection is None or trace is None:
        return []
    out = []
    previous = selection.position - 1  # -1: the input image
    for column, channel, _values, index in places:
        position = -1 if column.position is None else column.position
        if position == selection.position and channel == selection.channel:
            out.append(outline_trace([(selection.row, selection.col, selection.row, selection.col)], index, fill=True))
        elif position == previous and (trace.kind == "Conv2D" or channel == selection.channel):
            out.append(outline_trace([window_box(trace)], index, fill=True))
    return out


# --- the traced cell: controls, its map, the window in the layer before, the arithmetic -----------------

LAYER_KEY, MAP_KEY, ROW_KEY, COL_KEY = "network_layer", "network_map", "network_row", "network_col"


def traceable_positions(layers) -> list[int]:
    return [i for i, layer in enumerate(layers) if layer.kind in network_trace.TRACEABLE]


def layer_label(layers, position: int) -> str:
    layer = layers[position]
    return t("network.layer_option", number=position + 1, kind=layer.kind, shape=inspect_model.shape_text(layer.shape))


def _clamp_state(layers, positions: list[int]) -> None:
    """Keep the selection inside the current model's shapes (a new model or layer may be smaller)."""
    state = st.session_state
    if state.get(LAYER_KEY) not in positions:
        state[LAYER_KEY] = positions[0]
    height, width, count = layers[state[LAYER_KEY]].shape
    if MAP_KEY not in state or ROW_KEY not in state or COL_KEY not in state:
        # first visit: the strongest cell of the first map, so the sum is not zero
        strongest = np.unravel_index(int(np.argmax(layers[state[LAYER_KEY]].output[..., 0])), (height, width))
        state.setdefault(MAP_KEY, 0)
        state.setdefault(ROW_KEY, int(strongest[0]))
        state.setdefault(COL_KEY, int(strongest[1]))
    for key, size in ((MAP_KEY, count), (ROW_KEY, height), (COL_KEY, width)):
        state[key] = int(min(max(int(state[key]), 0), size - 1))


def trace_controls(layers) -> Selection | None:
    """Layer, map, row and column of the traced cell (None when no layer can be traced)."""
    positions = traceable_positions(layers)
    if not positions:
        return None
    _clamp_state(layers, positions)
    layer_col, map_col, row_col, col_col = st.columns([2.2, 1, 1, 1])
    with layer_col:
        position = st.selectbox(t("network.pick_layer"), positions, key=LAYER_KEY,
                                format_func=lambda p: layer_label(layers, p))
    height, width, count = layers[position].shape
    with map_col:
        channel = st.number_input(t("network.pick_map", last=count - 1), 0, count - 1, key=MAP_KEY)
    with row_col:
        row = st.number_input(t("network.pick_row", size=height), 0, height - 1, key=ROW_KEY)
    with col_col:
        col = st.number_input(t("network.pick_col", size=width), 0, width - 1, key=COL_KEY)
    return Selection(int(position), int(channel), int(row), int(col))


def select_clicked(chart_key: str) -> None:
    """on_select callback: a clicked cell (customdata position, map, row, col) becomes the traced cell."""
    event = st.session_state.get(chart_key) or {}
    points = (event.get("selection") or {}).get("points") or []
    data = points[0].get("customdata") if points else None
    if isinstance(data, dict):  # a typed array serialised by index
        data = [data.get(str(i)) for i in range(len(data))]
    if not data or len(data) < 4 or any(v is None for v in data[:4]):
        return
    st.session_state[LAYER_KEY], st.session_state[MAP_KEY] = int(data[0]), int(data[1])
    st.session_state[ROW_KEY], st.session_state[COL_KEY] = int(data[2]), int(data[3])


def show_clickable(fig: go.Figure, key: str) -> None:
    """A chart whose cells can be clicked to choose the traced cell (same config as ui.show_chart)."""
    st.plotly_chart(fig, width="stretch", config=charts.PLOTLY_CONFIG, key=key, on_select=lambda: select_clicked(key),
                    selection_mode="points")


def _single_map(values: np.ndarray, *, colorscale: str, height: int, title: str) -> go.Figure:
    fig = charts.heatmap(values, colorscale=colorscale, height=height, title=title, showscale=True)
    if values.shape[0] <= 13:
        fig.update_traces(text=np.vectorize(lambda v: f"{v:.2f}")(values), texttemplate="%{text}",
                          textfont=dict(size=12 if values.shape[0] > 8 else 15))
    fig.update_xaxes(fixedrange=True)
    fig.update_yaxes(fixedrange=True)
    return fig


def map_figure(layer: inspect_model.LayerOutput, position: int, selection: Selection, *, height: int = 420) -> go.Figure:
    """The chosen map, large, with the traced cell filled; every cell clickable."""
    values = layer.output[..., selection.channel]
    fig = _single_map(values, colorscale=charts.ACTIVATION_SCALE, height=height,
                      title=t("network.chosen_map", layer=layer.kind, index=selection.channel))
    fig.update_traces(hoverinfo="skip", selector=dict(type="heatmap"))
    fig.add_trace(click_trace(values, 1, position, selection.channel, 340 / values.shape[0]))
    fig.add_trace(outline_trace([(selection.row, selection.col, selection.row, selection.col)], 1, width=4, fill=True))
    return fig


def previous_figure(previous: np.ndarray, trace: network_trace.CellTrace, is_input: bool, title: str, *,
                    height: int = 420) -> go.Figure:
    """The layer before, with the window the traced cell reads outlined on every map it reads."""
    box = window_box(trace)
    if is_input or trace.kind == "MaxPooling2D":
        channel = 0 if is_input else trace.channel
        scale = charts.IMAGE_SCALE if is_input else charts.ACTIVATION_SCALE
        fig = _single_map(previous[..., channel], colorscale=scale, height=height, title=title)
        fig.add_trace(outline_trace([box], 1, width=4))
        if trace.winner is not None:
            fig.add_trace(outline_trace([(*trace.winner, *trace.winner)], 1, width=2, fill=True))
        return fig
    maps = [previous[..., c] for c in trace.channels]
    columns = 8
    fig = charts.heatmap_grid(maps, titles=[f"#{c}" for c in trace.channels], columns=columns,
                              cell_px=int(height / max(1, math.ceil(len(maps) / columns))) if len(maps) > 16 else 110,
                              title=title, ranges=_ranges(maps))
    fig.add_traces([outline_trace([box], i + 1, width=2.5) for i in range(len(maps))])
    fig.update_xaxes(fixedrange=True)
    fig.update_yaxes(fixedrange=True)
    return fig


def window_step(trace: network_trace.CellTrace, channel: int = 0) -> step_through.WindowStep:
    """The traced cell as the explorers' WindowStep, for their written-out sum (conv_step_latex/pool_step_latex)."""
    weights = None if trace.weights is None else trace.weights[..., channel]
    return step_through.WindowStep(trace.row, trace.col, trace.values[..., channel], (0, 0), ((0, 0), (0, 0)),
                               list(trace.cells), trace.values[..., channel], trace.result, weights, trace.bias,
                               trace.pre_activation, trace.winner, trace.is_pad)


def channel_sums_figure(trace: network_trace.CellTrace, *, height: int = 300) -> go.Figure:
    """Each input channel's share of the sum: Σ over the window of that channel's products."""
    sums = trace.products.sum(axis=(0, 1))
    fig = charts.bar_chart([str(c) for c in trace.channels], sums, highlight=int(np.argmax(np.abs(sums))),
                           height=height, value_format=".2f", title=t("network.channel_sums_title"),
                           yaxis_title=t("network.channel_sum"), xaxis_title=t("network.input_channel"),
                           show_values=len(sums) <= 16)
    return fig


def arithmetic_view(trace: network_trace.CellTrace) -> None:
    """The numbers behind the traced cell: window × kernel = products → sum (+ bias, activation), or the max."""
    if trace.kind == "MaxPooling2D":
        step = window_step(trace)
        st.caption(t("network.pool_explain"))
        st.latex(latex.pool_step_latex(step))
        return
    if len(trace.channels) == 1:
        grids = ((trace.values[..., 0], "network.window_values", False),
                 (trace.weights[..., 0], "network.kernel_weights", True),
                 (trace.products[..., 0], "network.products", True))
        for index, (column, (values, key, signed)) in enumerate(zip(st.columns(3), grids, strict=True)):
            with column:
                show_chart(number_grid(values, pad_mask=trace.is_pad, symmetric=signed, height=300, title=t(key),
                                       colorscale=charts.SIGNED_SCALE if signed else "Greys"),
                           key=f"network_grid_{index}")
        st.latex(latex.conv_step_latex(window_step(trace), trace.activation))
    else:
        show_chart(channel_sums_figure(trace), key="network_channel_sums")
    st.markdown(t("network.sum_line", count=trace.products.size, total=latex.decimals(trace.total, 4),
                  bias=latex.decimals(trace.bias, 4),
                  z=latex.decimals(trace.pre_activation, 4), activation=trace.activation,
                  result=latex.decimals(trace.result, 4)))


# --- softmax ----------------------------------------------------------------------------------------

def softmax_table(steps: network_trace.SoftmaxSteps) -> dict[str, list]:
    shift = f" − {latex.decimals(steps.shift, 2)}" if steps.shift else ""
    return {
        t("network.col_digit"): [str(d) for d in range(len(steps.logits))],
        t("network.col_logit"): [latex.decimals(z, 3) for z in steps.logits],
        t("network.col_exp", shift=shift): [latex.significant(e, 4) for e in steps.exps],
        t("network.col_probability"): [latex.percent(p, 2) for p in steps.probabilities],
    }
