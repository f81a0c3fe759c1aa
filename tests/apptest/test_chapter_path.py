"""The chapter path (previous / next, summary, "try this next") and the learner's progress (AppTest)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cnnlab import i18n
from cnnlab import store as store_module
from components import state_keys as keys
from components.chapter_path import ORDER, neighbours
from components.pages import HOME, PAGES
from tests.apptest.helpers import all_text, metric
from tests.conftest import APPTEST_TIMEOUT, ROOT

CHAPTER_ORDER = ["home", "sequences", "conv", "pooling", "model", "train", "draw", "network"]


def test_the_path_follows_the_chapter():
    assert [info.name for info in ORDER] == CHAPTER_ORDER
    assert neighbours("home") == (None, PAGES[0])
    assert neighbours("conv") == (PAGES[0], PAGES[2])
    assert neighbours("network") == (PAGES[-2], None)
    with pytest.raises(ValueError):
        neighbours("nowhere")


@pytest.fixture
def open_page(app_test, monkeypatch):
    """The app on `page` in `lang` (format_func outside the session reads the default language: see
    tests/apptest/test_checks.py)."""
    def start(lang: str, page: str):
        monkeypatch.setattr("components.i18n.DEFAULT_LANGUAGE", lang)
        at = app_test(lang, None if page == "home" else f"app_pages/{page}.py", open_checks=True)
        assert not at.exception, [e.value for e in at.exception]
        return at

    return start


def path_links(at, name: str) -> list[tuple[str, str]]:
    """(label, page) of the path's previous / next links: the last page links on the page."""
    count = sum(info is not None for info in neighbours(name))
    return [(link.value, link.proto.page) for link in at.page_link][-count:]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("name", CHAPTER_ORDER)
def test_every_page_ends_with_a_summary_and_its_neighbours(open_page, name, lang):
    at = open_page(lang, name)
    before, after = neighbours(name)
    links = path_links(at, name)
    if after is not None:
        label, page = links[-1]
        assert label == i18n.translate("path.next", lang, page=i18n.translate(f"nav.{after.name}", lang))
        assert page.endswith(after.path) or page == after.name
    if before is not None:
        label, page = links[0]
        assert label == i18n.translate("path.previous", lang, page=i18n.translate(f"nav.{before.name}", lang))
    heading = i18n.translate("path.home_heading" if name == "home" else "path.summary_heading", lang)
    summaries = [m.value for m in at.markdown if m.value.startswith(f"**{heading}**")]
    assert len(summaries) == 1 and summaries[0].count("\n") >= 2, summaries  # heading, then two lines


def test_the_summary_uses_the_pages_numbers(open_page):
    at = open_page("en", "conv")
    assert "`Conv2D(2, 3, activation='relu')` turns `(4, 28, 28, 3)` into `(4, 26, 26, 2)`" in all_text(at)
    assert "= 56 parameters" in all_text(at)


def click(at, label_key: str, lang: str = "en", **values) -> None:
    label = i18n.translate(label_key, lang, **values)
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_try_this_next_changes_the_setting_with_one_click(open_page):
    at = open_page("en", "conv")
    click(at, "path.try_conv_padding", padding="same")
    assert at.button_group(key=keys.CONV_PADDING).value == "same"
    assert metric(at, "Output shape") == "(4, 28, 28, 2)"
    click(at, "path.try_conv_chapter")
    assert metric(at, "Output shape") == "(4, 26, 26, 2)"

    at = open_page("en", "pooling")
    click(at, "path.try_pool_same")
    assert at.button_group(key=keys.POOLING_PADDING).value == "same"
    assert at.slider(key=keys.POOLING_STRIDE_H).value == 2
    assert "(1, 2, 2, 1)" in [m.value for m in at.markdown] + [m.value for m in at.metric]


def test_try_this_next_on_the_model_edits_the_stack(open_page):
    at = open_page("en", "model")
    click(at, "path.try_model_dense", units=64, doubled=128)
    # 93,322 − (576 + 1) × 64 − (64 + 1) × 10 + (576 + 1) × 128 + (128 + 1) × 10
    assert metric(at, "Parameters") == "130,890"
    click(at, "path.try_model_dropout")
    assert [layer.kind for layer in at.session_state[keys.MODEL_SPEC]].count("Dropout") == 1
    assert metric(at, "Parameters") == "130,890"  # Dropout learns nothing
    click(at, "path.try_model_chapter")
    assert metric(at, "Parameters") == "93,322"


def test_try_this_next_in_korean_on_sequences(open_page):
    at = open_page("ko", "sequences")
    at.slider(key=keys.SEQUENCES_STEP_T).set_value(3).run()
    click(at, "path.try_seq_memory0", "ko")
    assert at.slider(key=keys.SEQUENCES_MEMORY).value == 0.0
    assert i18n.translate("checks.seq_depends_prompt", "ko", t=3, prev=2, memory="0") in all_text(at)


def test_progress_counts_pages_and_answers_and_resets(open_page):
    at = open_page("en", "home")
    assert at.sidebar.caption[-1].value == "0 of 7 sections, no check answered yet"
    for info in PAGES[:3]:
        at.switch_page(info.path).run()
    assert at.sidebar.caption[-1].value == "3 of 7 sections, no check answered yet"
    check = next(w for w in at.text_input if (w.key or "").startswith("check_input_pool_params_"))
    check.input("4")
    next(b for b in at.button if b.form_id == check.form_id).click().run()
    assert at.sidebar.caption[-1].value == "3 of 7 sections, 0/1 checks right"
    at.switch_page(HOME.path).run()
    assert "3 of 7 sections, 0/1 checks right" in all_text(at)
    links = {link.value: link.proto.icon for link in at.page_link}
    assert links["MaxPooling2D — 0/1 checks right"] == ":material/check_circle:"
    assert links["Model"] == ":material/radio_button_unchecked:"
    at.button(key=keys.PROGRESS_RESET).click().run()
    assert at.sidebar.caption[-1].value == "0 of 7 sections, no check answered yet"  # Home is no section
    at.switch_page(PAGES[2].path).run()
    assert any((w.key or "").startswith("check_input_pool_params_") for w in at.text_input)  # unanswered again


def test_progress_survives_a_reload_from_the_store(open_page, app_test):
    at = open_page("en", "pooling")
    who = at.session_state[keys.LEARNER_ID]
    check = next(w for w in at.text_input if (w.key or "").startswith("check_input_pool_params_"))
    check.input("0")
    next(b for b in at.button if b.form_id == check.form_id).click().run()
    assert at.sidebar.caption[-1].value == "1 of 7 sections, 1/1 checks right"
    assert store_module.shared().last_answers(who) == {"pool_params": ("pooling", True)}

    reloaded = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APPTEST_TIMEOUT)
    reloaded.session_state[keys.LANG] = "en"
    reloaded.session_state[keys.LEARNER_ID] = who  # the browser's cookie, as a reload sends it
    reloaded.run()
    assert reloaded.sidebar.caption[-1].value == "1 of 7 sections, 1/1 checks right"
    reloaded.button(key=keys.PROGRESS_RESET).click().run()
    assert store_module.shared().last_answers(who) == {}
    assert set(store_module.shared().progress(who)) == {"home"}  # the page the reset's rerun shows


def test_progress_in_korean(open_page):
    at = open_page("ko", "draw")
    assert at.sidebar.caption[-1].value == "7개 절 중 1개, 아직 답한 질문 없음"


@pytest.mark.parametrize("name", ["sequences", "conv", "pooling", "train", "draw", "network"])
def test_every_try_this_next_writes_its_widgets_without_a_widget_default_warning(open_page, monkeypatch, name):
    """A suggestion writes widget values in its callback: no widget it writes may have a default as well (Streamlit
    logs "created with a default value but also had its value set via the Session State API")."""
    from tests.apptest.helpers import widget_default_warnings

    with widget_default_warnings(monkeypatch) as messages:
        at = open_page("en", name)
        clicked: set[str] = set()
        for _ in range(8):  # each click may change the suggestions that follow: click each label once
            buttons = [b for b in at.button if (b.key or "").startswith(keys.path_suggestion(name, 0)[:-1])]
            fresh = [b for b in buttons if b.label not in clicked]
            if not fresh:
                break
            clicked.add(fresh[0].label)
            fresh[0].click().run()
            assert not at.exception, [e.value for e in at.exception]
    assert clicked or name in ("draw", "network"), "the page offers something to try"
    assert not [m for m in messages if "default value" in m], (clicked, messages)
