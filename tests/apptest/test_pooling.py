"""MaxPooling2D explorer (AppTest): the chapter's example, controls, the editable matrix, both languages."""

from __future__ import annotations

import numpy as np
import pytest

from tests.apptest.helpers import all_text, metric, widget_default_warnings

PAGE = "app_pages/pooling.py"
CHAPTER_PRINT = "tf.Tensor(\n[[[[5.]\n   [6.]]\n\n  [[8.]\n   [9.]]]], shape=(1, 2, 2, 1), dtype=float32)"


@pytest.fixture
def pool(app_test):
    at = app_test("en", PAGE)
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_chapters_example_is_corrected_and_printed_as_tensorflow_does(pool):
    chapter_code = pool.code[0].value
    assert "max_pool_2d = tf.keras.layers.MaxPooling2D(" in chapter_code
    assert "pool_size=(2, 2), strides=(1, 1), padding='valid')" in chapter_code
    assert "’" not in chapter_code and "max_pool_ 2d" not in chapter_code
    assert pool.code[1].value == CHAPTER_PRINT
    assert "[[5, 6], [8, 9]]" in all_text(pool)


def test_explorer_opens_on_the_chapters_example(pool):
    """pool 2, stride 1, valid on [[1,2,3],[4,5,6],[7,8,9]] -> [[5,6],[8,9]], as in the chapter."""
    assert pool.toggle(key="pooling_default_strides").value is False
    assert (pool.slider(key="pooling_stride_h").value, pool.slider(key="pooling_stride_w").value) == (1, 1)
    assert metric(pool, "Input shape") == "(1, 3, 3, 1)"
    assert metric(pool, "Output shape") == "(1, 2, 2, 1)"
    assert pool.code[2].value == CHAPTER_PRINT  # the explorer's own printout, under the chapter's box


def test_keras_default_strides_and_the_chapter_button(pool):
    pool.toggle(key="pooling_default_strides").set_value(True).run()
    assert "strides = pool_size = (2, 2)" in all_text(pool)
    assert metric(pool, "Output shape") == "(1, 1, 1, 1)"
    assert any("last 1 row(s)" in i.value for i in pool.info)  # 3 cells, 2x2 windows stepping 2

    pool.button(key="pooling_chapter").click().run()
    assert metric(pool, "Output shape") == "(1, 2, 2, 1)"
    assert CHAPTER_PRINT in [c.value for c in pool.code]
    assert "strides=(1, 1)" in pool.code[-1].value
    assert not pool.exception


def test_step_through_with_a_single_output_cell_has_no_slider(pool):
    """strides=None on the 3x3 matrix gives 1x1: a slider would have min == max (StreamlitInvalidMinMaxError)."""
    pool.session_state["pooling_tab"] = "Step-through"
    pool.run()
    pool.slider(key="pooling_step_cell").set_value(3).run()  # the last of the chapter's 2x2 cells
    pool.toggle(key="pooling_default_strides").set_value(True).run()
    assert not pool.exception, [e.value for e in pool.exception]
    assert not [s for s in pool.slider if s.key == "pooling_step_cell"]
    assert "single cell (1 × 1)" in all_text(pool)
    assert any("\\max(1, 2, 4, \\boldsymbol{5}) = 5" in m.value for m in pool.latex)


def test_reset_to_the_chapter_logs_no_widget_default_warning(pool, monkeypatch):
    with widget_default_warnings(monkeypatch) as messages:
        pool.slider(key="pooling_pool_h").set_value(3).run()
        pool.toggle(key="pooling_default_strides").set_value(True).run()
        pool.button(key="pooling_chapter").click().run()
        pool.run()
    assert not pool.exception
    assert metric(pool, "Output shape") == "(1, 2, 2, 1)"
    assert not [m for m in messages if "default value" in m], messages


def test_changing_controls_changes_shape_and_code(pool):
    pool.toggle(key="pooling_default_strides").set_value(True).run()
    pool.button_group(key="pooling_padding").set_value("same").run()
    assert metric(pool, "Output shape") == "(1, 2, 2, 1)"
    assert "padding='same')" in pool.code[-1].value
    assert "-inf" not in pool.code[2].value  # padded cells never win
    assert "0 row(s) on top, 1 at the bottom" in all_text(pool)

    pool.toggle(key="pooling_default_strides").set_value(False).run()
    pool.slider(key="pooling_stride_w").set_value(1).run()
    pool.slider(key="pooling_stride_h").set_value(2).run()
    assert metric(pool, "Output shape") == "(1, 2, 3, 1)"
    assert "strides=(2, 1)" in pool.code[-1].value


def test_pool_larger_than_input_is_explained(pool):
    pool.slider(key="pooling_pool_h").set_value(4).run()
    assert not pool.exception
    assert metric(pool, "Output shape") == "—"
    assert "pooling window does not fit along the height" in pool.error[0].value
    assert "4 cells but the input is only 3" in pool.error[0].value


def test_blank_and_non_numeric_cells_are_named(pool):
    pool.session_state["pooling_matrix"] = [["1", "", "3"], ["4", "five", "6"], ["7", "8", "9"]]
    pool.run()
    assert not pool.exception
    message = pool.error[0].value
    assert "row 1, column 2 is empty" in message
    assert "row 2, column 2 contains “five”, which is not a number" in message
    assert metric(pool, "Output shape") == "(1, 2, 2, 1)"  # the shape still follows the matrix size
    assert "Fix the cells" in all_text(pool)
    pool.session_state["pooling_tab"] = "On a digit's feature map"  # the digit part still works
    pool.run()
    assert not pool.exception and "Feature map (26, 26)" in str(pool.get("plotly_chart")[0].proto.spec)


def test_resizing_the_matrix_keeps_values_and_fills_zeros(pool):
    pool.number_input(key="pooling_rows").set_value(4).run()
    pool.number_input(key="pooling_cols").set_value(2).run()
    assert pool.session_state["pooling_matrix"] == [["1", "2"], ["4", "5"], ["7", "8"], ["0", "0"]]
    assert metric(pool, "Input shape") == "(1, 4, 2, 1)"
    assert metric(pool, "Output shape") == "(1, 3, 1, 1)"  # 2x2 windows, stride 1
    from cnnlab.codegen import tf_print

    assert pool.code[2].value == tf_print(np.array([5.0, 8.0, 8.0]).reshape(1, 3, 1, 1))


def test_step_through_highlights_the_max_and_padded_cells(pool):
    pool.toggle(key="pooling_default_strides").set_value(True).run()
    pool.button_group(key="pooling_padding").set_value("same").run()
    pool.session_state["pooling_matrix"] = [["-1", "-2", "-3"], ["-4", "-5", "-6"], ["-7", "-8", "-9"]]
    pool.session_state["pooling_tab"] = "Step-through"
    pool.run()
    pool.slider(key="pooling_step_cell").set_value(1).run()  # window over column 2 and the padded column
    text = all_text(pool)
    assert "\\max(\\boldsymbol{-3}, \\color{gray}{-\\infty}, -6, \\color{gray}{-\\infty}) = -3" in text
    assert "can never be the maximum" in text
    assert not pool.exception


def test_digit_feature_map_before_and_after(pool):
    pool.session_state["pooling_tab"] = "On a digit's feature map"
    pool.run()
    specs = [str(c.proto.spec) for c in pool.get("plotly_chart")]
    assert any("Feature map (26, 26)" in s for s in specs)
    assert any("After pooling (25, 25)" in s for s in specs)  # the chapter's pool 2, stride 1
    pool.toggle(key="pooling_default_strides").set_value(True).run()
    assert any("After pooling (13, 13)" in str(c.proto.spec) for c in pool.get("plotly_chart"))
    pool.slider(key="pooling_pool_h").set_value(3).run()
    assert any("After pooling (8, 13)" in str(c.proto.spec) for c in pool.get("plotly_chart"))


def test_language_switch_keeps_values_and_korean_is_complete(pool):
    pool.slider(key="pooling_pool_w").set_value(3).run()
    pool.session_state["lang"] = "ko"
    pool.run()
    assert not pool.exception
    assert pool.slider(key="pooling_pool_w").value == 3
    assert pool.title[0].value == "MaxPooling2D 탐색기"
    assert metric(pool, "출력 형상") == "(1, 2, 1, 1)"  # pool 2x3, stride 1 on 3x3
    assert "교재 예제" in all_text(pool)


def test_the_row_and_column_boxes_walk_the_pooling_windows(pool):
    pool.session_state["pooling_matrix"] = [["1", "9", "2"], ["3", "4", "5"], ["6", "7", "8"]]
    pool.session_state["pooling_tab"] = "Step-through"
    pool.run()  # the chapter's pool 2×2, strides 1, 'valid': a 2×2 output
    pool.number_input(key="pooling_step_row").set_value(1).run()
    pool.number_input(key="pooling_step_col").set_value(1).run()
    assert not pool.exception, [e.value for e in pool.exception]
    assert pool.slider(key="pooling_step_cell").value == 3
    assert "y_{1,1} = \\max(4, 5, 7, \\boldsymbol{8}) = 8" in all_text(pool)
    pool.slider(key="pooling_step_cell").set_value(1).run()
    assert (pool.number_input(key="pooling_step_row").value, pool.number_input(key="pooling_step_col").value) == (0, 1)
