"""The network page in Chromium: a digit drawn on the Draw page shows up in every layer; a clicked cell is traced."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import wait_for_app
from tests.browser.test_draw import PREDICTION_VALUE, open_draw_page, stroke

OVERVIEW = ".st-key-network_overview .js-plotly-plot"

READ_OVERVIEW = """(selector) => {
  const plot = document.querySelector(selector);
  const titles = plot._fullLayout.annotations.map(a => a.text);
  const maps = plot._fullData.filter(t => t.type === 'heatmap').map(t => [t.z.length, t.z[0].length]);
  const bars = plot._fullData.find(t => t.type === 'bar');
  return {titles, maps, probabilities: Array.from(bars.x)};
}"""

# Page coordinates of cell (row, col) in subplot `index` (plotly's own axis conversions).
CELL_POINT = """([selector, index, row, col]) => {
  const plot = document.querySelector(selector);
  const box = plot.getBoundingClientRect();
  const xa = plot._fullLayout['xaxis' + index], ya = plot._fullLayout['yaxis' + index];
  return [box.left + xa._offset + xa.l2p(col), box.top + ya._offset + ya.l2p(row)];
}"""

TITLES = """() => Object.fromEntries(['map', 'previous'].map(name => [name,
  document.querySelector('.st-key-network_' + (name === 'map' ? 'map_chart' : 'previous') + ' .js-plotly-plot')
    ._fullLayout.title.text.replace(/<[^>]+>/g, '')]))"""


def test_a_drawn_digit_in_every_layer_and_a_clicked_cell_traced(server, page):
    canvas = open_draw_page(server, page)
    stroke(page, canvas, [(0.25, 0.22), (0.75, 0.22), (0.42, 0.82)])  # a 7
    expect(page.locator(PREDICTION_VALUE)).to_have_text("7", timeout=30_000)
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="The whole network").click()
    expect(page.locator(OVERVIEW)).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(page.get_by_text("Following the digit you drew last on the Draw page.")).to_be_visible()

    seen = page.evaluate(READ_OVERVIEW, OVERVIEW)
    titles = " ".join(seen["titles"])
    for layer in ("Input 28×28", "Conv2D</b><br>26×26×32", "Pooling2D</b><br>13×13×32", "Conv2D</b><br>11×11×64",
                  "Pooling2D</b><br>5×5×64", "Conv2D</b><br>3×3×64", "Dense</b><br>64 units", "Softmax"):
        assert layer in titles, (layer, titles)
    # the input, three maps of each of the five spatial layers, the 64 dense units as 8×8
    assert seen["maps"] == [[28, 28]] + [[26, 26]] * 3 + [[13, 13]] * 3 + [[11, 11]] * 3 + [[5, 5]] * 3 \
        + [[3, 3]] * 3 + [[8, 8]], seen["maps"]
    probabilities = seen["probabilities"]
    assert len(probabilities) == 10 and probabilities.index(max(probabilities)) == 7
    assert abs(sum(probabilities) - 1) < 1e-4

    # click cell (6, 4) of the first MaxPooling2D map (row 1, column 3 of the grid: subplot 3)
    x, y = page.evaluate(CELL_POINT, [OVERVIEW, 3, 6, 4])
    page.mouse.click(x, y)
    wait_for_app(page)
    expect(page.locator(".st-key-network_row input")).to_have_value("6", timeout=30_000)
    expect(page.locator(".st-key-network_col input")).to_have_value("4")
    page.wait_for_function(f"() => ({TITLES})().map.startsWith('MaxPooling2D')", timeout=60_000)
    titles = page.evaluate(TITLES)
    assert re.fullmatch(r"MaxPooling2D · map 0 · cell \(6, 4\) = -?\d+\.\d{3}", titles["map"]), titles
    # 2×2 pooling, strides 2: pooled cell (6, 4) reads rows 12–13, columns 8–9 of the Conv2D map
    assert titles["previous"] == "Conv2D: the window, rows 12–13, columns 8–9", titles
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
