"""MaxPooling2D explorer: the chapter's example, an editable matrix, step-through, pooling a real feature map.

Pure numpy (cnnlab.conv_ops): TensorFlow is never imported on this page.
"""

import numpy as np
import pandas as pd
import streamlit as st

from cnnlab import codegen, conv_ops, kernels, latex, matrix_input, shapes, step_through
from cnnlab.i18n import LANGUAGES, translate
from components import charts, resources
from components import conv_views as views
from components.i18n import t
from components.ui import code_panel, page_header, show_chart

P = dict(persist_state="session")
# The main controls live in the URL too: a link reopens the same settings (TensorFlow Playground style).
BOUND = dict(persist_state="session", bind="query-params")
CHAPTER_MATRIX = [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]]
CHAPTER_SETTINGS = conv_ops.PoolSettings((2, 2), (1, 1), "valid")
MATRIX, EDITOR = "pooling_matrix", "pooling_editor"  # the matrix as cell texts; the data editor's own state

# The explorer opens on the chapter's example. Widgets that "reset to the chapter" writes are seeded
# here and never given a default as well (Streamlit warns when a widget has both).
CHAPTER_CONTROLS = dict(pooling_rows=3, pooling_cols=3, pooling_pool_h=2, pooling_pool_w=2,
                        pooling_default_strides=False, pooling_stride_h=1, pooling_stride_w=1,
                        pooling_padding="valid")
st.session_state.setdefault(MATRIX, CHAPTER_MATRIX)
for _key, _value in CHAPTER_CONTROLS.items():
    st.session_state.setdefault(_key, _value)


def _current_cells() -> list[list[str]]:
    """The stored matrix with the editor's pending edits applied."""
    cells = [list(r) for r in st.session_state[MATRIX]]
    for r, changes in (st.session_state.get(EDITOR) or {}).get("edited_rows", {}).items():
        for c, value in changes.items():
            cells[int(r)][int(c) - 1] = value
    return cells


def _resize() -> None:
    rows, cols = st.session_state["pooling_rows"], st.session_state["pooling_cols"]
    st.session_state[MATRIX] = matrix_input.resize_matrix(_current_cells(), int(rows), int(cols))
    st.session_state.pop(EDITOR, None)


def _use_chapter() -> None:
    st.session_state[MATRIX] = CHAPTER_MATRIX
    st.session_state.pop(EDITOR, None)
    st.session_state.update(CHAPTER_CONTROLS)


page_header("pooling")

# ---------------------------------------------------------------- the chapter's example, corrected
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

st.subheader(t("pooling.explorer_heading"))


# The explorer is a fragment: a control change reruns only this function, not app.py, the navigation
# and the chapter's example above, so the browser re-renders less (benchmarks/bench_explorers.py).
@st.fragment
def explorer() -> None:
    controls, results = st.columns([1, 2.4], gap="large")

    # ---------------------------------------------------------------- controls (left)
    with controls:
        ph_col, pw_col = st.columns(2)
        pool_size = (ph_col.slider(t("pooling.pool_h"), 1, 6, key="pooling_pool_h", **BOUND),
                     pw_col.slider(t("pooling.pool_w"), 1, 6, key="pooling_pool_w", **BOUND))
        pool_slot = st.empty()
        default_strides = st.toggle(t("pooling.strides_default"), key="pooling_default_strides",
                                    help=t("pooling.strides_help"), **P)
        if default_strides:
            strides = None
            st.caption(t("pooling.strides_is_pool", strides=shapes.format_shape(pool_size)))
        else:
            sh_col, sw_col = st.columns(2)
            strides = (sh_col.slider(t("pooling.stride_h"), 1, 6, key="pooling_stride_h", **BOUND),
                       sw_col.slider(t("pooling.stride_w"), 1, 6, key="pooling_stride_w", **BOUND))
        stride_slot = st.empty()
        padding = st.segmented_control(t("conv.padding"), list(shapes.PADDINGS), required=True,
                                       key="pooling_padding", help=t("pooling.padding_help"), **BOUND)
        st.button(t("pooling.use_chapter"), icon=":material/menu_book:", key="pooling_chapter", on_click=_use_chapter)
        settings = conv_ops.PoolSettings(pool_size, strides, padding)

        st.divider()
        st.markdown(f"**{t('pooling.matrix_size')}**")
        rows_col, cols_col = st.columns(2)
        rows_col.number_input(t("pooling.rows"), 1, 12, key="pooling_rows", on_change=_resize, **P)
        cols_col.number_input(t("pooling.cols"), 1, 12, key="pooling_cols", on_change=_resize, **P)

    # ---------------------------------------------------------------- results (right)
    with results:
        st.markdown(f"**{t('pooling.matrix_heading')}**")
        cells = st.session_state[MATRIX]
        frame = pd.DataFrame(cells, columns=[str(j + 1) for j in range(len(cells[0]))],
                             index=[str(i + 1) for i in range(len(cells))])
        edited = st.data_editor(frame, key=EDITOR, num_rows="fixed", width="content",
                                column_config={c: st.column_config.TextColumn(c, width=60) for c in frame.columns})
        matrix, problems = matrix_input.parse_matrix(edited.to_numpy().tolist())
        if problems:
            lines = [t(f"pooling.cell_{p.kind}", row=p.row, col=p.col, text=p.text) for p in problems[:6]]
            more = t("pooling.more_cells", count=len(problems) - 6) if len(problems) > 6 else ""
            st.error(t("pooling.cells_heading") + "\n\n" + "\n".join(f"- {line}" for line in lines) + more,
                     icon=":material/edit_off:")

        in_shape = (1, len(cells), len(cells[0]), 1)
        try:
            out_shape, error = shapes.pool2d_output_shape(in_shape, pool_size, strides, padding), None
        except shapes.ShapeError as err:
            out_shape, error = None, err
            pool_slot.error(views.shape_error_message(err), icon=":material/block:")
        if error is None and padding == "valid":
            s = settings.effective_strides
            note = views.dropped_note(shapes.dropped_cells(in_shape[1], pool_size[0], s[0]),
                                      shapes.dropped_cells(in_shape[2], pool_size[1], s[1]))
            if note:
                stride_slot.info(note, icon=":material/info:")

        top = st.columns(2)
        with top[0]:
            views.big_shape(t("conv.input_label"), in_shape)
        with top[1]:
            views.big_shape(t("conv.output_label"), out_shape)
        if error is not None:
            st.warning(t("conv.no_output") + "\n\n" + views.shape_error_message(error), icon=":material/arrow_back:")

        tab_keys = ["tab_result", "tab_step", "tab_digit"]
        labels = [t(f"pooling.{k}") for k in tab_keys]
        views.sync_tab_language("pooling_tab", {lang: [translate(f"pooling.{k}", lang) for k in tab_keys]
                                                for lang in LANGUAGES}, labels)
        tab_result, tab_step, tab_digit = st.tabs(labels, key="pooling_tab", on_change="rerun")
        ready = error is None and matrix is not None
        s = settings.effective_strides

        if tab_result.open:
            with tab_result:
                st.markdown(f"**{t('conv.formula_heading')}**")
                for axis, n, k, step, symbol in (("height", in_shape[1], pool_size[0], s[0], "H"),
                                                 ("width", in_shape[2], pool_size[1], s[1], "W")):
                    st.caption(t("pooling.axis_values", axis=views.axis_name(axis), n=n, k=k, s=step, padding=padding))
                    st.latex(latex.conv_axis_latex(n, k, step, padding, 1, symbol))
                if padding == "same":
                    pads = [conv_ops.padding_amounts(n, k, step, "same") for n, k, step in
                            ((in_shape[1], pool_size[0], s[0]), (in_shape[2], pool_size[1], s[1]))]
                    st.caption(t("pooling.same_pads", top=pads[0][0], bottom=pads[0][1], left=pads[1][0],
                                 right=pads[1][1]))
                if not ready:
                    st.info(t("pooling.fix_first"), icon=":material/edit:")
                else:
                    pooled = conv_ops.max_pool_forward(matrix, pool_size, strides, padding)
                    padded, pad_mask, pads = conv_ops.pool_padded(matrix, pool_size, strides, padding)
                    in_fig, out_fig = st.columns(2)
                    with in_fig:
                        show_chart(views.number_grid(padded, pad_mask=pad_mask,
                                                     inner_box=(pads[0][0], pads[1][0], *matrix.shape)
                                                     if padding == "same" else None,
                                                     height=views.grid_height(padded.shape[0]),
                                                     title=t("pooling.input_title",
                                                                         shape=shapes.format_shape(padded.shape))),
                                   key="pooling_in_fig")
                    with out_fig:
                        show_chart(views.number_grid(pooled[0, :, :, 0], height=views.grid_height(pooled.shape[1]),
                                                     title=t("pooling.output_title",
                                                             shape=shapes.format_shape(pooled.shape[1:3]))),
                                   key="pooling_out_fig")
                    st.caption(t("pooling.printed"))
                    st.code(codegen.tf_print(pooled), language=None)
                    code_panel(codegen.pool_code(matrix, settings))

        if tab_step.open:
            with tab_step:
                if not ready:
                    st.info(t("pooling.fix_first"), icon=":material/edit:")
                else:
                    _, out_h, out_w, _ = out_shape
                    row, col = views.cell_slider(out_h, out_w, "pooling_step_cell")
                    step = step_through.pool_step(matrix, row, col, pool_size, strides, padding)
                    pooled = conv_ops.max_pool_forward(matrix, pool_size, strides, padding)[0, :, :, 0]
                    a, b = st.columns([1.4, 1])
                    with a:
                        show_chart(views.window_figure(step, matrix.shape, height=views.grid_height(step.padded.shape[0]),
                                                       title=t("pooling.input_title",
                                                               shape=shapes.format_shape(step.padded.shape))),
                                   key="pooling_step_window")
                    with b:
                        show_chart(views.number_grid(pooled, fill=[(row, col)], height=views.grid_height(pooled.shape[0]),
                                                     title=t("pooling.output_title", shape=shapes.format_shape(pooled.shape))),
                                   key="pooling_step_output")
                    st.latex(latex.pool_step_latex(step))
                    st.markdown(t("pooling.step_explain", row=row, col=col, r0=row * s[0], c0=col * s[1], sh=s[0],
                                  sw=s[1], ph=pool_size[0], pw=pool_size[1], best=step_through.format_number(step.result)))
                    if step.is_pad.any():
                        st.markdown(t("pooling.step_padded"))

        if tab_digit.open:
            with tab_digit:
                mnist = resources.mnist()
                c1, c2 = st.columns(2)
                index = c1.number_input(t("conv.digit_index", count=len(mnist.x_test) - 1), 0, len(mnist.x_test) - 1, 0,
                                        key="pooling_digit", **P)
                kernel_name = c2.selectbox(t("pooling.digit_kernel"), list(kernels.CLASSIC_KERNELS), key="pooling_kernel",
                                           format_func=lambda v: t(f"conv.classic_{v}"), **P)
                digit = views.as_unit_image(mnist.x_test[int(index)])
                fmap = conv_ops.conv2d_forward(digit, kernels.classic_kernel(kernel_name, 3)[:, :, None, None],
                                               None, 1, "valid", 1, "relu")[0, :, :, 0]
                try:
                    after = conv_ops.max_pool_forward(fmap, pool_size, strides, padding)[0, :, :, 0]
                except shapes.ShapeError as err:
                    st.error(views.shape_error_message(err), icon=":material/block:")
                else:
                    st.caption(t("pooling.digit_caption", layer=codegen.pool_layer_code(settings)))
                    before_col, after_col = st.columns(2)
                    zmax = float(fmap.max()) or 1.0
                    with before_col:
                        show_chart(charts.heatmap(fmap, colorscale=charts.ACTIVATION_SCALE, zmin=0, zmax=zmax, height=340,
                                                  title=t("pooling.before_title", shape=shapes.format_shape(fmap.shape))),
                                   key="pooling_before")
                    with after_col:
                        show_chart(charts.heatmap(after, colorscale=charts.ACTIVATION_SCALE, zmin=0, zmax=zmax, height=340,
                                                  title=t("pooling.after_title", shape=shapes.format_shape(after.shape))),
                                   key="pooling_after")


explorer()
