"""MaxPooling2D explorer: the chapter's example, an editable matrix, a linked step-through, pooling a real feature map.

Pure numpy (cnnlab.conv_ops): TensorFlow is never imported on this page.
"""

import streamlit as st

from components import page_checks, page_paths
from components import pooling_views as views
from components import state_keys as keys
from components.explorer_common import explorer_areas, explorer_tabs
from components.i18n import t
from components.ui import page_header

views.start_state()
page_header("pooling")
views.chapter_example_view()
st.subheader(t("pooling.explorer_heading"))


# The explorer is a fragment: a control change reruns only this function, not app.py, the navigation
# and the chapter's example above, so the browser re-renders less (benchmarks/bench_explorers.py).
@st.fragment
def explorer() -> None:
    controls, results = explorer_areas(t("pooling.settings_expander"))
    with controls:
        layer, pool_slot, stride_slot = views.pool_controls()
    with results:
        cells, matrix = views.matrix_editor()
        settings = views.explorer_settings(layer, cells, matrix, pool_slot, stride_slot)
        views.summary_view(settings)
        tab_result, tab_step, tab_digit = explorer_tabs("pooling", ["tab_result", "tab_step", "tab_digit"], keys.POOLING_TAB)
        if tab_result.open:
            with tab_result:
                views.result_view(settings)
        if tab_step.open:
            with tab_step:
                views.step_view(settings)
        if tab_digit.open:
            with tab_digit:
                views.digit_view(settings)
    page_checks.pooling(settings)
    page_paths.pooling(settings)


explorer()
