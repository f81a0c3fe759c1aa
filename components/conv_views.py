"""Pieces shared by the Conv2D and MaxPooling2D explorers: window figures, numbers grids,
shape read-outs and the translated explanation of a rejected setting."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnlab import conv_ops, shapes
from components import charts
from components.i18n import t
from components.ui import show_chart

PAD_COLOUR = "#d9dde5"  # padded cells: zeros for convolution, -inf for max pooling
GRID_SCALE = "Blues"


def _cell_text_trace(values: np.ndarray, texts: np.ndarray, dark: np.ndarray) -> go.Scatter:
    rows, cols = np.indices(values.shape)
    return go.Scatter(x=cols.ravel(), y=rows.ravel(), mode="text", text=texts.ravel().tolist(),
                      textfont=dict(size=13, color=np.where(dark.ravel(), "white", "#1f2430").tolist()),
                      hoverinfo="skip", showlegend=False)


def _rect_paths(rects: list[tuple[float, float, float, float]]) -> tuple[list, list]:
    """Closed rectangles (centre row, centre col, half height, half width) as one line path with gaps."""
    xs, ys = [], []
    for r, c, hh, hw in rects:
        xs += [c - hw, c + hw, c + hw, c - hw, c - hw, None]
        ys += [r - hh, r - hh, r + hh, r + hh, r - hh, None]
    return xs, ys


def number_grid(values: np.ndarray, *, pad_mask: np.ndarray | None = None, outline: list[tuple[int, int]] = (),
                fill: list[tuple[int, int]] = (), inner_box: tuple[int, int, int, int] | None = None,
                colorscale: str = GRID_SCALE, symmetric: bool = False, height: int = 320,
                title: str | None = None) -> go.Figure:
    """A small matrix with every number written in its cell.

    pad_mask: cells added by padding (drawn grey, text '0' or '-∞'); outline: cells of the
    current window (accent border); fill: cells to fill with the accent (the max, the current
    output cell); inner_box: (top, left, h, w) dashed frame around the original input.
    """
    values = np.asarray(values, dtype=float)
    pad_mask = np.zeros(values.shape, bool) if pad_mask is None else np.asarray(pad_mask, bool)
    shown = np.where(pad_mask | ~np.isfinite(values), np.nan, values)
    finite = shown[np.isfinite(shown)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if symmetric:
        lo, hi = -max(abs(lo), abs(hi), 1e-6), max(abs(lo), abs(hi), 1e-6)
    if hi == lo:
        hi = lo + 1
    texts = np.vectorize(lambda v: "−∞" if np.isneginf(v) else conv_ops.format_number(v).replace("-", "−"))(values)
    norm = (np.nan_to_num(shown, nan=lo) - lo) / (hi - lo)
    dark = (np.abs(norm - 0.5) > 0.3) if symmetric else (norm > 0.6)
    dark &= ~pad_mask
    fig = go.Figure(go.Heatmap(z=shown, colorscale=colorscale, zmin=lo, zmax=hi, showscale=False, xgap=1, ygap=1,
                               hovertemplate="row %{y}, col %{x}<extra></extra>"))
    fig.add_trace(_cell_text_trace(values, texts, dark))
    # Outlines and fills are scatter traces, not layout shapes: one trace validates far faster than many shapes.
    if fill:
        xs, ys = _rect_paths([(r, c, 0.5, 0.5) for r, c in fill])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=charts.ACCENT,
                                 line=dict(width=0, color=charts.ACCENT), hoverinfo="skip", showlegend=False))
        rows, cols = zip(*fill, strict=True)
        fig.add_trace(go.Scatter(x=list(cols), y=list(rows), mode="text", text=[f"<b>{texts[r, c]}</b>" for r, c in fill],
                                 textfont=dict(color="white", size=14), hoverinfo="skip", showlegend=False))
    if outline:
        xs, ys = _rect_paths([(r, c, 0.46, 0.46) for r, c in outline])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=charts.ACCENT, width=3),
                                 hoverinfo="skip", showlegend=False))
    if inner_box is not None:
        top, left, h, w = inner_box
        xs, ys = _rect_paths([(top + (h - 1) / 2, left + (w - 1) / 2, h / 2, w / 2)])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#1f2430", width=1.5, dash="dash"),
                                 hoverinfo="skip", showlegend=False))
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, range=[-0.5, values.shape[1] - 0.5],
                     constrain="domain")
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, range=[values.shape[0] - 0.5, -0.5],
                     scaleanchor="x", constrain="domain")
    fig = charts.styled(fig, height=height, title=title)
    fig.update_layout(plot_bgcolor=PAD_COLOUR)
    return fig


def window_figure(step: conv_ops.WindowStep, source_shape: tuple[int, int], *, title: str | None = None,
                  height: int = 360) -> go.Figure:
    """The (padded) input with the current window outlined; for pooling the winner is filled."""
    pad_mask = np.pad(np.zeros(source_shape, bool), step.pads, constant_values=True)
    return number_grid(step.padded, pad_mask=pad_mask, outline=step.cells,
                       fill=[step.winner] if step.winner is not None else [],
                       inner_box=(*step.origin, *source_shape) if pad_mask.any() else None,
                       height=height, title=title)


def axis_name(axis: str | None) -> str:
    return t(f"conv.axis_{axis}") if axis in ("height", "width") else ""


def shape_error_message(err: shapes.ShapeError) -> str:
    """A rejected setting explained in the student's language, with the numbers."""
    v = err.values
    if err.reason == "stride_and_dilation":
        return t("conv.error_stride_dilation", strides=shapes.format_shape(v["strides"]), dilation=shapes.format_shape(v["dilation"]))
    if err.reason == "output_not_positive":
        key = "conv.error_pool_too_big" if err.field == "pool_size" else "conv.error_kernel_too_big"
        return t(key, axis=axis_name(err.axis), n=v["n"], k=v["k"], d=v["d"], span=v["span"], out=v["out"])
    return t("conv.error_bad_value", name=v.get("name", ""), value=v.get("value", ""))


def dropped_note(rows: int, cols: int) -> str | None:
    """The gentle note for border cells that 'valid' windows never read (None when nothing is dropped)."""
    if rows and cols:
        return t("conv.dropped_both", rows=rows, cols=cols)
    if rows:
        return t("conv.dropped_height", cells=rows)
    if cols:
        return t("conv.dropped_width", cells=cols)
    return None


def grid_height(rows: int, *, cell: int = 46, lo: int = 150, hi: int = 420) -> int:
    """A number grid's height that keeps cells readable without blowing a 1x1 result up to full size."""
    return int(min(hi, max(lo, rows * cell + 60)))


def big_shape(label: str, shape: tuple[int, ...] | None, *, help: str | None = None) -> None:
    """A shape in large type, readable from the back of a classroom."""
    st.metric(label, shapes.format_shape(shape), help=help)


def sync_tab_language(key: str, labels_by_lang: dict[str, list[str]], current: list[str]) -> None:
    """Keep the open tab when the language changes (tab state is the label text)."""
    chosen = st.session_state.get(key)
    if chosen is None or chosen in current:
        return
    for labels in labels_by_lang.values():
        if chosen in labels:
            st.session_state[key] = current[labels.index(chosen)]
            return


def as_unit_image(image: np.ndarray) -> np.ndarray:
    """A digit as float32 (28, 28) in [0, 1], whether it came as uint8 MNIST or a drawn float image."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3:
        image = image[..., 0]
    return image / 255.0 if image.max() > 1.0 else image


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
        kernel, bias, names = conv_ops.classic_kernels(kernel_size, 1, filters)
        return KernelBank(kernel, bias, [f"#{i + 1} {t(f'conv.classic_{n}')}" for i, n in enumerate(names)])
    if source == "model":
        from components.active_model import active_model  # loads the model (and TensorFlow) only now

        with st.spinner(t("conv.loading_model")):
            active = active_model()
            found = conv_ops.first_conv_kernels(active.model) if active is not None else None
        if found is not None and found.kernel.shape[2] == 1:
            f = found.kernel.shape[-1]
            kh, kw = found.kernel.shape[:2]
            note = t("conv.model_kernels_note", kind=t(f"conv.model_{active.kind}"), f=f, kh=kh, kw=kw)
            return KernelBank(found.kernel, found.bias, [f"#{i + 1}" for i in range(f)], note)
        fallback = kernel_bank("random", kernel_size, filters, seed)
        fallback.note = t("conv.no_model")
        return fallback
    kernel, bias = conv_ops.random_kernels(kernel_size, 1, filters, seed)
    return KernelBank(kernel, bias, [f"#{i + 1}" for i in range(filters)])


def _cell_slider(label: str, out_h: int, out_w: int, key: str) -> tuple[int, int]:
    index = st.slider(label, 0, out_h * out_w - 1, 0, key=key)
    return divmod(index, out_w)


def conv_step_through(bank: KernelBank, pic: conv_ops.ConvSettings, digit: np.ndarray) -> None:
    """Walk one kernel across a small input; write out the multiply-and-sum of the current cell."""
    c1, c2 = st.columns(2)
    small = c1.segmented_control(t("conv.step_input"), ["grid", "crop"], default="grid", required=True,
                                 key="conv_step_input", format_func=lambda v: t(f"conv.step_input_{v}"),
                                 persist_state="session")
    filters = bank.kernel.shape[-1]
    which = c2.number_input(t("conv.step_filter", count=filters), 1, filters, 1, key="conv_step_filter",
                            persist_state="session") if filters > 1 else 1
    which = min(int(which), filters) - 1
    grid = conv_ops.small_grid(7) if small == "grid" else conv_ops.digit_crop(digit, 8)
    kernel = bank.kernel[:, :, 0, which]
    bias = float(bank.bias[which])
    try:
        _, out_h, out_w, _ = shapes.conv2d_output_shape((1, *grid.shape, 1), 1, kernel.shape, pic.strides,
                                                        pic.padding, pic.dilation_rate)
    except shapes.ShapeError as err:
        st.error(shape_error_message(err), icon=":material/block:")
        return
    row, col = _cell_slider(t("conv.step_slider", last=out_h * out_w - 1), out_h, out_w, "conv_step_cell")
    step = conv_ops.conv_step(grid, kernel, row, col, pic.strides, pic.padding, pic.dilation_rate, bias,
                              pic.activation)
    full = conv_ops.conv2d_forward(grid, kernel[:, :, None, None], np.array([bias]), pic.strides, pic.padding,
                                   pic.dilation_rate, pic.activation)[0, :, :, 0]
    # The kernel and output hold 4-5 character numbers, the input single digits: room where the text is.
    a, b, c = st.columns([1.5, 1.3, 1.6])
    with a:
        show_chart(window_figure(step, grid.shape, height=grid_height(step.padded.shape[0], hi=440),
                                 title=t("conv.step_input_title", shape=shapes.format_shape(step.padded.shape))), key="conv_step_window")
    with b:
        show_chart(number_grid(kernel, symmetric=True, colorscale=charts.SIGNED_SCALE, height=grid_height(kernel.shape[0], cell=62),
                                    title=t("conv.step_kernel_title", which=which + 1)), key="conv_step_kernel")
    with c:
        show_chart(number_grid(full, fill=[(row, col)], height=grid_height(full.shape[0]),
                                    title=t("conv.step_output_title", shape=shapes.format_shape(full.shape))), key="conv_step_output")
    st.latex(conv_ops.conv_step_latex(step, pic.activation))
    rows = sorted({r for r, _ in step.cells})
    cols = sorted({c for _, c in step.cells})
    st.markdown(t("conv.step_explain", row=row, col=col, sh=pic.strides[0], sw=pic.strides[1],
                  r0=row * pic.strides[0], c0=col * pic.strides[1], d=pic.dilation_rate[0],
                  rows=", ".join(map(str, rows)), cols=", ".join(map(str, cols))))
    (top, bottom), (left, right) = step.pads
    if pic.padding == "same":
        st.markdown(t("conv.step_same", top=top, bottom=bottom, left=left, right=right))
    else:
        st.markdown(t("conv.step_valid"))


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
