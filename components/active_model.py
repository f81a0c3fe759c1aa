"""Which model the pages use: the learner's training while it runs, else the model they chose (kept in the
store: one of their saved models, or the shipped one).

- While the learner's training is queued or running (in this process), its half-trained model; once it has
  ended it is saved and chosen (cnnlab.learner_trainings), so the pages go on with the same model.
- Else the store's choice: a saved model is built from the store (or is the model this process just trained
  and saved) and the session keeps it (keys.TRAINED_MODEL) while it is still the choice; it goes with the
  session.
- Else the shipped model. Without a reachable store: the session's copy, else the shipped model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from cnnlab import architecture, learner_trainings, models, training
from cnnlab import store as store_module
from cnnlab.store import StoreError
from components import learner
from components import state_keys as keys
from components.i18n import t
from components.resources import pretrained_model
from components.saved_work import store


@dataclass
class TrainedModel:
    """A model the learner trained: in training, or saved (saved_id)."""

    model: object
    test_accuracy: float | None
    epochs_done: int
    data_source: str  # "bundled" or "keras"
    finished: bool = True  # False while training still runs (a half-trained model is usable)
    # Where it came from, for notes on other pages: layers, params, optimizer, learning_rate,
    # batch_size, epochs (planned), train_samples; empty when unknown.
    origin: dict = field(default_factory=dict)
    stopped: bool = False  # True when the user stopped training early
    saved_id: int | None = None  # its id in the store
    class_code: str | None = None  # the class's model of this class (fine-tuned on its drawings)


@dataclass
class ActiveModel:
    model: object
    kind: str  # "trained" or "pretrained"
    test_accuracy: float | None
    trained: TrainedModel | None = None  # the learner's own, when kind == "trained"


def origin_of(stack, config, train_samples: int) -> dict:
    """Where a trained model comes from, as the pages that use it describe it."""
    return {"layers": len(stack), "params": architecture.analyze(stack).total_params, "optimizer": config.optimizer,
            "learning_rate": config.learning_rate, "batch_size": config.batch_size, "epochs": config.epochs,
            "train_samples": train_samples, "chapter_model": tuple(stack) == architecture.chapter_spec(),
            "family": architecture.family_of(stack)}


def _from_job(entry: learner_trainings.TrainingEntry) -> TrainedModel:
    job = entry.job
    accuracy = None if job.evaluation is None else job.evaluation.test_accuracy
    return TrainedModel(job.model, accuracy, job.epochs_done, entry.data_source, finished=not job.active,
                        origin=origin_of(job.stack, job.config, job.train_samples), stopped=job.stop_requested,
                        saved_id=entry.saved_model_id)


def training_model(who: str) -> TrainedModel | None:
    """The learner's training in this process, while it is the model they use: running, or just ended and
    not yet in the store (or the store refused it)."""
    entry = learner_trainings.shared_registry().entry(who)
    if entry is None or entry.job.model is None or entry.job.state in (training.CANCELLED, training.FAILED):
        return None
    if entry.job.active or (entry.job.evaluation is not None and entry.saved_model_id is None):
        return _from_job(entry)
    return None


def _saved_model(who: str, model_id: int) -> TrainedModel:
    info, record = store().load_model(who, model_id)
    entry = learner_trainings.shared_registry().entry(who)
    if entry is not None and entry.saved_model_id == model_id and entry.job.model is not None:
        model = entry.job.model  # the model just trained here: the same weights, already built
    else:
        model = store_module.restore_model(record)
    return TrainedModel(model, info.test_accuracy, info.epochs_done, info.data_source,
                        origin=origin_of(record.stack, record.config, info.train_samples), stopped=info.stopped,
                        saved_id=model_id)


def _described(who: str, model_id: int) -> TrainedModel:
    """A saved model's description without building it (model None): no TensorFlow for a page that only says."""
    info = next((m for m in store().list_models(who) if m.id == model_id), None)
    if info is None:
        raise StoreError("not_found")
    origin = {"layers": info.layers, "params": info.params, "optimizer": info.optimizer, "epochs": info.epochs,
              "learning_rate": info.learning_rate, "batch_size": info.batch_size, "train_samples": info.train_samples}
    return TrainedModel(None, info.test_accuracy, info.epochs_done, info.data_source, origin=origin,
                        stopped=info.stopped, saved_id=model_id)


def chosen_model(who: str, load: bool = True) -> TrainedModel | None:
    """The learner's chosen saved model (None: the shipped one), the session's copy while it is still the one.

    load=False gives a saved model's description only (model None) unless the session already holds it.
    """
    own: TrainedModel | None = st.session_state.get(keys.TRAINED_MODEL)
    s = store()
    try:
        chosen = s.active_model_id(who) if s is not None else None
    except StoreError:
        return own
    if s is None or own is not None and own.saved_id == chosen:
        return own
    if chosen is None:
        return None
    try:
        if not load:
            return _described(who, chosen)
        own = _saved_model(who, chosen)
    except StoreError:
        return None
    st.session_state[keys.TRAINED_MODEL] = own
    return own


def class_model(who: str, load: bool = True) -> TrainedModel | None:
    """The learner's class's model while this session chose it (keys.CLASS_USE_MODEL) and the class has one."""
    s = store()
    if not st.session_state.get(keys.CLASS_USE_MODEL) or s is None:
        return None
    try:
        member = s.membership(who)
        if member is None or member.model_id is None:
            return None
        held = st.session_state.get(keys.CLASS_MODEL)
        if held is not None and held[0] == member.model_id:
            return held[1]
        info, record = s.class_model(member.class_id)
    except StoreError:
        return None
    model = store_module.restore_model(record) if load else None
    chosen = TrainedModel(model, info.test_accuracy, info.epochs_done, info.data_source,
                          origin=origin_of(record.stack, record.config, info.train_samples), class_code=member.code)
    if load:
        st.session_state[keys.CLASS_MODEL] = (member.model_id, chosen)
    return chosen


def trained_model(load: bool = True) -> TrainedModel | None:
    """The learner's own model the pages use now (their training, their class's model if chosen, their saved
    choice), or None for the shipped one."""
    who = learner.learner_id()
    return training_model(who) or class_model(who, load) or chosen_model(who, load)


def active_model(load: bool = True) -> ActiveModel | None:
    """The learner's own model if they use one, else the shipped one, else None (asset missing).

    load=False describes the shipped model from its metadata without loading it (or
    TensorFlow): for pages that only say which model is active; .model is then None.
    """
    own = trained_model(load)
    if own is not None:
        return ActiveModel(own.model, "trained", own.test_accuracy, own)
    info = models.pretrained_info()
    if not load:
        return None if info is None else ActiveModel(None, "pretrained", info.get("test_accuracy"))
    shipped = pretrained_model()
    if shipped is None:
        return None
    return ActiveModel(shipped, "pretrained", (info or {}).get("test_accuracy"))


def describe(active: ActiveModel | None) -> str:
    """One sentence for every page that uses a model: which one, where it came from, how good."""
    if active is None:
        return t("common.active_model", description=t("common.model_missing"))
    accuracy = "—" if active.test_accuracy is None else f"{active.test_accuracy:.2%}"
    own = active.trained
    if own is None:
        test_size = (models.pretrained_info() or {}).get("test_size", 0)
        return t("common.active_model",
                 description=t("common.model_pretrained", accuracy=accuracy, test_size=f"{test_size:,}"))
    origin = own.origin
    if own.class_code is not None:
        return t("common.active_model", description=t("class.model_description", code=own.class_code,
                                                     accuracy=accuracy))
    if not own.finished:
        text = t("common.model_training", epochs=own.epochs_done, planned=origin.get("epochs", "?"))
    else:
        key = "common.model_trained_stopped" if own.stopped else "common.model_trained"
        text = t(key, quantity=own.epochs_done, layers=origin.get("layers", "?"), params=f"{origin.get('params', 0):,}",
                 epochs=own.epochs_done, optimizer=origin.get("optimizer", "?"), accuracy=accuracy)
    return t("common.active_model", description=text)
