"""Draw page in real Chromium: mouse strokes on the canvas are read by the model; Clear empties it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import wait_for_app

# The page's own prediction (the CNN's), not the answers of the RNN section below it (components.rnn_reader_views).
PREDICTION = "[data-testid='stMetric']:not(.st-key-rnn_reader [data-testid='stMetric'])"
PREDICTION_VALUE = f"{PREDICTION} [data-testid='stMetricValue']"


def stroke(page, canvas, points: list[tuple[float, float]]) -> None:
    """One mouse stroke through `points` (fractions of the canvas's width/height)."""
    box = canvas.bounding_box()

    def at(p):
        return box["x"] + p[0] * box["width"], box["y"] + p[1] * box["height"]

    page.mouse.move(*at(points[0]))
    page.mouse.down()
    for p in points[1:]:
        page.mouse.move(*at(p), steps=12)
    page.mouse.up()


def open_draw_page(server, page):
    page.goto(f"{server.url}/draw?lang=en")
    wait_for_app(page)
    # the drawing layer of the fabric.js canvas (the top one of its stacked <canvas> elements)
    canvas = page.locator("canvas.upper-canvas")
    expect(canvas).to_be_visible(timeout=60_000)  # a cold server first imports TensorFlow
    expect(page.get_by_text("Draw a digit on the black canvas")).to_be_visible(timeout=60_000)
    return canvas


def test_drawing_a_seven_is_read_as_seven_and_clear_removes_it(server, page):
    canvas = open_draw_page(server, page)
    prediction = page.locator(PREDICTION)
    expect(prediction).to_have_count(0)

    stroke(page, canvas, [(0.25, 0.22), (0.75, 0.22), (0.42, 0.82)])  # a 7 in one stroke
    expect(prediction).to_have_count(1, timeout=30_000)
    expect(prediction.locator("[data-testid='stMetricLabel']")).to_have_text("Prediction")
    expect(prediction.locator("[data-testid='stMetricValue']")).to_have_text("7")
    expect(page.locator("[data-testid='stException']")).to_have_count(0)

    page.get_by_role("button", name="Clear").click()
    expect(prediction).to_have_count(0, timeout=30_000)
    expect(page.get_by_text("Draw a digit on the black canvas")).to_be_visible()


def test_a_one_drawn_in_two_strokes_updates_after_each_stroke(server, page):
    canvas = open_draw_page(server, page)
    value = page.locator(PREDICTION_VALUE)
    stroke(page, canvas, [(0.5, 0.15), (0.5, 0.85)])  # a plain vertical 1
    expect(value).to_have_text("1", timeout=30_000)
    stroke(page, canvas, [(0.3, 0.15), (0.7, 0.15)])  # a bar across the top: now it reads as a 7
    expect(value).to_have_text("7", timeout=30_000)


def test_saving_a_drawing_updates_the_gallery_at_once_and_keeps_the_reading(server, page):
    canvas = open_draw_page(server, page)
    stroke(page, canvas, [(0.25, 0.22), (0.75, 0.22), (0.42, 0.82)])  # a 7 in one stroke
    expect(page.locator(PREDICTION_VALUE)).to_have_text("7", timeout=30_000)
    expect(page.get_by_text("Your saved drawings (0 of 60)")).to_be_visible()
    page.get_by_role("button", name="Save this drawing").click()
    # the save and the gallery rerun together (their own fragment): the count is right without another stroke
    expect(page.get_by_text("Saved, as a 7.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Your saved drawings (1 of 60)")).to_be_visible()
    expect(page.locator(PREDICTION_VALUE)).to_have_text("7")
    page.get_by_text("Your saved drawings (1 of 60)").click()  # open the gallery: the thumbnail and its digit
    expect(page.get_by_text("meant 7", exact=True)).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
