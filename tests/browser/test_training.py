"""The Train page in Chromium: a short training shows a live chart that grows, then finishes with results."""

from playwright.sync_api import expect

from components.state_keys import TRAIN_HISTORY_CHART
from tests.browser.conftest import set_slider, wait_for_app
from tests.browser.page_checks import LOW_CONTRAST

# Polls the page every 150 ms until training has finished; records the live chart's point count
# and the status line, so the test can see the chart grow while the job runs. The live chart is found by its
# key: when the job ends the results' charts (ten digits) can be drawn before the live chart's last redraw.
WATCH = """async () => {
  const seen = [];
  for (let i = 0; i < 1200; i++) {
    const plot = document.querySelector('.st-key-LIVE_CHART_KEY .js-plotly-plot');
    const trace = plot && plot._fullData ? plot._fullData[0] : null;  // decoded data (python sends typed arrays)
    const points = trace && trace.x ? trace.x.length : 0;
    const text = document.querySelector('[data-testid="stMain"]').innerText;
    const stop = [...document.querySelectorAll('button')].some(b => b.innerText.includes('Stop'));
    seen.push({points, live: stop || text.includes('Epoch 1 of 1') || text.includes('Starting'),
               finished: text.includes('Finished:')});
    const last = seen.slice(-4);  // finished, and the chart's last redraw has landed (no change for 0.45 s)
    if (last.length === 4 && last.every(s => s.finished && s.points > 0 && s.points === points)) break;
    await new Promise(r => setTimeout(r, 150));
  }
  return seen;
}""".replace("LIVE_CHART_KEY", TRAIN_HISTORY_CHART)


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
    # the results' texts read at WCAG AA contrast, the charts' sentences ("In numbers: ...") among them
    expect(page.get_by_text("mistakes shown; the commonest among them", exact=False)).to_be_attached()
    problems = page.evaluate(LOW_CONTRAST, [4.5, "[data-testid='stApp']"])
    assert not problems, "\n".join(map(str, problems))
