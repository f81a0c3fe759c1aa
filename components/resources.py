"""Process-wide resources, loaded once per server (st.cache_resource), shared by sessions."""

from __future__ import annotations

import streamlit as st

from cnnlab import data, models


@st.cache_resource(show_spinner=False)
def mnist() -> data.MnistData:
    """Full MNIST if Keras has it cached, else the bundled subset; never the network."""
    return data.load_mnist()


@st.cache_resource(show_spinner=False)
def pretrained_model():
    """The shipped pre-trained model (None if the asset is missing). Call it directly, never .predict."""
    return models.load_pretrained()
