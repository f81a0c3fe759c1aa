"""A learner's training and saved work in real Chromium: a reload mid-training reattaches to it (the live
chart goes on from where it was), a second tab of the same browser follows it, stops it, and uses the model
it saved."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import set_slider, wait_for_app

# How far the live chart has got: its first trace's last x (in epochs), 0 while there is none. (Not its point
# count: the chart thins a long training to a fixed number of points.)
POINTS = """() => {
  const plot = document.querySelector('.st-key-train_chart .js-plotly-plot');
  const trace = plot && plot._fullData ? plot._fullData[0] : null;
  return trace && trace.x && trace.x.length ? trace.x[trace.x.length - 1] : 0;
}"""


def _slider(page, label):
    return page.locator("[data-testid='stSlider']").filter(has_text=label).get_by_role("slider")


def _start_a_long_training(page, url: str) -> None:
    page.goto(f"{url}/train?lang=en")
    wait_for_app(page)
    # 20 epochs of batch 8 on all the digits (1,000 batches an epoch): still running when the test stops it
    for label, key in (("Epochs", "End"), ("Batch size", "Home")):
        set_slider(page, label, (key,))
    expect(page.get_by_text("1,000 batches per epoch", exact=False)).to_be_visible()
    page.get_by_role("button", name="Start training").click()
    page.wait_for_function(f"({POINTS})() > 0", timeout=180_000)  # the first training also imports TensorFlow


def test_a_reload_reattaches_and_a_second_tab_follows_stops_and_uses_the_training(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    try:
        first = context.new_page()
        first.set_default_timeout(120_000)
        _start_a_long_training(first, server.url)
        before = first.evaluate(POINTS)

        first.reload()
        wait_for_app(first)
        # The page's first run after the reload shows the running training, with its chart so far.
        expect(first.get_by_role("button", name="Stop")).to_be_visible()
        expect(first.get_by_role("button", name="Start training")).to_be_disabled()
        first.wait_for_function(f"({POINTS})() >= {before}")  # the chart comes back with what it had drawn
        after = first.evaluate(POINTS)
        first.wait_for_function(f"({POINTS})() > {after}")  # and goes on
        main = first.get_by_test_id("stMain")
        expect(main).to_contain_text(re.compile(r"Epoch \d+ of 20"))
        expect(main).not_to_contain_text("Waiting in line")

        second = context.new_page()  # the same browser: the same learner
        second.set_default_timeout(120_000)
        second.goto(f"{server.url}/draw?lang=en")
        wait_for_app(second)
        expect(second.get_by_text("still training on the Train page", exact=False)).to_be_visible()
        second.goto(f"{server.url}/train?lang=en")
        wait_for_app(second)
        expect(second.get_by_test_id("stMain")).not_to_contain_text("Waiting in line")
        second.get_by_role("button", name="Stop").click()  # Stop from the other tab
        expect(second.get_by_text("Stopped by you after", exact=False)).to_be_visible(timeout=120_000)
        expect(second.get_by_text(re.compile(r"Saved to your models as #\d+"))).to_be_visible()

        expect(first.get_by_text("Stopped by you after", exact=False)).to_be_visible(timeout=60_000)
        expect(first.get_by_role("button", name="Start training")).to_be_enabled()
        second.goto(f"{server.url}/draw?lang=en")
        wait_for_app(second)
        expect(second.get_by_text("your model from the Train page", exact=False)).to_be_visible()
        expect(second.get_by_text("stopped early", exact=False)).to_be_visible()
        for page in (first, second):
            expect(page.locator("[data-testid='stException']")).to_have_count(0)
    finally:
        context.close()
