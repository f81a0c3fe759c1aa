"""The explorers in a real browser: moving a slider updates the big output shape."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import wait_for_app


def test_moving_the_filters_slider_changes_the_output_shape(server, page):
    page.goto(f"{server.url}/conv?lang=en")
    wait_for_app(page)
    shape = page.locator("[data-testid='stMetricValue']")
    expect(shape.filter(has_text="(4, 26, 26, 2)")).to_have_count(1, timeout=90_000)  # a loaded server is slow
    thumb = page.locator(".st-key-conv_filters input[type='range']")
    thumb.focus()
    thumb.press("ArrowRight")
    expect(shape.filter(has_text="(4, 26, 26, 3)")).to_have_count(1, timeout=90_000)
    expect(shape.filter(has_text="(4, 26, 26, 2)")).to_have_count(0)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"conv_filters=3"))  # the setting is in the URL, shareable


def test_pooling_slider_changes_the_output_shape(server, page):
    page.goto(f"{server.url}/pooling?lang=en")
    wait_for_app(page)
    shape = page.locator("[data-testid='stMetricValue']")
    expect(shape.filter(has_text="(1, 2, 2, 1)")).to_have_count(1, timeout=90_000)  # the chapter's pool 2, stride 1
    thumb = page.locator(".st-key-pooling_pool_w input[type='range']")
    thumb.focus()
    thumb.press("ArrowLeft")  # pool width 2 -> 1 with stride 1: 3 columns out
    expect(shape.filter(has_text="(1, 2, 3, 1)")).to_have_count(1, timeout=90_000)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
