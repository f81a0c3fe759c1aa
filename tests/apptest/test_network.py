"""The network page through AppTest: a test or drawn digit, the traced cell's numbers, the softmax table."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnnlab import inspect_model, latex, models
from cnnlab.data import load_bundled
from cnnlab.drawn_digits import drawn_digits
from cnnlab.preprocess import preprocess
from components import state_keys as keys
from components.active_model import TrainedModel
from tests.apptest.helpers import all_text, widget_default_warnings

PAGE = "app_pages/network.py"


@pytest.fixture(scope="module")
def chapter():
    return models.load_pretrained(), load_bundled()


def chart_keys(at) -> list[str]:
    return [el.proto.id for el in at.get("plotly_chart")]


def sum_line_result(at) -> float:
    line = next(m.value for m in at.markdown if "the value of the chosen cell" in m.value)
    return float(re.findall(r"\*\*(-?[\d.]+)\*\*", line)[-1])


def test_a_test_digit_through_every_layer(app_test, chapter):
    model, data = chapter
    at = app_test("en", PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert "network_overview" in " ".join(chart_keys(at))
    assert "test digit no. 0 (its true label: 9)" in all_text(at)
    layers = inspect_model.layer_outputs(model, data.x_test[0].astype(np.float32) / 255.0)
    # the traced cell starts on the first Conv2D layer; its written-out sum equals the layer's output cell
    row, col = at.number_input(key="network_row").value, at.number_input(key="network_col").value
    assert sum_line_result(at) == pytest.approx(float(layers[0].output[row, col, 0]), abs=5e-4)
    assert any("\\cdot" in latex.value for latex in at.latex), "window × kernel written out"
    table = at.table[0].value
    shown = [float(p.rstrip("%")) / 100 for p in table.iloc[:, 3]]
    np.testing.assert_allclose(shown, layers[-1].output, atol=5e-5)
    top = np.argsort(layers[-1].output)[::-1][:3]  # the overview's bars, in words under it
    assert f"In numbers: {', '.join(f'{d} → {layers[-1].output[d]:.1%}' for d in top)}" in all_text(at) + " ".join(
        c.value for c in at.caption)

    at.number_input(key="network_test_index").set_value(3).run()
    assert f"its true label: {int(data.y_test[3])}" in all_text(at)


def test_picking_a_deeper_layer_keeps_the_cell_inside_it(app_test, chapter):
    model, data = chapter
    at = app_test("en", PAGE)
    at.number_input(key="network_row").set_value(20).run()
    at.selectbox(key="network_layer").set_value(4).run()  # Conv2D 3×3×64: row 20 does not exist there
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="network_row").value == 2
    at.number_input(key="network_map").set_value(7).run()
    layers = inspect_model.layer_outputs(model, data.x_test[0].astype(np.float32) / 255.0)
    row, col = at.number_input(key="network_row").value, at.number_input(key="network_col").value
    assert sum_line_result(at) == pytest.approx(float(layers[4].output[row, col, 7]), abs=5e-4)
    assert "network_channel_sums" in " ".join(chart_keys(at)), "64 input maps: each one's share of the sum"
    # its sentence, from the Keras layer's kernel on the window of the layer before ('valid', strides 1)
    kernel = np.asarray(model.layers[4].kernel)[:, :, :, 7]
    sums = (layers[3].output[row:row + 3, col:col + 3, :] * kernel).sum(axis=(0, 1))
    best = int(np.argmax(np.abs(sums)))
    said = f"In numbers: of the 64 input channels, channel {best} adds the most, {latex.compact_number(sums[best])}"
    assert any(c.value.startswith(said) for c in at.caption), [c.value for c in at.caption if "channels" in c.value]
    at.selectbox(key="network_layer").set_value(1).run()  # MaxPooling2D: the max of the window
    assert not at.exception and any("\\max" in latex.value for latex in at.latex)


def test_the_last_drawn_digit_is_followed_in_korean(app_test):
    seven = next(d for d in drawn_digits(40, seed=5) if d.label == 7)
    at = app_test("ko")
    at.session_state[keys.LAST_DRAWN_DIGIT] = preprocess(seven.image)
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "네트워크 한눈에"
    assert "마지막으로 그린 숫자" in all_text(at)
    assert "가장 큰 몫은 **7**" in all_text(at)


def test_choosing_the_drawn_digit_logs_no_widget_default_warning(app_test, monkeypatch):
    """Nothing drawn, then a drawing (the page seeds 'my drawing'), the test digit, the drawing again, the drawing
    gone and back: Streamlit never logs that network_source got a default and a Session State value."""
    seven = next(d for d in drawn_digits(40, seed=5) if d.label == 7)
    with widget_default_warnings(monkeypatch) as messages:
        at = app_test("en", PAGE)
        at.session_state[keys.LAST_DRAWN_DIGIT] = preprocess(seven.image)
        at.run()
        assert at.radio(key=keys.NETWORK_DIGIT.source).value == "drawn"
        at.radio(key=keys.NETWORK_DIGIT.source).set_value("test").run()
        at.radio(key=keys.NETWORK_DIGIT.source).set_value("drawn").run()
        del at.session_state[keys.LAST_DRAWN_DIGIT]
        at.run()
        at.session_state[keys.LAST_DRAWN_DIGIT] = preprocess(seven.image)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Following the digit you drew last" in all_text(at)
    assert not [m for m in messages if "default value" in m], messages


def test_a_model_without_conv_layers_has_nothing_to_trace(app_test):
    import keras
    from keras import layers as kl

    model = keras.Sequential([keras.Input((28, 28, 1)), kl.Flatten(), kl.Dense(16, activation="relu"),
                              kl.Dense(10, activation="softmax")])
    at = app_test("en")
    at.session_state[keys.TRAINED_MODEL] = TrainedModel(model=model, test_accuracy=None, epochs_done=1,
                                                        data_source="bundled")
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "no Conv2D or MaxPooling2D layer to trace" in all_text(at)
    assert any("Softmax in numbers" in s.value for s in at.subheader)
