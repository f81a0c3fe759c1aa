"""The Train page in Chromium: a short training shows a live chart that grows, then finishes with results."""

from playwright.sync_api import expect

from tests.browser.conftest import set_slider, wait_for_app

# Polls the page every 150 ms until training has finished; records the chart's point count
# and the status line, so the test can see the chart grow while the job runs.
WATCH = """async () => {
  const seen = [];
  for (let i = 0; i < 1200; i++) {
    const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    const trace = plot && plot._fullData ? plot._fullData[0] : null;  // decoded data (python sends typed arrays)
    const points = trace && trace.x ? trace.x.length : 0;
    const text = document.querySelector('[data-testid="stMain"]').innerText;
    const stop = [...document.querySelectorAll('button')].some(b => b.innerText.includes('Stop'));
    seen.push({points, live: stop || text.includes('Epoch 1 of 1') || text.includes('Starting'),
               finished: text.includes('Finished:')});
    if (seen[seen.length - 1].finished && points > 0) break;
    await new Promise(r => setTimeout(r, 150));
  }
  return seen;
}"""


def _slider(page, label):
    return page.locator("[data-testid='stSlider']").filter(has_text=label).get_by_role("slider")


def test_short_training_chart_grows_and_finishes(server, page):
    page.goto(f"{server.url}/train?lang=en")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Train the model").first).to_be_visible()
    # Smallest settings by keyboard: 1 epoch, batch size 8, 5% of the data.
    for label in ("Epochs", "Batch size", "Training data used"):  # 1 epoch, batch 8, 5% of the digits
        set_slider(page, label)
    # The chapter holds out no validation split: all 400 images (5% of 8,000) train.
    expect(page.get_by_text("400 images for training, 50 batches per epoch", exact=False)).to_be_visible()

    page.get_by_role("button", name="Start training").click()
    seen = page.evaluate(WATCH)  # up to 3 minutes: the first training on a server also imports TensorFlow

    assert any(s["live"] for s in seen), "the page showed the training while it ran"
    final = seen[-1]
    assert final["finished"] and final["points"] == 50, final  # one point per batch
    counts = [s["points"] for s in seen if s["points"]]
    assert counts == sorted(counts), "the chart only ever grows"
    expect(page.get_by_text("Test accuracy", exact=True)).to_be_visible()
    expect(page.get_by_text("Confusion matrix", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Start training")).to_be_enabled()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
