"""The recurrent family in AppTest, in both languages: the family picker and the rows/columns toggle (Model,
Train), an RNN trained through the queue, and Draw's RNN reading (its answers, the row slider, the comparison)."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest

from cnnlab import architecture as arch
from cnnlab import data, models, training
from cnnlab.drawn_digits import drawn_digits
from cnnlab.i18n import translate
from components import state_keys as keys
from tests.apptest.helpers import all_text
from tests.apptest.test_draw import CANVAS, canvas_value

MODEL, TRAIN, DRAW = "app_pages/model.py", "app_pages/train.py", "app_pages/draw.py"


def kinds(at) -> list[str]:
    return [layer.kind for layer in at.session_state[keys.MODEL_SPEC]]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@functools.cache
def keras_per_digit(family: str) -> np.ndarray:
    """A shipped model's accuracy per true digit on the bundled test digits, the model called directly."""
    bundled = data.load_bundled()
    model = models.load_pretrained(family)
    probs = np.asarray(model(bundled.x_test[..., None].astype("float32") / 255.0, training=False))
    right = probs.argmax(axis=1) == bundled.y_test
    return np.array([right[bundled.y_test == d].mean() for d in range(10)])


def charts(at) -> dict[str, dict]:
    return {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_family_picker_switches_and_keeps_each_familys_stack(app_test, lang):
    at = app_test(lang, MODEL)
    family = at.button_group(key=keys.MODEL_FAMILY)
    assert family.value == "cnn" and family.options[1] == translate("rnn.family_rnn", lang)
    family.set_value("rnn").run()
    assert not at.exception and kinds(at) == ["Reshape", "LSTM", "Dense"]
    assert metrics(at)[translate("model.metric_params", lang)] == "81,674"
    assert translate("rnn.is_start", lang) in all_text(at)
    assert "model.add(layers.Reshape((28, 28)))" in at.code[-1].value

    at.toggle(key=keys.MODEL_READ_COLUMNS).set_value(True).run()  # read the columns
    assert kinds(at) == ["Reshape", "Permute", "LSTM", "Dense"] and translate("rnn.changed", lang) in all_text(at)
    at.button_group(key=keys.MODEL_FAMILY).set_value("cnn").run()
    assert at.session_state[keys.MODEL_SPEC] == arch.chapter_spec()
    at.button_group(key=keys.MODEL_FAMILY).set_value("rnn").run()
    assert kinds(at) == ["Reshape", "Permute", "LSTM", "Dense"], "the RNN the learner built is kept"
    at.toggle(key=keys.MODEL_READ_COLUMNS).set_value(False).run()
    assert kinds(at) == ["Reshape", "LSTM", "Dense"]
    at.button(key=keys.MODEL_RESET).click().run()
    assert at.session_state[keys.MODEL_SPEC] == arch.rnn_spec() and not at.exception


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_return_sequences_before_dense_is_refused_with_its_reason(app_test, lang):
    at = app_test(lang, MODEL)
    at.button_group(key=keys.MODEL_FAMILY).set_value("rnn").run()
    lstm = at.session_state[keys.MODEL_SPEC][1]
    at.toggle(key=keys.model_layer_widget(lstm.uid, "return_sequences")).set_value(True).run()
    assert not at.exception
    message = translate("model.issue_dense_on_sequence", lang, shape="(None, 28, 128)")
    assert any(message == e.value for e in at.error), [e.value for e in at.error]
    assert metrics(at)[translate("model.metric_status", lang)] == translate("model.status_bad", lang)
    assert at.session_state[keys.MODEL_SPEC][1].return_sequences


def test_an_rnn_trains_through_the_queue_and_joins_the_comparison_and_the_draw_page(app_test):
    at = app_test("en", TRAIN)
    at.button_group(key=keys.TRAIN_FAMILY).set_value("rnn").run()
    assert kinds(at) == ["Reshape", "LSTM", "Dense"] and "81,674" in all_text(at)
    at.select_slider(key=keys.TRAIN_FRACTION).set_value(0.05)
    at.slider(key=keys.TRAIN_EPOCHS).set_value(1)
    at.button(key=keys.TRAIN_START).click().run()
    job = at.session_state[keys.TRAINING_JOB]
    assert at.button_group(key=keys.TRAIN_FAMILY).disabled, "no switching while the family trains"
    assert job.wait(240), "the RNN's training should finish"
    at.run()
    assert not at.exception and job.state == training.DONE and len(job.history().epochs) == 1
    assert metrics(at)["Epochs done"] == "1 / 1" and job.evaluation.confusion.sum() == 2000
    assert translate("rnn.watch_recurrent", "en") in all_text(at)
    table = next(d.value for d in at.dataframe if "your RNN" in d.value.columns)
    assert list(table.columns) == ["", "CNN (shipped)", "RNN (shipped)", "your RNN"]
    assert table["your RNN"][0] == "81,674" and f"{job.evaluation.test_accuracy:.2%}" in table["your RNN"][2]
    assert at.session_state[keys.TRAINED_MODEL].origin["family"] == "rnn"

    at.switch_page(DRAW).run()  # the learner's own RNN reads; the shipped CNN answers beside it
    at.session_state[CANVAS] = canvas_value(next(d for d in drawn_digits(40, seed=5) if d.label == 7).image)
    at.run()
    assert not at.exception
    text = all_text(at)
    assert "your own trained LSTM model" in text and translate("rnn.cnn_is_shipped", "en") in text
    assert metrics(at)["CNN (the whole image at once)"] == "7"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_draw_shows_the_rnn_reading_row_by_row_beside_the_cnn(app_test, lang):
    at = app_test(lang, DRAW)
    assert translate("rnn.waiting", lang) in all_text(at)
    at.session_state[CANVAS] = canvas_value(next(d for d in drawn_digits(40, seed=5) if d.label == 7).image)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = metrics(at)
    assert shown[translate("rnn.cnn_answer", lang)] == "7" and shown[translate("rnn.rnn_answer", lang)] == "7"
    reading = at.session_state[keys.RNN_READING][2]
    assert shown[translate("rnn.decided", lang)] == translate("rnn.decided_value", lang, row=reading.decided_at,
                                                               steps=28)
    assert keys.RNN_WATCH_CHART not in charts(at), "folded: nothing built until the learner opens it"
    at.session_state[keys.RNN_WATCH_PANEL] = True  # the learner opens the play-through
    at.session_state[keys.RNN_COMPARE_PANEL] = True  # and the comparison
    at.run()
    watch = charts(at)[keys.RNN_WATCH_CHART]
    assert [f["name"] for f in watch["frames"]] == [str(t) for t in range(1, 29)]
    assert watch["layout"]["updatemenus"][0]["buttons"][0]["label"] == translate("rnn.play", lang)
    bars = watch["frames"][4]["data"][2]["y"]  # the answer after row 5
    said = translate("alt.rnn_answer", lang, digit=7, percent=f"{reading.per_row[-1][7]:.1%}")
    assert any(c.value.startswith(said) and str(reading.decided_at) in c.value for c in at.caption), said
    assert bars == pytest.approx(reading.per_row[4].tolist(), abs=1e-4)  # sent to 4 decimals

    at.slider(key=keys.RNN_STEP_ROW).set_value(5).run()
    assert not at.exception and at.session_state[keys.RNN_READING][2] is reading, "a new row reads nothing again"
    formulas = " ".join(e.value for e in at.latex)
    assert "i_{5}[" in formulas and "c_{5}[" in formulas and "h_{5}[" in formulas
    assert translate("rnn.keras_check", lang, steps=28, units=128, difference="").split("{")[0][:20] in all_text(at)
    assert any(translate("rnn.col_shipped_rnn", lang) in d.value.columns for d in at.dataframe)
    # the per-digit chart's sentence: the two shipped models called by Keras on the bundled test digits
    cnn, rnn = (keras_per_digit(family) for family in ("cnn", "rnn"))
    digit = int(np.argmax(np.abs(cnn - rnn)))
    said = translate("alt.family_gap", lang, first=translate("rnn.col_shipped_cnn", lang),
                     second=translate("rnn.col_shipped_rnn", lang), digit=digit, first_accuracy=f"{cnn[digit]:.1%}",
                     second_accuracy=f"{rnn[digit]:.1%}")
    assert said in [c.value for c in at.caption], said


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_sequences_leads_to_the_rnn_reading_and_network_says_it_follows_the_cnn(app_test, lang):
    from cnnlab import models
    from components.active_model import TrainedModel

    at = app_test(lang, "app_pages/sequences.py")
    assert not at.exception and translate("rnn.sequences_link_text", lang) in all_text(at)
    links = [link.proto for link in at.get("page_link")]
    assert any(p.label == translate("rnn.sequences_link", lang) and p.page.endswith("draw") for p in links)

    at.switch_page("app_pages/network.py").run()
    assert not at.exception and translate("rnn.network_cnn_only", lang) in all_text(at)
    own = TrainedModel(models.load_pretrained("rnn"), 0.9, 1, "bundled", origin={"family": "rnn"})
    at.session_state[keys.TRAINED_MODEL] = own
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert translate("rnn.network_own_rnn", lang) in all_text(at), "the page says it shows the shipped CNN"
    assert "98.55%" in all_text(at)
