"""Grids of heatmaps come from a cached layout: the maps filled in, the cached layout never changed."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go

from components import charts


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
