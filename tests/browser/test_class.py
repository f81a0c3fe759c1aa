"""The class loop in real Chromium: a teacher creates a class, two students (two browsers, two learners) join
and send drawings from Draw, the teacher's view updates by itself (no reload) with the right counts and
confusion cell, a click on the matrix shows the cell's drawings; a student reaches nothing of it; the
teacher opens the class again with the key at projector size, in Korean.

CNNLAB_SHOTS_DIR, when set, receives screenshots of the teacher's view (laptop and projector, both languages).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import numpy as np
from playwright.sync_api import expect

from cnnlab import store as store_module
from tests.browser.conftest import wait_for_app
from tests.browser.page_checks import LOW_CONTRAST
from tests.browser.test_draw import stroke

LAPTOP = {"viewport": {"width": 1440, "height": 900}, "device_scale_factor": 1}
PROJECTOR = {"viewport": {"width": 853, "height": 480}, "device_scale_factor": 1.5}
SEVEN = [(0.25, 0.22), (0.75, 0.22), (0.42, 0.82)]
ONE = [(0.5, 0.15), (0.5, 0.85)]


def shot(page, name: str) -> None:
    folder = os.environ.get("CNNLAB_SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def assert_readable(page) -> None:
    """Every visible text on the page at WCAG AA contrast (4.5:1; tests/browser/page_checks.LOW_CONTRAST)."""
    problems = page.evaluate(LOW_CONTRAST, [4.5, "[data-testid='stApp']"])
    assert not problems, "\n".join(map(str, problems))


def metric_value(page, label: str):
    return page.locator("[data-testid='stMetric']").filter(has_text=label).locator("[data-testid='stMetricValue']")


def create_class(browser, server):
    context = browser.new_context(**LAPTOP, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{server.url}/teacher?lang=en")
    wait_for_app(page)
    page.get_by_role("tab", name="Create a class").click()
    page.get_by_label("Class name").fill("Room 7 <b>bold</b>")
    page.get_by_role("button", name="Create the class").click()
    code = metric_value(page, "Join code")
    expect(code).to_have_text(re.compile(r"^[A-Z2-9]{6}$"), timeout=30_000)
    key = page.locator("[data-testid='stCode'] code").first.inner_text().strip()
    # the class's name as typed, never as HTML
    expect(page.get_by_text(re.compile(r"^Room 7 <b>bold</b> · Students"))).to_be_visible()
    expect(page.locator("b", has_text="bold")).to_have_count(0)
    return context, page, code.inner_text(), key


def student(browser, server, code: str, nickname: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{server.url}/draw?lang=en")
    wait_for_app(page)
    page.get_by_text("Your class", exact=True).click()
    page.get_by_role("textbox", name="Join code").fill(code)
    page.get_by_role("textbox", name="Nickname (optional)").fill(nickname)
    page.get_by_role("button", name="Join the class").click()
    expect(page.get_by_text("You are in the class:")).to_be_visible(timeout=30_000)
    return context, page


def draw_and_send(page, points, digit: int, clear: bool = False) -> None:
    canvas = page.locator("canvas.upper-canvas")
    expect(canvas).to_be_visible(timeout=60_000)
    if clear:  # a new, empty canvas replaces the old one
        page.get_by_role("button", name="Clear").click()
        expect(page.get_by_text("Draw a digit on the black canvas")).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1000)
        expect(canvas).to_be_visible(timeout=30_000)
    stroke(page, canvas, points)
    send = page.get_by_role("button", name=f"Send to my class: this was a {digit}")
    expect(send).to_be_visible(timeout=30_000)
    send.click()
    expect(page.get_by_text("Sent to your class").first).to_be_visible(timeout=30_000)


def test_two_students_send_drawings_and_the_teachers_view_counts_them_live(server, browser):
    teacher_context, teacher, code, key = create_class(browser, server)
    page_students = [student(browser, server, code, name) for name in ("Ana", "Ben")]
    try:
        expect(metric_value(teacher, "Students")).to_have_text("2", timeout=20_000)  # no reload: the live check
        (_, ana), (_, ben) = page_students
        draw_and_send(ana, SEVEN, 7)
        shot(ana, "student_draw_sent_en")
        draw_and_send(ben, SEVEN, 7)
        draw_and_send(ben, ONE, 1, clear=True)
        expect(metric_value(teacher, "Drawings")).to_have_text("3", timeout=20_000)
        shot(teacher, "teacher_laptop_en_gallery")
        teacher.get_by_role("tab", name="Confusion matrix").click()
        lead = teacher.get_by_text(re.compile(r"of 3 drawings read right"))
        expect(lead).to_be_visible(timeout=20_000)
        click_cell(teacher, 7, 7)
        expect(teacher.get_by_text(re.compile(r"^2 drawings meant as 7, read as 7$"))).to_be_visible(timeout=20_000)
        expect(teacher.get_by_text("Ana", exact=True)).to_be_visible()
        shot(teacher, "teacher_laptop_en_confusion")
        assert_readable(teacher)  # the class view's captions, the cell's drawings and the matrix's sentence
        export_matches_the_store(teacher, code, key)
        # a student: the Teacher page shows only the sign-in, nothing of the class
        ben.goto(f"{server.url}/teacher?lang=en")
        wait_for_app(ben)
        expect(ben.get_by_text("this page is for your teacher", exact=False)).to_be_visible()
        expect(ben.locator("[data-testid='stMetric']")).to_have_count(0)
        expect(ben.locator("[data-testid='stImage']")).to_have_count(0)
        projector_views(browser, server, code, key)
    finally:
        for context, _ in page_students:
            context.close()
        teacher_context.close()


CELL_CENTRE_JS = """([row, col]) => {
  const gd = document.querySelector('.st-key-teacher_confusion .js-plotly-plot');
  const box = gd.getBoundingClientRect(), fl = gd._fullLayout;
  return {x: box.x + fl.xaxis._offset + fl.xaxis.c2p(col), y: box.y + fl.yaxis._offset + fl.yaxis.c2p(row)};
}"""


def export_matches_the_store(page, code: str, key: str) -> None:
    """The Data tab's export, downloaded: its .npz and PNGs are the class's drawings as the store keeps them."""
    page.get_by_role("tab", name="Data").click()
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name=re.compile(r"^Export 3 drawings")).click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    s = store_module.shared()
    drawings = s.class_drawings(s.class_with_key(code, key).id)
    with np.load(io.BytesIO(archive.read("drawings.npz")), allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["images"], np.stack([d.image for d in drawings]))
        assert npz["labels"].tolist() == [d.digit for d in drawings] == [7, 7, 1]
    assert all(archive.read(f"png/{d.id}.png") == d.png for d in drawings)
    assert len(archive.read("drawings.csv").decode().splitlines()) == 4


def click_cell(page, row: int, column: int) -> None:
    """Click the confusion matrix's cell (digit meant `row`, read `column`) where plotly draws it."""
    chart = page.locator(".st-key-teacher_confusion .js-plotly-plot")
    expect(chart).to_be_visible(timeout=20_000)
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    point = page.evaluate(CELL_CENTRE_JS, [row, column])
    page.mouse.click(point["x"], point["y"])


def projector_views(browser, server, code: str, key: str) -> None:
    """The teacher opens the class again from another browser, with the key, at projector size, in Korean."""
    for lang, size, name in (("ko", PROJECTOR, "projector_ko"), ("en", PROJECTOR, "projector_en"),
                             ("ko", LAPTOP, "laptop_ko")):
        context = browser.new_context(**size, locale="ko-KR" if lang == "ko" else "en-US")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(f"{server.url}/teacher?lang={lang}&present=1" if size is PROJECTOR
                      else f"{server.url}/teacher?lang={lang}")
            page.wait_for_selector("[data-testid='stApp']")
            page.get_by_label("참여 코드" if lang == "ko" else "Join code").fill(code)
            page.get_by_label("교사 키" if lang == "ko" else "Teacher key").fill(key)
            page.get_by_role("button", name="열기" if lang == "ko" else "Open").click()
            expect(metric_value(page, "참여 코드" if lang == "ko" else "Join code")).to_have_text(code, timeout=30_000)
            expect(page.locator("[data-testid='stException']")).to_have_count(0)
            page.locator("h1").first.scroll_into_view_if_needed()  # the first screen, as the class sees it
            page.wait_for_timeout(300)
            shot(page, f"teacher_{name}_gallery")
            assert_readable(page)
            page.get_by_role("tab", name="혼동 행렬" if lang == "ko" else "Confusion matrix").click()
            page.locator(".st-key-teacher_confusion").scroll_into_view_if_needed()
            page.wait_for_timeout(800)
            shot(page, f"teacher_{name}_confusion")
            assert_readable(page)
        finally:
            context.close()
