"""The served app: `streamlit run serve.py` serves app.py and warms up as the server starts.

`streamlit run app.py` runs no app code until the first visitor's session does, so that visitor
paid for TensorFlow's import and the shipped model's load (seconds). Streamlit finds the `st.App`
below and serves app.py through it (the same Starlette/uvicorn server as `streamlit run app.py`);
its lifespan starts the warm-up at server start, before anyone connects. app.py still calls
`start_warmup()` itself (it runs once per process), so AppTest and `streamlit run app.py` work as before.
"""

from contextlib import asynccontextmanager

import streamlit as st

from components.resources import start_warmup


@asynccontextmanager
async def _warm_up_at_start(_app):
    start_warmup(freeze_heap=True)  # returns at once: the loading runs in a daemon thread
    yield


app = st.App("app.py", lifespan=_warm_up_at_start)
