"""Draw page in real Chromium: a drawn digit is read by the RNN too; Play steps through its rows in the browser,
the row slider picks the step written out with its numbers."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import wait_for_app
from tests.browser.test_draw import open_draw_page, stroke

SECTION = ".st-key-rnn_reader"
# The watch figure's plotly state: the slider's row (1-based) and the outline of the row being read.
WATCH_STATE = """() => {
  const gd = document.querySelector('.st-key-rnn_watch .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullLayout.sliders) return null;
  return {row: gd._fullLayout.sliders[0].active + 1, outline: Array.from(gd.data[2].y)};
}"""


def test_drawing_a_seven_the_rnn_reads_it_and_play_steps_through_the_rows(server, page):
    canvas = open_draw_page(server, page)
    stroke(page, canvas, [(0.25, 0.22), (0.75, 0.22), (0.42, 0.82)])  # a 7 in one stroke
    answers = page.locator(f"{SECTION} [data-testid='stMetricValue']")
    expect(answers).to_have_count(3, timeout=60_000)
    expect(answers.nth(0)).to_have_text("7")  # the CNN
    expect(answers.nth(1)).to_have_text("7")  # the RNN
    expect(answers.nth(2)).to_have_text(re.compile(r"at row \d+ of 28"))
    opener = page.locator(".st-key-rnn_watch_panel summary")
    opener.scroll_into_view_if_needed()
    opener.click()  # folded until opened: built only then
    page.locator(".st-key-rnn_watch").scroll_into_view_if_needed()
    page.wait_for_function(f"() => ({WATCH_STATE})() !== null")
    assert page.evaluate(WATCH_STATE)["row"] == 28, "the whole reading is shown first"

    page.locator(".st-key-rnn_watch").get_by_text("▶ Play").click()  # plotly's own button: no server round trip
    page.wait_for_function(f"() => {{ const s = ({WATCH_STATE})(); return s && s.row < 10; }}", timeout=10_000)
    early = page.evaluate(WATCH_STATE)
    page.wait_for_function(f"() => ({WATCH_STATE})().row === 28", timeout=30_000)
    late = page.evaluate(WATCH_STATE)
    # the outline follows the row being read (image rows are 0-based: row t spans t - 1.5 .. t - 0.5)
    assert min(early["outline"]) == early["row"] - 1.5 and min(late["outline"]) == 28 - 1.5

    slider = page.locator(".st-key-rnn_step_row").get_by_role("slider")
    slider.scroll_into_view_if_needed()
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_text(re.compile(r"the one row 5 changed most"))).to_be_visible(timeout=30_000)
    wait_for_app(page)
    expect(page.locator(f"{SECTION} .katex").first).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
