"""Draw on a phone and a tablet (touch): the prediction is on the first screen while the learner draws.

Strokes are real touches (CDP Input.dispatchTouchEvent in a has_touch, is_mobile context), not mouse events.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_draw import PREDICTION_VALUE
from tests.browser.test_presentation import settle

QUICK = ".st-key-draw_quick_reading"
DEVICES = {
    "phone": dict(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True),
    "tablet": dict(viewport={"width": 768, "height": 1024}, device_scale_factor=2, is_mobile=True, has_touch=True),
    # a touch laptop: the results sit beside the canvas, so the one-line reading under it stays hidden
    "laptop": dict(viewport={"width": 1440, "height": 900}, device_scale_factor=1, has_touch=True),
}

# Where the page has scrolled to (Streamlit scrolls its main section, not the document).
SCROLLED = """() => Math.max(document.scrollingElement.scrollTop,
                            ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]')]
                               .map(el => el.scrollTop))"""


def touch_stroke(page, canvas, points: list[tuple[float, float]]) -> None:
    """One finger stroke through `points` (fractions of the canvas's width and height)."""
    box = canvas.bounding_box()
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, p=None) -> None:
        spots = [] if p is None else [{"x": box["x"] + p[0] * box["width"], "y": box["y"] + p[1] * box["height"]}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": spots})

    touch("touchStart", points[0])
    for a, b in zip(points, points[1:], strict=False):
        for i in range(1, 13):
            touch("touchMove", (a[0] + (b[0] - a[0]) * i / 12, a[1] + (b[1] - a[1]) * i / 12))
    touch("touchEnd")
    cdp.detach()


@pytest.mark.parametrize("device", list(DEVICES))
def test_the_prediction_is_on_the_first_screen_after_a_touch_stroke(server, browser, device):
    context = browser.new_context(locale="en-US", **DEVICES[device])
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{server.url}/draw?lang=en")
        settle(page)  # the sidebar (and its page list) is folded on a phone
        canvas = page.locator("canvas.upper-canvas")
        expect(canvas).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Draw a digit on the black canvas")).to_be_visible(timeout=60_000)
        touch_stroke(page, canvas, [(0.25, 0.22), (0.75, 0.22), (0.42, 0.82)])  # a 7
        expect(page.locator(PREDICTION_VALUE)).to_have_text("7", timeout=30_000)
        settle(page)  # the sidebar (and its page list) is folded on a phone
        quick = page.locator(QUICK)
        if device == "laptop":
            expect(quick).to_be_hidden()
            reading = page.locator(PREDICTION_VALUE)
        else:
            expect(quick).to_contain_text("Prediction: 7 (")
            reading = quick
        assert page.evaluate(SCROLLED) == 0, "the page scrolled"
        box, height = reading.bounding_box(), DEVICES[device]["viewport"]["height"]
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height, (box, height)
        # the canvas is still whole on that screen: the learner draws and reads at once
        canvas_box = canvas.bounding_box()
        assert canvas_box["y"] >= 0 and canvas_box["y"] + canvas_box["height"] <= height, canvas_box
    finally:
        context.close()
