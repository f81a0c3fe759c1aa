"""Conv2D explorer: every argument -> output shape, formula, parameters, code; feature maps; linked step-through.

Nothing here imports TensorFlow unless the user asks for it ("verify with TensorFlow"
or the trained model's kernels): shapes come from cnnlab.shapes, maps from numpy.
"""

import streamlit as st

from components import conv_views as views
from components import page_checks, page_paths
from components import state_keys as keys
from components.explorer_common import explorer_areas, explorer_tabs
from components.i18n import t
from components.ui import page_header

page_header("conv")


# The explorer is a fragment: a control change reruns only this function, not app.py, the navigation
# and the page header, so the browser re-renders less (benchmarks/bench_explorers.py measures it).
@st.fragment
def explorer() -> None:
    controls, results = explorer_areas(t("conv.settings_expander"))
    page_end = st.container()  # under both: the questions and the chapter path
    with controls:
        settings = views.conv_controls()
    with page_end:
        page_checks.conv(settings)
        page_paths.conv(settings)
    with results:
        if not views.summary_view(settings):
            return
        tab_shape, tab_maps, tab_step = explorer_tabs("conv", ["tab_shape", "tab_maps", "tab_step"], keys.CONV_TAB)
        if tab_shape.open:
            with tab_shape:
                views.shape_and_code_view(settings)
        if tab_maps.open or tab_step.open:
            bank, pic = views.pictures(settings)
        if tab_maps.open:
            with tab_maps:
                views.feature_maps_view(settings, bank, pic)
        if tab_step.open:
            with tab_step:
                views.step_view(bank, pic, settings.digit)


explorer()
