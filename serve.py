"""The served app: `streamlit run serve.py` serves app.py and warms up as the server starts.

Rule: no visitor waits for TensorFlow's import or the shipped model's load. `streamlit run app.py`
runs no app code until the first session does; here Streamlit finds the `st.App` below and serves
app.py through it (the same Starlette/uvicorn server), and its lifespan starts the warm-up at server
start, before anyone connects. app.py calls `start_warmup()` too (it runs once per process), for
AppTest and `streamlit run app.py`.
"""

from contextlib import asynccontextmanager

import streamlit as st

from components.resources import start_warmup


@asynccontextmanager
async def _warm_up_at_start(_app):
    start_warmup(freeze_heap=True)  # returns at once: the loading runs in a background thread
    yield


app = st.App("app.py", lifespan=_warm_up_at_start)
