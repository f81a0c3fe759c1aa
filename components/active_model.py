"""Which model the pages use: the session's own trained model, else the shipped one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import streamlit as st

from cnnlab import models
from components import state_keys as keys
from components.resources import pretrained_model


@dataclass
class TrainedModel:
    """A model the user trained on the Train page, stored in st.session_state[keys.TRAINED_MODEL]."""

    model: object
    test_accuracy: float | None
    epochs_done: int
    data_source: str  # "bundled" or "keras"
    finished: bool = True  # False while training still runs (a half-trained model is usable)
    trained_at: datetime = field(default_factory=datetime.now)
    # Where it came from, for notes on other pages: layers, params, optimizer, learning_rate,
    # batch_size, epochs (planned), train_samples; empty when unknown.
    origin: dict = field(default_factory=dict)
    stopped: bool = False  # True when the user stopped training early


@dataclass
class ActiveModel:
    model: object
    kind: str  # "trained" or "pretrained"
    test_accuracy: float | None


def trained_model() -> TrainedModel | None:
    return st.session_state.get(keys.TRAINED_MODEL)


def active_model() -> ActiveModel | None:
    """The session's trained model if any, else the shipped one, else None (asset missing)."""
    own = trained_model()
    if own is not None:
        return ActiveModel(own.model, "trained", own.test_accuracy)
    shipped = pretrained_model()
    if shipped is None:
        return None
    info = models.pretrained_info() or {}
    return ActiveModel(shipped, "pretrained", info.get("test_accuracy"))
