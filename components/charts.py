"""The one chart style: every plotly figure in the app goes through `styled()`.

Heatmaps (images, kernels, feature maps) share one colour scale per meaning:
grey for images (ink is bright, as the network sees it), a diverging scale for
signed values such as kernels.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence

import numpy as np
import plotly.colors as px_colors
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from cnnlab.inspect_model import tile

_VIRIDIS = px_colors.sequential.Viridis

FONT = "Noto Sans KR, Source Sans Pro, sans-serif"
ACCENT = "#e4572e"  # highlights: the current window, the predicted class
PALETTE = ["#3266c8", "#e4572e", "#29a36a", "#f2a541", "#7d5ba6", "#2ab7ca"]
IMAGE_SCALE = "gray"
SIGNED_SCALE = "RdBu_r"
ACTIVATION_SCALE = "Viridis"


def _app_template() -> go.layout.Template:
    """plotly_white, cut to what our charts use: ~1 kB of JSON instead of ~6.6 kB in every figure.

    A figure carries its whole template: Streamlit copies it (to_dict) and serialises it on every
    rerun, and the browser receives it. plotly_white's defaults for trace types we never draw (3-D,
    maps, polar...) and its default colour scales (every heatmap here names its own) go; its axes,
    backgrounds, fonts, hover, colour bars and the bar/heatmap/scatter defaults stay.
    """
    white = pio.templates["plotly_white"].to_plotly_json()
    layout = {k: v for k, v in white["layout"].items() if k not in ("polar", "ternary", "scene", "geo", "colorscale")}
    data = {kind: [{k: v for k, v in trace.items() if k != "colorscale"} for trace in white["data"][kind]]
            for kind in ("bar", "heatmap", "scatter")}
    return go.layout.Template(layout=layout, data=data)


APP_TEMPLATE = _app_template()


def styled(fig: go.Figure, *, height: int | None = None, title: str | None = None) -> go.Figure:
    """Apply the app's look: white background, compact margins, readable fonts."""
    fig.update_layout(
        template=APP_TEMPLATE,
        font=dict(family=FONT, size=14),
        colorway=PALETTE,
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        hoverlabel=dict(font_family=FONT),
    )
    if title:
        fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=16)))
    if height:
        fig.update_layout(height=height)
    return fig


def _image_axes(fig: go.Figure) -> None:
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed",
                     scaleanchor="x", constrain="domain")


def heatmap(values: np.ndarray, *, colorscale: str = IMAGE_SCALE, zmin: float | None = None,
            zmax: float | None = None, text: bool = False, height: int = 320,
            title: str | None = None, showscale: bool = False) -> go.Figure:
    """One 2-D array as a square-pixel heatmap (row 0 at the top, like an image).

    text=True writes each value in its cell: for small grids where the numbers matter.
    Made from a cached empty figure (heatmap_skeleton) with the values filled in: ~1 ms instead of
    ~25 ms, on pages that redraw on every stroke or slider move.
    """
    values = np.asarray(values, dtype=float)
    spec = json.loads(heatmap_skeleton(colorscale, height, bool(title), showscale, text))
    trace = spec["data"][0]
    trace["z"] = values
    for name, bound in (("zmin", zmin), ("zmax", zmax)):
        if bound is not None:
            trace[name] = float(bound)
    if text:
        trace["text"] = cell_texts(values)
    if title:
        spec["layout"]["title"]["text"] = title
    return go.Figure(spec, _validate=False)


def cell_texts(values: np.ndarray) -> list:
    return np.vectorize(lambda v: f"{v:.3g}", otypes=[str])(values).tolist()


@functools.lru_cache(maxsize=64)
def heatmap_skeleton(colorscale: str, height: int, titled: bool, showscale: bool, text: bool) -> str:
    """heatmap()'s figure with a 1×1 placeholder, as JSON (shared by every session's thread: a string)."""
    trace = go.Heatmap(z=_EMPTY_Z, colorscale=colorscale, showscale=showscale,
                       hovertemplate="row %{y}, col %{x}: %{z:.3g}<extra></extra>")
    if text:
        trace.update(text=[["0"]], texttemplate="%{text}")
    fig = go.Figure(trace)
    _image_axes(fig)
    return styled(fig, height=height, title=" " if titled else None).to_json()


def heatmap_grid(maps: Sequence[np.ndarray], *, titles: Sequence[str] | None = None, columns: int = 8,
                 colorscale: str = ACTIVATION_SCALE, shared_scale: bool = False,
                 cell_px: int = 110, title: str | None = None,
                 ranges: Sequence[tuple[float, float] | None] | None = None) -> go.Figure:
    """Several 2-D arrays (feature maps, kernels) as a grid of small heatmaps.

    shared_scale=True puts every map on one colour range so they can be compared;
    otherwise each map uses its own range, which shows each map's pattern best
    (or ranges[i], when given and not None). The layout is cached per grid shape (grid_skeleton).
    """
    count = len(maps)
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns) if count else 1
    # Subplot titles sit above each row's cells: leave room for the first row's.
    top = (40 if title else 10) + (18 if titles else 0)
    hover = "%{z:.3g}<extra></extra>"
    skeleton = grid_skeleton(rows, columns, tuple((i // columns + 1, i % columns + 1, colorscale, hover)
                                                  for i in range(count)),
                             cell_titles=tuple(i < count for i in range(rows * columns)) if titles else None,
                             vertical_spacing=0.06 if titles else 0.02, height=int(rows * cell_px + top),
                             margin_top=top, titled=bool(title))
    shared = (float(min(np.min(m) for m in maps)), float(max(np.max(m) for m in maps))) if (maps and shared_scale) else None
    if shared:
        ranges = [shared] * count
    # float32: the same picture as float64, in about half the JSON sent to the browser
    return fill_grid(skeleton, [np.asarray(m, dtype=np.float32) for m in maps], ranges=ranges,
                     titles=list(titles) if titles else None, title=title)


# Tiled maps are sent as one byte per pixel: levels 0-254 of the activation scale, 255 for the gaps between
# tiles (drawn white). Viridis squeezed into 0..254/255, white above it.
_GAP_LEVEL = 255
TILE_TOP_LEVEL = _GAP_LEVEL - 1  # a map's highest value
TILE_SCALE = tuple((round(i / (len(_VIRIDIS) - 1) * TILE_TOP_LEVEL / _GAP_LEVEL, 6), colour)
                   for i, colour in enumerate(_VIRIDIS)) + ((1.0, "white"),)


def tiled_maps(maps: Sequence[np.ndarray], columns: int, *, height: int | None = None,
               title: str | None = None) -> go.Figure:
    """A layer's feature maps tiled into ONE heatmap, each map on its own range (a map that did not respond is dark).

    One heatmap, not a grid of subplots (heatmap_grid): ~1 ms to build instead of ~25 ms, for the Draw page
    that redraws it on every stroke, and the browser draws one trace instead of 32-64. One byte per pixel
    (~30 kB of JSON for 32 maps of 26×26, not ~150 kB). No hover values: the Network page shows a map's numbers.
    height: by default about as tall as the tiles are across a laptop-wide page.
    """
    rows = -(-len(maps) // columns)
    picture = tile(np.stack(maps), columns=columns, gap=2, normalise=True)  # 0..1, NaN between the tiles
    levels = np.where(np.isnan(picture), _GAP_LEVEL, np.round(np.nan_to_num(picture) * TILE_TOP_LEVEL))
    # About as tall as the tiles are at a laptop's width (~60 px in rows of 16, ~115 px in rows of 8): a taller
    # figure leaves empty bands above and below the square pixels.
    cell_px = 60 if columns == 16 else 115
    fig = heatmap(np.zeros((1, 1)), colorscale=TILE_SCALE, zmin=0, zmax=_GAP_LEVEL,
                  height=height or rows * cell_px + 20, title=title)
    fig.update_traces(z=levels.astype(np.uint8), hoverinfo="skip")
    return fig


def bar_chart(labels: Sequence[str], values: Sequence[float], *, highlight: int | None = None,
              height: int = 280, title: str | None = None, value_format: str = ".0%",
              yaxis_title: str | None = None, xaxis_title: str | None = None,
              value_range: tuple[float, float] | None = None, tick_format: str | None = None,
              show_values: bool = True) -> go.Figure:
    """Bars in the palette's first colour; the `highlight` bar in the accent colour.

    Each value is written above its bar in `value_format` (none when `show_values` is False). Made from a
    cached empty chart (bar_skeleton) with the bars filled in, like heatmap(): so the options are arguments
    here, not plotly updates after it (fig.update_yaxes alone costs several ms on every stroke).
    """
    spec = json.loads(bar_skeleton(height, bool(title), value_format, yaxis_title, xaxis_title,
                                   None if value_range is None else tuple(map(float, value_range)),
                                   tick_format, show_values))
    trace = spec["data"][0]
    trace["x"], trace["y"] = [str(label) for label in labels], np.asarray(values, dtype=float).tolist()
    trace["marker"]["color"] = [ACCENT if i == highlight else PALETTE[0] for i in range(len(trace["x"]))]
    if title:
        spec["layout"]["title"]["text"] = title
    return go.Figure(spec, _validate=False)


@functools.lru_cache(maxsize=64)
def bar_skeleton(height: int, titled: bool, value_format: str, yaxis_title: str | None, xaxis_title: str | None,
                 value_range: tuple[float, float] | None, tick_format: str | None, show_values: bool) -> str:
    """bar_chart()'s chart without bars, as JSON (shared by every session's thread: a string)."""
    fig = go.Figure(go.Bar(x=[], y=[], marker_color=[],
                           texttemplate=f"%{{y:{value_format}}}" if show_values else "", textposition="outside",
                           hovertemplate=f"%{{x}}: %{{y:{value_format}}}<extra></extra>"))
    fig.update_yaxes(title=yaxis_title, range=None if value_range is None else list(value_range),
                     tickformat=tick_format)
    fig.update_xaxes(type="category", **({} if xaxis_title is None else {"title": xaxis_title}))
    return styled(fig, height=height, title=" " if titled else None).to_json()


def line_chart(series: dict[str, tuple[Sequence[float], Sequence[float]]], *, height: int = 320,
               title: str | None = None, xaxis_title: str | None = None,
               yaxis_title: str | None = None, dashed: Sequence[str] = ()) -> go.Figure:
    """Named (x, y) series as lines; names in `dashed` are drawn dashed."""
    fig = go.Figure()
    for name, (x, y) in series.items():
        fig.add_trace(go.Scatter(x=list(x), y=list(y), mode="lines", name=name,
                                 line=dict(dash="dash" if name in dashed else "solid", width=2)))
    fig.update_xaxes(title=xaxis_title)
    fig.update_yaxes(title=yaxis_title)
    return styled(fig, height=height, title=title)


# The mode bar keeps the picture download and "reset axes" (zooming is a drag, undone by a double-click):
# with plotly's eight buttons it covered the charts' titles and top axis labels whenever the mouse was over them.
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": [
    "lasso2d", "select2d", "zoom2d", "pan2d", "zoomIn2d", "zoomOut2d", "autoScale2d"]}


# --- grids of small heatmaps, built from a cached skeleton -------------------------------------
# make_subplots plus per-axis settings cost ~2-10 ms per cell; the layout only depends on the grid's
# shape, so it is built once per shape (grid_skeleton) and each figure is made from it with the maps
# filled in (fill_grid). Many sessions' script threads share the cache, and plotly is not thread-safe
# even for reading (go.Figure(fig) pops and restores "type" in the source's trace dicts), so the cache
# holds an immutable JSON string: every caller parses its own private dict from it.

_EMPTY_Z = ((0.0,),)


@functools.lru_cache(maxsize=48)
def grid_skeleton(rows: int, cols: int, cells: tuple[tuple[int, int, str, str], ...], *,
                  column_widths: tuple[float, ...] | None = None, cell_titles: tuple[bool, ...] | None = None,
                  horizontal_spacing: float = 0.012, vertical_spacing: float = 0.02, height: int = 300,
                  margin_top: int | None = None, titled: bool = False, title_size: int = 11) -> str:
    """An empty rows×cols grid of image axes (row 0 on top, square pixels) as figure JSON, built once per shape.

    cells: one (row, col, colorscale, hovertemplate) per heatmap, in fill order (1-based row/col).
    cell_titles: per grid cell (row-major), whether it gets a subplot title (filled in later, in order).
    titled: leave room for a figure title (its text is set by fill_grid).
    """
    titles = [" " if flag else "" for flag in cell_titles] if cell_titles else None
    fig = make_subplots(rows=rows, cols=cols, column_widths=list(column_widths) if column_widths else None,
                        subplot_titles=titles, horizontal_spacing=horizontal_spacing,
                        vertical_spacing=vertical_spacing)
    axes = {}
    for i in range(1, rows * cols + 1):
        suffix = "" if i == 1 else str(i)
        axes[f"xaxis{suffix}"] = dict(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
        axes[f"yaxis{suffix}"] = dict(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed",
                                      scaleanchor=f"x{suffix}", constrain="domain")
    fig.update_layout(axes)  # one call for every axis: per-axis update_yaxes calls cost ~1 ms each
    if cells:
        fig.add_traces([go.Heatmap(z=_EMPTY_Z, colorscale=scale, showscale=False, hovertemplate=hover)
                        for _r, _c, scale, hover in cells],
                       rows=[r for r, *_ in cells], cols=[c for _r, c, *_ in cells])
    fig.update_annotations(font_size=title_size)
    styled(fig, height=height, title=" " if titled else None)
    if margin_top is not None:
        fig.update_layout(margin_t=margin_top)
    return fig.to_json()


def fill_grid(skeleton: str, maps: Sequence[np.ndarray], *,
              ranges: Sequence[tuple[float, float] | None] | None = None,
              titles: Sequence[str] | None = None, title: str | None = None) -> go.Figure:
    """A figure made from `skeleton` (grid_skeleton's JSON) with heatmap i showing maps[i].

    Colour range ranges[i] when given, else each map's own. The spec is filled as a plain dict and
    turned into a figure without re-validating it: it came from a validated figure, and validation
    costs about twice the rest (tests/unit/test_charts.py checks the result equals a validated figure).
    """
    spec = json.loads(skeleton)  # a private copy: nothing shared is touched
    traces, layout = spec["data"], spec["layout"]
    if len(traces) != len(maps):
        raise ValueError(f"the grid has {len(traces)} cells, got {len(maps)} maps")
    for i, (trace, values) in enumerate(zip(traces, maps, strict=True)):
        trace["z"] = np.asarray(values)
        if ranges is not None and ranges[i] is not None:
            trace["zmin"], trace["zmax"] = (float(v) for v in ranges[i])
    if titles:
        for annotation, text in zip(layout.get("annotations", []), titles, strict=False):
            annotation["text"] = text
    if title:
        layout["title"]["text"] = title
    return go.Figure(spec, _validate=False)
