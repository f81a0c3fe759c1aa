"""Every chart that carries the lesson's number has a text alternative under it stating that number, in both
languages: judged with Keras (the model called directly), not with the page's own helpers."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import latex, models
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
