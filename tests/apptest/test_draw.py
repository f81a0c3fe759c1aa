"""Draw page through AppTest: a drawing injected through the canvas key, uploads, bad input."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from cnnlab.drawn_digits import drawn_digits
from cnnlab.i18n import LANGUAGES, translate
from components import state_keys as keys
from components.ui import plain_text
from tests.unit.test_preprocess import huge_png_header

PAGE = "app_pages/draw.py"
CANVAS = "draw_canvas_0"  # components.canvas: prefix + the Clear counter (0 before any Clear)


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def canvas_value(image: np.ndarray, strokes: int = 1) -> dict:
    """What the canvas component sends back: Fabric JSON + the PNG data URL."""
    url = "data:image/png;base64," + base64.b64encode(png(image)).decode()
    return {"drawing": {"raw": {"objects": [{"type": "path"}] * strokes}, "data": url}}


def chart_keys(at) -> list[str]:
    return [el.proto.id for el in at.get("plotly_chart")]


# The RNN section's answers (components.rnn_reader_views), beside the page's own prediction.
RNN_METRICS = {translate(f"rnn.{key}", lang) for key in ("cnn_answer", "rnn_answer", "decided") for lang in LANGUAGES}


def metric_values(at) -> list[tuple[str, str]]:
    """The page's own prediction (the RNN section's answers left out)."""
    return [(m.label, m.value) for m in at.metric if m.label not in RNN_METRICS]


@pytest.fixture(scope="module")
def seven():
    return next(d for d in drawn_digits(40, seed=5) if d.label == 7)


def test_a_drawing_is_classified_shown_and_shared(app_test, seven):
    at = app_test("en", PAGE)
    assert not at.exception
    assert not metric_values(at) and "Draw a digit" in at.info[0].value  # invitation, no prediction yet

    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert metric_values(at) == [("Prediction", "7")]
    charts = " ".join(chart_keys(at))
    assert "draw_probabilities" in charts and "draw_input_view" in charts and "draw_maps_0" in charts
    digit = at.session_state[keys.LAST_DRAWN_DIGIT]
    assert digit.shape == (28, 28) and digit.dtype == np.float32 and 0 <= digit.min() and digit.max() <= 1
    assert any("98.55%" in c.value for c in at.caption), "the page names the active model and its accuracy"
    assert any(c.value.startswith("Conv2D: 32 filters") and "after ReLU" in c.value for c in at.caption)

    at.toggle(key="draw_show_steps").set_value(True).run()
    assert sum("draw_step_" in k for k in chart_keys(at)) == 4

    at.session_state[CANVAS] = canvas_value(np.dstack([np.zeros((280, 280, 3), np.uint8),
                                                       np.full((280, 280), 255, np.uint8)]), strokes=0)
    at.run()
    assert not metric_values(at), "an empty canvas shows no prediction"
    assert "Draw a digit" in at.info[0].value


def test_nearly_empty_drawing_asks_for_a_whole_digit(app_test):
    at = app_test("en", PAGE)
    speck = np.zeros((280, 280, 4), np.uint8)
    speck[..., 3] = 255
    speck[140:143, 140:143, :3] = 255
    at.session_state[CANVAS] = canvas_value(speck)
    at.run()
    assert not at.exception and not metric_values(at)
    assert "too little ink" in at.warning[0].value


def test_korean_labels(app_test, seven):
    at = app_test("ko", PAGE)
    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    assert not at.exception
    assert metric_values(at) == [("예측", "7")]


def test_bad_uploads_get_a_message_and_the_drawing_stays(app_test, seven):
    at = app_test("en", PAGE)
    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    uploader = at.file_uploader(key="draw_upload")

    uploader.set_value(("notes.png", b"this is not a picture", "image/png")).run()
    assert not at.exception
    assert "could not be read as an image" in at.error[0].value
    assert metric_values(at) == [("Prediction", "7")], "the drawing is still read"

    at.file_uploader(key="draw_upload").set_value(("bomb.png", huge_png_header(6000, 5000), "image/png")).run()
    assert not at.exception
    assert "too large" in at.error[0].value and "6,000×5,000" in at.error[0].value
    assert metric_values(at) == [("Prediction", "7")]

    blank = np.full((300, 200), 250, np.uint8)
    at.file_uploader(key="draw_upload").set_value(("blank.png", png(blank), "image/png")).run()
    assert not at.exception and "No digit found" in at.warning[0].value


def test_an_uploaded_photo_dark_on_light_is_read(app_test):
    four = next(d for d in drawn_digits(40, seed=6) if d.label == 4)
    photo = 235 - (four.image[..., 0].astype(np.int16) * 200 // 255)  # dark ink on light paper
    photo = np.asarray(Image.fromarray(photo.astype(np.uint8)).resize((700, 700)))
    at = app_test("en", PAGE)
    at.file_uploader(key="draw_upload").set_value(("four.png", png(photo), "image/png")).run()
    assert not at.exception
    assert metric_values(at) == [("Prediction", "4")]
    assert plain_text("four.png") in at.info[0].value  # the name as written (escaped for Markdown)


@pytest.mark.parametrize(("probs", "words"), [
    ([0.02, 0.02, 0.02, 0.45, 0.02, 0.02, 0.02, 0.02, 0.39, 0.02], "gets only 45%"),
    ([0, 0, 0, 0.58, 0, 0, 0, 0, 0.42, 0], "hesitates between 3 (58%) and 8 (42%)"),
])
def test_an_unsure_model_says_so_in_plain_words(app_test, seven, monkeypatch, probs, words):
    import dataclasses

    from cnnlab import inspect_model

    real = inspect_model.layer_outputs

    def unsure(model, image):  # the page reads the probabilities from the last layer of its one forward pass
        layers = real(model, image)
        return [*layers[:-1], dataclasses.replace(layers[-1], output=np.array(probs, np.float32))]

    monkeypatch.setattr(inspect_model, "layer_outputs", unsure)
    at = app_test("en", PAGE)
    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    assert not at.exception
    assert metric_values(at) == [("Prediction", "3")]
    assert words in at.warning[0].value


def test_a_model_trained_in_the_session_is_used_and_walked_generically(app_test, seven):
    import keras
    from keras import layers as kl

    from components.active_model import TrainedModel

    small = keras.Sequential([keras.Input((28, 28, 1)), kl.Conv2D(8, 5, activation="tanh"), kl.MaxPooling2D(4),
                              kl.Flatten(), kl.Dense(10, activation="softmax")])
    at = app_test("en", PAGE)
    at.session_state[keys.TRAINED_MODEL] = TrainedModel(small, 0.9123, epochs_done=3, data_source="bundled")
    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("your model from the Train page" in c.value and "91.23%" in c.value for c in at.caption)
    assert [tab.label for tab in at.tabs] == ["1. Conv2D 24×24×8", "2. MaxPooling2D 6×6×8", "3. Flatten 288",
                                              "4. Dense 10"]
    assert len(metric_values(at)) == 1 and metric_values(at)[0][1] in {str(d) for d in range(10)}
    conv_caption = next(c.value for c in at.caption if c.value.startswith("Conv2D: 8 filters"))
    assert "tanh activation function" in conv_caption and "ReLU" not in conv_caption


def test_nothing_is_recomputed_when_the_drawing_did_not_change(app_test, seven, monkeypatch):
    from cnnlab import inspect_model

    real, calls = inspect_model.layer_outputs, []

    def counted(model, image):
        calls.append(1)
        return real(model, image)

    monkeypatch.setattr(inspect_model, "layer_outputs", counted)
    at = app_test("en", PAGE)
    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    assert metric_values(at) == [("Prediction", "7")] and len(calls) == 1
    at.toggle(key="draw_show_steps").set_value(True).run()  # a rerun that changes no drawing
    at.slider(key="draw_stroke_width").set_value(30).run()
    assert not at.exception and metric_values(at) == [("Prediction", "7")]
    assert len(calls) == 1, "the forward pass ran again for the same drawing"

    one = next(d for d in drawn_digits(40, seed=5) if d.label == 1)
    at.session_state[CANVAS] = canvas_value(one.image)  # a new drawing is read afresh
    at.run()
    assert metric_values(at) == [("Prediction", "1")] and len(calls) == 2


def test_a_model_still_training_is_read_afresh_on_every_rerun(app_test, seven, monkeypatch):
    from cnnlab import inspect_model, models
    from components.active_model import TrainedModel

    real, calls = inspect_model.layer_outputs, []
    monkeypatch.setattr(inspect_model, "layer_outputs", lambda model, image: calls.append(1) or real(model, image))
    at = app_test("en", PAGE)
    training = TrainedModel(models.load_pretrained(), None, epochs_done=1, data_source="bundled", finished=False)
    at.session_state[keys.TRAINED_MODEL] = training  # its weights change between two reruns
    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    at.toggle(key="draw_show_steps").set_value(True).run()
    assert not at.exception and len(calls) == 2
