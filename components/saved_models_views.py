"""The Train page's part of the learner's saved work: their saved models (use one, see its results, delete it),
and a training that was lost with its server process (keep its last epoch as a model)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from cnnlab import learner_trainings, limits, models, training
from cnnlab import store as store_module
from cnnlab.store import ModelInfo, StoreError
from components import state_keys as keys
from components.active_model import trained_model
from components.i18n import t
from components.learner import learner_id
from components.saved_work import error_text, notice, store
from components.training_views import Results, results_panel


def _local_time(moment: datetime) -> str:
    """A saved item's time in the browser's time zone (UTC when the browser did not say)."""
    try:
        zone = ZoneInfo(st.context.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _store_call(action, success: str | None = None) -> None:
    """Run a store write for a button: a note of what happened on the next run, never a traceback."""
    try:
        action()
        if success:
            notice("success", success)
    except StoreError as exc:
        notice("error", error_text(exc))


# ------------------------------------------------------------------ a training lost with its process

def lost_training_panel() -> None:
    """The learner's training that no process runs any more (its server stopped, or no tab was open)."""
    s, who = store(), learner_id()
    if s is None:
        return
    try:
        status = s.training_status(who)
    except StoreError:
        return
    registry = learner_trainings.shared_registry()
    lost = learner_trainings.lost_training(status, registry, who)
    if lost is None:
        if status is not None and status.state in training.ACTIVE_STATES and (
                registry.entry(who) is None or registry.entry(who).job.id != status.job_id):
            st.info(t("train.running_elsewhere", epochs_done=status.epochs_done, epochs=status.epochs),
                    icon=":material/dns:")
        return
    text = "train.lost_abandoned" if lost.state == "abandoned" else "train.lost_server"
    with st.container(border=True):
        st.warning(t(text, epochs_done=lost.epochs_done, epochs=lost.epochs), icon=":material/cloud_off:")
        with st.container(horizontal=True):
            if lost.checkpoint_epoch:
                st.button(t("train.keep_checkpoint", epoch=lost.checkpoint_epoch),
                          type="primary", icon=":material/save:", key=keys.TRAIN_KEEP_CHECKPOINT,
                          on_click=_store_call, args=(lambda: _keep(lost.job_id), t("train.checkpoint_kept")))
            else:
                st.caption(t("train.no_checkpoint"))
            st.button(t("train.dismiss_lost"), key=keys.TRAIN_DISMISS_LOST,
                      on_click=_store_call, args=(lambda: s.dismiss_training(who, lost.job_id),))


def _keep(job_id: str) -> None:
    s, who = store(), learner_id()
    model_id = s.keep_checkpoint(who, job_id)
    s.set_active_model(who, model_id)


# ------------------------------------------------------------------ the saved models

def saved_models_section() -> None:
    """The learner's models: which one the pages use (or the shipped one), each one's results, delete."""
    st.subheader(t("train.saved_heading"))
    s, who = store(), learner_id()
    if s is None:
        st.info(t("store.err_unavailable"), icon=":material/cloud_off:")
        return
    try:
        saved, chosen = s.list_models(who), s.active_model_id(who)
    except StoreError as exc:
        st.error(error_text(exc), icon=":material/error:")
        return
    st.caption(t("train.saved_caption", count=len(saved), limit=limits.MAX_SAVED_MODELS))
    own = trained_model(load=False)
    if own is not None and not own.finished:
        st.caption(t("train.saved_while_training"))
    shipped = models.pretrained_info() or {}
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        accuracy = shipped.get("test_accuracy")
        st.markdown(t("train.shipped_row", accuracy="—" if accuracy is None else f"{accuracy:.2%}"), width="stretch")
        _use_button(keys.TRAIN_USE_SHIPPED, chosen is None, lambda: s.set_active_model(who, None))
    for info in saved:
        _model_row(s, who, info, chosen)
    shown = st.session_state.get(keys.TRAIN_SHOWN_MODEL)
    if shown is not None:
        results_panel(_saved_results(s, who, shown, chosen))


def _use_button(key: str, in_use: bool, choose) -> None:
    if in_use:
        st.badge(t("train.in_use"), icon=":material/check:", color="green")
    else:
        st.button(t("train.use_model"), key=key, on_click=_store_call, args=(choose,))


def _model_row(s: store_module.Store, who: str, info: ModelInfo, chosen: int | None) -> None:
    accuracy = "—" if info.test_accuracy is None else f"{info.test_accuracy:.2%}"
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        label = t("train.saved_row", number=info.id, accuracy=accuracy, epochs_done=info.epochs_done,
                  epochs=info.epochs, optimizer=info.optimizer, batch=info.batch_size, layers=info.layers,
                  params=f"{info.params:,}", time=_local_time(info.created))
        if info.from_checkpoint:
            label += " · " + t("train.from_checkpoint")
        elif info.stopped:
            label += " · " + t("train.stopped_early")
        st.markdown(label, width="stretch")
        _use_button(keys.train_saved_model(info.id, "use"), info.id == chosen,
                    lambda: s.set_active_model(who, info.id))
        if info.test_accuracy is not None:
            st.button(t("train.show_results"), key=keys.train_saved_model(info.id, "show"), icon=":material/bar_chart:",
                      on_click=_show_results, args=(info.id,))
        st.button(t("train.delete_model"), key=keys.train_saved_model(info.id, "delete"), icon=":material/delete:",
                  on_click=_store_call, args=(lambda: s.delete_model(who, info.id),
                                              t("train.model_deleted", number=info.id)))


def _show_results(model_id: int) -> None:
    st.session_state[keys.TRAIN_SHOWN_MODEL] = model_id


def _saved_results(s: store_module.Store, who: str, model_id: int, chosen: int | None) -> Results | None:
    try:
        info, record = s.load_model(who, model_id)
    except StoreError:
        st.session_state.pop(keys.TRAIN_SHOWN_MODEL, None)  # deleted meanwhile
        return None
    if record.evaluation is None:
        return None
    return Results(record.evaluation, info.epochs_done, record.config, info.train_samples,
                   sum(e.seconds for e in record.history.epochs), info.data_source, record.history, tuple(record.stack),
                   lambda: store_module.restore_model(record), model_id == chosen, model_id)
