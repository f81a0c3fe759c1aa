"""Text contrast (WCAG 2 AA: 4.5:1 for body text), measured in Chromium on what it painted: every page at laptop
and projector size (presentation mode), both languages, and the texts that only appear after an action: the
charts' text alternatives, the phone's one-line reading under the canvas, presentation mode's pace boxes beside
Train's Start. The teacher's and class views are measured in tests/browser/test_class.py.

The measure is tests/browser/page_checks.LOW_CONTRAST: the text's colour blended by its alpha and every
ancestor's opacity, against what is painted behind the text's middle.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.page_checks import LOW_CONTRAST
from tests.browser.test_draw import PREDICTION_VALUE
from tests.browser.test_phone import DEVICES, QUICK, touch_stroke
from tests.browser.test_presentation import PROJECTOR, URL_PATHS, on_every_tab, settle

AA_BODY = 4.5  # WCAG 2 AA, body text (the app's captions are body-sized)
LAPTOP = dict(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
LOCALES = {"en": "en-US", "ko": "ko-KR"}
SEVEN = [(0.25, 0.22), (0.75, 0.22), (0.42, 0.82)]


def low_contrast(page, scope: str = "[data-testid='stApp']") -> list[dict]:
    return page.evaluate(LOW_CONTRAST, [AA_BODY, scope])


# Colours do not depend on the language: each language once, at the size its users meet most (the suite's time).
@pytest.mark.parametrize(("lang", "size"), [("en", "laptop"), ("ko", "projector")])
def test_every_page_reads_at_aa_contrast(server, context_page, lang, size):
    page = context_page(**{**(LAPTOP if size == "laptop" else PROJECTOR), "locale": LOCALES[lang]})
    problems = []
    for path in URL_PATHS:
        page.goto(f"{server.url}/{path}?lang={lang}" + ("&present=1" if size == "projector" else ""))
        settle(page)
        problems += [(path or "home", *item) for item in on_every_tab(page, lambda: low_contrast(page))]
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_phones_reading_and_the_charts_sentences_read_at_aa_contrast(server, context_page, lang):
    """After a touch stroke at 390x844: the one-line reading under the canvas, the results and the sentences
    under the charts (the probabilities' "In numbers: ...")."""
    page = context_page(**{**DEVICES["phone"], "locale": LOCALES[lang]})
    page.goto(f"{server.url}/draw?lang={lang}")
    settle(page)
    canvas = page.locator("canvas.upper-canvas")
    expect(canvas).to_be_visible(timeout=60_000)
    touch_stroke(page, canvas, SEVEN)
    expect(page.locator(PREDICTION_VALUE)).to_have_text("7", timeout=30_000)
    settle(page)
    quick = page.locator(QUICK)
    expect(quick).to_be_visible()
    alt = page.get_by_text("숫자로:" if lang == "ko" else "In numbers:").first
    expect(alt).to_be_attached()
    assert not low_contrast(page, QUICK), low_contrast(page, QUICK)
    assert quick.inner_text().strip(), "the reading was measured"
    problems = low_contrast(page)
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_trains_pace_boxes_beside_start_read_at_aa_contrast_in_presentation_mode(server, context_page, lang):
    page = context_page(**{**PROJECTOR, "locale": LOCALES[lang]})
    page.goto(f"{server.url}/train?lang={lang}&present=1")
    settle(page)
    start = page.locator(".st-key-train_start button")
    start.wait_for()
    boxes = page.locator("[data-testid='stAlert'], [data-testid='stCaptionContainer']")
    expect(boxes.first).to_be_visible()
    problems = low_contrast(page)
    assert not problems, "\n".join(map(str, problems))
