"""Every page runs without exception in both languages, reached from app.py."""

import pytest

from components.pages import HOME
from components.pages import PAGES as APP_PAGES

PAGES = [info.path for info in (HOME, *APP_PAGES)]


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_runs_in_both_languages(app_test, page, lang):
    at = app_test(lang, page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"


def test_home_shows_data_and_model_status(app_test):
    at = app_test("en")
    text = " ".join(m.value for m in at.markdown)
    assert "bundled MNIST subset" in text
    assert "8,000 training images" in " ".join(c.value for c in at.caption)


def test_home_in_korean_has_no_english_headings(app_test):
    at = app_test("ko")
    assert at.title[0].value == "CNN Lab"
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in h.value) for h in at.subheader)


def test_home_names_the_data_and_leaves_the_download_to_the_operator(app_test):
    at = app_test("en")
    assert not at.exception
    assert not [b for b in at.button if "download" in (b.key or "")]  # no visitor can switch the server's data
    assert "bundled MNIST subset" in " ".join(m.value for m in at.markdown)
    assert "scripts/download_mnist.py" in " ".join(c.value for c in at.caption)


def test_home_names_a_model_still_training_in_this_session(app_test):
    from components import state_keys as keys
    from components.active_model import TrainedModel

    at = app_test("en")
    at.session_state[keys.TRAINED_MODEL] = TrainedModel(
        model=None, test_accuracy=None, epochs_done=2, data_source="bundled", finished=False, origin={"epochs": 5})
    at.run()
    assert not at.exception
    assert "still training on the Train page (2 of 5 epochs done)" in " ".join(m.value for m in at.markdown)
    at.session_state[keys.TRAINED_MODEL] = TrainedModel(
        model=None, test_accuracy=0.9712, epochs_done=5, data_source="bundled",
        origin={"epochs": 5, "layers": 8, "params": 93322, "optimizer": "adam"})
    at.run()
    assert "93,322 parameters, 5 epochs with adam), test accuracy 97.12%" in " ".join(m.value for m in at.markdown)
