"""Numbers written on heatmap cells, built the slow way for the chart tests: plotly's own colour mapping
(sample_colorscale) and WCAG's contrast formula, independent of components.charts."""

from __future__ import annotations

import numpy as np
import plotly.colors
import plotly.graph_objects as go


def luminance(rgb):
    def channel(v):
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2])


def ratio(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def numbers(z, texts, where, *, zmin, zmax, colorscale, size=None):
    """The numbers as two see-through heatmaps, dark or white by the contrast with each cell's colour, as plotly's
    own sample_colorscale paints the cell; a no-break space filler (as long as the longest number) elsewhere."""
    scale = [list(step) for step in go.Heatmap(colorscale=colorscale).colorscale]
    blank = "\u00a0" * max(len(text) for text in np.ravel(texts))
    dark = np.zeros(np.shape(z), bool)
    for (r, c), value in np.ndenumerate(np.asarray(z, dtype=float)):
        level = 0.0 if not np.isfinite(value) else min(1.0, max(0.0, (value - zmin) / (zmax - zmin)))
        colour = plotly.colors.unlabel_rgb(plotly.colors.sample_colorscale(scale, [level])[0]) \
            if np.isfinite(value) else (255, 255, 255)
        dark[r, c] = ratio((0, 0, 0), colour) >= ratio((255, 255, 255), colour)
    return [go.Heatmap(z=np.zeros(np.shape(z)), text=np.where(where & on, texts, blank).tolist(),
                       texttemplate="%{text}", textfont=dict(color=font, size=size), showscale=False, hoverinfo="skip", xgap=1,
                       ygap=1, zmin=0, zmax=1, colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]])
            for font, on in (("#000000", dark), ("#ffffff", ~dark)) if (where & on).any()]
