"""The real app in Chromium: loads, deep links on a fresh server, language switching."""

from playwright.sync_api import expect

from tests.browser.conftest import wait_for_app


def test_app_loads_home(server, page):
    page.goto(server.url)
    wait_for_app(page)
    expect(page.get_by_role("heading", name="CNN Lab")).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_first_request_deep_link_renders_in_the_app_frame(fresh_server, page):
    # The very first request to this server is a deep link: it must render with
    # the app's own frame (language picker) and exactly one navigation.
    page.goto(f"{fresh_server.url}/draw?lang=en")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Draw a digit").first).to_be_visible()
    expect(page.get_by_text("Language · 언어")).to_be_visible()
    expect(page.locator("[data-testid='stSidebarNav']")).to_have_count(1)


def test_switching_language_changes_visible_text(server, page):
    page.goto(f"{server.url}/?lang=en")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="What the chapter teaches")).to_be_visible()
    page.locator("[data-testid='stSidebar']").get_by_text("한국어", exact=True).click()
    expect(page.get_by_role("heading", name="이 장에서 배우는 것")).to_be_visible()
    expect(page.get_by_role("heading", name="What the chapter teaches")).to_have_count(0)
    assert "lang=ko" in page.url


def test_language_follows_browser_locale_without_lang_param(server, browser):
    context = browser.new_context(locale="ko-KR")
    try:
        page = context.new_page()
        page.goto(server.url)
        wait_for_app(page)
        expect(page.get_by_role("heading", name="이 장에서 배우는 것")).to_be_visible()
    finally:
        context.close()
