"""Draw page in real Chromium: a dot and a scribble get the caution, not a confident digit; a digit does not."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_draw import PREDICTION, PREDICTION_VALUE, open_draw_page, stroke

CAUTION = "This does not look like one digit."
SCRIBBLE = [(0.2, 0.25), (0.8, 0.3), (0.2, 0.4), (0.8, 0.45), (0.2, 0.55), (0.8, 0.6), (0.2, 0.7), (0.8, 0.75),
            (0.5, 0.2), (0.3, 0.8), (0.7, 0.8), (0.5, 0.2)]


def expect_caution(page) -> None:
    expect(page.get_by_text(CAUTION)).to_be_visible(timeout=30_000)
    metric = page.locator(PREDICTION)  # the page's own reading, not the RNN section's
    expect(metric.locator("[data-testid='stMetricLabel']")).to_have_text("Best guess")
    expect(metric.locator("[data-testid='stMetricValue']")).to_have_text(re.compile(r"^\d\?$"))  # a guess, not an answer
    expect(page.get_by_text("always shares out exactly 100%")).to_be_visible()
    expect(page.get_by_text("second choice")).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_a_dot_and_a_scribble_get_the_caution_and_a_seven_does_not(server, page):
    canvas = open_draw_page(server, page)
    stroke(page, canvas, [(0.5, 0.5), (0.505, 0.5)])  # one tap of the pen
    expect_caution(page)
    expect(page.get_by_text("one filled blob")).to_be_visible()

    canvas = open_draw_page(server, page)  # a new session: a blank canvas
    expect(page.get_by_text(CAUTION)).to_have_count(0)
    stroke(page, canvas, SCRIBBLE)
    expect_caution(page)

    canvas = open_draw_page(server, page)
    stroke(page, canvas, [(0.25, 0.22), (0.75, 0.22), (0.42, 0.82)])  # a 7 in one stroke
    value = page.locator(PREDICTION_VALUE)
    expect(value).to_have_text("7", timeout=30_000)
    expect(page.get_by_text(CAUTION)).to_have_count(0)
