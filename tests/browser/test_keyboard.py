"""The step-through and the network trace without a mouse: Tab to a control, arrow keys or typed digits, Enter.

Only page.keyboard is used once the page is open: focus moves by Tab (never by a click or .focus()), so every
control a learner needs is reachable in the page's tab order.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import wait_for_app
from tests.browser.test_linked_views import expect_window

FOCUSED_IN = "(selector) => !!(document.activeElement && document.activeElement.closest(selector))"


def tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until the focused element lies inside `selector` (fails when it is not in the tab order)."""
    for _ in range(limit):
        if page.evaluate(FOCUSED_IN, selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached by {limit} Tab presses")


def open_page(page, url: str) -> None:
    page.set_default_timeout(60_000)
    page.goto(url)
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stMetricValue']")


def test_the_conv_step_through_from_the_keyboard(server, page):
    """7×7 grid, 3×3 kernel, strides 2, 'same' (4×4 output). Arrow keys open the Step-through tab; typed row 3 and
    column 0 (Enter) move the window and the sum; ArrowRight on the slider walks one cell on and the boxes follow."""
    open_page(page, f"{server.url}/conv?lang=en&conv_strides=2&conv_padding=same")
    tab_to(page, "[data-testid='stTabs'] [role='tab']")
    for _ in range(6):
        if page.evaluate("() => document.activeElement.innerText.includes('Step-through')"):
            break
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_selector(".st-key-conv_step_output .js-plotly-plot")
    wait_for_app(page)

    tab_to(page, ".st-key-conv_step_row")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    wait_for_app(page)
    tab_to(page, ".st-key-conv_step_col")  # already 0: the window is the last row's first
    expect_window(page, "conv_step_window", [[6 + a, b] for a in range(3) for b in range(3)])
    expect(page.locator("[data-testid='stMarkdown']").filter(has_text="Output cell (row 3, column 0):")).to_have_count(1)
    slider = page.locator(".st-key-conv_step_cell [data-testid='stSliderThumbValue']")
    expect(slider).to_have_text("12")

    # back to the slider (Shift+Tab) and one step right: cell 13 = row 3, column 1
    for _ in range(10):
        if page.evaluate(FOCUSED_IN, ".st-key-conv_step_cell"):
            break
        page.keyboard.press("Shift+Tab")
    for _ in range(3):  # a key pressed while a rerun redraws the page can be lost, as a student's would be
        if slider.inner_text() == "13":
            break
        page.keyboard.press("ArrowRight")
        wait_for_app(page)
        page.wait_for_timeout(500)
    expect(slider).to_have_text("13", timeout=15_000)
    expect(page.locator(".st-key-conv_step_col input")).to_have_value("1", timeout=15_000)
    expect_window(page, "conv_step_window", [[6 + a, 2 + b] for a in range(3) for b in range(3)])
    expect(page.locator("[data-testid='stMarkdown']").filter(has_text="Output cell (row 3, column 1):")).to_have_count(1)
    # the grids' text alternative follows too (what a screen reader reads instead of the pictures)
    expect(page.locator("[data-testid='stCaptionContainer']").filter(
        has_text="In numbers: output cell (row 3, column 1) = ")).to_have_count(1)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_the_network_trace_from_the_keyboard(server, page):
    """ArrowUp in the row box and Enter: the traced cell, its map's title and the sum move one row down."""
    page.set_default_timeout(60_000)
    page.goto(f"{server.url}/network?lang=en")
    wait_for_app(page)
    page.wait_for_selector(".st-key-network_map_chart .js-plotly-plot")
    row_box = page.locator(".st-key-network_row input")
    before = int(row_box.input_value())
    tab_to(page, ".st-key-network_row")
    page.keyboard.press("ArrowUp" if before < 25 else "ArrowDown")
    page.keyboard.press("Enter")
    after = before + 1 if before < 25 else before - 1
    expect(row_box).to_have_value(str(after), timeout=30_000)
    wait_for_app(page)
    col = page.locator(".st-key-network_col input").input_value()
    title = f"cell ({after}, {col}) = "
    page.wait_for_function(
        """(title) => document.querySelector('.st-key-network_map_chart .js-plotly-plot')
             ._fullLayout.title.text.includes(title)""", arg=title, timeout=60_000)
    value = page.evaluate("""() => document.querySelector('.st-key-network_map_chart .js-plotly-plot')
                             ._fullLayout.title.text""")
    value = float(re.sub(r"<[^>]+>", "", value).split(" = ")[-1])
    sum_line = page.locator("[data-testid='stMarkdown']").filter(has_text="the value of the chosen cell")
    expect(sum_line).to_have_count(1)
    assert float(re.findall(r"-?\d+\.\d+", sum_line.inner_text())[-1]) == value, (sum_line.inner_text(), value)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
