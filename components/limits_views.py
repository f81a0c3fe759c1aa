"""What the server's limits (cnnlab.limits) look like to a student: plain words, what to do next.

A training's cost before Start, the refusal of one over the budget with what to shrink, a job ended by
its time limit, a training whose worker process died. The technical detail stays in the server's log.
"""

from __future__ import annotations

import streamlit as st

from cnnlab import architecture as arch
from cnnlab import recipe, training
from cnnlab.limits import JOB_WALL_TIME_S
from cnnlab.recipe import TrainingCost
from components.i18n import current_language, t

# Below a tenth of a trillion the count is said in the language's own smaller unit: English counts in
# billions (10⁹), Korean in 억 (10⁸).
SMALL_UNIT = {"en": 1e9, "ko": 1e8}


def flops_text(flops: float) -> str:
    """"about 0.7 trillion operations" / "약 0.7조 번의 연산"; below a tenth of a trillion, billions / 억."""
    if flops >= 1e11:
        return t("limits.flops_trillion", value=f"{flops / 1e12:,.1f}")
    return t("limits.flops_billion", value=f"{flops / SMALL_UNIT.get(current_language(), 1e9):,.1f}")


def cost_note(total: float, budget: float) -> str:
    """The work a training asks for, as a share of what one training may use."""
    share = total / budget
    return t("limits.cost_note", flops=flops_text(total), percent=f"{share:.0%}" if share >= 0.01 else "<1%")


def _shrink_layer(stack, cost: TrainingCost) -> str:
    index, share = cost.heaviest_layer
    layer = stack[index]
    key = {"Conv2D": "limits.shrink_conv", "Dense": "limits.shrink_dense"}.get(layer.kind, "limits.shrink_layer")
    return t(key, index=index + 1, label=layer.label(), percent=f"{share:.0%}")


def budget_blocker(stack, cost: TrainingCost) -> str | None:
    """Why a training over the budget cannot start and what to shrink (None when it fits)."""
    if not cost.over_budget:
        return None
    head = t("limits.over_budget", flops=flops_text(cost.total), ratio=f"{cost.share:,.0f}"
             if cost.share >= 10 else f"{cost.share:.1f}", budget=flops_text(cost.budget))
    fit = cost.epochs_that_fit
    tail = t("limits.shrink_epochs", quantity=fit, epochs=fit) if fit else t("limits.shrink_data")
    return f"{head}\n- {_shrink_layer(stack, cost)}\n- {tail}"


def cost_view(stack, config: recipe.TrainConfig, data) -> str | None:
    """The Train page's estimate for these settings, as a caption; returns why Start is refused when it is
    over the budget (None when it fits, or when the stack cannot train anyway: the editor says why)."""
    analysis = arch.analyze(stack)
    if not analysis.ok:
        return None
    cost = recipe.training_cost(analysis, config, len(data.x_train), len(data.x_test))
    st.caption(cost_note(cost.total, cost.budget))
    return budget_blocker(stack, cost)


def time_limited_text(job: training.Job) -> str:
    """A job ended by its time limit (cnnlab.limits.JOB_WALL_TIME_S)."""
    minutes = round(JOB_WALL_TIME_S / 60)
    if isinstance(job, training.TrainingJob):
        return t("limits.time_limited_train", quantity=job.epochs_done, minutes=minutes, epochs=job.epochs_done)
    return t("limits.time_limited_sequences", minutes=minutes)


def failure_text(job: training.Job) -> str:
    """A failed job: its worker process died (plain words, nothing to fix), or the training raised."""
    if job.failure == training.WORKER_GONE:
        return t("limits.worker_gone")
    return t("limits.job_failed", error=(job.error or "?")[:200])
