"""number_grid puts validated traces on a cached layout: it must draw what plotly's own construction draws."""

from __future__ import annotations

import json

import numpy as np
import plotly.colors
import plotly.graph_objects as go

from cnnlab import latex
from components import charts
from components import window_views as wv
from tests.unit.plotly_reference import numbers, ratio

PADDED = np.pad(np.arange(12, dtype=float).reshape(3, 4), 1)  # 5×6: the numbers 0..11 inside a border of zeros
PAD_MASK = np.pad(np.zeros((3, 4), bool), 1, constant_values=True)
TEXTS = np.vectorize(latex.grid_number, otypes=[str])(PADDED)


def _plotly_number_grid(z, texts, where, *, zmin, zmax, colorscale="Blues", layers=(), height=320, title=None,
                        selectable=False):
    """A number grid built the slow way: a validated heatmap, its numbers in the cells `where` (_numbers),
    `layers` on top, square cells on fixed axes, the app's look."""
    fig = go.Figure(go.Heatmap(z=z, colorscale=colorscale, zmin=zmin, zmax=zmax,
                               showscale=False, xgap=1, ygap=1, hoverinfo="skip" if selectable else None,
                               hovertemplate=None if selectable else "row %{y}, col %{x}<extra></extra>"))
    fig.add_traces(numbers(z, texts, where, zmin=zmin, zmax=zmax, colorscale=colorscale) + list(layers))
    rows, cols = np.shape(z)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, range=[-0.5, cols - 0.5],
                     constrain="domain", fixedrange=True)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, range=[rows - 0.5, -0.5],
                     scaleanchor="x", constrain="domain", fixedrange=True)
    charts.styled(fig, height=height, title=title)
    fig.update_layout(font_size=22, plot_bgcolor="#d9dde5", clickmode="event+select" if selectable else None,
                      dragmode=False if selectable else None)
    return fig


def _coloured_cells(mask, colour, font_colour):
    """Cells filled with one colour, their numbers written in white or grey: a heatmap over just those cells."""
    blank = "\u00a0" * max(len(text) for text in TEXTS.flat)
    return go.Heatmap(z=np.where(mask, 1.0, np.nan), text=np.where(mask, TEXTS, blank).tolist(), texttemplate="%{text}",
                      colorscale=[[0, colour], [1, colour]], showscale=False, xgap=1, ygap=1, hoverinfo="skip",
                      textfont=dict(color=font_colour))


def _same(a: go.Figure, b: go.Figure) -> None:
    assert json.loads(a.to_json()) == json.loads(b.to_json())


def test_a_padded_input_with_its_window_and_the_original_framed():
    fast = wv.number_grid(PADDED, pad_mask=PAD_MASK, outline=[(0, 0), (0, 1), (1, 0), (1, 1)],
                          inner_box=(1, 1, 3, 4), title="input")
    window = go.Scatter(x=[-0.46, 0.46, 0.46, -0.46, -0.46, None, 0.54, 1.46, 1.46, 0.54, 0.54, None,
                           -0.46, 0.46, 0.46, -0.46, -0.46, None, 0.54, 1.46, 1.46, 0.54, 0.54, None],
                        y=[-0.46, -0.46, 0.46, 0.46, -0.46, None, -0.46, -0.46, 0.46, 0.46, -0.46, None,
                           0.54, 0.54, 1.46, 1.46, 0.54, None, 0.54, 0.54, 1.46, 1.46, 0.54, None],
                        mode="lines", name="window", line=dict(color="#c2410c", width=3), hoverinfo="skip",
                        showlegend=False)
    halo = go.Scatter(x=window.x, y=window.y, mode="lines", line=dict(color="white", width=6), hoverinfo="skip",
                      showlegend=False)
    frame = go.Scatter(x=[0.5, 4.5, 4.5, 0.5, 0.5, None], y=[0.5, 0.5, 3.5, 3.5, 0.5, None], mode="lines",
                       line=dict(color="#1f2430", width=1.5, dash="dash"), hoverinfo="skip", showlegend=False)
    plain = _plotly_number_grid(np.where(PAD_MASK, np.nan, PADDED), TEXTS, ~PAD_MASK,
                                zmin=0.0, zmax=11.0, title="input",
                                layers=[_coloured_cells(PAD_MASK, "#d9dde5", "#4a5160"), halo, window, frame])
    _same(fast, plain)


def test_a_clickable_output_with_its_cell_filled():
    hover = [f"cell {i}" for i in range(30)]
    fast = wv.number_grid(PADDED, fill=[(2, 3)], selectable=True, cell_hover=hover, height=440)
    filled = np.zeros(PADDED.shape, bool)
    filled[2, 3] = True
    rows, cols = np.indices(PADDED.shape)
    targets = go.Scatter(x=cols.ravel(), y=rows.ravel(), mode="markers", name="cells",
                         customdata=[[r, c] for r in range(5) for c in range(6)],
                         marker=dict(symbol="square", size=28, color="rgba(0,0,0,0)"), hovertext=hover,
                         hoverinfo="text", showlegend=False, selected=dict(marker=dict(opacity=1)),
                         unselected=dict(marker=dict(opacity=1)))
    plain = _plotly_number_grid(PADDED, TEXTS, ~filled, zmin=0.0, zmax=11.0, height=440,
                                selectable=True, layers=[_coloured_cells(filled, "#c2410c", "#ffffff"), targets])
    _same(fast, plain)


def test_signed_values_sit_on_a_range_symmetric_around_zero():
    values = PADDED - 5.5
    texts = np.vectorize(latex.grid_number, otypes=[str])(values)
    everywhere = np.ones(values.shape, bool)
    _same(wv.number_grid(values, symmetric=True, colorscale=charts.SIGNED_SCALE, title="커널"),
          _plotly_number_grid(values, texts, everywhere, zmin=-5.5, zmax=5.5, colorscale="RdBu_r", title="커널"))
    flat = np.ones((2, 2))
    _same(wv.number_grid(flat), _plotly_number_grid(flat, np.full((2, 2), "1"), np.ones((2, 2), bool), zmin=1.0,
                                                    zmax=2.0))


def test_every_number_is_written_at_least_4_5_to_1_on_its_cell():
    """Dark or white by the cell's colour: every grid number keeps WCAG AA contrast, on any of the scales."""
    values = np.linspace(-1, 1, 121).reshape(11, 11)
    for scale, symmetric in ((wv.GRID_SCALE, False), (charts.SIGNED_SCALE, True), ("Greys", False)):
        fig = wv.number_grid(values, colorscale=scale, symmetric=symmetric)
        lo, hi = (-1.0, 1.0)
        paint = [list(step) for step in go.Heatmap(colorscale=scale).colorscale]
        for layer in fig.data[1:]:
            font = plotly.colors.hex_to_rgb(layer.textfont.color)
            for (r, c), text in np.ndenumerate(np.array(layer.text)):
                if text.strip():
                    level = (values[r, c] - lo) / (hi - lo)
                    cell = plotly.colors.unlabel_rgb(plotly.colors.sample_colorscale(paint, [level])[0])
                    assert ratio(font, cell) >= 4.5, (scale, text, font, cell)


def test_number_grids_of_two_shapes_from_one_cached_layout_keep_their_own_axes():
    small = wv.number_grid(np.ones((2, 3)), title="a")
    large = wv.number_grid(np.ones((9, 9)), title="b")
    assert small.layout.xaxis.range == (-0.5, 2.5) and small.layout.yaxis.range == (1.5, -0.5)
    assert large.layout.xaxis.range == (-0.5, 8.5) and large.layout.title.text == "b"
    assert small.layout.title.text == "a"


def test_the_window_figure_frames_the_original_input_inside_the_padding():
    from cnnlab import step_through

    step = step_through.conv_step(np.arange(12, dtype=np.float32).reshape(3, 4), np.ones((3, 3), np.float32), 0, 1,
                                  padding="same")
    fig = wv.window_figure(step, (3, 4))
    frame = next(trace for trace in fig.data if trace.type == "scatter" and trace.line.dash == "dash")
    assert list(frame.x[:5]) == [0.5, 4.5, 4.5, 0.5, 0.5] and list(frame.y[:5]) == [0.5, 0.5, 3.5, 3.5, 0.5]
    window = next(trace for trace in fig.data if trace.name == wv.WINDOW_TRACE)
    centres = {(round((window.y[i] + window.y[i + 2]) / 2), round((window.x[i] + window.x[i + 1]) / 2))
               for i in range(0, len(window.x), 6)}
    assert centres == {(r, c) for r in range(3) for c in range(1, 4)}  # output (0, 1) reads padded rows 0-2, cols 1-3
