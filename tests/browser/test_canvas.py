"""The Draw canvas in real Chromium: every edge of the drawing area draws, and the canvas never moves.

The drawing checks read what reached Python, not what the browser painted: the preprocessing steps view
shows the size of the ink the server cropped ("Cropped to the ink (W×H)"). The tuning of the canvas
(components/canvas_tuning.js, which reaches into the canvas's DOM) is checked to apply, and to be
reported, in the browser's console and the server's log, the day it does not.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, wait_for_app
from tests.browser.test_draw import PREDICTION, PREDICTION_VALUE, open_draw_page, stroke

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
    metric = page.locator(PREDICTION)
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
    const canvas = document.querySelector('.st-key-draw_canvas_0 [data-testid=stBidiComponentIsolated]')
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
    expect(page.locator(PREDICTION_VALUE)).to_have_text("7", timeout=30_000)
    wait_for_app(page)
    width, height = ink_read_by_server(page, lang)
    assert width >= 0.45 * 280 and height >= 0.65 * 280, f"both strokes were not read: ink {width}×{height}"
    tops = page.evaluate("() => [...window.__canvasTops]")
    assert len(tops) == 1, f"the canvas moved while the page reran: its top was at {sorted(tops)} px"


# The first canvas's shadow root, where canvas_tuning.js works.
CANVAS_ROOT = "document.querySelector('.st-key-draw_canvas_0 [data-testid=stBidiComponentIsolated]')?.shadowRoot"
TUNED_LAYOUT = f"""() => {{
  const root = {CANVAS_ROOT};
  const toolbar = root.querySelector('.dc-root > .dc-toolbar');
  const send = root.querySelector('.dc-toolbar-card > .dc-icon-button:first-child');
  const style = getComputedStyle(toolbar);
  return {{position: style.position, opacity: style.opacity,
           toolbarBottom: toolbar.getBoundingClientRect().bottom,
           canvasTop: root.querySelector('canvas.upper-canvas').getBoundingClientRect().top,
           send: send.getAttribute('aria-label'), sendShown: getComputedStyle(send).display !== 'none'}};
}}"""
COUNT_SENDS = f"""() => {{
  window.__sends = 0;
  {CANVAS_ROOT}.querySelector('.dc-toolbar-card > .dc-icon-button:first-child')
    .addEventListener('click', () => window.__sends++);
}}"""


def tuning_errors(messages) -> list[str]:
    return [m.text for m in messages if m.type == "error" and "canvas tuning" in m.text]


def test_the_tuning_gives_the_toolbar_its_own_row_and_sends_a_stroke_at_mouse_up(server, page):
    console = []
    page.on("console", lambda message: console.append(message))
    canvas = open_draw_page(server, page)
    page.wait_for_function(f"() => !!{CANVAS_ROOT}?.getElementById('cnnlab-canvas-tuning')")
    layout = page.evaluate(TUNED_LAYOUT)
    assert (layout["position"], layout["opacity"]) == ("static", "1"), layout  # in the page's flow, visible
    assert layout["toolbarBottom"] <= layout["canvasTop"], layout  # above the canvas, never over it
    assert layout["send"] == "Update the app with this drawing" and not layout["sendShown"], layout
    page.evaluate(COUNT_SENDS)
    stroke(page, canvas, [(0.5, 0.15), (0.5, 0.85)])
    page.wait_for_function("() => window.__sends === 1")  # the stroke went out through the send button
    expect(page.locator(PREDICTION)).to_have_count(1, timeout=30_000)
    assert page.evaluate("() => window.__sends") == 1
    assert tuning_errors(console) == []


# The tuning mounted for a canvas that is not there, with a short wait for it.
NO_CANVAS = """
import streamlit as st

from components import app_logging, canvas

app_logging.configure()
canvas.tune_canvas("no_such_canvas", key="tuning_probe", frames=5)
st.write("probe ran")
"""


@pytest.fixture
def no_canvas_server(tmp_path):
    script = tmp_path / "no_canvas.py"
    script.write_text(NO_CANVAS, encoding="utf-8")
    server = Server(str(script))
    yield server
    server.stop()


def test_a_tuning_that_cannot_apply_is_reported_in_the_console_and_logged_by_the_server(no_canvas_server, page):
    console = []
    page.on("console", lambda message: console.append(message))
    page.goto(no_canvas_server.url)
    expect(page.get_by_text("probe ran")).to_be_visible(timeout=60_000)
    deadline = time.monotonic() + 60  # a bound for a loaded machine, not a speed target
    while "canvas' tuning did not apply" not in no_canvas_server.log_text() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert tuning_errors(console) == ["CNN Lab canvas tuning (no_such_canvas): no drawing canvas within 5 frames"]
    log = no_canvas_server.log_text()
    assert "ERROR components.canvas" in log and "no drawing canvas within 5 frames" in log
    assert log.count("canvas' tuning did not apply") == 1  # reported once, not on every rerun it causes


DATA_URL = re.compile(rb"data:image/png;base64,([A-Za-z0-9+/=]+)")


@pytest.mark.parametrize("scale", [1, 1.5, 2])
def test_the_canvas_sends_the_png_size_the_server_accepts_at_every_pixel_ratio(server, browser, scale):
    """cnnlab.limits accepts exactly the canvas PNGs measured here: a drawing is never refused for the screen."""
    import base64
    import struct

    from cnnlab.limits import CANVAS_PNG_SIZES

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=scale,
                                  locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)
    sent: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(
        frame if isinstance(frame, bytes) else frame.encode())))
    try:
        page.goto(f"{server.url}/draw?lang=en")
        wait_for_app(page)
        stroke(page, canvas_on_screen(page), [(0.5, 0.15), (0.5, 0.85)])
        expect(page.locator(PREDICTION)).to_have_count(1, timeout=60_000)  # read, not refused
        pngs = [base64.b64decode(m.group(1)) for frame in sent for m in DATA_URL.finditer(frame)]
        assert pngs, "no canvas PNG was sent"
        for png in pngs:
            width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
            assert (width, height) in CANVAS_PNG_SIZES and (depth, colour) == (8, 6), (scale, width, height)  # RGBA
    finally:
        context.close()
