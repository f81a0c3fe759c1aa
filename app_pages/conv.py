"""Conv2D explorer: every argument -> output shape, formula, parameters, code; feature maps; step-through.

Nothing here imports TensorFlow unless the user asks for it ("verify with TensorFlow"
or the trained model's kernels): shapes come from cnnlab.shapes, maps from numpy.
"""

import streamlit as st

from cnnlab import codegen, conv_ops, keras_check, kernels, latex, shapes
from cnnlab.i18n import LANGUAGES, translate
from components import charts, resources
from components import conv_views as views
from components import state_keys as keys
from components.i18n import t
from components.ui import code_panel, page_header, show_chart

P = dict(persist_state="session")
# The main controls live in the URL too: a link reopens the same settings (TensorFlow Playground style).
BOUND = dict(persist_state="session", bind="query-params")

page_header("conv")


# The explorer is a fragment: a control change reruns only this function, not app.py, the navigation
# and the page header, so the browser re-renders less (benchmarks/bench_explorers.py measures it).
@st.fragment
def explorer() -> None:
    controls, results = st.columns([1, 2.4], gap="large")

    # ---------------------------------------------------------------- controls (left)
    with controls:
        st.markdown(f"**{t('conv.input_shape')}**")
        cb, cc = st.columns(2)
        ch, cw = st.columns(2)
        batch = cb.number_input(t("conv.batch"), 1, 256, 4, key="conv_batch", **BOUND)
        channels = cc.number_input(t("conv.channels"), 1, 64, 3, key="conv_channels", **BOUND)
        height = ch.number_input(t("conv.height"), 1, 512, 28, key="conv_height", **BOUND)
        width = cw.number_input(t("conv.width"), 1, 512, 28, key="conv_width", **BOUND)

        filters = st.slider(t("conv.filters"), 1, 64, 2, key="conv_filters", help=t("conv.filters_help"), **BOUND)

        def _square_changed() -> None:
            # Carry the size across when switching between one slider and two.
            if st.session_state.get("conv_square", True):
                st.session_state["conv_kernel"] = st.session_state.get("conv_kernel_h", 3)
            else:
                k = st.session_state.get("conv_kernel", 3)
                st.session_state["conv_kernel_h"] = st.session_state["conv_kernel_w"] = k

        st.session_state.setdefault("conv_kernel", 3)  # written by _square_changed: no widget default as well
        square = st.toggle(t("conv.square_kernel"), True, key="conv_square", on_change=_square_changed, **P)
        if square:
            k = st.slider(t("conv.kernel_size"), 1, 11, key="conv_kernel", help=t("conv.kernel_help"), **BOUND)
            kernel_size = (k, k)
        else:
            st.session_state.setdefault("conv_kernel_h", 3)
            st.session_state.setdefault("conv_kernel_w", 3)
            kh_col, kw_col = st.columns(2)
            kernel_size = (kh_col.slider(t("conv.kernel_h"), 1, 11, key="conv_kernel_h", **P),
                           kw_col.slider(t("conv.kernel_w"), 1, 11, key="conv_kernel_w", **P))
        kernel_slot = st.empty()

        stride = st.slider(t("conv.strides"), 1, 5, 1, key="conv_strides", help=t("conv.strides_help"), **BOUND)
        stride_slot = st.empty()
        padding = st.segmented_control(t("conv.padding"), list(shapes.PADDINGS), default="valid", required=True,
                                       key="conv_padding", help=t("conv.padding_help"), **BOUND)
        dilation = st.slider(t("conv.dilation"), 1, 5, 1, key="conv_dilation", help=t("conv.dilation_help"), **BOUND)
        dilation_slot = st.empty()
        activation = st.selectbox(t("conv.activation"), list(conv_ops.ACTIVATIONS), index=1, key="conv_activation",
                                  format_func=lambda v: t("conv.activation_none") if v == "none" else f"'{v}'", **P)

        settings = conv_ops.ConvSettings((int(batch), int(height), int(width), int(channels)), int(filters),
                                         kernel_size, (stride, stride), padding, (dilation, dilation), activation)
        try:
            out_shape, error = settings.output_shape(), None
        except shapes.ShapeError as err:
            out_shape, error = None, err
            slot = {"dilation_rate": dilation_slot, "strides": stride_slot}.get(err.field, kernel_slot)
            slot.error(views.shape_error_message(err), icon=":material/block:")

        if error is None and padding == "valid":
            note = views.dropped_note(shapes.dropped_cells(int(height), kernel_size[0], stride, dilation),
                                      shapes.dropped_cells(int(width), kernel_size[1], stride, dilation))
            if note:
                stride_slot.info(note, icon=":material/info:")

        st.divider()
        st.markdown(f"**{t('conv.pictures_heading')}**")
        mnist = resources.mnist()
        drawn = st.session_state.get(keys.LAST_DRAWN_DIGIT)
        sources = ["mnist", "drawn"] if drawn is not None else ["mnist"]
        source = st.radio(t("conv.digit_source"), sources, key="conv_digit_source", horizontal=True,
                          format_func=lambda v: t(f"conv.digit_{v}"), **P)
        if source == "drawn" and drawn is not None:
            digit = views.as_unit_image(drawn)
        else:
            index = st.number_input(t("conv.digit_index", count=len(mnist.x_test) - 1), 0, len(mnist.x_test) - 1, 0,
                                    key="conv_digit", **P)
            digit = views.as_unit_image(mnist.x_test[int(index)])
        kernel_source = st.radio(t("conv.kernel_source"), list(kernels.KERNEL_SOURCES), key="conv_kernel_source",
                                 format_func=lambda v: t(f"conv.kernels_{v}"), **P)
        if kernel_source == "random" and st.button(t("conv.reroll"), icon=":material/casino:", key="conv_reroll"):
            st.session_state["conv_seed"] = st.session_state.get("conv_seed", 0) + 1

    # ---------------------------------------------------------------- results (right)
    with results:
        top = st.columns([1.4, 1.4, 1])
        with top[0]:
            views.big_shape(t("conv.input_label"), settings.input_shape)
        with top[1]:
            views.big_shape(t("conv.output_label"), out_shape)
        with top[2]:
            st.metric(t("conv.params_label"), f"{settings.params():,}")

        if settings == conv_ops.ConvSettings():
            st.success(t("conv.chapter_match"), icon=":material/menu_book:")
        if error is not None:
            st.warning(t("conv.no_output") + "\n\n" + views.shape_error_message(error), icon=":material/arrow_back:")
            return

        tab_keys = ["tab_shape", "tab_maps", "tab_step"]
        labels = [t(f"conv.{k}") for k in tab_keys]
        views.sync_tab_language("conv_tab", {lang: [translate(f"conv.{k}", lang) for k in tab_keys]
                                             for lang in LANGUAGES}, labels)
        tab_shape, tab_maps, tab_step = st.tabs(labels, key="conv_tab", on_change="rerun")

        # Shape & code ------------------------------------------------------------
        if tab_shape.open:
            with tab_shape:
                st.markdown(f"**{t('conv.formula_heading')}**")
                for axis, n, kk, symbol in (("height", settings.input_shape[1], kernel_size[0], "H"),
                                            ("width", settings.input_shape[2], kernel_size[1], "W")):
                    st.caption(t("conv.axis_values", axis=views.axis_name(axis), n=n, k=kk, s=stride, d=dilation,
                                 padding=padding))
                    st.latex(latex.conv_axis_latex(n, kk, stride, padding, dilation, symbol))
                if padding == "valid":
                    st.caption(t("conv.valid_pads"))
                else:
                    pads = [conv_ops.padding_amounts(n, kk, stride, "same", dilation) for n, kk in
                            ((settings.input_shape[1], kernel_size[0]), (settings.input_shape[2], kernel_size[1]))]
                    st.caption(t("conv.same_pads", top=pads[0][0], bottom=pads[0][1], left=pads[1][0], right=pads[1][1]))

                st.markdown(f"**{t('conv.params_heading')}**")
                st.latex(latex.conv2d_params_latex(kernel_size, settings.input_shape[3], settings.filters,
                                                    t("conv.weights"), t("conv.biases")))
                st.caption(t("conv.params_explain", kh=kernel_size[0], kw=kernel_size[1], c=settings.input_shape[3],
                             f=settings.filters))

                code_panel(codegen.conv2d_code(settings))
                st.caption(t("conv.input_shape_note"))

                verified = st.session_state.get("conv_verified")
                if st.button(t("conv.verify"), icon=":material/fact_check:", key="conv_verify"):
                    with st.spinner(t("conv.verifying")):
                        verified = (settings, keras_check.verify_conv2d(settings))
                    st.session_state["conv_verified"] = verified
                if verified is not None and verified[0] == settings:
                    result = verified[1]
                    message = t("conv.verify_result", keras=shapes.format_shape(result.keras_shape),
                                core=shapes.format_shape(result.core_shape), diff=f"{result.max_abs_diff:.1e}")
                    (st.success if result.agree else st.error)(message, icon=":material/check_circle:")

        # Kernels for the pictures (feature maps and step-through) ---------------------
        if tab_maps.open or tab_step.open:
            bank = views.kernel_bank(kernel_source, kernel_size, settings.filters, st.session_state.get("conv_seed", 0))
            pic = conv_ops.ConvSettings((1, *digit.shape, 1), bank.kernel.shape[-1], bank.kernel.shape[:2],
                                        settings.strides, padding, settings.dilation_rate, activation)

        # Feature maps --------------------------------------------------------------
        if tab_maps.open:
            with tab_maps:
                if bank.note:
                    st.info(bank.note, icon=":material/info:")
                try:
                    maps = conv_ops.conv2d_forward(digit, bank.kernel, bank.bias, pic.strides, padding,
                                                   pic.dilation_rate, activation)[0]
                except shapes.ShapeError as err:
                    st.error(views.shape_error_message(err), icon=":material/block:")
                else:
                    st.caption(t("conv.maps_caption", shape=shapes.format_shape(maps.shape), kernels=bank.kernel.shape[-1]))
                    left, right = st.columns([1, 4])
                    with left:
                        show_chart(charts.heatmap(digit, height=180, title=t("conv.digit_title")), key="conv_digit_fig")
                    with right:
                        show_chart(views.kernels_and_maps(bank, maps, pairs_per_row=3 if maps.shape[-1] <= 9 else 4,
                                                          map_px=190 if maps.shape[-1] <= 9 else 130,
                                                          title=t("conv.maps_title")), key="conv_maps_fig")

        # Step-through ----------------------------------------------------------------
        if tab_step.open:
            with tab_step:
                if bank.note:
                    st.info(bank.note, icon=":material/info:")
                views.conv_step_through(bank, pic, digit)


explorer()
