"""At projector size (1280×720 at 150 % zoom = 853×480 CSS px, scale 1.5), in both languages, with and
without presentation mode: no metric value, formula or code line is cut, and no page scrolls sideways.

One server; one browser context per language and mode, reused for every page (and every tab of it).
"""

from __future__ import annotations

import pytest

from components.pages import HOME, PAGES

PROJECTOR = dict(viewport={"width": 853, "height": 480}, device_scale_factor=1.5, locale="en-US")
URL_PATHS = ["", *(info.name for info in PAGES if info is not HOME)]

# Streamlit has finished the run when the page's title is there and its status widget and
# loading skeletons are gone.
SETTLED = """() => document.querySelector('[data-testid="stMain"] h1')
                 && !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-testid="stSkeleton"]')"""

# Everything a student must read whole: [what, text] for each piece that is cut or scrolls sideways.
# (A metric value is cut inside: its markdown child is wider than the value's box, hence `deep`.)
CUT = """() => {
  const cut = [];
  const shown = el => el.getClientRects().length > 0 && el.clientWidth > 0;
  const wider = el => el.scrollWidth > el.clientWidth + 1;
  const check = (what, selector, deep) => {
    for (const el of document.querySelectorAll(selector)) {
      const parts = deep ? [el, ...el.querySelectorAll('*')] : [el];
      if (parts.some(p => shown(p) && wider(p))) cut.push([what, el.innerText.slice(0, 60)]);
    }
  };
  check('metric', '[data-testid="stMetricValue"]', true);
  // A formula's box is sized to its content: compare its content with the room its element has.
  for (const el of document.querySelectorAll('.katex-display')) {
    const room = el.closest('[data-testid="stElementContainer"]');
    if (shown(el) && el.scrollWidth > room.clientWidth + 1) cut.push(['formula', el.innerText.slice(0, 60)]);
  }
  check('code', '[data-testid="stCode"] pre', false);
  // Any other text on the page that Streamlit would end in "…" (labels, buttons, page links).
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (el.innerText && getComputedStyle(el).textOverflow === 'ellipsis' && shown(el) && wider(el))
      cut.push(['text…', el.innerText.slice(0, 60)]);
  }
  const doc = document.scrollingElement;
  if (doc.scrollWidth > doc.clientWidth) cut.push(['page', `${doc.scrollWidth} > ${doc.clientWidth}`]);
  const main = document.querySelector('[data-testid="stMain"]');
  if (main && main.scrollWidth > main.clientWidth) cut.push(['main', `${main.scrollWidth} > ${main.clientWidth}`]);
  return cut;
}"""


@pytest.fixture
def projector_page(browser):
    """A page at projector size (1280x720 at 150%), in a context of its own."""
    context = browser.new_context(**PROJECTOR)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def settle(page) -> None:
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function(SETTLED, timeout=60_000)
    page.wait_for_timeout(300)  # let late layout (fonts, KaTeX, plots) land
    page.wait_for_function(SETTLED, timeout=60_000)


def on_every_tab(page, check) -> list[tuple[str, object]]:
    """(tab name, item) for each item check() finds as the page opens ("" then), and with each other tab open."""
    found = [("", item) for item in check()]
    tabs = page.get_by_role("tab")
    for i in range(tabs.count()):
        tab = tabs.nth(i)
        if tab.get_attribute("aria-selected") == "true":
            continue
        name = tab.inner_text()
        tab.click()
        settle(page)
        found += [(name, item) for item in check()]
    return found


# Presentation mode in both languages; without it once, in Korean (its words are the longer ones here).
@pytest.mark.parametrize(("lang", "present"), [("en", True), ("ko", True), ("ko", False)],
                         ids=["en-present", "ko-present", "ko-normal"])
def test_nothing_is_cut_at_projector_size(server, projector_page, lang, present):
    page = projector_page
    problems = []
    for path in URL_PATHS:
        page.goto(f"{server.url}/{path}?lang={lang}" + ("&present=1" if present else ""))
        settle(page)
        problems += [(path or "home", tab, *item) for tab, item in on_every_tab(page, lambda: page.evaluate(CUT))]
    assert not problems, "\n".join(map(str, problems))


def test_presentation_mode_folds_the_sidebar_and_stays_in_the_url(server, projector_page):
    page = projector_page
    page.goto(f"{server.url}/conv?lang=en&present=1")
    settle(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_attribute("data-collapsed") == "true"
    root_size = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert root_size > 16, "larger type"
    # The teacher opens the sidebar and switches presentation mode off: the URL forgets it.
    page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_text("Presentation mode").click()
    settle(page)
    page.wait_for_function("() => !location.search.includes('present=')")
    assert page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)") == 16
    # ...and on again: back in the URL, the sidebar folds away by itself.
    page.get_by_text("Presentation mode").click()
    settle(page)
    page.wait_for_function("() => location.search.includes('present=1')")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebar\"]').dataset.collapsed === 'true'")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_train_start_is_above_the_fold_in_presentation_mode(server, projector_page, lang):
    """On a projector the teacher sees Start (and, once it runs, the live chart beside it) without scrolling."""
    page = projector_page
    page.goto(f"{server.url}/train?lang={lang}&present=1")
    settle(page)
    start = page.locator(".st-key-train_start button")
    start.wait_for()
    box = start.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PROJECTOR["viewport"]["height"], box
