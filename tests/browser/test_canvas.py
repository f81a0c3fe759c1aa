"""The Draw canvas in real Chromium: every edge of the drawing area draws, and the canvas never moves.

Both checks read what reached Python, not what the browser painted: the preprocessing steps view
shows the size of the ink the server cropped ("Cropped to the ink (W×H)").
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_for_app
from tests.browser.test_draw import stroke

PROJECTOR = {"viewport": {"width": 853, "height": 480}, "device_scale_factor": 1.5}
DESKTOP = {"viewport": {"width": 1400, "height": 1000}, "device_scale_factor": 1}
CROP = {"en": re.compile(r"Cropped to the ink \((\d+)×(\d+)\)"), "ko": re.compile(r"잉크 부분만 자르기 \((\d+)×(\d+)\)")}
INVITE = {"en": "Draw a digit on the black canvas", "ko": "검은 캔버스에"}
CLEAR = {"en": "Clear", "ko": "지우기"}
STEPS = {"en": "Show each preprocessing step", "ko": "전처리 단계 하나씩 보기"}

# (name, points): each stroke starts 2% inside one edge of the canvas and runs most of the way across.
# The top stroke starts under where the toolbar used to float (x = 75%), the others mid-edge.
EDGE_STROKES = [
    ("top", [(0.75, 0.02), (0.75, 0.85)]),
    ("bottom", [(0.5, 0.98), (0.5, 0.15)]),
    ("left", [(0.02, 0.5), (0.85, 0.5)]),
    ("right", [(0.98, 0.5), (0.15, 0.5)]),
    ("top-left corner", [(0.02, 0.02), (0.85, 0.85)]),
    ("top-right corner", [(0.98, 0.02), (0.15, 0.85)]),
]


@pytest.fixture(params=[("en", DESKTOP), ("ko", PROJECTOR)], ids=["en-1400x1000", "ko-projector"])
def draw_page(request, server, browser):
    lang, size = request.param
    context = browser.new_context(**size, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.server_messages = []  # one entry per websocket message from the server
    page.on("websocket", lambda ws: ws.on("framereceived", lambda _frame: page.server_messages.append(1)))
    page.goto(f"{server.url}/draw?lang={lang}")
    wait_for_app(page)
    expect(page.get_by_text(INVITE[lang])).to_be_visible(timeout=60_000)
    yield page, lang
    context.close()


def canvas_on_screen(page, clears: int = 0):
    """The drawing layer of the current canvas (Clear mounts a new one under the next key)."""
    canvas = page.locator(f".st-key-draw_canvas_{clears} canvas.upper-canvas")
    canvas.scroll_into_view_if_needed()
    expect(canvas).to_be_visible()
    return canvas


def ink_read_by_server(page, lang: str) -> tuple[int, int]:
    """(width, height) of the ink the server cropped, once the prediction for it is on screen."""
    steps = page.get_by_text(STEPS[lang])
    expect(steps).to_be_visible(timeout=30_000)
    if not page.get_by_label(STEPS[lang]).is_checked():  # the choice persists for the session
        steps.click()
    caption = page.get_by_text(CROP[lang])
    expect(caption).to_be_visible(timeout=30_000)
    width, height = CROP[lang].search(caption.inner_text()).groups()
    return int(width), int(height)


def test_a_stroke_starting_at_each_edge_draws_and_is_read(draw_page):
    page, lang = draw_page
    metric = page.locator("[data-testid='stMetric']")
    for clears, (name, points) in enumerate(EDGE_STROKES):
        stroke(page, canvas_on_screen(page, clears), points)
        expect(metric, f"{name}: no prediction").to_have_count(1, timeout=30_000)
        wait_for_app(page)
        width, height = ink_read_by_server(page, lang)
        # the whole stroke reached Python: its ink spans at least 80% of the canvas along its length
        assert max(width, height) >= 0.8 * 280, f"{name}: only {width}×{height} px of ink were read"
        page.get_by_role("button", name=CLEAR[lang]).click()
        expect(metric).to_have_count(0, timeout=30_000)
        wait_for_app(page)


# Records the canvas's position in the page on every animation frame, to catch any jump during a rerun.
WATCH_CANVAS = """() => {
  window.__canvasTops = new Set();
  const tick = () => {
    const canvas = document.querySelector('[data-testid=stBidiComponentIsolated]')
      ?.shadowRoot?.querySelector('canvas.upper-canvas');
    const page = document.querySelector('[data-testid=stMainBlockContainer]');  // scrolls with the page
    if (canvas && page) {
      window.__canvasTops.add(Math.round(canvas.getBoundingClientRect().top - page.getBoundingClientRect().top));
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def test_a_second_stroke_during_the_first_strokes_rerun_is_kept_and_the_canvas_never_moves(draw_page):
    page, lang = draw_page
    canvas = canvas_on_screen(page)
    page.evaluate(WATCH_CANVAS)
    before = len(page.server_messages)
    stroke(page, canvas, [(0.5, 0.15), (0.5, 0.85)])  # a 1 ...
    deadline = time.monotonic() + 60  # a loaded CI machine: a bound, not a speed target
    while len(page.server_messages) == before and time.monotonic() < deadline:
        page.wait_for_timeout(5)  # (lets Playwright deliver the websocket events)
    assert len(page.server_messages) > before, "the first stroke started no rerun"
    # ... and as soon as the server has started rerunning the page for it, a bar across its top: a 7
    stroke(page, canvas, [(0.25, 0.15), (0.75, 0.15)])
    expect(page.locator("[data-testid='stMetricValue']")).to_have_text("7", timeout=30_000)
    wait_for_app(page)
    width, height = ink_read_by_server(page, lang)
    assert width >= 0.45 * 280 and height >= 0.65 * 280, f"both strokes were not read: ink {width}×{height}"
    tops = page.evaluate("() => [...window.__canvasTops]")
    assert len(tops) == 1, f"the canvas moved while the page reran: its top was at {sorted(tops)} px"
