"""Linked explorers in a real browser: clicking an output cell highlights the input window it reads.

The highlighted window is read from the figure's own data in the DOM (plotly's `gd.data` on the
`.js-plotly-plot` element): the outline trace named "window" draws one square per kernel tap, in the
coordinates of the input as drawn (padded). They are checked against the formula, not against the core:
padded row = out_row * stride + tap_row (TensorFlow's 'same' offset is where the drawn input starts).
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import wait_for_app

CELL_CENTRE_JS = """([key, row, col]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const box = gd.getBoundingClientRect(), fl = gd._fullLayout;
  return {x: box.x + fl.xaxis._offset + fl.xaxis.d2p(col), y: box.y + fl.yaxis._offset + fl.yaxis.d2p(row)};
}"""

WINDOW_CELLS_JS = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const w = gd && gd.data.find(d => d.name === 'window');
  if (!w) return null;
  const cells = [];
  for (let i = 0; i + 4 < w.x.length; i += 6)  // a closed square of 5 points, then a gap
    cells.push([Math.round((w.y[i] + w.y[i + 2]) / 2), Math.round((w.x[i] + w.x[i + 1]) / 2)]);
  return cells;
}"""


def _open_step_tab(page, url: str) -> None:
    page.set_default_timeout(60_000)  # two shared cores: a first page load can take a while
    page.goto(url)
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stMetricValue']")
    page.get_by_role("tab", name="Step-through").click()
    page.wait_for_selector(".st-key-conv_step_output .js-plotly-plot, .st-key-pooling_step_output .js-plotly-plot")


def _click_output_cell(page, key: str, row: int, col: int) -> None:
    wait_for_app(page)  # a click while the last one's rerun is still drawing would hit the old figure
    page.locator(f".st-key-{key}").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    point = page.evaluate(CELL_CENTRE_JS, [key, row, col])
    page.mouse.click(point["x"], point["y"])


def expect_window(page, key: str, expected: list[list[int]]) -> None:
    """Wait (the click reruns the script) until the outlined window is `expected`."""
    cells = None
    for _ in range(120):
        cells = page.evaluate(WINDOW_CELLS_JS, key)
        if cells == expected:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"highlighted window {cells}, expected {expected}")


def test_clicking_a_conv_output_cell_highlights_its_window_stride_2_same(server, page):
    """7x7 grid, 3x3 kernel, stride 2, 'same': output 4x4; the input is drawn with 1 padded row/col before."""
    _open_step_tab(page, f"{server.url}/conv?lang=en&conv_strides=2&conv_padding=same")
    stride, kernel = 2, 3
    for row, col in [(1, 2), (3, 0)]:
        _click_output_cell(page, "conv_step_output", row, col)
        expected = [[row * stride + a, col * stride + b] for a in range(kernel) for b in range(kernel)]
        expect_window(page, "conv_step_window", expected)
        slider_value = page.locator(".st-key-conv_step_cell [data-testid='stSliderThumbValue']")
        expect(slider_value).to_have_text(str(row * 4 + col), timeout=15_000)  # the slider follows the click
    # the sum written out is for the clicked cell
    expect(page.locator("[data-testid='stMarkdown']").filter(has_text="Output cell (row 3, column 0):")).to_have_count(1)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_clicking_a_pooling_output_cell_highlights_its_window(server, page):
    """The chapter's example: pool 2, stride 1 on 3x3 -> 2x2; cell (1, 1) reads rows 1-2, columns 1-2 (max 9)."""
    _open_step_tab(page, f"{server.url}/pooling?lang=en")
    _click_output_cell(page, "pooling_step_output", 1, 1)
    expect_window(page, "pooling_step_window", [[1, 1], [1, 2], [2, 1], [2, 2]])
    expect(page.locator("[data-testid='stMarkdown']").filter(has_text="Its maximum, 9")).to_have_count(1)
