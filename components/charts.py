"""The one chart style: every plotly figure in the app goes through `styled()`.

Heatmaps (images, kernels, feature maps) share one colour scale per meaning:
grey for images (ink is bright, as the network sees it), a diverging scale for
signed values such as kernels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

FONT = "Noto Sans KR, Source Sans Pro, sans-serif"
ACCENT = "#e4572e"  # highlights: the current window, the predicted class
PALETTE = ["#3266c8", "#e4572e", "#29a36a", "#f2a541", "#7d5ba6", "#2ab7ca"]
IMAGE_SCALE = "gray"
SIGNED_SCALE = "RdBu_r"
ACTIVATION_SCALE = "Viridis"


def styled(fig: go.Figure, *, height: int | None = None, title: str | None = None) -> go.Figure:
    """Apply the app's look: white background, compact margins, readable fonts."""
    fig.update_layout(
        template="plotly_white",
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
    """
    values = np.asarray(values, dtype=float)
    trace = go.Heatmap(z=values, colorscale=colorscale, zmin=zmin, zmax=zmax, showscale=showscale,
                       hovertemplate="row %{y}, col %{x}: %{z:.3g}<extra></extra>")
    if text:
        trace.update(text=np.vectorize(lambda v: f"{v:.3g}")(values), texttemplate="%{text}")
    fig = go.Figure(trace)
    _image_axes(fig)
    return styled(fig, height=height, title=title)


def heatmap_grid(maps: Sequence[np.ndarray], *, titles: Sequence[str] | None = None, columns: int = 8,
                 colorscale: str = ACTIVATION_SCALE, shared_scale: bool = False,
                 cell_px: int = 110, title: str | None = None) -> go.Figure:
    """Several 2-D arrays (feature maps, kernels) as a grid of small heatmaps.

    shared_scale=True puts every map on one colour range so they can be compared;
    otherwise each map uses its own range, which shows each map's pattern best.
    """
    count = len(maps)
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns) if count else 1
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=list(titles) if titles else None,
                        horizontal_spacing=0.012, vertical_spacing=0.06 if titles else 0.02)
    lo = float(min(np.min(m) for m in maps)) if (maps and shared_scale) else None
    hi = float(max(np.max(m) for m in maps)) if (maps and shared_scale) else None
    for i, m in enumerate(maps):
        fig.add_trace(go.Heatmap(z=np.asarray(m, dtype=float), colorscale=colorscale, zmin=lo, zmax=hi,
                                 showscale=False, hovertemplate="%{z:.3g}<extra></extra>"),
                      row=i // columns + 1, col=i % columns + 1)
    _image_axes(fig)
    fig.update_annotations(font_size=11)
    # Subplot titles sit above each row's cells: leave room for the first row's.
    top = (40 if title else 10) + (18 if titles else 0)
    styled(fig, height=int(rows * cell_px + top), title=title)
    fig.update_layout(margin_t=top)
    return fig


def bar_chart(labels: Sequence[str], values: Sequence[float], *, highlight: int | None = None,
              height: int = 280, title: str | None = None, value_format: str = ".0%",
              yaxis_title: str | None = None) -> go.Figure:
    """Bars in the palette's first colour; the `highlight` bar in the accent colour."""
    colors = [ACCENT if i == highlight else PALETTE[0] for i in range(len(values))]
    fig = go.Figure(go.Bar(x=list(labels), y=list(values), marker_color=colors,
                           texttemplate=f"%{{y:{value_format}}}", textposition="outside",
                           hovertemplate=f"%{{x}}: %{{y:{value_format}}}<extra></extra>"))
    fig.update_yaxes(title=yaxis_title)
    fig.update_xaxes(type="category")
    return styled(fig, height=height, title=title)


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


PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
