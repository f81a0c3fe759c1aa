"""Presentation mode's Train page: it says how long the class will watch, and a watchable pace is a visible choice."""

from __future__ import annotations

import pytest

from cnnlab import architecture, recipe
from cnnlab.i18n import translate
from cnnlab.limits import TRAINING_FLOPS_PER_SECOND
from components import state_keys as keys
from tests.apptest.helpers import all_text, widget_default_warnings

PAGE = "app_pages/train.py"


def seconds(config: recipe.TrainConfig) -> str:
    cost = recipe.training_cost(architecture.analyze(architecture.chapter_spec()), config, 8000, 2000)
    return f"{cost.total / TRAINING_FLOPS_PER_SECOND:.0f}"


def presenting(app_test, lang: str):
    at = app_test(lang)
    at.toggle(key=keys.PRESENT).set_value(True).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_chapters_settings_stay_and_the_page_says_how_long_they_train(app_test, lang):
    at = presenting(app_test, lang)
    assert at.slider(key=keys.TRAIN_EPOCHS).value == 5 and at.select_slider(key=keys.TRAIN_FRACTION).value == 1.0
    settings = translate("pace.settings", lang, quantity=5, epochs=5, count="8,000")
    said = translate("pace.chapter", lang, settings=settings, seconds=seconds(recipe.TrainConfig()), low="15", high="30")
    assert said in [c.value for c in at.caption], [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == keys.TRAIN_WATCH_PACE_BUTTON]


def test_too_quick_settings_offer_a_pace_the_page_then_names(app_test, monkeypatch):
    with widget_default_warnings(monkeypatch) as messages:
        at = presenting(app_test, "en")
        at.slider(key=keys.TRAIN_EPOCHS).set_value(1).run()
        at.select_slider(key=keys.TRAIN_FRACTION).set_value(0.25).run()
        quick = recipe.TrainConfig(epochs=1, data_fraction=0.25)
        assert translate("pace.too_quick", "en", settings="1 epoch on 2,000 digits", seconds=seconds(quick)) \
            in [w.value for w in at.warning]
        at.button(key=keys.TRAIN_WATCH_PACE_BUTTON).click().run()
        assert not at.exception, [e.value for e in at.exception]
    epochs, fraction = at.slider(key=keys.TRAIN_EPOCHS).value, at.select_slider(key=keys.TRAIN_FRACTION).value
    assert fraction == 0.25 and epochs > 1, "the same data share, more epochs"
    lasts = float(seconds(recipe.TrainConfig(epochs=epochs, data_fraction=fraction)))
    assert 15 <= lasts <= 30
    assert f"Chosen for the class: {epochs} epochs on 2,000 digits, about {lasts:.0f} s" in all_text(at)
    assert "The chapter's settings are 5 epochs on 8,000 digits" in all_text(at)
    assert not [m for m in messages if "default value" in m], messages
    # moving a slider again: no longer the chosen pace, and the page no longer says it was chosen
    at.slider(key=keys.TRAIN_EPOCHS).set_value(epochs + 1).run()
    assert "Chosen for the class" not in all_text(at)


def test_no_pace_note_outside_presentation_mode(app_test):
    at = app_test("en", PAGE)
    assert not any("For the class" in c.value for c in at.caption)
