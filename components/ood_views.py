"""The Draw page's caution: a drawing that does not look like one digit gets no confident digit (cnnlab.ood)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab import inspect_model, ood
from components import chart_texts
from components import state_keys as keys
from components.charts import bar_chart, heatmap
from components.i18n import t
from components.resources import mnist
from components.ui import show_chart


def reference_and_basis(active) -> tuple[ood.Reference | None, str]:
    """The active model's Reference (None: the ink's shape only) and the i18n key saying what is checked."""
    if active.kind == "pretrained":
        reference = ood.shipped_reference(active.model)
        return reference, "ood.basis_shipped" if reference is not None else "ood.basis_shape_only"
    if not active.trained.finished:  # its features change with every step: nothing to hold them against
        return None, "ood.basis_training"
    with st.spinner(t("ood.fitting")):  # shown only when it takes a while: the first drawing per model
        reference = ood.own_reference(active.model, mnist().x_train)
    return reference, "ood.basis_own" if reference is not None else "ood.basis_shape_only"


def reasons_text(verdict: ood.Verdict) -> str:
    return " ".join(t(f"ood.reason_{reason}") for reason in verdict.reasons)


def basis_text(key: str, reference: ood.Reference | None) -> str:
    values = {"count": f"{len(reference.features):,}"} if reference is not None else {}
    text = t(key, **values)
    if reference is not None and reference.measured is not None:
        test_flagged, test_total, non_flagged, non_total = reference.measured
        text += " " + t("ood.measured", test=f"{test_flagged / test_total:.1%}", test_total=f"{test_total:,}",
                        non=f"{non_flagged / non_total:.0%}", non_total=f"{non_total:,}")
    return text


def caution_view(layers: list[inspect_model.LayerOutput], image: np.ndarray, active) -> bool:
    """When the drawing does not look like one digit: the caution, the first two choices, why softmax still
    answers, what the model sees and its probabilities; True when shown (the page then shows no confident digit)."""
    reference, basis = reference_and_basis(active)
    verdict = ood.judge(image, {layer.name: layer.output for layer in layers}, reference)
    if not verdict.flagged:
        return False
    probs = np.asarray(layers[-1].output, dtype=np.float64)
    first, second = (int(i) for i in np.argsort(probs)[::-1][:2])
    st.warning(f"**{t('ood.title')}** {reasons_text(verdict)}", icon=":material/help:")
    left, right = st.columns([1, 1], vertical_alignment="center")
    with left:
        st.metric(t("ood.guess"), f"{first}?")
        st.caption(t("ood.choices", first=first, first_percent=f"{probs[first]:.0%}", second=second,
                     second_percent=f"{probs[second]:.0%}"))
    with right:
        show_chart(heatmap(image, zmin=0, zmax=1, height=170, title=t("ood.model_sees")), key=keys.DRAW_INPUT_CHART,
                   alt=None)  # a picture of the input: its numbers are the bars'
    st.info(t("ood.softmax", digit=first, percent=f"{probs[first]:.0%}"), icon=":material/functions:")
    fig = bar_chart([str(d) for d in range(10)], probs, highlight=first, height=210, title=t("ood.probabilities"),
                    value_range=(0, 1.18), tick_format=".0%")
    show_chart(fig, key=keys.DRAW_PROBABILITIES_CHART, alt=chart_texts.probabilities(probs))
    st.caption(basis_text(basis, reference))
    return True
