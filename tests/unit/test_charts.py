"""Grids of heatmaps come from a cached layout: the maps filled in, the cached layout never changed."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from components import charts
from tests.unit.plotly_reference import numbers


def test_grid_from_cached_skeleton_shows_each_map_and_leaves_the_cache_untouched():
    rng = np.random.default_rng(1)
    first = [rng.random((5, 5)) for _ in range(5)]
    second = [rng.random((5, 5)) for _ in range(5)]
    a = charts.heatmap_grid(first, titles=list("abcde"), columns=3, ranges=[None, (0.0, 9.0), None, None, None])
    b = charts.heatmap_grid(second, titles=list("vwxyz"), columns=3, title="T")
    for fig, maps in ((a, first), (b, second)):
        assert len(fig.data) == 5
        for trace, m in zip(fig.data, maps, strict=True):
            np.testing.assert_allclose(trace.z, m, rtol=1e-6)
    assert [ann.text for ann in a.layout.annotations] == list("abcde")
    assert [ann.text for ann in b.layout.annotations] == list("vwxyz") and b.layout.title.text == "T"
    assert (a.data[1].zmin, a.data[1].zmax) == (0.0, 9.0) and a.data[0].zmin is None
    # rows of 3: the 5 maps sit in cells 1-5, each y axis square to its own x axis, row 0 on top
    assert [tr.xaxis for tr in a.data] == ["x", "x2", "x3", "x4", "x5"]
    assert a.layout.yaxis5.scaleanchor == "x5" and a.layout.yaxis5.autorange == "reversed"
    # the shared skeleton still holds placeholders, not either caller's data
    cached = charts.grid_skeleton(2, 3, tuple((i // 3 + 1, i % 3 + 1, charts.ACTIVATION_SCALE, "%{z:.3g}<extra></extra>")
                                              for i in range(5)),
                                  cell_titles=tuple(i < 5 for i in range(6)), vertical_spacing=0.06,
                                  height=int(2 * 110 + 28), margin_top=28, titled=False)
    spec = json.loads(cached)
    assert all(np.asarray(tr["z"]).shape == (1, 1) for tr in spec["data"])
    assert all(ann["text"] == " " for ann in spec["layout"]["annotations"])


def test_filled_grid_equals_the_same_figure_built_with_plotly_validation():
    """fill_grid skips plotly's validation (the spec came from a validated figure): the result must not differ."""
    rng = np.random.default_rng(2)
    maps = [rng.random((4, 6)).astype(np.float32) for _ in range(7)]
    fig = charts.heatmap_grid(maps, titles=[f"m{i}" for i in range(7)], columns=4, title="grid",
                              ranges=[(0.0, 2.0)] + [None] * 6)
    validated = go.Figure(json.loads(fig.to_json()))
    assert json.loads(fig.to_json()) == json.loads(validated.to_json())
    assert fig.data[0].type == "heatmap" and fig.layout.title.text == "grid" and fig.data[0].zmax == 2.0


def test_shared_scale_puts_every_map_on_one_range():
    maps = [np.zeros((3, 3)), np.full((3, 3), 4.0)]
    fig = charts.heatmap_grid(maps, shared_scale=True)
    assert [(tr.zmin, tr.zmax) for tr in fig.data] == [(0.0, 4.0), (0.0, 4.0)]


# --- heatmap and bar_chart are filled into cached empty figures: they must equal plotly's own construction

def _plotly_heatmap(z, *, colorscale="gray", zmin=None, zmax=None, height=320, title=None, showscale=False,
                    text=None, text_size=None, hover="row %{y}, col %{x}: %{z:.3g}<extra></extra>",
                    fixed_range=False, margin_top=None, annotations=(), traces=()):
    """The heatmap built the slow way: every property set, and validated, by plotly."""
    fig = go.Figure(go.Heatmap(z=z, colorscale=colorscale, zmin=zmin, zmax=zmax, showscale=showscale,
                               hovertemplate=hover, hoverinfo="skip" if hover is None else None))
    fixed = dict(fixedrange=True) if fixed_range else {}
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain", **fixed)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, autorange="reversed", scaleanchor="x",
                     constrain="domain", **fixed)
    charts.styled(fig, height=height, title=title)
    if margin_top is not None:
        fig.update_layout(margin_t=margin_top)
    if annotations:
        fig.update_layout(annotations=list(annotations))
    if text is not None:  # black or white by each cell's colour (tests/unit/plotly_reference.py)
        z = np.asarray(z, dtype=float)
        fig.add_traces(numbers(z, np.array(text), np.isfinite(z), zmin=np.nanmin(z) if zmin is None else zmin,
                               zmax=np.nanmax(z) if zmax is None else zmax, colorscale=colorscale, size=text_size))
    fig.add_traces(list(traces))
    return fig


def _same(a: go.Figure, b: go.Figure) -> None:
    assert json.loads(a.to_json()) == json.loads(b.to_json())


def test_heatmap_equals_plotlys_own_construction_for_every_option():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(5, 7))
    three_digits = [[f"{v:.3g}" for v in row] for row in values]
    _same(charts.heatmap(values), _plotly_heatmap(values))
    _same(charts.heatmap(values, zmin=0, zmax=1, title="the model sees", height=170),
          _plotly_heatmap(values, zmin=0.0, zmax=1.0, title="the model sees", height=170))
    _same(charts.heatmap(values, colorscale=charts.SIGNED_SCALE, zmin=-2.5, zmax=2.5, showscale=True,
                         cell_text=lambda v: f"{v:.3g}"),
          _plotly_heatmap(values, colorscale="RdBu_r", zmin=-2.5, zmax=2.5, showscale=True, text=three_digits))
    box = go.Scatter(x=[0.5, 1.5, 1.5, 0.5, 0.5], y=[0.5, 0.5, 1.5, 1.5, 0.5], mode="lines")
    _same(charts.heatmap(values, title="제목", cell_text=lambda v: f"{v:.2f}", text_size=15, hover=None,
                         fixed_range=True, traces=[box]),
          _plotly_heatmap(values, title="제목", text=[[f"{v:.2f}" for v in row] for row in values], text_size=15,
                          hover=None, fixed_range=True, traces=[box]))
    notes = [dict(text="<b>✓ 7</b> 99%", x=13.5, y=-0.5, xref="x", yref="y", yanchor="bottom", showarrow=False,
                  font=dict(size=15, color="#1f8a4c"))]
    _same(charts.heatmap(values, hover=None, margin_top=70, annotations=notes, title="stream"),
          _plotly_heatmap(values, hover=None, margin_top=70, annotations=notes, title="stream"))
    # a second figure from the same cached skeleton shows its own values, not the first one's
    other = rng.normal(size=(5, 7))
    _same(charts.heatmap(other, cell_text=lambda v: f"{v:.3g}"),
          _plotly_heatmap(other, text=[[f"{v:.3g}" for v in row] for row in other]))


def test_a_skeleton_is_built_once_and_never_changed_by_the_figures_filled_from_it():
    calls = []

    @charts.skeleton_cache(maxsize=4)
    def skeleton(height: int) -> go.Figure:
        calls.append(height)
        return charts.styled(go.Figure(go.Heatmap(z=[[0.0]])), height=height)

    first = skeleton(200)
    spec = charts.spec_of(skeleton(200))
    spec["data"][0]["z"] = [[1.0, 2.0]]
    spec["layout"]["height"] = 999
    assert calls == [200] and skeleton(200) is first, "one build per option tuple, one shared string"
    assert json.loads(first)["data"][0]["z"] == [[0.0]] and json.loads(first)["layout"]["height"] == 200
    filled = charts.unvalidated(spec, [go.Scatter(x=[0], y=[0])])
    assert [trace.type for trace in filled.data] == ["heatmap", "scatter"] and filled.layout.height == 999
    skeleton.cache_clear()
    skeleton(200)
    assert calls == [200, 200]


def _plain_bar(labels, values, *, highlight=None, height=280, title=None, value_format=".0%", yaxis_title=None,
               xaxis_title=None, value_range=None, tick_format=None, show_values=True, upright_labels=False,
               labels_inside=None):
    """The bar chart built the slow way: plotly's own updates after the chart."""
    colors = [charts.ACCENT if i == highlight else charts.PALETTE[0] for i in range(len(values))]
    fig = go.Figure(go.Bar(x=list(labels), y=list(values), marker_color=colors,
                           texttemplate=f"%{{y:{value_format}}}", textposition="outside",
                           hovertemplate=f"%{{x}}: %{{y:{value_format}}}<extra></extra>"))
    fig.update_yaxes(title=yaxis_title)
    fig.update_xaxes(type="category")
    fig = charts.styled(fig, height=height, title=title)
    if value_range is not None:
        fig.update_yaxes(range=list(value_range), tickformat=tick_format)
    if not show_values:
        fig.update_traces(texttemplate="")
    if xaxis_title is not None:
        fig.update_xaxes(title=xaxis_title)
    if upright_labels:
        fig.update_traces(textposition=["inside" if inside else "outside" for inside in labels_inside],
                          insidetextanchor="end", textangle=-90, cliponaxis=False,
                          insidetextfont=dict(size=15, color="white"), outsidetextfont=dict(size=15))
        fig.update_layout(uniformtext=dict(minsize=13, mode="show"))
    return fig


def test_bar_chart_equals_plotlys_own_construction_and_highlights_one_bar():
    labels, values = [str(d) for d in range(10)], np.linspace(0.01, 0.9, 10)
    for options in ({}, {"highlight": 7, "title": "probabilities", "height": 230},
                    {"highlight": 2, "value_format": ".2f", "yaxis_title": "activation"},
                    {"highlight": 3, "title": "확률", "height": 230, "value_range": (0, 1.18), "tick_format": ".0%"},
                    {"value_format": ".2f", "yaxis_title": "activation", "xaxis_title": "unit", "show_values": False},
                    {"highlight": 0, "value_format": ".1%", "value_range": (0.2, 1.0), "tick_format": ".0%",
                     "upright_labels": True, "labels_inside": [v > 0.3 for v in values]}):
        _same(charts.bar_chart(labels, values, **options), _plain_bar(labels, values, **options))
    fig = charts.bar_chart(["a", "b", "c"], [1, 2, 3], highlight=1)
    assert list(fig.data[0].marker.color) == [charts.PALETTE[0], charts.ACCENT, charts.PALETTE[0]]


def test_colour_ranges_span_the_finite_values_and_never_collapse():
    values = np.array([[np.nan, -2.0], [np.inf, 0.5]])
    assert charts.colour_range(values) == (-2.0, 0.5)
    assert charts.colour_range(values, symmetric=True) == (-2.0, 2.0)
    assert charts.colour_range(np.full((2, 2), 3.0)) == (3.0, 4.0), "a flat map still gets a range"
    assert charts.colour_range(np.full((2, 2), np.nan)) == (0.0, 1.0)
    assert charts.colour_range(np.zeros((2, 2)), symmetric=True) == (-1e-6, 1e-6)
    assert charts.own_ranges([values, np.full((2, 2), 3.0)]) == [None, (3.0, 4.0)]


def test_a_clicked_cell_is_read_back_from_its_markers_customdata():
    targets = charts.click_targets((2, 3), size=10, prefix=(4, 7), values=np.arange(6.0).reshape(2, 3))
    assert list(targets.x) == [0, 1, 2, 0, 1, 2] and list(targets.y) == [0, 0, 0, 1, 1, 1]
    clicked = list(targets.customdata[5])  # row 1, column 2
    assert clicked == [4, 7, 1, 2, 5.0]
    event = {"selection": {"points": [{"x": 2, "y": 1, "customdata": clicked}]}}
    assert charts.selected_cell(event, 4) == (4, 7, 1, 2)
    # plotly.js may hand a typed array back keyed by index
    as_typed = {"selection": {"points": [{"customdata": {str(i): v for i, v in enumerate(clicked)}}]}}
    assert charts.selected_cell(as_typed, 4) == (4, 7, 1, 2)
    assert charts.selected_cell({"selection": {"points": []}}) is None and charts.selected_cell(None) is None
    assert charts.selected_cell({"selection": {"points": [{"customdata": [1]}]}}) is None


def test_boxes_are_drawn_around_inclusive_cell_corners():
    xs, ys = charts.box_path([(1, 2, 3, 2)])
    assert xs == [1.5, 2.5, 2.5, 1.5, 1.5, None] and ys == [0.5, 0.5, 3.5, 3.5, 0.5, None]
    trace = charts.outline_trace([(0, 0, 0, 0)], margin=0.46, fill=True, axes=("x3", "y3"))
    assert (trace.xaxis, trace.yaxis, trace.fill, trace.hoverinfo) == ("x3", "y3", "toself", "skip")
    assert list(trace.x[:2]) == [-0.46, 0.46]


def test_tiled_maps_show_each_map_on_its_own_range_in_one_heatmap():
    rng = np.random.default_rng(4)
    maps = [rng.random((5, 5)) * (i + 1) for i in range(19)] + [np.full((5, 5), 3.0)]  # the last one is flat
    fig = charts.tiled_maps(maps, columns=16)
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap" and fig.data[0].hoverinfo == "skip"
    z = np.asarray(fig.data[0].z)
    assert z.dtype == np.uint8 and z.shape == (2 * 5 + 2, 16 * 5 + 15 * 2)  # 2 rows of 16 tiles, 2-pixel gaps
    second = z[0:5, 7:12].astype(float)  # map 1: top row, second tile, levels 0..254 of its own range
    np.testing.assert_allclose(second / 254, (maps[1] - maps[1].min()) / np.ptp(maps[1]), atol=0.5 / 254)
    assert second.min() == 0 and second.max() == 254
    last = z[7:12, 3 * 7:3 * 7 + 5]  # map 19: second row, fourth tile
    assert np.all(last == 0), "a map that did not respond is drawn dark"
    assert z[5, 0] == 255 and z[0, 5] == 255, "gaps between tiles"
    scale = fig.data[0].colorscale
    assert scale[-1] == (1.0, "white") and scale[-2][0] == pytest.approx(254 / 255, abs=1e-6)
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0, 255) and fig.layout.height == 2 * 60 + 20
    assert len(fig.to_json()) < 40_000


def test_every_figure_carries_plotly_whites_look_without_its_unused_kilobytes():
    import plotly.io as pio

    from components import window_views

    white = pio.templates["plotly_white"]
    figures = [charts.heatmap(np.eye(3), title="t"), charts.bar_chart([str(d) for d in range(10)], [0.1] * 10),
               window_views.number_grid(np.arange(9.0).reshape(3, 3), title="t"),
               charts.heatmap_grid([np.eye(3)] * 2, columns=2),
               charts.styled(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])))]
    for fig in figures:
        template = fig.layout.template
        # the look: plotly_white's axes, backgrounds, hover, colour bars and bar/heatmap/scatter defaults
        assert template.layout.xaxis == white.layout.xaxis and template.layout.yaxis == white.layout.yaxis
        assert template.layout.plot_bgcolor == "white" and template.layout.autotypenumbers == "strict"
        assert template.data.heatmap[0].colorbar == white.data.heatmap[0].colorbar
        assert template.data.bar[0].marker.line == white.data.bar[0].marker.line
        # not its defaults for 3-D, maps, polar plots and other trace types, nor its default colour scales
        assert not template.layout.scene.to_plotly_json() and not template.data.surface
        assert len(json.dumps(template.to_plotly_json())) < 1500 < len(json.dumps(white.to_plotly_json()))
    # without a default colour scale in the template, every heatmap must name its own
    assert all(trace.colorscale for fig in figures for trace in fig.data if trace.type == "heatmap")


def test_per_digit_labels_sit_above_bars_too_short_to_hold_them():
    from cnnlab import recipe
    from components.training_charts import per_class_figure

    labels = np.repeat(np.arange(10), 10)
    probs = np.full((100, 10), 0.01)
    hits = {0: 10, 1: 10, 2: 9, 3: 1, 4: 0, 5: 10, 6: 10, 7: 10, 8: 10, 9: 10}  # right answers per digit
    for digit, right in hits.items():
        rows = np.flatnonzero(labels == digit)
        probs[rows[:right], digit] = 0.9
        probs[rows[right:], (digit + 1) % 10] = 0.9
    evaluation = recipe.evaluation_from_probs(probs, np.zeros((100, 28, 28), np.uint8), labels)
    positions = per_class_figure(evaluation).data[0].textposition
    assert [positions[d] for d in (3, 4)] == ["outside", "outside"]  # 10% and 0% of a 0-100% axis
    assert [positions[d] for d in (0, 2, 9)] == ["inside"] * 3
