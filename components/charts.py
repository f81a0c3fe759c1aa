"""The chart kit: one look (`styled`), cached empty figures filled with data, and the pieces of grids.

Heatmaps (images, kernels, feature maps) share one colour scale per meaning: grey for images (ink is
bright, as the network sees it), a diverging scale for signed values such as kernels.

Cached figures: pages redraw on every stroke or slider move, and building a plotly figure (make_subplots,
validation, styling) costs far more than filling data into one. So a figure whose layout depends only on
a few options is built once per option tuple by a function decorated with `skeleton_cache` and kept as
JSON. Many sessions' script threads share that cache, and plotly figures are not thread-safe even for
reading (go.Figure(fig) pops and restores "type" in the source's trace dicts): the cache holds immutable
strings, each caller parses a private spec (`spec_of`), fills in its data and makes the figure without
validating it again (`unvalidated`: it came from a validated figure). Options are the skeleton's
arguments, never plotly updates on a filled figure.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Sequence

import numpy as np
import plotly.colors as px_colors
import plotly.graph_objects as go
import plotly.io as pio
from plotly.basedatatypes import BaseTraceType
from plotly.subplots import make_subplots

from cnnlab.inspect_model import tile

_VIRIDIS = px_colors.sequential.Viridis

FONT = "Source Sans, Noto Sans KR, Source Sans Pro, sans-serif"  # "Source Sans": the font Streamlit serves the app in
ACCENT = "#c2410c"  # highlights: the current window, the predicted class (white numbers on it: 5.2:1)
ACCENT_FILL = "rgba(194,65,12,0.25)"  # a highlighted cell's fill: the accent, see-through
HALO = "white"  # under every highlight's outline: an edge of light and dark that needs no colour vision
# Numbers written on cells: whichever contrasts more. Pure black: with it, black or white reaches at least
# 4.58:1 on every colour (a dark grey leaves mid-tones, e.g. Blues' middle, below 4.5:1 both ways).
DARK_TEXT, LIGHT_TEXT = "#000000", "#ffffff"
PALETTE = ["#3266c8", "#e4572e", "#29a36a", "#f2a541", "#7d5ba6", "#2ab7ca"]
IMAGE_SCALE = "gray"
SIGNED_SCALE = "RdBu_r"
ACTIVATION_SCALE = "Viridis"
CELL_HOVER = "row %{y}, col %{x}: %{z:.3g}<extra></extra>"  # a heatmap cell: where it is and its value
VALUE_HOVER = "%{z:.3g}<extra></extra>"  # a grid cell: its value only

# The mode bar keeps the picture download and "reset axes" (zooming is a drag, undone by a double-click):
# plotly's other buttons cover the charts' titles and top axis labels whenever the mouse is over them.
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": [
    "lasso2d", "select2d", "zoom2d", "pan2d", "zoomIn2d", "zoomOut2d", "autoScale2d"]}


def _app_template() -> go.layout.Template:
    """plotly_white, cut to what our charts use (about a sixth of its JSON, which every figure carries).

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


def styled(fig: go.Figure, *, height: int | None = None, title: str | None = None,
           margin_top: int | None = None) -> go.Figure:
    """Apply the app's look: white background, compact margins, readable fonts."""
    fig.update_layout(
        template=APP_TEMPLATE,
        font=dict(family=FONT, size=14),
        colorway=PALETTE,
        margin=dict(l=10, r=10, t=(40 if title else 10) if margin_top is None else margin_top, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        hoverlabel=dict(font_family=FONT),
    )
    if title:
        fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=16)))
    if height:
        fig.update_layout(height=height)
    return fig


# ---------------------------------------------------------------- numbers written on cells

def _luminance(rgb: Sequence[float]) -> float:
    """WCAG's relative luminance of an (r, g, b) colour in 0..255."""
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(float(v)) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Sequence[float], b: Sequence[float]) -> float:
    """WCAG's contrast ratio of two (r, g, b) colours, 1 to 21."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


_DARK_RGB, _LIGHT_RGB = px_colors.hex_to_rgb(DARK_TEXT), (255, 255, 255)


def text_colour_on(rgb: Sequence[float]) -> str:
    """DARK_TEXT or LIGHT_TEXT, whichever reads better on a cell of colour `rgb`."""
    return DARK_TEXT if contrast(_DARK_RGB, rgb) >= contrast(_LIGHT_RGB, rgb) else LIGHT_TEXT


def cell_colours(z: np.ndarray, colorscale, zmin: float, zmax: float) -> np.ndarray:
    """The (rows, cols, 3) colours plotly paints the heatmap cells with (NaN: white), as plotly maps them:
    (z - zmin) / (zmax - zmin), clipped to 0..1, interpolated between the scale's stops in RGB."""
    scale = go.Heatmap(colorscale=colorscale).colorscale  # a name resolved as plotly resolves it
    stops = np.array([s for s, _ in scale], dtype=float)
    rgb = np.array([px_colors.unlabel_rgb(px_colors.convert_colors_to_same_type(c, "rgb")[0][0]) for _, c in scale],
                   dtype=float)
    z = np.asarray(z, dtype=float)
    level = np.clip((z - zmin) / (zmax - zmin if zmax > zmin else 1.0), 0, 1)
    out = np.stack([np.interp(np.nan_to_num(level), stops, rgb[:, i]) for i in range(3)], axis=-1)
    out[~np.isfinite(z)] = 255.0
    return out


def fill_texts(texts: np.ndarray, where: np.ndarray, width: int) -> list[list[str]]:
    """`texts` in the cells `where`, and elsewhere `width` no-break spaces (invisible).

    plotly sizes a heatmap's numbers per trace from the spacing of its non-empty texts and the longest of
    them (up to the layout's font size): a trace with one number (the filled cell) would write it at the
    largest size, out of its cell. With a text in every cell, as long as the longest number of the whole
    grid, every layer of a grid writes its numbers at one size, the size that fits the cells.
    """
    blank = "\u00a0" * max(1, width)
    return np.where(where, texts, blank).tolist()


# A heatmap that only writes: every cell painted see-through (an all-NaN heatmap would draw no text at all).
_NO_PAINT = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]


def number_layers(texts: np.ndarray, colours: np.ndarray, where: np.ndarray, width: int,
                  axes: tuple[str, str] | None = None, size: int | None = None) -> list[go.Heatmap]:
    """Transparent heatmaps that write `texts` in the cells `where`: dark on light cells, white on dark
    ones (`colours`: each cell's (r, g, b)), so every number keeps at least WCAG's contrast; `size` in px,
    else as large as the cells allow."""
    dark = np.array([[text_colour_on(c) == DARK_TEXT for c in row] for row in colours], dtype=bool)
    x, y = axes or (None, None)
    layers = []
    for font, cells in ((DARK_TEXT, where & dark), (LIGHT_TEXT, where & ~dark)):
        if cells.any():
            layers.append(go.Heatmap(z=np.zeros(texts.shape), text=fill_texts(texts, cells, width),
                                     texttemplate="%{text}", textfont=dict(color=font, size=size), showscale=False,
                                     hoverinfo="skip", xgap=1, ygap=1, zmin=0, zmax=1, colorscale=_NO_PAINT,
                                     xaxis=x, yaxis=y))
    return layers


def cell_text_layers(texts: np.ndarray, z: np.ndarray, colorscale, zmin: float, zmax: float, x, y, *,
                     width: int | None = None, size: int | None = None) -> list[go.Heatmap]:
    """number_layers for a heatmap drawn with (z, colorscale, zmin, zmax) on axes values x, y: `texts` on its
    finite cells, black or white by the colour plotly paints each one. width: the widest text (else measured)."""
    z = np.asarray(z, dtype=float)
    width = width if width is not None else max(len(str(v)) for v in np.asarray(texts).flat)
    return [layer.update(x=x, y=y) for layer in
            number_layers(texts, cell_colours(z, colorscale, zmin, zmax), np.isfinite(z), width, size=size)]


# ---------------------------------------------------------------- cached figures

def skeleton_cache(maxsize: int = 64) -> Callable:
    """Decorator: `build(*options) -> go.Figure` becomes `(*options) -> str`, that figure's JSON built once.

    One cached string per option tuple (hashable options: tuples, not lists); `cache_clear()` as lru_cache.
    """
    def decorate(build: Callable[..., go.Figure]) -> Callable[..., str]:
        @functools.lru_cache(maxsize=maxsize)
        @functools.wraps(build)
        def skeleton(*args, **kwargs) -> str:
            return build(*args, **kwargs).to_json()
        return skeleton
    return decorate


def spec_of(skeleton: str) -> dict:
    """A private, mutable copy of a cached figure: fill it in freely, nothing shared is touched."""
    return json.loads(skeleton)


def unvalidated(spec: dict, traces: Sequence[BaseTraceType] = ()) -> go.Figure:
    """The figure of a filled-in spec, plus `traces` (validated when they were made), not validated again."""
    if traces:
        spec["data"] = [*spec.get("data", []), *(trace.to_plotly_json() for trace in traces)]
    return go.Figure(spec, _validate=False)


_EMPTY_Z = ((0.0,),)


# ---------------------------------------------------------------- colour ranges

def _finite_bounds(values: np.ndarray) -> tuple[float, float]:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def colour_range(values: np.ndarray, *, symmetric: bool = False) -> tuple[float, float]:
    """(low, high) of the finite values for a colour scale, high > low; (0, 1) when none is finite.

    symmetric: ± the larger magnitude (at least 1e-6), so that 0 sits in the middle of a diverging scale.
    """
    lo, hi = _finite_bounds(values)
    if symmetric:
        lo, hi = -max(abs(lo), abs(hi), 1e-6), max(abs(lo), abs(hi), 1e-6)
    return (lo, lo + 1) if hi == lo else (lo, hi)


def own_ranges(maps: Sequence[np.ndarray]) -> list[tuple[float, float] | None]:
    """Each map on its own range: None lets plotly span the map's values; a flat map is drawn dark, not mid-scale."""
    out = []
    for m in maps:
        lo, hi = _finite_bounds(m)
        out.append((lo, lo + 1.0) if hi == lo else None)
    return out


# ---------------------------------------------------------------- one heatmap

def image_axes(fig: go.Figure, *, fixed_range: bool = False) -> None:
    """Axes for a picture: no ticks or grid, row 0 on top, square cells; fixed_range: no zooming."""
    fixed = dict(fixedrange=True) if fixed_range else {}
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain", **fixed)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed",
                     scaleanchor="x", constrain="domain", **fixed)


def heatmap(values: np.ndarray, **options) -> go.Figure:
    """One 2-D array as a square-pixel heatmap (row 0 at the top, like an image), from a cached figure.

    Options (all keywords): colorscale, zmin, zmax, height, title, showscale; cell_text: a number format
    (cnnlab.latex) that writes each value in its cell, at text_size px, for small grids where the numbers
    matter; hover: the hover template, None for none; fixed_range: no zooming; margin_top; annotations
    (plain dicts) and traces drawn on top.
    """
    return _heatmap_figure(np.asarray(values, dtype=float), **options)


def _heatmap_figure(z: np.ndarray, *, colorscale: str | tuple = IMAGE_SCALE, zmin: float | None = None,
                    zmax: float | None = None, height: int = 320, title: str | None = None,
                    showscale: bool = False, cell_text: Callable[[float], str] | None = None,
                    text_size: int | None = None, hover: str | None = CELL_HOVER, fixed_range: bool = False,
                    margin_top: int | None = None, annotations: Sequence[dict] = (),
                    traces: Sequence[BaseTraceType] = ()) -> go.Figure:
    spec = spec_of(heatmap_skeleton(colorscale, height, bool(title), showscale, hover, fixed_range, margin_top))
    trace, layout = spec["data"][0], spec["layout"]
    trace["z"] = z
    for name, bound in (("zmin", zmin), ("zmax", zmax)):
        if bound is not None:
            trace[name] = float(bound)
    if cell_text is not None:  # written by number_layers: black or white by each cell's colour
        texts = np.vectorize(cell_text, otypes=[str])(z)
        low, high = _finite_bounds(z)
        colours = cell_colours(z, colorscale, low if zmin is None else zmin, high if zmax is None else zmax)
        traces = [*number_layers(texts, colours, np.isfinite(z), max(len(x) for x in texts.flat), size=text_size),
                  *traces]
    if title:
        layout["title"]["text"] = title
    if annotations:
        layout["annotations"] = list(annotations)
    return unvalidated(spec, traces)


@skeleton_cache()
def heatmap_skeleton(colorscale: str | tuple, height: int, titled: bool, showscale: bool, hover: str | None,
                     fixed_range: bool, margin_top: int | None) -> go.Figure:
    """heatmap()'s figure with a 1×1 placeholder."""
    trace = go.Heatmap(z=_EMPTY_Z, colorscale=colorscale, showscale=showscale, hovertemplate=hover,
                       hoverinfo="skip" if hover is None else None)
    fig = go.Figure(trace)
    image_axes(fig, fixed_range=fixed_range)
    return styled(fig, height=height, title=" " if titled else None, margin_top=margin_top)


# Tiled maps are sent as one byte per pixel: levels 0-254 of the activation scale, 255 for the gaps between
# tiles (drawn white). Viridis squeezed into 0..254/255, white above it.
_GAP_LEVEL = 255
TILE_TOP_LEVEL = _GAP_LEVEL - 1  # a map's highest value
TILE_SCALE = tuple((round(i / (len(_VIRIDIS) - 1) * TILE_TOP_LEVEL / _GAP_LEVEL, 6), colour)
                   for i, colour in enumerate(_VIRIDIS)) + ((1.0, "white"),)


def tiled_maps(maps: Sequence[np.ndarray], columns: int, *, height: int | None = None,
               title: str | None = None) -> go.Figure:
    """A layer's feature maps tiled into ONE heatmap, each map on its own range (a map that did not respond is dark).

    One heatmap, not a grid of subplots (heatmap_grid), for pages that redraw it on every stroke: one trace
    to build and draw instead of 32-64, one byte per pixel. No hover values: the Network page shows a map's
    numbers. height: by default about as tall as the tiles are across a laptop-wide page.
    """
    rows = -(-len(maps) // columns)
    picture = tile(np.stack(maps), columns=columns, gap=2, normalise=True)  # 0..1, NaN between the tiles
    levels = np.where(np.isnan(picture), _GAP_LEVEL, np.round(np.nan_to_num(picture) * TILE_TOP_LEVEL))
    # About as tall as the tiles are at a laptop's width (~60 px in rows of 16, ~115 px in rows of 8): a taller
    # figure leaves empty bands above and below the square pixels.
    cell_px = 60 if columns == 16 else 115
    return _heatmap_figure(levels.astype(np.uint8), colorscale=TILE_SCALE, zmin=0, zmax=_GAP_LEVEL,
                           height=height or rows * cell_px + 20, title=title, hover=None)


# ---------------------------------------------------------------- grids of small heatmaps

def grid_figure(rows: int, cols: int, cells: tuple[tuple[int, int, str, str | None], ...], *,
                column_widths: tuple[float, ...] | None = None, cell_titles: tuple[bool, ...] | None = None,
                horizontal_spacing: float = 0.012, vertical_spacing: float = 0.02, height: int = 300,
                margin_top: int | None = None, titled: bool = False, title_size: int = 11,
                fixed_range: bool = False) -> go.Figure:
    """An empty rows×cols grid of image axes (row 0 on top, square pixels), heatmap placeholders in its cells.

    cells: one (row, col, colorscale, hovertemplate or None for no hover) per heatmap, in fill order (1-based).
    cell_titles: per grid cell (row-major), whether it gets a subplot title (filled in later, in order).
    titled: leave room for a figure title (its text is set by fill_grid); fixed_range: no zooming.
    """
    titles = [" " if flag else "" for flag in cell_titles] if cell_titles else None
    fig = make_subplots(rows=rows, cols=cols, column_widths=list(column_widths) if column_widths else None,
                        subplot_titles=titles, horizontal_spacing=horizontal_spacing,
                        vertical_spacing=vertical_spacing)
    fixed = dict(fixedrange=True) if fixed_range else {}
    axes = {}
    for i in range(1, rows * cols + 1):
        suffix = "" if i == 1 else str(i)
        axes[f"xaxis{suffix}"] = dict(showticklabels=False, showgrid=False, zeroline=False, constrain="domain", **fixed)
        axes[f"yaxis{suffix}"] = dict(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed",
                                      scaleanchor=f"x{suffix}", constrain="domain", **fixed)
    fig.update_layout(axes)  # one call for every axis: per-axis update calls cost a lot in large grids
    if cells:
        fig.add_traces([go.Heatmap(z=_EMPTY_Z, colorscale=scale, showscale=False, hovertemplate=hover,
                                   hoverinfo="skip" if hover is None else None)
                        for _r, _c, scale, hover in cells],
                       rows=[r for r, *_ in cells], cols=[c for _r, c, *_ in cells])
    fig.update_annotations(font_size=title_size)
    return styled(fig, height=height, title=" " if titled else None, margin_top=margin_top)


@skeleton_cache(maxsize=48)
def grid_skeleton(rows: int, cols: int, cells: tuple[tuple[int, int, str, str | None], ...], **options) -> go.Figure:
    """grid_figure, cached per grid shape and options (fill it with fill_grid)."""
    return grid_figure(rows, cols, cells, **options)


def fill_grid(skeleton: str, maps: Sequence[np.ndarray], *,
              ranges: Sequence[tuple[float, float] | None] | None = None, titles: Sequence[str] | None = None,
              title: str | None = None, traces: Sequence[BaseTraceType] = ()) -> go.Figure:
    """A figure made from `skeleton` (a grid's JSON) with heatmap i showing maps[i], and `traces` on top.

    Colour range ranges[i] when given (not None), else each map's own.
    """
    spec = spec_of(skeleton)
    data, layout = spec["data"], spec["layout"]
    if len(data) != len(maps):
        raise ValueError(f"the grid has {len(data)} cells, got {len(maps)} maps")
    for i, (trace, values) in enumerate(zip(data, maps, strict=True)):
        trace["z"] = np.asarray(values)
        if ranges is not None and ranges[i] is not None:
            trace["zmin"], trace["zmax"] = (float(v) for v in ranges[i])
    if titles:
        for annotation, text in zip(layout.get("annotations", []), titles, strict=False):
            annotation["text"] = text
    if title:
        layout["title"]["text"] = title
    return unvalidated(spec, traces)


def heatmap_grid(maps: Sequence[np.ndarray], *, titles: Sequence[str] | None = None, columns: int = 8,
                 colorscale: str = ACTIVATION_SCALE, shared_scale: bool = False, cell_px: int = 110,
                 title: str | None = None, ranges: Sequence[tuple[float, float] | None] | None = None,
                 fixed_range: bool = False, traces: Sequence[BaseTraceType] = ()) -> go.Figure:
    """Several 2-D arrays (feature maps, kernels) as a grid of small heatmaps, `traces` on top.

    shared_scale=True puts every map on one colour range so they can be compared; otherwise each map
    uses its own range, which shows each map's pattern best (or ranges[i], when given and not None).
    """
    count = len(maps)
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns) if count else 1
    # Subplot titles sit above each row's cells: leave room for the first row's.
    top = (40 if title else 10) + (18 if titles else 0)
    skeleton = grid_skeleton(rows, columns, tuple((i // columns + 1, i % columns + 1, colorscale, VALUE_HOVER)
                                                  for i in range(count)),
                             cell_titles=tuple(i < count for i in range(rows * columns)) if titles else None,
                             vertical_spacing=0.06 if titles else 0.02, height=int(rows * cell_px + top),
                             margin_top=top, titled=bool(title), fixed_range=fixed_range)
    if maps and shared_scale:
        ranges = [colour_range(np.concatenate([np.ravel(m) for m in maps]))] * count
    # float32: the same picture as float64, in about half the JSON sent to the browser
    return fill_grid(skeleton, [np.asarray(m, dtype=np.float32) for m in maps], ranges=ranges,
                     titles=list(titles) if titles else None, title=title, traces=traces)


# ---------------------------------------------------------------- outlines and clickable cells

def box_path(boxes: Sequence[tuple[int, int, int, int]], margin: float = 0.5) -> tuple[list, list]:
    """Closed rectangles as one line path with gaps: each box (top, left, bottom, right) in inclusive cell indices.

    The line runs `margin` outside the outer cells' centres: 0.5 follows the cells' borders.
    """
    xs, ys = [], []
    for top, left, bottom, right in boxes:
        xs += [left - margin, right + margin, right + margin, left - margin, left - margin, None]
        ys += [top - margin, top - margin, bottom + margin, bottom + margin, top - margin, None]
    return xs, ys


def highlight(boxes: Sequence[tuple[int, int, int, int]], *, margin: float = 0.5, width: float = 3,
              fill: bool = False, name: str | None = None, axes: tuple[str, str] | None = None) -> list[go.Scatter]:
    """The accent outline (outline_trace) on a wider white halo: its light-dark edge marks the cells on any
    colour scale and for any colour vision (orange alone vanishes on viridis' yellows for many viewers)."""
    halo = outline_trace(boxes, margin=margin, color=HALO, width=width + 3, axes=axes)
    return [halo, outline_trace(boxes, margin=margin, width=width, fill=fill, name=name, axes=axes)]


def outline_trace(boxes: Sequence[tuple[int, int, int, int]], *, margin: float = 0.5, color: str = ACCENT,
                  width: float = 3, dash: str | None = None, fill: bool = False, name: str | None = None,
                  axes: tuple[str, str] | None = None) -> go.Scatter:
    """Rectangles around cells (box_path), a scatter line trace (far faster than layout shapes).

    fill: the accent, see-through, inside; axes: the subplot's axes ("x2", "y2"), else the first.
    """
    xs, ys = box_path(boxes, margin)
    x, y = axes or (None, None)
    return go.Scatter(x=xs, y=ys, xaxis=x, yaxis=y, mode="lines", name=name,
                      line=dict(color=color, width=width, dash=dash),
                      fill="toself" if fill else None, fillcolor=ACCENT_FILL if fill else None,
                      hoverinfo="skip", showlegend=False)


def click_targets(shape: tuple[int, int], *, size: float, prefix: Sequence[int] = (), values: np.ndarray | None = None,
                  hovertext: Sequence[str] | None = None, hovertemplate: str | None = None,
                  axes: tuple[str, str] | None = None) -> go.Scatter:
    """Invisible square markers on the cells' centres, so that a click selects a cell (plotly selects points
    of scatter traces, not heatmap cells). Each marker's customdata is [*prefix, row, col] (+ its value when
    `values` are given), read back by `selected_cell`. Hover: text per cell (row-major) or a template."""
    rows, cols = np.indices(shape)
    columns = [np.full(rows.size, p) for p in prefix] + [rows.ravel(), cols.ravel()]
    if values is not None:
        columns.append(np.ravel(values))
    # a plain list, not an array: plotly.js would hold a typed array, which reaches Python as {"0": .., "1": ..}
    custom = np.stack(columns, axis=1).tolist()
    x, y = axes or (None, None)
    hoverinfo = "text" if hovertext else ("skip" if hovertemplate is None else None)
    return go.Scatter(x=cols.ravel(), y=rows.ravel(), xaxis=x, yaxis=y, mode="markers", name="cells", customdata=custom,
                      marker=dict(symbol="square", size=size, color="rgba(0,0,0,0)"), hovertext=hovertext,
                      hovertemplate=hovertemplate, hoverinfo=hoverinfo, showlegend=False,
                      selected=dict(marker=dict(opacity=1)), unselected=dict(marker=dict(opacity=1)))


def selected_cell(event: dict | None, count: int = 2) -> tuple[int, ...] | None:
    """The first `count` customdata numbers (click_targets: [*prefix, row, col]) of the point a chart's
    selection event holds, as ints; None when nothing (usable) is selected. The event comes from the browser:
    a value of another shape or type is nothing usable (callers clamp the numbers to their shapes)."""
    try:
        points = ((event or {}).get("selection") or {}).get("points") or []
        data = points[0].get("customdata") if points else None
        if isinstance(data, dict):  # a typed array arrives keyed by index
            data = [data.get(str(i)) for i in range(min(len(data), count))]
        if not data or len(data) < count or any(v is None or isinstance(v, str) for v in data[:count]):
            return None
        return tuple(int(v) for v in data[:count])
    except (AttributeError, TypeError, ValueError, OverflowError, KeyError, IndexError):
        return None


# ---------------------------------------------------------------- bars and lines

def bar_chart(labels: Sequence[str], values: Sequence[float], *, highlight: int | None = None,
              height: int = 280, title: str | None = None, value_format: str = ".0%",
              yaxis_title: str | None = None, xaxis_title: str | None = None,
              value_range: tuple[float, float] | None = None, tick_format: str | None = None,
              show_values: bool = True, upright_labels: bool = False,
              labels_inside: Sequence[bool] | None = None) -> go.Figure:
    """Bars in the palette's first colour, the `highlight` bar in the accent colour, from a cached chart.

    Each value is written above its bar in `value_format` (none when `show_values` is False).
    upright_labels: written upright at one size (never shrunk to a narrow bar's width), inside the bar's
    top where labels_inside[i] is true, above it otherwise (a label clipped inside a short bar is unreadable).
    """
    spec = spec_of(bar_skeleton(height, bool(title), value_format, yaxis_title, xaxis_title, tick_format,
                                show_values, upright_labels))
    trace, layout = spec["data"][0], spec["layout"]
    trace["x"], trace["y"] = [str(label) for label in labels], np.asarray(values, dtype=float).tolist()
    trace["marker"]["color"] = [ACCENT if i == highlight else PALETTE[0] for i in range(len(trace["x"]))]
    if labels_inside is not None:
        trace["textposition"] = ["inside" if inside else "outside" for inside in labels_inside]
    if value_range is not None:
        layout.setdefault("yaxis", {})["range"] = [float(v) for v in value_range]
    if title:
        layout["title"]["text"] = title
    return unvalidated(spec)


@skeleton_cache()
def bar_skeleton(height: int, titled: bool, value_format: str, yaxis_title: str | None, xaxis_title: str | None,
                 tick_format: str | None, show_values: bool, upright_labels: bool) -> go.Figure:
    """bar_chart()'s chart without bars."""
    bars = go.Bar(x=[], y=[], marker_color=[], texttemplate=f"%{{y:{value_format}}}" if show_values else "",
                  textposition="outside", hovertemplate=f"%{{x}}: %{{y:{value_format}}}<extra></extra>")
    if upright_labels:
        bars.update(insidetextanchor="end", textangle=-90, cliponaxis=False,
                    insidetextfont=dict(size=15, color="white"), outsidetextfont=dict(size=15))
    fig = go.Figure(bars)
    fig.update_yaxes(title=yaxis_title, tickformat=tick_format)
    fig.update_xaxes(type="category", **({} if xaxis_title is None else {"title": xaxis_title}))
    if upright_labels:
        fig.update_layout(uniformtext=dict(minsize=13, mode="show"))
    return styled(fig, height=height, title=" " if titled else None)


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
