"""Conv2D explorer (AppTest): the chapter's defaults, live changes, every rejected setting, both languages."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tests.apptest.helpers import all_text, metric, widget_default_warnings
from tests.conftest import ROOT

PAGE = "app_pages/conv.py"


@pytest.fixture
def conv(app_test):
    at = app_test("en", PAGE)
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_defaults_show_the_chapters_example(conv):
    assert metric(conv, "Input shape") == "(4, 28, 28, 3)"
    assert metric(conv, "Output shape") == "(4, 26, 26, 2)"
    assert metric(conv, "Parameters") == "56"
    code = conv.code[0].value
    assert "shape = (4, 28, 28, 3)" in code
    assert "tf.keras.layers.Conv2D(2, 3, activation='relu')(x)" in code
    assert "print(y.shape)  # (4, 26, 26, 2)" in code
    latex = [m.value for m in conv.latex]
    assert any("\\frac{28 - 3}{1}" in v and v.strip().rstrip("$").strip().endswith("= 26") for v in latex)
    assert any("(3 \\cdot 3 \\cdot 3 + 1) \\cdot 2" in v for v in latex)
    assert not conv.error
    assert "as printed in the chapter" in conv.success[0].value


def test_changing_controls_changes_shape_formula_and_code(conv):
    conv.slider(key="conv_filters").set_value(7).run()
    assert metric(conv, "Output shape") == "(4, 26, 26, 7)"
    assert "Conv2D(7, 3, activation='relu')" in conv.code[0].value
    assert metric(conv, "Parameters") == "196"
    assert not conv.success  # no longer the chapter's example

    conv.slider(key="conv_strides").set_value(2).run()
    conv.button_group(key="conv_padding").set_value("same").run()
    assert metric(conv, "Output shape") == "(4, 14, 14, 7)"
    assert "Conv2D(7, 3, strides=(2, 2), padding='same', activation='relu')" in conv.code[0].value
    assert any("\\frac{28}{2}" in m.value for m in conv.latex)

    conv.toggle(key="conv_square").set_value(False).run()
    conv.slider(key="conv_kernel_w").set_value(5).run()
    conv.button_group(key="conv_padding").set_value("valid").run()
    conv.selectbox(key="conv_activation").set_value("linear").run()
    assert metric(conv, "Output shape") == "(4, 13, 12, 7)"
    assert "Conv2D(7, (3, 5), strides=(2, 2))(x)" in conv.code[0].value
    assert not conv.exception


def test_dropped_border_gets_a_gentle_note(conv):
    conv.slider(key="conv_strides").set_value(2).run()  # 28 cells, k=3, s=2: windows end at 26, one row left
    assert any("last 1 row(s)" in i.value for i in conv.info)
    assert not conv.error


def test_kernel_larger_than_input_is_explained_not_raised(conv):
    conv.number_input(key="conv_height").set_value(5).run()
    conv.slider(key="conv_kernel").set_value(7).run()
    assert not conv.exception
    assert metric(conv, "Output shape") == "—"
    message = conv.error[0].value
    assert "height" in message and "spans 7 input cells" in message and "only 5 cells" in message
    assert "padding='same'" in message

    conv.button_group(key="conv_padding").set_value("same").run()  # the fix the message suggests works
    assert metric(conv, "Output shape") == "(4, 5, 28, 2)"
    assert not conv.error


def test_zero_output_from_dilation_and_stride_with_dilation_are_explained(conv):
    conv.number_input(key="conv_width").set_value(8).run()
    conv.slider(key="conv_dilation").set_value(4).run()  # span 4*(3-1)+1 = 9 > 8: zero output cells
    assert not conv.exception
    assert "spans 9 input cells" in conv.error[0].value and "output would have 0 cells" in conv.error[0].value

    conv.number_input(key="conv_width").set_value(28).run()
    conv.slider(key="conv_strides").set_value(2).run()
    assert not conv.exception
    assert "strides > 1 together with dilation_rate > 1" in conv.error[0].value
    assert metric(conv, "Output shape") == "—"


def test_language_switch_keeps_the_widget_values(conv):
    conv.slider(key="conv_filters").set_value(7).run()
    conv.button_group(key="conv_padding").set_value("same").run()
    conv.session_state["conv_tab"] = "Step-through"
    conv.run()
    conv.session_state["lang"] = "ko"
    conv.run()
    assert not conv.exception
    assert conv.slider(key="conv_filters").value == 7
    assert conv.button_group(key="conv_padding").value == "same"
    assert conv.title[0].value == "Conv2D 탐색기"
    assert metric(conv, "출력 형상") == "(4, 28, 28, 7)"
    assert conv.session_state["conv_tab"] == "한 칸씩 따라가기"  # the open tab follows the language


def test_settings_survive_leaving_and_returning_to_the_page(conv):
    conv.slider(key="conv_filters").set_value(9).run()
    conv.toggle(key="conv_square").set_value(False).run()
    conv.slider(key="conv_kernel_w").set_value(5).run()
    conv.switch_page("app_pages/pooling.py").run()
    conv.switch_page(PAGE).run()
    assert not conv.exception
    assert conv.slider(key="conv_filters").value == 9 and conv.slider(key="conv_kernel_w").value == 5
    assert metric(conv, "Output shape") == "(4, 26, 24, 9)"


def test_feature_maps_with_classic_kernels_and_the_step_through(conv):
    conv.slider(key="conv_filters").set_value(5).run()
    conv.radio(key="conv_kernel_source").set_value("classic").run()
    conv.session_state["conv_tab"] = "Feature maps"
    conv.run()
    assert not conv.exception
    assert "5 feature maps of shape (26, 26, 5)" in all_text(conv)
    assert len(conv.get("plotly_chart")) == 2  # the digit; kernels beside their maps

    conv.session_state["conv_tab"] = "Step-through"
    conv.run()
    conv.button_group(key="conv_padding").set_value("same").run()
    conv.slider(key="conv_step_cell").set_value(0).run()
    text = all_text(conv)
    assert "\\color{gray}{0}" in text  # padded zeros are written out
    assert "1 row(s) on top" in text
    conv.slider(key="conv_step_cell").set_value(8).run()  # 7x7 same: cell 8 is row 1, col 1
    assert "Output cell (row 1, column 1)" in all_text(conv)
    assert not conv.exception


def test_trained_model_kernels_and_no_model(conv, monkeypatch):
    conv.session_state["conv_tab"] = "Feature maps"
    conv.radio(key="conv_kernel_source").set_value("model").run()
    assert not conv.exception
    assert "first Conv2D layer: 32 filters of 3 × 3" in all_text(conv)

    import components.active_model

    monkeypatch.setattr(components.active_model, "active_model", lambda: None)
    conv.run()
    assert not conv.exception
    assert "No trained model is available" in all_text(conv)


def test_the_last_drawn_digit_can_be_the_input(conv):
    import numpy as np

    from components import state_keys as keys

    drawn = np.zeros((28, 28), dtype=np.float32)
    drawn[4:24, 13:15] = 1.0  # a drawn "1"
    conv.session_state[keys.LAST_DRAWN_DIGIT] = drawn
    conv.session_state["conv_tab"] = "Feature maps"
    conv.run()
    conv.radio(key="conv_digit_source").set_value("drawn").run()
    assert not conv.exception
    import base64
    import json

    z = json.loads(conv.get("plotly_chart")[0].proto.spec)["data"][0]["z"]
    shown = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(28, 28) if "bdata" in z \
        else np.array(z)
    np.testing.assert_array_equal(shown, drawn)  # the heatmap is the drawn digit, not an MNIST one
    assert "conv_digit" not in [n.key for n in conv.number_input]


def test_verify_with_tensorflow_agrees(conv):
    conv.slider(key="conv_filters").set_value(3).run()
    conv.button(key="conv_verify").click().run()
    assert not conv.exception
    message = conv.success[0].value
    assert message.count("(4, 26, 26, 3)") == 2


def test_korean_page_has_korean_headings(app_test):
    at = app_test("ko", PAGE)
    assert not at.exception
    assert metric(at, "출력 형상") == "(4, 26, 26, 2)"
    assert "축별 출력 크기" in all_text(at)


def test_page_does_not_import_tensorflow_for_shapes():
    """Fresh process: rendering the page and changing controls never imports TensorFlow."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=60)
        at.session_state["lang"] = "en"
        at.run(); at.switch_page("app_pages/conv.py"); at.run()
        at.slider(key="conv_filters").set_value(9).run()
        at.slider(key="conv_kernel").set_value(5).run()
        at.session_state["conv_tab"] = "Feature maps"; at.run()
        at.session_state["conv_tab"] = "Step-through"; at.run()
        at.switch_page("app_pages/pooling.py"); at.run()
        at.slider(key="pooling_pool_h").set_value(3).run()
        assert not at.exception, [e.value for e in at.exception]
        print("TF", "tensorflow" in sys.modules, "keras" in sys.modules)
    """)
    # Without the server's background warm-up, which loads TensorFlow on purpose (components.resources).
    env = {**os.environ, "CNNLAB_WARMUP": "0"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "TF False False" in done.stdout


def test_step_through_with_a_single_output_cell_has_no_slider(conv):
    """Kernel 7 on the 7x7 step-through grid gives a 1x1 output: a slider would have min == max (crash)."""
    conv.slider(key="conv_kernel").set_value(7).run()
    conv.session_state["conv_tab"] = "Step-through"
    conv.run()
    assert not conv.exception, [e.value for e in conv.exception]
    assert not [s for s in conv.slider if s.key == "conv_step_cell"]
    assert "single cell (1 × 1)" in all_text(conv)
    assert any("y_{0,0}" in m.value for m in conv.latex)


def test_step_through_survives_a_stale_cell_and_filter_number(conv):
    """A cell or filter number chosen for a larger output must not crash a smaller one."""
    conv.slider(key="conv_filters").set_value(4).run()
    conv.session_state["conv_tab"] = "Step-through"
    conv.run()
    conv.slider(key="conv_step_cell").set_value(24).run()  # 5x5 output: the last cell
    conv.number_input(key="conv_step_filter").set_value(4).run()
    conv.slider(key="conv_kernel").set_value(5).run()  # now 3x3
    conv.slider(key="conv_filters").set_value(2).run()
    assert not conv.exception, [e.value for e in conv.exception]
    assert conv.slider(key="conv_step_cell").max == 8
    conv.slider(key="conv_kernel").set_value(7).run()  # 1x1
    assert not conv.exception, [e.value for e in conv.exception]


def test_switching_the_square_kernel_logs_no_widget_default_warning(conv, monkeypatch):
    with widget_default_warnings(monkeypatch) as messages:
        conv.toggle(key="conv_square").set_value(False).run()
        conv.slider(key="conv_kernel_h").set_value(5).run()
        conv.toggle(key="conv_square").set_value(True).run()
    assert conv.slider(key="conv_kernel").value == 5
    assert not [m for m in messages if "default value" in m], messages


def _step_tab(conv):
    conv.slider(key="conv_strides").set_value(2).run()
    conv.button_group(key="conv_padding").set_value("same").run()
    conv.session_state["conv_tab"] = "Step-through"
    conv.run()
    assert not conv.exception, [e.value for e in conv.exception]


def test_linked_view_shows_kernel_products_and_the_windows_it_reads(conv):
    _step_tab(conv)
    conv.slider(key="conv_step_cell").set_value(6).run()  # 4x4 output: row 1, column 2
    import json

    titles = " ".join(json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in conv.get("plotly_chart"))
    assert "Kernel #1" in titles and "Input × kernel (sum" in titles
    # pointing at an output cell names its window (rows/columns of the input as drawn, padded)
    assert "output (1, 2) reads input rows 2–4, columns 4–6" in titles
    assert any("y_{1,2}" in m.value for m in conv.latex)
    assert "rows 2, 3, 4, columns 4, 5, 6" in all_text(conv)


def test_play_moves_one_cell_per_tick_and_wraps(conv, monkeypatch):
    from components import window_views

    clock = {"now": 100.0}  # the play timer's clock, moved by hand: no timing in the test
    monkeypatch.setattr(window_views, "_now", lambda: clock["now"])
    _step_tab(conv)
    conv.slider(key="conv_step_cell").set_value(15).run()  # the last cell of 4x4
    conv.toggle(key="conv_step_play").set_value(True).run()
    assert conv.slider(key="conv_step_cell").value == 15  # starting does not jump
    clock["now"] += window_views.PLAY_SECONDS
    conv.run()
    assert conv.slider(key="conv_step_cell").value == 0  # one tick later: wrapped to the first cell
    clock["now"] += 0.1
    conv.run()  # a rerun in between (a user's click) does not move it
    assert conv.slider(key="conv_step_cell").value == 0
    conv.toggle(key="conv_step_play").set_value(False).run()
    clock["now"] += 10 * window_views.PLAY_SECONDS
    conv.run()
    assert conv.slider(key="conv_step_cell").value == 0  # stopped
    assert not conv.exception


def _output_grid(at, key: str) -> np.ndarray:
    """The clickable output grid's values as the chart draws them (its first heatmap's z)."""
    import base64
    import json

    z = json.loads(next(c for c in at.get("plotly_chart") if key in c.proto.id).proto.spec)["data"][0]["z"]
    if isinstance(z, dict):  # plotly's typed array: base64 bytes and their shape
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape([int(n) for n in str(z["shape"]).split(",")])
    return np.array(z, dtype=float)


def test_the_row_and_column_boxes_pick_the_cell_and_follow_the_slider(conv):
    """The keyboard's way: typed row and column move the slider, the window and the written-out sum to that cell;
    the slider (and a click, which sets it) writes them back; an entry past the output is clamped."""
    from cnnlab import latex

    _step_tab(conv)  # strides 2, 'same': a 4×4 output
    conv.number_input(key="conv_step_row").set_value(2).run()
    conv.number_input(key="conv_step_col").set_value(3).run()
    assert not conv.exception, [e.value for e in conv.exception]
    assert conv.slider(key="conv_step_cell").value == 2 * 4 + 3
    out = _output_grid(conv, "conv_step_output")
    sum_line = next(m.value for m in conv.latex if "y_{2,3}" in m.value)
    assert f"&= {latex.compact_number(out[2, 3])}\\end{{aligned}}" in sum_line, sum_line
    conv.slider(key="conv_step_cell").set_value(6).run()
    assert (conv.number_input(key="conv_step_row").value, conv.number_input(key="conv_step_col").value) == (1, 2)
    conv.number_input(key="conv_step_col").set_value(9).run()
    assert conv.number_input(key="conv_step_col").value == 3 and conv.slider(key="conv_step_cell").value == 7
    assert any("y_{1,3}" in m.value for m in conv.latex)
