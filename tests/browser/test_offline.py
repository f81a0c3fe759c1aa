"""Offline: loading and using every page makes no request that leaves the machine (the favicon too)."""

from urllib.parse import urlparse

from components.pages import PAGES
from tests.browser.conftest import wait_for_app

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def test_no_request_leaves_localhost_and_the_favicon_is_shipped(server, page):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for lang in ("en", "ko"):
        for path in ["", *(info.name for info in PAGES)]:
            page.goto(f"{server.url}/{path}?lang={lang}")
            wait_for_app(page)
            page.wait_for_timeout(300)  # favicon and late assets
    outside = sorted({url for url in requested
                      if urlparse(url).scheme in ("http", "https", "ws", "wss")
                      and urlparse(url).hostname not in LOCAL_HOSTS})
    assert not outside, f"requests leaving the machine: {outside}"
    icon = page.locator("link[rel*='icon']").first.get_attribute("href")
    assert icon and "gstatic" not in icon and icon.endswith(".png"), icon
    assert any(url.endswith(icon.rsplit("/", 1)[-1]) for url in requested), "the shipped favicon was requested"
