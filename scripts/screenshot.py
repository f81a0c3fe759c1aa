"""Screenshot pages of a running app with headless Debian Chromium (for reviewing the UI).

Usage: python scripts/screenshot.py http://localhost:8501/conv?lang=ko out.png [--wait 4] [--height 1800]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser.chromium import launch_chromium  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out", type=Path)
    parser.add_argument("--wait", type=float, default=4.0, help="seconds to let the page settle")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--full", action="store_true", help="the whole scrollable page")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        page.goto(args.url)
        page.wait_for_selector("[data-testid='stApp']")
        page.wait_for_timeout(int(args.wait * 1000))
        if args.full:
            # Streamlit scrolls inside its main section, not the document: grow the viewport.
            height = page.evaluate(
                "() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 1000")
            page.set_viewport_size({"width": args.width, "height": min(int(height) + 40, 12000)})
            page.wait_for_timeout(800)
        page.screenshot(path=str(args.out))
        browser.close()


if __name__ == "__main__":
    main()
