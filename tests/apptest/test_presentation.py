"""Presentation mode in AppTest: the toggle, the URL, and every page drawn with present-mode charts."""

import pytest

from components import state_keys as keys
from components.pages import HOME, PAGES

PAGE_PATHS = [info.path for info in (HOME, *PAGES)]


def test_present_param_in_the_url_turns_the_mode_on(app_test):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APPTEST_TIMEOUT, ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APPTEST_TIMEOUT)
    at.query_params["present"] = "1"
    at.run()
    assert at.session_state[keys.PRESENT] is True
    assert at.toggle(key=keys.PRESENT).value is True


def test_the_toggle_writes_the_mode_into_the_url_and_takes_it_out(app_test):
    at = app_test("en")
    toggle = at.toggle(key=keys.PRESENT)
    assert toggle.value is False and toggle.label == "Presentation mode"
    assert "present" not in at.query_params
    toggle.set_value(True).run()
    assert at.query_params["present"] in ("1", ["1"])
    at.toggle(key=keys.PRESENT).set_value(False).run()
    assert "present" not in at.query_params
    assert not at.exception


@pytest.mark.parametrize("page", PAGE_PATHS)
def test_every_page_runs_in_presentation_mode(app_test, page):
    at = app_test("ko")
    at.toggle(key=keys.PRESENT).set_value(True).run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.toggle(key=keys.PRESENT).label == "발표 모드"
