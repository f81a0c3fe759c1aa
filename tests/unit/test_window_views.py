"""number_grid puts validated traces on a cached layout: it must draw what plotly's own construction draws."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from cnnlab import latex
from components import charts
from components import window_views as wv


def _plain_number_grid(values, *, pad_mask=None, outline=(), fill=(), inner_box=None, colorscale=wv.GRID_SCALE,
                       symmetric=False, height=320, title=None, cell_hover=None, selectable=False):
    """number_grid as it was built before its cached layout: every property set through plotly."""
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
    fill_mask = np.zeros(values.shape, bool)
    if fill:
        fill_mask[tuple(zip(*fill, strict=True))] = True
    fig = go.Figure(go.Heatmap(z=shown, text=np.where(pad_mask | fill_mask, "", texts).tolist(), texttemplate="%{text}",
                               colorscale=colorscale, zmin=lo, zmax=hi, showscale=False, xgap=1, ygap=1,
                               hoverinfo="skip" if selectable else None,
                               hovertemplate=None if selectable else "row %{y}, col %{x}<extra></extra>"))
    if pad_mask.any():
        fig.add_trace(wv._text_layer(pad_mask, texts, wv.PAD_COLOUR, "#5b6270"))
    if fill:
        fig.add_trace(wv._text_layer(fill_mask, texts, charts.ACCENT, "white"))
    if outline:
        xs, ys = wv._rect_paths([(r, c, 0.46, 0.46) for r, c in outline])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=wv.WINDOW_TRACE, line=dict(color=charts.ACCENT, width=3),
                                 hoverinfo="skip", showlegend=False))
    if inner_box is not None:
        top, left, h, w = inner_box
        xs, ys = wv._rect_paths([(top + (h - 1) / 2, left + (w - 1) / 2, h / 2, w / 2)])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#1f2430", width=1.5, dash="dash"),
                                 hoverinfo="skip", showlegend=False))
    if selectable:
        fig.add_trace(wv._click_targets(values.shape, cell_hover))
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, range=[-0.5, values.shape[1] - 0.5],
                     constrain="domain", fixedrange=True)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, range=[values.shape[0] - 0.5, -0.5],
                     scaleanchor="x", constrain="domain", fixedrange=True)
    fig = charts.styled(fig, height=height, title=title)
    fig.update_layout(font_size=wv.MAX_TEXT_PX, plot_bgcolor=wv.PAD_COLOUR,
                      clickmode="event+select" if selectable else None, dragmode=False if selectable else None)
    return fig


PADDED = np.pad(np.arange(12, dtype=float).reshape(3, 4), 1)
PAD_MASK = np.pad(np.zeros((3, 4), bool), 1, constant_values=True)


@pytest.mark.parametrize("options", [
    {},
    {"pad_mask": PAD_MASK, "outline": [(0, 0), (0, 1), (1, 0), (1, 1)], "inner_box": (1, 1, 3, 4), "title": "input"},
    {"fill": [(2, 3)], "selectable": True, "cell_hover": [f"cell {i}" for i in range(30)], "height": 440},
    {"symmetric": True, "colorscale": charts.SIGNED_SCALE, "title": "커널"},
])
def test_number_grid_equals_plotlys_own_construction(options):
    values = PADDED - 5.5 if options.get("symmetric") else PADDED
    fast, plain = wv.number_grid(values, **options), _plain_number_grid(values, **options)
    assert json.loads(fast.to_json()) == json.loads(plain.to_json())


def test_number_grids_of_two_shapes_from_one_cached_layout_keep_their_own_axes():
    small = wv.number_grid(np.ones((2, 3)), title="a")
    large = wv.number_grid(np.ones((9, 9)), title="b")
    assert small.layout.xaxis.range == (-0.5, 2.5) and small.layout.yaxis.range == (1.5, -0.5)
    assert large.layout.xaxis.range == (-0.5, 8.5) and large.layout.title.text == "b"
    assert small.layout.title.text == "a"
