"""The learner's saved work through the pages (AppTest): saving a drawing with the digit meant, the gallery,
the Train page's models (use, results, delete), forget me. The store is read back directly as the reference."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from cnnlab import store as store_module
from cnnlab.drawn_digits import drawn_digits
from components import state_keys as keys
from tests.apptest.test_draw import CANVAS, canvas_value, png
from tests.unit.test_store import digit_image, flat_record, png_bytes


@pytest.fixture(scope="module")
def seven():
    return next(d for d in drawn_digits(40, seed=5) if d.label == 7)


def learner_of(at) -> str:
    return at.session_state[keys.LEARNER_ID]


def texts(at) -> str:
    return " ".join(e.value for e in [*at.markdown, *at.caption, *at.success, *at.info, *at.warning, *at.error])


def test_a_drawing_is_saved_with_the_digit_meant_in_one_click(app_test, seven):
    at = app_test("en", "app_pages/draw.py")
    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    meant_key = keys.draw_meant_digit(hashlib.sha1(png(seven.image)).hexdigest()[:12])
    assert at.selectbox(key=meant_key).value == 7, "the model's reading is the default"
    at.button(key=keys.DRAW_SAVE).click().run()
    assert not at.exception
    assert "Saved, as a 7." in texts(at)
    (saved,) = store_module.shared().list_drawings(learner_of(at))
    assert saved.digit == 7 and saved.png == png(seven.image)
    np.testing.assert_array_equal(saved.image, at.session_state[keys.LAST_DRAWN_DIGIT])

    at.selectbox(key=meant_key).set_value(1)  # the learner meant something else
    at.button(key=keys.DRAW_SAVE).click().run()
    assert [d.digit for d in store_module.shared().list_drawings(learner_of(at))] == [1, 7]
    assert "Your saved drawings (2 of 60)" in [e.label for e in at.expander]


def test_the_gallery_shows_saved_drawings_and_deletes_one(app_test):
    at = app_test("ko")
    who, s = learner_of(at), store_module.shared()
    ids = [s.save_drawing(who, png_bytes(i), digit_image(i), i) for i in (3, 4)]
    at.session_state[keys.DRAW_SAVED_GALLERY] = True  # the learner opens the gallery
    at.switch_page("app_pages/draw.py").run()
    assert not at.exception
    assert len(at.get("image")) == 2
    at.button(key=keys.draw_saved_delete(ids[0])).click().run()
    assert [d.id for d in s.list_drawings(who)] == [ids[1]]
    assert len(at.get("image")) == 1


def test_saved_models_are_listed_chosen_shown_and_deleted_on_the_train_page(app_test):
    at = app_test("en", "app_pages/train.py")
    who, s = learner_of(at), store_module.shared()
    from cnnlab.recipe import evaluation_from_probs

    probs = np.eye(10)[np.arange(30) % 10]
    evaluation = evaluation_from_probs(probs, np.zeros((30, 28, 28), np.uint8), (np.arange(30) + 1) % 10)
    first = s.save_model(who, flat_record(evaluation=evaluation))
    second = s.save_model(who, flat_record())
    at.run()
    assert not at.exception
    shown = texts(at)
    assert f"**#{first}**" in shown and f"**#{second}**" in shown and "2 of 10 kept" in shown
    at.button(key=keys.train_saved_model(first, "use")).click().run()
    assert s.active_model_id(who) == first
    assert not [b for b in at.button if b.key == keys.train_saved_model(first, "use")], "in use: a badge, no button"
    at.button(key=keys.train_saved_model(first, "show")).click().run()
    assert not at.exception
    assert f"Results of your saved model #{first}" in [h.value for h in at.subheader]
    assert {m.label: m.value for m in at.metric}["Test accuracy"] == "0.00%"  # every label shifted by one
    at.button(key=keys.train_saved_model(first, "delete")).click().run()
    assert [m.id for m in s.list_models(who)] == [second] and s.active_model_id(who) is None
    assert f"Model #{first} deleted." in texts(at)


def test_the_chosen_model_is_the_one_other_pages_use_and_describe(app_test):
    at = app_test("en")
    who, s = learner_of(at), store_module.shared()
    from cnnlab import architecture, recipe

    stack = architecture.chapter_spec()
    model = recipe.publishable_model(stack, recipe.TrainConfig())
    record = flat_record(stack=stack, weights=model.get_weights(), stopped=True)
    s.set_active_model(who, s.save_model(who, record))
    at.switch_page("app_pages/home.py").run()
    assert not at.exception
    assert "stopped" in texts(at) or "your model" in texts(at).lower()
    at.switch_page("app_pages/network.py").run()
    assert not at.exception
    assert at.session_state[keys.TRAINED_MODEL].saved_id == s.active_model_id(who)


def test_forget_me_deletes_everything_and_starts_a_new_learner(app_test):
    at = app_test("en")
    who, s = learner_of(at), store_module.shared()
    s.save_drawing(who, png_bytes(), digit_image(), 5)
    s.set_active_model(who, s.save_model(who, flat_record()))
    s.record_answer(who, "conv", "q1", "3", True)
    at.session_state[keys.SAVED_WORK_PANEL] = True
    at.run()
    assert "**Models:** 1 of 10  \n**Drawings:** 1 of 60" in texts(at)
    at.button(key=keys.FORGET_ME).click().run()
    at.button(key=keys.FORGET_CANCEL).click().run()
    assert s.counts(who).drawings == 1, "cancel deletes nothing"
    at.button(key=keys.FORGET_ME).click().run()
    at.button(key=keys.FORGET_CONFIRM).click().run()
    assert not at.exception
    assert s.counts(who) == store_module.SavedCounts(0, 0, 0) and s.active_model_id(who) is None
    assert s.progress(who) == {}
    assert learner_of(at) != who, "the browser gets a new anonymous id"
    assert "Everything you had saved here is deleted" in texts(at)


def test_a_training_lost_with_its_server_is_said_plainly_and_its_last_epoch_can_be_kept(app_test):
    from datetime import datetime, timedelta, timezone

    import sqlalchemy as sa

    from cnnlab import store_schema
    from cnnlab.recipe import TrainConfig
    from tests.unit.test_store import SMALL_STACK, history

    at = app_test("en")
    who, s = learner_of(at), store_module.shared()
    settings = store_module.training_settings(SMALL_STACK, TrainConfig(epochs=5), "bundled", 48)
    s.training_started(who, "lostjob", settings, 5, "r1:4242", "another-host")  # a process that then died
    s.training_update(who, "lostjob", "running", 3,
                      checkpoint=(3, store_module.checkpoint_blob(flat_record().weights, history())))
    with s._engine.begin() as conn:  # its last heartbeat, a minute ago
        conn.execute(sa.update(store_schema.trainings).where(store_schema.trainings.c.learner == who)
                     .values(heartbeat=datetime.now(timezone.utc) - timedelta(minutes=1)))
    at.switch_page("app_pages/train.py").run()
    assert not at.exception
    assert any("the server process that ran it has ended" in w.value and "3 of 5 epochs" in w.value for w in at.warning)
    at.button(key=keys.TRAIN_KEEP_CHECKPOINT).click().run()
    assert not at.exception
    (kept,) = s.list_models(who)
    assert kept.from_checkpoint and kept.epochs_done == 3 and s.active_model_id(who) == kept.id
    assert s.training_status(who) is None and not at.warning
    assert "kept from a stopped training" in texts(at)
