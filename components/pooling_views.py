"""The MaxPooling2D explorer: controls that return the settings, and one function per view.

Views: the chapter's example, the editable matrix, the result (formula, grids, printout, code),
the linked step-through (click an output cell or walk/play it: its window and its maximum),
and pooling a real feature map of a digit. Pure numpy: TensorFlow is never imported.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from cnnlab import codegen, conv_ops, kernels, latex, matrix_input, notebook, shapes, step_through
from components import chart_texts, charts
from components import explorer_common as common
from components import state_keys as keys
from components import window_views as grids
from components.digit_picker import pick_digit
from components.explorer_common import BOUND, P
from components.i18n import t
from components.notebook_views import notebook_button
from components.number_box import number_box
from components.ui import code_panel, plain_text, show_chart

logger = logging.getLogger(__name__)

CHAPTER_MATRIX = [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]]
CHAPTER_SETTINGS = conv_ops.PoolSettings((2, 2), (1, 1), "valid")
# The explorer opens on the chapter's example; "reset to the chapter" writes these same keys.
CHAPTER_CONTROLS = {keys.POOLING_ROWS: 3, keys.POOLING_COLS: 3, keys.POOLING_POOL_H: 2, keys.POOLING_POOL_W: 2,
                    keys.POOLING_DEFAULT_STRIDES: False, keys.POOLING_STRIDE_H: 1, keys.POOLING_STRIDE_W: 1,
                    keys.POOLING_PADDING: "valid"}


@dataclass(frozen=True)
class PoolExplorerSettings:
    """The layer, the matrix it pools (None while a cell is not a number) and the shapes."""

    layer: conv_ops.PoolSettings
    cells: list[list[str]]
    matrix: np.ndarray | None
    in_shape: tuple[int, int, int, int]
    out_shape: tuple[int, int, int, int] | None
    error: shapes.ShapeError | None

    @property
    def ready(self) -> bool:
        return self.error is None and self.matrix is not None


def start_state() -> None:
    """Seed the matrix and the controls that code writes (never given a widget default as well)."""
    st.session_state.setdefault(keys.POOLING_MATRIX, CHAPTER_MATRIX)
    common.seed_state(CHAPTER_CONTROLS)


def _edits_problem(cells) -> str | None:
    """What is wrong with the editor's pending edits from the browser for this matrix (None: nothing)."""
    problem = matrix_input.edits_problem(st.session_state.get(keys.POOLING_EDITOR), len(cells), len(cells[0]))
    if problem is not None:
        logger.warning("pooling matrix edits refused and dropped: %s", problem)
    return problem


def _editor_edits(cells) -> dict:
    """The editor's pending edits, or none when they do not fit the matrix."""
    return {} if _edits_problem(cells) else st.session_state.get(keys.POOLING_EDITOR) or {}


def _current_cells() -> list[list[str]]:
    """The stored matrix with the editor's pending edits applied."""
    cells = [list(r) for r in st.session_state[keys.POOLING_MATRIX]]
    for r, changes in _editor_edits(cells).get("edited_rows", {}).items():
        for c, value in changes.items():
            cells[int(r)][int(c) - 1] = value
    return cells


def _resize() -> None:
    rows, cols = st.session_state[keys.POOLING_ROWS], st.session_state[keys.POOLING_COLS]
    st.session_state[keys.POOLING_MATRIX] = matrix_input.resize_matrix(_current_cells(), int(rows), int(cols))
    st.session_state.pop(keys.POOLING_EDITOR, None)


def _use_chapter() -> None:
    st.session_state[keys.POOLING_MATRIX] = CHAPTER_MATRIX
    st.session_state.pop(keys.POOLING_EDITOR, None)
    st.session_state.update(CHAPTER_CONTROLS)


def chapter_example_view() -> None:
    """The chapter's example, corrected and run: its code, TensorFlow's printout and the result."""
    with st.container(border=True):
        st.markdown(f"**{t('pooling.chapter_heading')}**")
        chapter_x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.float32)
        chapter_y = conv_ops.max_pool_forward(chapter_x, CHAPTER_SETTINGS.pool_size, CHAPTER_SETTINGS.strides,
                                              CHAPTER_SETTINGS.padding)
        code_col, out_col = st.columns([1.1, 1])
        with code_col:
            code_panel(codegen.pool_code(chapter_x, CHAPTER_SETTINGS))
            st.caption(t("pooling.chapter_fixes"))
        with out_col:
            st.caption(t("pooling.printed"))
            st.code(codegen.tf_print(chapter_y), language=None)
            st.caption(t("pooling.chapter_result", result=str(chapter_y[0, :, :, 0].astype(int).tolist())))


def pool_controls() -> tuple[conv_ops.PoolSettings, object, object]:
    """pool_size, strides (Keras' None or chosen), padding, reset, matrix size; returns the layer and the
    two slots under the controls (a rejected pool size, the dropped-cells note)."""
    ph_col, pw_col = st.columns(2)
    pool_size = (ph_col.slider(t("pooling.pool_h"), 1, 6, key=keys.POOLING_POOL_H, **BOUND),
                 pw_col.slider(t("pooling.pool_w"), 1, 6, key=keys.POOLING_POOL_W, **BOUND))
    pool_slot = st.empty()
    default_strides = st.toggle(t("pooling.strides_default"), key=keys.POOLING_DEFAULT_STRIDES,
                                help=t("pooling.strides_help"), **P)
    if default_strides:
        strides = None
        st.caption(t("pooling.strides_is_pool", strides=shapes.format_shape(pool_size)))
    else:
        sh_col, sw_col = st.columns(2)
        strides = (sh_col.slider(t("pooling.stride_h"), 1, 6, key=keys.POOLING_STRIDE_H, **BOUND),
                   sw_col.slider(t("pooling.stride_w"), 1, 6, key=keys.POOLING_STRIDE_W, **BOUND))
    stride_slot = st.empty()
    padding = common.chosen(st.segmented_control(t("conv.padding"), list(shapes.PADDINGS), required=True,
                                                 key=keys.POOLING_PADDING, help=t("pooling.padding_help"), **BOUND),
                            "valid")
    st.button(t("pooling.use_chapter"), icon=":material/menu_book:", key=keys.POOLING_USE_CHAPTER,
              on_click=_use_chapter)
    st.divider()
    st.markdown(f"**{t('pooling.matrix_size')}**")
    rows_col, cols_col = st.columns(2)
    number_box(t("pooling.rows"), 1, 12, key=keys.POOLING_ROWS, container=rows_col, on_change=_resize, **P)
    number_box(t("pooling.cols"), 1, 12, key=keys.POOLING_COLS, container=cols_col, on_change=_resize, **P)
    return conv_ops.PoolSettings(pool_size, strides, padding), pool_slot, stride_slot


def matrix_editor() -> tuple[list[list[str]], np.ndarray | None]:
    """The editable input matrix; every cell that is not a number is named (the matrix is then None)."""
    st.markdown(f"**{t('pooling.matrix_heading')}**")
    cells = st.session_state[keys.POOLING_MATRIX]
    if _edits_problem(cells):  # Streamlit would apply them to the table and raise, on every rerun
        del st.session_state[keys.POOLING_EDITOR]
    frame = pd.DataFrame(cells, columns=[str(j + 1) for j in range(len(cells[0]))],
                         index=[str(i + 1) for i in range(len(cells))])
    edited = st.data_editor(frame, key=keys.POOLING_EDITOR, num_rows="fixed", width="content",
                            column_config={c: st.column_config.TextColumn(c, width=60) for c in frame.columns})
    matrix, problems = matrix_input.parse_matrix(edited.to_numpy().tolist())
    if problems:
        lines = [t(f"pooling.cell_{p.kind}", row=p.row, col=p.col, text=plain_text(p.text)) for p in problems[:6]]
        more = t("pooling.more_cells", count=len(problems) - 6) if len(problems) > 6 else ""
        st.error(t("pooling.cells_heading") + "\n\n" + "\n".join(f"- {line}" for line in lines) + more,
                 icon=":material/edit_off:")
    return cells, matrix


def explorer_settings(layer: conv_ops.PoolSettings, cells, matrix, pool_slot, stride_slot) -> PoolExplorerSettings:
    """The shapes for this layer and matrix; a rejected pool size or dropped border is explained under the controls."""
    in_shape = (1, len(cells), len(cells[0]), 1)
    try:
        out_shape, error = shapes.pool2d_output_shape(in_shape, layer.pool_size, layer.strides, layer.padding), None
    except shapes.ShapeError as err:
        out_shape, error = None, err
    common.show_setting_notes(error, common.axes_of(in_shape[1:3], layer.pool_size, layer.effective_strides),
                              layer.padding, pool_slot, stride_slot)
    return PoolExplorerSettings(layer, cells, matrix, in_shape, out_shape, error)


# ---------------------------------------------------------------- views

def summary_view(s: PoolExplorerSettings) -> None:
    top = st.columns(2)
    with top[0]:
        common.big_shape(t("conv.input_label"), s.in_shape)
    with top[1]:
        common.big_shape(t("conv.output_label"), s.out_shape)
    if s.error is not None:
        st.warning(t("conv.no_output") + "\n\n" + common.shape_error_message(s.error), icon=":material/arrow_back:")


def result_view(s: PoolExplorerSettings) -> None:
    """The formula per axis, the padded input and the pooled output as numbers, TensorFlow's printout, the code."""
    layer = s.layer
    st.markdown(f"**{t('conv.formula_heading')}**")
    common.axis_formulas(common.axes_of(s.in_shape[1:3], layer.pool_size, layer.effective_strides), layer.padding,
                         "pooling.axis_values", "pooling.same_pads")
    if not s.ready:
        st.info(t("pooling.fix_first"), icon=":material/edit:")
        return
    pooled = conv_ops.max_pool_forward(s.matrix, layer.pool_size, layer.strides, layer.padding)
    padded, pad_mask, pads = conv_ops.pool_padded(s.matrix, layer.pool_size, layer.strides, layer.padding)
    in_fig, out_fig = st.columns(2)
    with in_fig:
        (top, _), (left, _) = pads
        rows, cols = s.matrix.shape
        show_chart(grids.number_grid(padded, pad_mask=pad_mask,
                                     inner_box=(top, left, top + rows - 1, left + cols - 1) if layer.padding == "same"
                                     else None, height=grids.grid_height(padded.shape[0]),
                                     title=t("pooling.input_title", shape=shapes.format_shape(padded.shape))),
                   key=keys.POOLING_INPUT_CHART, alt=None)  # the learner's own matrix, typed above
    with out_fig:
        show_chart(grids.number_grid(pooled[0, :, :, 0], height=grids.grid_height(pooled.shape[1]),
                                     title=t("pooling.output_title", shape=shapes.format_shape(pooled.shape[1:3]))),
                   key=keys.POOLING_OUTPUT_CHART, alt=None)  # tf.print's text under it states it
    st.caption(t("pooling.printed"))
    st.code(codegen.tf_print(pooled), language=None)
    code_panel(codegen.pool_code(s.matrix, layer))
    notebook_button("pooling", lambda lang: notebook.pooling(s.matrix, layer, lang))


def step_view(s: PoolExplorerSettings) -> None:
    """The linked step-through: pick an output cell (click, slider or play); see its window and its maximum."""
    if not s.ready:
        st.info(t("pooling.fix_first"), icon=":material/edit:")
        return
    layer, matrix = s.layer, s.matrix
    pool, strides, padding = layer.pool_size, layer.strides, layer.padding
    _, out_h, out_w, _ = s.out_shape
    grids.linked_step_view(grids.LinkedLayer(
        keys.POOLING_STEP, matrix, (out_h, out_w),
        step=lambda r, c: step_through.pool_step(matrix, r, c, pool, strides, padding),
        window=lambda r, c: step_through.pool_window(r, c, matrix.shape, pool, strides, padding),
        output=lambda: conv_ops.max_pool_forward(matrix, pool, strides, padding)[0, :, :, 0],
        input_title="pooling.input_title", output_title="pooling.output_title",
        details=lambda step: _max_view(step, layer), column_widths=(1.4, 1.0)))


def _max_view(step: step_through.WindowStep, layer: conv_ops.PoolSettings) -> None:
    """Under the grids: the maximum written out, where the window lies, why padding never wins."""
    st.latex(latex.pool_step_latex(step))
    s_h, s_w = layer.effective_strides
    st.markdown(t("pooling.step_explain", row=step.row, col=step.col, r0=step.row * s_h, c0=step.col * s_w, sh=s_h,
                  sw=s_w, ph=layer.pool_size[0], pw=layer.pool_size[1], best=latex.compact_number(step.result)))
    if step.is_pad.any():
        st.markdown(t("pooling.step_padded"))


def digit_view(s: PoolExplorerSettings) -> None:
    """Pooling a real feature map: a digit through one classic kernel and ReLU, before and after pooling."""
    layer = s.layer
    c1, c2 = st.columns(2)
    with c1:
        digit = pick_digit(keys.POOLING_DIGIT).image
    kernel_name = c2.selectbox(t("pooling.digit_kernel"), list(kernels.CLASSIC_KERNELS), key=keys.POOLING_KERNEL,
                               format_func=lambda v: t(f"conv.classic_{v}"), **P)
    fmap = conv_ops.conv2d_forward(digit, kernels.classic_kernel(kernel_name, 3)[:, :, None, None],
                                   None, 1, "valid", 1, "relu")[0, :, :, 0]
    try:
        after = conv_ops.max_pool_forward(fmap, layer.pool_size, layer.strides, layer.padding)[0, :, :, 0]
    except shapes.ShapeError as err:
        st.error(common.shape_error_message(err), icon=":material/block:")
        return
    st.caption(t("pooling.digit_caption", layer=codegen.pool_layer_code(layer)))
    zmax = float(fmap.max()) or 1.0
    for column, values, title_key, key in zip(st.columns(2), (fmap, after), ("pooling.before_title", "pooling.after_title"),
                                              (keys.POOLING_BEFORE_CHART, keys.POOLING_AFTER_CHART), strict=True):
        with column:
            show_chart(charts.heatmap(values, colorscale=charts.ACTIVATION_SCALE, zmin=0, zmax=zmax, height=340,
                                      title=t(title_key, shape=shapes.format_shape(values.shape))), key=key,
                       alt=chart_texts.largest(values))
