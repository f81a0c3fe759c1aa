"""Which model the pages use: the session's own trained model, else the shipped one."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from cnnlab import models
from components import state_keys as keys
from components.i18n import t
from components.resources import pretrained_model


@dataclass
class TrainedModel:
    """A model the user trained on the Train page, stored in st.session_state[keys.TRAINED_MODEL]."""

    model: object
    test_accuracy: float | None
    epochs_done: int
    data_source: str  # "bundled" or "keras"
    finished: bool = True  # False while training still runs (a half-trained model is usable)
    # Where it came from, for notes on other pages: layers, params, optimizer, learning_rate,
    # batch_size, epochs (planned), train_samples; empty when unknown.
    origin: dict = field(default_factory=dict)
    stopped: bool = False  # True when the user stopped training early


@dataclass
class ActiveModel:
    model: object
    kind: str  # "trained" or "pretrained"
    test_accuracy: float | None
    trained: TrainedModel | None = None  # the session's record, when kind == "trained"


def trained_model() -> TrainedModel | None:
    return st.session_state.get(keys.TRAINED_MODEL)


def active_model(load: bool = True) -> ActiveModel | None:
    """The session's trained model if any, else the shipped one, else None (asset missing).

    load=False describes the shipped model from its metadata without loading it (or
    TensorFlow): for pages that only say which model is active; .model is then None.
    """
    own = trained_model()
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
    if not own.finished:
        text = t("common.model_training", epochs=own.epochs_done, planned=origin.get("epochs", "?"))
    else:
        key = "common.model_trained_stopped" if own.stopped else "common.model_trained"
        text = t(key, quantity=own.epochs_done, layers=origin.get("layers", "?"), params=f"{origin.get('params', 0):,}",
                 epochs=own.epochs_done, optimizer=origin.get("optimizer", "?"), accuracy=accuracy)
    return t("common.active_model", description=text)
