"""Every chart that carries the lesson's number has a text alternative under it stating that number, in both
languages: judged with Keras (the model called directly), not with the page's own helpers."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import inspect_model, latex, models
from cnnlab.drawn_digits import drawn_digits
from cnnlab.i18n import translate
from components import state_keys as keys
from tests.apptest.test_draw import CANVAS, PAGE, canvas_value


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


@pytest.fixture(scope="module")
def keras_reading():
    """The shipped CNN on a drawn seven, called directly: its probabilities and its first Conv2D's maps."""
    import keras

    model = models.load_pretrained()
    seven = next(d for d in drawn_digits(40, seed=5) if d.label == 7)
    return model, seven, keras


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_draw_pages_bars_and_feature_maps_say_their_numbers(app_test, keras_reading, lang):
    model, seven, keras = keras_reading
    at = app_test(lang, PAGE)
    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    digit = at.session_state[keys.LAST_DRAWN_DIGIT][None, :, :, None]
    probs = np.asarray(model(digit, training=False))[0]
    top = np.argsort(probs)[::-1][:3]
    bars = ", ".join(f"{d} → {probs[d]:.1%}" for d in top)
    assert translate("alt.probabilities", lang, bars=bars, shown=3, count=10) in captions(at), captions(at)

    first_conv = keras.Model(model.inputs, model.layers[0].output)
    maps = np.asarray(first_conv(digit, training=False))[0]
    best = int(np.argmax(maps.reshape(-1, maps.shape[-1]).max(axis=0)))
    row, col = np.unravel_index(int(np.argmax(maps[..., best])), maps.shape[:2])
    expected = translate("alt.feature_maps", lang, count=32, best=best + 1,
                         value=latex.compact_number(float(maps[..., best].max())), row=int(row), col=int(col),
                         zero=int(np.sum(np.all(maps == 0, axis=(0, 1)))))
    assert expected in captions(at), [c for c in captions(at) if "32" in c]


def test_the_pooling_step_through_says_the_selected_cells_value(app_test):
    """The chapter's pool 2×2, strides 1, 'valid' on a 3×3 matrix: every output cell's sentence against Keras."""
    import keras

    matrix = [[1, 9, 2], [3, 4, 5], [6, 7, 8]]
    pooled = np.asarray(keras.layers.MaxPooling2D(2, strides=1)(np.array(matrix, np.float32)[None, :, :, None]))
    at = app_test("ko", "app_pages/pooling.py")
    at.session_state["pooling_matrix"] = [[str(v) for v in row] for row in matrix]
    at.session_state["pooling_tab"] = "Step-through"
    at.run()
    for row, col in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        at.number_input(key="pooling_step_row").set_value(row).run()
        at.number_input(key="pooling_step_col").set_value(col).run()
        assert not at.exception, [e.value for e in at.exception]
        expected = translate("alt.step_cell", "ko", row=row, col=col, value=latex.compact_number(pooled[0, row, col, 0]),
                             rows=f"{row}–{row + 1}", cols=f"{col}–{col + 1}")
        assert expected in captions(at), [c for c in captions(at) if c.startswith("숫자로")]


def _said(at, key: str, lang: str, **values) -> None:
    sentence = translate(key, lang, **values)
    assert sentence in captions(at), (sentence, [c for c in captions(at) if c.startswith(sentence[:8])])


def _two(values) -> str:
    return ", ".join(f"{v:.2f}" for v in np.asarray(values, dtype=np.float64).ravel())


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_sequences_pages_examples_diagrams_and_step_through_say_their_numbers(app_test, lang):
    """The examples' values, the diagrams' sizes, the window and its next value, the step-through's h_t from a
    Keras SimpleRNN given the page's weights."""
    import keras

    from cnnlab import rnn_cells, sequence_data, sequence_experiment

    at = app_test(lang, "app_pages/sequences.py")
    at.slider(key="sequences_step_t").set_value(3).run()
    assert not at.exception, [e.value for e in at.exception]
    stock = sequence_data.stock_walk(80, seed=3)
    _said(at, "alt.series", lang, count=80, low=f"{stock.min():.2f}", high=f"{stock.max():.2f}",
          tail=_two(stock[-5:]), shown=5)
    words = sequence_data.tokens(translate("sequences.text_sentence", lang))
    _said(at, "alt.words", lang, words=", ".join(f"{w} ({i + 1})" for i, w in enumerate(words)))
    steps = at.slider(key=keys.SEQUENCES_DIAGRAM_STEPS).value
    _said(at, "alt.feedforward", lang, n=steps, hidden=3, weights=3 * steps)
    _said(at, "alt.unrolled", lang, n=steps)

    x, weights = rnn_cells.demo_inputs("pulse"), rnn_cells.demo_weights(1.0)
    layer = keras.layers.SimpleRNN(weights.units, return_sequences=True)
    layer.build((1, *x.shape))
    layer.set_weights(weights.as_keras())
    h = np.asarray(layer(x[None].astype("float32")))[0]
    _said(at, "alt.hidden_state", lang, t=3, values=_two(h[2]))
    _said(at, "alt.rnn_inputs", lang, count=len(x), values=_two(x[:, 0]), t=3, value=f"{x[2, 0]:.2f}")

    settings = sequence_experiment.ExperimentSettings()  # the page's defaults
    data = sequence_data.prepare_data(settings.series, settings.window)
    n = settings.window
    _said(at, "alt.window_target", lang, n=n, first=40, last=39 + n, values=_two(data.series[40:40 + n]),
          target_t=40 + n, target=f"{data.series[40 + n]:.2f}", split=data.split)


def _largest(values: np.ndarray, lang: str) -> str:
    row, col = np.unravel_index(int(np.argmax(values)), values.shape)
    return translate("alt.largest", lang, height=values.shape[0], width=values.shape[1],
                     value=latex.compact_number(float(values.max())), row=int(row), col=int(col))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_pooling_a_digits_feature_map_says_both_maxima_from_keras(app_test, lang):
    """Test digit 0 through the page's first classic kernel and ReLU (a Keras Conv2D), then the chapter's
    MaxPooling2D(2, strides=1): both charts' sentences, and pooling keeps the largest value."""
    import keras

    from cnnlab import data, kernels

    at = app_test(lang, "app_pages/pooling.py")
    at.session_state[keys.POOLING_TAB] = translate("pooling.tab_digit", lang)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    digit = data.load_bundled().x_test[0].astype("float32")[None, :, :, None] / 255.0
    conv = keras.layers.Conv2D(1, 3, activation="relu", use_bias=False)
    conv.build(digit.shape)
    conv.set_weights([kernels.classic_kernel(kernels.CLASSIC_KERNELS[0], 3)[:, :, None, None].astype("float32")])
    before = np.asarray(conv(digit))
    after = np.asarray(keras.layers.MaxPooling2D(2, strides=1)(before))
    assert after.max() == before.max()
    for values in (before[0, :, :, 0], after[0, :, :, 0]):
        assert _largest(values, lang) in captions(at), [c for c in captions(at) if c.startswith(_largest(values, lang)[:5])]


def test_the_draw_pages_hidden_dense_layer_says_its_strongest_unit(app_test, keras_reading):
    model, seven, keras = keras_reading
    at = app_test("en", PAGE)
    at.session_state[CANVAS] = canvas_value(seven.image)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    digit = at.session_state[keys.LAST_DRAWN_DIGIT][None, :, :, None]
    position, dense = next((i, layer) for i, layer in enumerate(model.layers) if layer.name.startswith("dense"))
    at.session_state[keys.DRAW_LAYER_TAB] = translate("draw.layer_tab", "en", index=position + 1, kind="Dense",
                                                      shape=inspect_model.shape_text((64,)))  # the learner opens it
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    units = np.asarray(keras.Model(model.inputs, dense.output)(digit, training=False))[0]
    best = int(np.argmax(units))
    expected = translate("alt.units", "en", best=best, value=latex.compact_number(float(units[best])),
                         zero=int(np.sum(units == 0)), count=64)
    assert expected in captions(at), [c for c in captions(at) if c.startswith("In numbers: unit")]
