"""The Conv2D explorer: a controls function that returns the settings, and one function per view.

Views: the shape read-out, shape & code, feature maps, and the linked step-through (click an output
cell or walk/play it: its input window, the kernel, the products and the sum with the real numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnlab import codegen, conv_ops, keras_check, kernels, latex, notebook, shapes, step_through
from components import chart_texts, charts
from components import explorer_common as common
from components import state_keys as keys
from components import window_views as grids
from components.digit_picker import pick_digit
from components.explorer_common import BOUND, P
from components.i18n import t
from components.notebook_views import notebook_button
from components.number_box import number_box
from components.ui import code_panel, show_chart


@dataclass(frozen=True)
class ConvExplorerSettings:
    """What the controls chose: the layer, its output shape (or why Keras rejects it), and the pictures' inputs."""

    layer: conv_ops.ConvSettings
    out_shape: tuple[int, int, int, int] | None
    error: shapes.ShapeError | None
    digit: np.ndarray  # (28, 28) in [0, 1]
    kernel_source: str
    seed: int


def _square_changed() -> None:
    # Carry the size across when switching between one slider and two.
    if st.session_state.get(keys.CONV_SQUARE, True):
        st.session_state[keys.CONV_KERNEL] = st.session_state.get(keys.CONV_KERNEL_H, 3)
    else:
        k = st.session_state.get(keys.CONV_KERNEL, 3)
        st.session_state[keys.CONV_KERNEL_H] = st.session_state[keys.CONV_KERNEL_W] = k


def _kernel_controls() -> tuple[int, int]:
    # The kernel sizes are written by _square_changed: seeded, never given a widget default as well.
    common.seed_state({keys.CONV_KERNEL: 3, keys.CONV_KERNEL_H: 3, keys.CONV_KERNEL_W: 3, keys.CONV_SQUARE: True})
    square = st.toggle(t("conv.square_kernel"), key=keys.CONV_SQUARE, on_change=_square_changed, **P)
    if square:
        k = st.slider(t("conv.kernel_size"), 1, 11, key=keys.CONV_KERNEL, help=t("conv.kernel_help"), **BOUND)
        return (k, k)
    kh_col, kw_col = st.columns(2)
    return (kh_col.slider(t("conv.kernel_h"), 1, 11, key=keys.CONV_KERNEL_H, **P),
            kw_col.slider(t("conv.kernel_w"), 1, 11, key=keys.CONV_KERNEL_W, **P))


def _layer_controls() -> tuple[conv_ops.ConvSettings, shapes.ShapeError | None]:
    """Every Conv2D argument; a rejected setting or dropped border is explained right under its control."""
    st.markdown(f"**{t('conv.input_shape')}**")
    # "try this next" writes these: seeded, never widget defaults as well.
    common.seed_state({keys.CONV_FILTERS: 2, keys.CONV_STRIDES: 1, keys.CONV_PADDING: "valid", keys.CONV_DILATION: 1,
                       keys.CONV_ACTIVATION: "relu"})
    cb, cc = st.columns(2)
    ch, cw = st.columns(2)
    batch = number_box(t("conv.batch"), 1, 256, value=4, key=keys.CONV_BATCH, container=cb, **BOUND)
    channels = number_box(t("conv.channels"), 1, 64, value=3, key=keys.CONV_CHANNELS, container=cc, **BOUND)
    height = number_box(t("conv.height"), 1, 512, value=28, key=keys.CONV_HEIGHT, container=ch, **BOUND)
    width = number_box(t("conv.width"), 1, 512, value=28, key=keys.CONV_WIDTH, container=cw, **BOUND)
    filters = st.slider(t("conv.filters"), 1, 64, key=keys.CONV_FILTERS, help=t("conv.filters_help"), **BOUND)
    kernel_size = _kernel_controls()
    kernel_slot = st.empty()
    stride = st.slider(t("conv.strides"), 1, 5, key=keys.CONV_STRIDES, help=t("conv.strides_help"), **BOUND)
    stride_slot = st.empty()
    padding = common.chosen(st.segmented_control(t("conv.padding"), list(shapes.PADDINGS), required=True,
                                                 key=keys.CONV_PADDING, help=t("conv.padding_help"), **BOUND), "valid")
    dilation = st.slider(t("conv.dilation"), 1, 5, key=keys.CONV_DILATION, help=t("conv.dilation_help"), **BOUND)
    dilation_slot = st.empty()
    activation = st.selectbox(t("conv.activation"), list(conv_ops.ACTIVATIONS), key=keys.CONV_ACTIVATION,
                              format_func=lambda v: t("conv.activation_none") if v == "linear" else f"'{v}'", **P)
    layer = conv_ops.ConvSettings((int(batch), int(height), int(width), int(channels)), int(filters),
                                  kernel_size, (stride, stride), padding, (dilation, dilation), activation)
    error = _shape_error(layer)
    error_slot = {"dilation_rate": dilation_slot, "strides": stride_slot}.get(error.field, kernel_slot) if error else None
    common.show_setting_notes(error, common.axes_of((height, width), kernel_size, stride, dilation), padding,
                              error_slot, stride_slot)
    return layer, error


def _shape_error(layer: conv_ops.ConvSettings) -> shapes.ShapeError | None:
    try:
        layer.output_shape()
    except shapes.ShapeError as err:
        return err
    return None


def _picture_controls() -> tuple[np.ndarray, str, int]:
    """The digit the pictures use (the last drawn one or a test digit) and where the kernels come from."""
    st.markdown(f"**{t('conv.pictures_heading')}**")
    digit = pick_digit(keys.CONV_DIGIT).image
    kernel_source = st.radio(t("conv.kernel_source"), list(kernels.KERNEL_SOURCES), key=keys.CONV_KERNEL_SOURCE,
                             format_func=lambda v: t(f"conv.kernels_{v}"), **P)
    if kernel_source == "random" and st.button(t("conv.reroll"), icon=":material/casino:", key=keys.CONV_REROLL):
        st.session_state[keys.CONV_KERNEL_SEED] = st.session_state.get(keys.CONV_KERNEL_SEED, 0) + 1
    return digit, kernel_source, st.session_state.get(keys.CONV_KERNEL_SEED, 0)


def conv_controls() -> ConvExplorerSettings:
    """The left column: the layer's arguments, then the pictures' inputs."""
    layer, error = _layer_controls()
    st.divider()
    digit, kernel_source, seed = _picture_controls()
    return ConvExplorerSettings(layer, None if error else layer.output_shape(), error, digit, kernel_source, seed)


# ---------------------------------------------------------------- views

def summary_view(s: ConvExplorerSettings) -> bool:
    """Input/output shape and parameters in large type; False when there is no output to show."""
    top = st.columns([1.4, 1.4, 1])
    with top[0]:
        common.big_shape(t("conv.input_label"), s.layer.input_shape)
    with top[1]:
        common.big_shape(t("conv.output_label"), s.out_shape)
    with top[2]:
        st.metric(t("conv.params_label"), latex.thousands(s.layer.params()))
    if s.layer == conv_ops.ConvSettings():
        st.success(t("conv.chapter_match"), icon=":material/menu_book:")
    if s.error is not None:
        st.warning(t("conv.no_output") + "\n\n" + common.shape_error_message(s.error), icon=":material/arrow_back:")
        return False
    return True


def shape_and_code_view(s: ConvExplorerSettings) -> None:
    """The output-size formula per axis, the parameter count, the code, and the check against Keras."""
    layer = s.layer
    st.markdown(f"**{t('conv.formula_heading')}**")
    axes = common.axes_of(layer.input_shape[1:3], layer.kernel_size, layer.strides, layer.dilation_rate)
    common.axis_formulas(axes, layer.padding, "conv.axis_values", "conv.same_pads", "conv.valid_pads")
    st.markdown(f"**{t('conv.params_heading')}**")
    st.latex(latex.conv2d_params_latex(layer.kernel_size, layer.input_shape[3], layer.filters,
                                       t("conv.weights"), t("conv.biases")))
    st.caption(t("conv.params_explain", kh=layer.kernel_size[0], kw=layer.kernel_size[1], c=layer.input_shape[3],
                 f=layer.filters))
    code_panel(codegen.conv2d_code(layer))
    notebook_button("conv", lambda lang: notebook.conv2d(layer, lang))
    st.caption(t("conv.input_shape_note"))
    verified = st.session_state.get(keys.CONV_VERIFIED)
    if st.button(t("conv.verify"), icon=":material/fact_check:", key=keys.CONV_VERIFY):
        with st.spinner(t("conv.verifying")):
            verified = (layer, keras_check.verify_conv2d(layer))
        st.session_state[keys.CONV_VERIFIED] = verified
    if verified is not None and verified[0] == layer:
        result = verified[1]
        message = t("limits.verify_result" if result.agree else "limits.verify_mismatch",
                    keras=shapes.format_shape(result.keras_shape), core=shapes.format_shape(result.core_shape),
                    crop="×".join(map(str, result.crop_shape)), diff=latex.exponent(result.max_abs_diff, 1))
        if result.agree:
            st.success(message, icon=":material/check_circle:")
        else:
            st.error(message, icon=":material/error:")


def pictures(s: ConvExplorerSettings) -> tuple[KernelBank, conv_ops.ConvSettings]:
    """The kernels the pictures use and the layer as it runs on one single-channel digit."""
    bank = kernel_bank(s.kernel_source, s.layer.kernel_size, s.layer.filters, s.seed)
    pic = conv_ops.ConvSettings((1, *s.digit.shape, 1), bank.kernel.shape[-1], bank.kernel.shape[:2],
                                s.layer.strides, s.layer.padding, s.layer.dilation_rate, s.layer.activation)
    return bank, pic


def feature_maps_view(s: ConvExplorerSettings, bank: KernelBank, pic: conv_ops.ConvSettings) -> None:
    """The digit, and each kernel beside the feature map it makes."""
    if bank.note:
        st.info(bank.note, icon=":material/info:")
    try:
        maps = conv_ops.conv2d_forward(s.digit, bank.kernel, bank.bias, pic.strides, pic.padding,
                                       pic.dilation_rate, pic.activation)[0]
    except shapes.ShapeError as err:
        st.error(common.shape_error_message(err), icon=":material/block:")
        return
    st.caption(t("conv.maps_caption", shape=shapes.format_shape(maps.shape), kernels=bank.kernel.shape[-1]))
    left, right = st.columns([1, 4])
    with left:
        show_chart(charts.heatmap(s.digit, height=180, title=t("conv.digit_title")), key=keys.CONV_DIGIT_CHART,
                   alt=None)  # a picture of the input: its numbers are the maps'
    with right:
        show_chart(kernels_and_maps(bank, maps, pairs_per_row=3 if maps.shape[-1] <= 9 else 4,
                                    map_px=190 if maps.shape[-1] <= 9 else 130, title=t("conv.maps_title")),
                   key=keys.CONV_MAPS_CHART, alt=chart_texts.feature_maps(maps))


def _step_inputs(bank: KernelBank, digit: np.ndarray) -> tuple[np.ndarray, int]:
    """The small input the step-through walks (a 7x7 grid or a crop of the digit) and which filter."""
    c1, c2 = st.columns(2)
    small = c1.segmented_control(t("conv.step_input"), ["grid", "crop"], default="grid", required=True,
                                 key=keys.CONV_STEP_INPUT, format_func=lambda v: t(f"conv.step_input_{v}"), **P)
    filters = bank.kernel.shape[-1]
    which = number_box(t("conv.step_filter", count=filters), 1, filters, value=1, key=keys.CONV_STEP_FILTER,
                       container=c2, **P) if filters > 1 else 1
    grid = step_through.small_grid(7) if small == "grid" else step_through.digit_crop(digit, 8)
    return grid, min(int(which), filters) - 1


def step_view(bank: KernelBank, pic: conv_ops.ConvSettings, digit: np.ndarray) -> None:
    """The linked step-through: pick an output cell (click, slider or play); see its window and its sum."""
    if bank.note:
        st.info(bank.note, icon=":material/info:")
    grid, which = _step_inputs(bank, digit)
    kernel, bias = bank.kernel[:, :, 0, which], float(bank.bias[which])
    s, padding, d = pic.strides, pic.padding, pic.dilation_rate
    try:
        _, out_h, out_w, _ = shapes.conv2d_output_shape((1, *grid.shape, 1), 1, kernel.shape, s, padding, d)
    except shapes.ShapeError as err:
        st.error(common.shape_error_message(err), icon=":material/block:")
        return
    grids.linked_step_view(grids.LinkedLayer(
        keys.CONV_STEP, grid, (out_h, out_w),
        step=lambda r, c: step_through.conv_step(grid, kernel, r, c, s, padding, d, bias, pic.activation),
        window=lambda r, c: step_through.output_window(r, c, grid.shape, kernel.shape, s, padding, d),
        output=lambda: conv_ops.conv2d_forward(grid, kernel[:, :, None, None], np.array([bias]), s, padding, d,
                                               pic.activation)[0, :, :, 0],
        input_title="conv.step_input_title", output_title="conv.step_output_title",
        details=lambda step: _sum_view(step, pic), side=lambda step, areas, tallest: _products_grids(step, which, areas,
                                                                                                     tallest),
        column_widths=(1.3, 1.0), max_grid_px=440))


def _sum_view(step: step_through.WindowStep, pic: conv_ops.ConvSettings) -> None:
    """The sum written out with the real numbers, then where the window lies."""
    st.latex(latex.conv_step_latex(step, pic.activation))
    _explain_window(step, pic)


def _products_grids(step: step_through.WindowStep, which: int, areas: list, tallest: int | None) -> None:
    """The kernel and the element-wise products input × weight, numbers readable, one in each of `areas`."""
    kernel_area, products_area = areas
    height = grids.grid_height(step.weights.shape[0], cell=60, hi=tallest or 380)
    with kernel_area:
        show_chart(grids.number_grid(step.weights, symmetric=True, colorscale=charts.SIGNED_SCALE, height=height,
                                     title=t("conv.step_kernel_title", which=which + 1)),
                   key=keys.CONV_STEP_KERNEL_CHART, projector_scaled=False, alt=None)  # the sum beside writes them out
    with products_area:
        show_chart(grids.number_grid(step.products, symmetric=True, colorscale=charts.SIGNED_SCALE, height=height,
                                     title=t("conv.step_products_title", total=latex.compact_number(
                                         float(step.products.sum())))),
                   key=keys.CONV_STEP_PRODUCTS_CHART, projector_scaled=False, alt=None)  # the sum beside writes them out


def _explain_window(step: step_through.WindowStep, pic: conv_ops.ConvSettings) -> None:
    rows = sorted({r for r, _ in step.cells})
    cols = sorted({c for _, c in step.cells})
    st.markdown(t("conv.step_explain", row=step.row, col=step.col, sh=pic.strides[0], sw=pic.strides[1],
                  r0=step.row * pic.strides[0], c0=step.col * pic.strides[1], d=pic.dilation_rate[0],
                  rows=", ".join(map(str, rows)), cols=", ".join(map(str, cols))))
    (top, bottom), (left, right) = step.pads
    if pic.padding == "same":
        st.markdown(t("conv.step_same", top=top, bottom=bottom, left=left, right=right))
    else:
        st.markdown(t("conv.step_valid"))


# ---------------------------------------------------------------- kernels and feature maps

@dataclass
class KernelBank:
    """The kernels the pictures use: (kh, kw, 1, F) plus biases, titles and a note on where they come from."""

    kernel: np.ndarray
    bias: np.ndarray
    titles: list[str]
    note: str | None = None


def kernel_bank(source: str, kernel_size: tuple[int, int], filters: int, seed: int) -> KernelBank:
    """Kernels for a single-channel digit: random (seeded), classic, or the active model's first layer."""
    if source == "classic":
        kernel, bias, names = kernels.classic_kernels(kernel_size, 1, filters)
        return KernelBank(kernel, bias, [f"#{i + 1} {t(f'conv.classic_{n}')}" for i, n in enumerate(names)])
    if source == "model":
        from components.active_model import active_model  # loads the model (and TensorFlow) only now

        with st.spinner(t("conv.loading_model")):
            active = active_model()
            found = kernels.first_conv_kernels(active.model) if active is not None else None
        if found is not None and found.kernel.shape[2] == 1:
            f = found.kernel.shape[-1]
            kh, kw = found.kernel.shape[:2]
            note = t("conv.model_kernels_note", kind=t(f"conv.model_{active.kind}"), f=f, kh=kh, kw=kw)
            return KernelBank(found.kernel, found.bias, [f"#{i + 1}" for i in range(f)], note)
        fallback = kernel_bank("random", kernel_size, filters, seed)
        fallback.note = t("conv.no_model")
        return fallback
    kernel, bias = kernels.random_kernels(kernel_size, 1, filters, seed)
    return KernelBank(kernel, bias, [f"#{i + 1}" for i in range(filters)])


def kernels_and_maps(bank: KernelBank, maps: np.ndarray, *, pairs_per_row: int = 3, title: str | None = None,
                     map_px: int = 170) -> go.Figure:
    """Each filter's kernel (small, signed colours: red +, blue −) right beside the feature map it makes.

    The grid's layout is cached per shape (charts.grid_skeleton); only the kernels and maps are filled in.
    """
    count = maps.shape[-1]
    per_row = max(1, min(pairs_per_row, count))
    rows = -(-count // per_row)
    cells, values, ranges = [], [], []
    for i in range(count):
        r, c = i // per_row + 1, (i % per_row) * 2 + 1
        kernel = bank.kernel[:, :, 0, i]
        limit = float(max(np.abs(kernel).max(), 1e-6))  # per kernel: white is always 0
        cells += [(r, c, charts.SIGNED_SCALE, "%{z:.3g}<extra></extra>"),
                  (r, c + 1, charts.ACTIVATION_SCALE, "row %{y}, col %{x}: %{z:.3g}<extra></extra>")]
        values += [kernel, maps[:, :, i]]
        ranges += [(-limit, limit), None]
    skeleton = charts.grid_skeleton(
        rows, 2 * per_row, tuple(cells), column_widths=(0.4, 1.0) * per_row,
        cell_titles=tuple(c % 2 == 1 and r * per_row + c // 2 < count for r in range(rows) for c in range(2 * per_row)),
        horizontal_spacing=0.02, vertical_spacing=0.5 / max(rows, 1) / 4 + 0.02,
        height=int(rows * map_px + (50 if title else 20)), titled=bool(title), title_size=12)
    return charts.fill_grid(skeleton, values, ranges=ranges, titles=bank.titles[:count], title=title)
