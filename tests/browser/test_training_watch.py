"""The Train page in Chromium: during a short training the first layer's filter picture changes between epochs."""

import json
import re

from playwright.sync_api import expect

from tests.browser.conftest import set_slider, wait_for_app

# Polls every 150 ms until 3 s after training has finished (up to 9 minutes on a busy machine); records the watch caption (epochs done) and the
# filter figure's z values as the browser has them (plotly's decoded _fullData), each time they change.
WATCH = """async () => {
  const seen = [];
  let last = '', finishedAt = -1;
  for (let i = 0; i < 3600; i++) {
    const plot = document.querySelector('.st-key-train_watch_filters .js-plotly-plot');
    const caption = [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
      .map(c => c.innerText).find(text => text.includes('full epoch')) || '';
    const z = plot && plot._fullData ? JSON.stringify(plot._fullData.map(trace => Array.from(trace.z || [],
      row => Array.from(row)))) : '';
    if (z && caption + z !== last) { seen.push({caption, z}); last = caption + z; }
    const text = document.querySelector('[data-testid="stMain"]').innerText;
    // "Finished:" can show before the rerun that draws the last record has reached the watch panel
    // (deltas arrive in page order): keep watching 3 s more.
    if (finishedAt < 0 && text.includes('Finished:') && z) finishedAt = i;
    if (finishedAt >= 0 && i - finishedAt >= 20) break;
    await new Promise(r => setTimeout(r, 150));
  }
  return seen;
}"""


def _slider(page, label):
    return page.locator("[data-testid='stSlider']").filter(has_text=label).get_by_role("slider")


def test_filters_change_between_epochs_while_training(server, page):
    page.goto(f"{server.url}/train?lang=en")
    wait_for_app(page)
    # 2 epochs, batch size 8, 25% of the data (no validation split, as in the chapter): 250 batches per epoch,
    # a few seconds each, so the page (refreshed every second) shows the picture after each epoch.
    for label, keys in (("Epochs", ["Home", "ArrowRight"]), ("Batch size", ["Home"]),
                        ("Training data used", ["Home", "ArrowRight", "ArrowRight"])):
        set_slider(page, label, keys)
    expect(page.get_by_text("2,000 images for training, 250 batches per epoch", exact=False)).to_be_visible(
        timeout=60_000)

    page.get_by_role("button", name="Start training").click()
    seen = page.evaluate(WATCH)

    by_epochs = {}
    for s in seen:
        match = re.search(r"after (\d+) full epochs?", s["caption"])
        if match:
            by_epochs.setdefault(int(match.group(1)), []).append(json.loads(s["z"]))
    assert len(by_epochs) >= 2 and max(by_epochs) == 2, sorted(by_epochs)
    first, last = by_epochs[min(by_epochs)][0][0], by_epochs[2][-1][0]  # one heatmap: the 32 filters tiled
    assert (len(first), len(first[0])) == (4 * 4 - 1, 8 * 4 - 1), "32 filters of 3x3, 8 a row, 1-cell gaps"

    def tile(picture, i):
        r, c = divmod(i, 8)
        return [row[c * 4:c * 4 + 3] for row in picture[r * 4:r * 4 + 3]]

    changed = sum(tile(first, i) != tile(last, i) for i in range(32))
    assert changed >= 30, f"only {changed} of 32 filters changed between epoch {min(by_epochs)} and 2"
    wait_for_app(page)
    expect(page.locator(".st-key-train_watch_stream .js-plotly-plot")).to_have_count(1)
    expect(page.get_by_text(re.compile(r"Current answers for 12 test digits: \d+ of 12 right"))).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
