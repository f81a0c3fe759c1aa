"""Process-wide resources, loaded once per server and shared by every session's script thread.

Shared objects are read-only: nobody writes into the data arrays, and the shipped models are only read
through their probes (cnnlab.inspect_model.layer_outputs, cnnlab.rnn_reader.read_rows: each made once under
a lock), which are safe from many threads at once (tests/unit/test_concurrency.py).
`start_warmup()` loads TensorFlow and the shipped CNN and RNN in a background
thread as the server starts (serve.py's lifespan; app.py calls it too, for `streamlit run app.py` and AppTest),
so the first drawing does not pay for it; it also starts the training worker processes (cnnlab.trainer_pool),
so the first training does not wait for one.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import logging
import os
import pkgutil
import threading
import time
from pathlib import Path

import numpy as np
import streamlit as st

from cnnlab import data, models, store, trainer_pool
from components import app_logging, streamlit_patches
from components import state_keys as keys

logger = logging.getLogger(__name__)

_model_lock = threading.Lock()
_models: dict[str, object] = {}  # family -> the shipped model (None: its asset is missing)
_numbers_lock = threading.Lock()
_numbers: dict[str, object] = {}  # family -> the shipped model's FamilyNumbers
_warmup_lock = threading.Lock()
_warmup_thread: threading.Thread | None = None
ENV_WARMUP = "CNNLAB_WARMUP"  # "0": no background loading of TensorFlow and the model


# ------------------------------------------------------------------ data

def _data_file_stamp() -> tuple[str, float | None]:
    """The Keras cache file and its modification time: a new download makes a new cache entry."""
    path = data.keras_cache_path()
    try:
        return str(path), path.stat().st_mtime
    except OSError:
        return str(path), None


@st.cache_resource(show_spinner=False, max_entries=1)
def _shared_mnist(stamp: tuple[str, float | None]) -> data.MnistData:
    return data.load_mnist(Path(stamp[0]))


def mnist() -> data.MnistData:
    """The data this session explores and trains on: full MNIST if Keras has it cached, else the bundled subset.

    Pinned in the session at its first use: when an operator downloads full MNIST (scripts/download_mnist.py),
    new sessions get it and sessions already open keep the data they started with.
    """
    pinned = st.session_state.get(keys.MNIST_DATA)
    if pinned is None:
        pinned = _shared_mnist(_data_file_stamp())
        st.session_state[keys.MNIST_DATA] = pinned
    return pinned


# ------------------------------------------------------------------ the shipped models

def pretrained_model():
    """The shipped pre-trained CNN (None if the asset is missing), loaded once per process.

    Call it directly, never .predict. The first caller loads it (usually the warm-up thread);
    callers arriving meanwhile wait for that load instead of starting a second one.
    """
    return _shipped("cnn")


def pretrained_rnn_model():
    """The shipped recurrent reader (None if the asset is missing), loaded once per process, as the CNN."""
    return _shipped("rnn")


def _shipped(family: str):
    with _model_lock:
        if family not in _models:
            _models[family] = _load_and_warm(family)
        return _models[family]


def _load_and_warm(family: str):
    from cnnlab import inspect_model, rnn_reader

    started = time.perf_counter()
    model = models.load_pretrained(family)
    blank = np.zeros((28, 28), dtype=np.float32)
    # the model's probe is made and traced now, not on a student's first stroke
    if model is not None and family == "rnn":
        rnn_reader.read_rows(model, blank)
    elif model is not None:
        inspect_model.layer_outputs(model, blank)
    logger.info("shipped %s loaded and warmed in %.1f s", family, time.perf_counter() - started)
    return model


def shipped_numbers(family: str):
    """The shipped model's numbers for the CNN-vs-RNN comparison (cnnlab.family_comparison.FamilyNumbers),
    measured once per process on the bundled held-out digits; None when the model is missing."""
    from cnnlab import family_comparison

    with _numbers_lock:
        if family not in _numbers:
            model = _shipped(family)
            bundled = data.load_bundled()
            _numbers[family] = None if model is None else family_comparison.shipped_numbers(
                family, model, bundled.x_test, bundled.y_test)
        return _numbers[family]


def start_warmup(*, freeze_heap: bool = False) -> None:
    """Load TensorFlow and the shipped model in a background thread, once per process; returns before they load.

    Our own modules are imported first, in the caller's thread (see below). The thread then starts the
    training worker processes, which import TensorFlow on their own, and loads the model.

    Also sets up the app's logging (components.app_logging), stops Streamlit from clearing the Keras
    session after each run and has it drop widget values their widgets cannot read (components.streamlit_patches)
    first: this is the process's first app code.
    `freeze_heap` (serve.py, at server start, before any session exists): once warm, move every object
    so far out of the garbage collector's reach with gc.freeze(). TensorFlow, plotly and the model live
    as long as the process; a full collection that scans them holds the interpreter lock and stalls every
    session's rerun at once, so after the freeze it scans only what sessions made since
    (docs/server-design.md).
    """
    global _warmup_thread
    with _warmup_lock:
        if _warmup_thread is not None:
            return
        app_logging.configure()
        streamlit_patches.keep_keras_state_between_runs()
        streamlit_patches.drop_unreadable_widget_values()
        if os.environ.get(ENV_WARMUP) == "0":  # e.g. a test that checks a page never needs TensorFlow
            return
        # Our modules (and pandas, plotly's template) are imported here, before any session's script can run:
        # a module imported in a background thread can be seen half-imported by a first page (plotly looks
        # pandas up in sys.modules without importing it; test_concurrency_runtime.py checks the rule).
        _warm_views()
        # Not a daemon: the interpreter waits for it before it finalises (and before atexit, where
        # libraries such as optree already tear their state down). A thread still inside TensorFlow or h5py
        # while Python finalises crashes or hangs the process: how a short AppTest script used to end.
        _warmup_thread = threading.Thread(target=_warm, args=(freeze_heap,), name="cnnlab-warmup", daemon=False)
        _warmup_thread.start()
        atexit.register(trainer_pool.close_shared_pool)  # runs after the warm-up has ended


def _process_ending() -> bool:
    """The main thread has finished: the process is exiting and waits for the warm-up only."""
    return not threading.main_thread().is_alive()


def _warm(freeze_heap: bool) -> None:
    started = time.perf_counter()
    # The learners' store, its schema upgraded, before the first visitor saves anything. A failure is
    # logged by the store; the pages say saving is unavailable and retry on use.
    with contextlib.suppress(store.StoreError):
        store.shared()
    try:
        trainer_pool.shared_pool().prepare()  # the training workers import TensorFlow beside us
        if _process_ending():  # nobody is left to use the model: end now, the exit waits for us
            logger.info("warm-up skipped: the process is ending")
            return
        pretrained_model()
        pretrained_rnn_model()
        if freeze_heap:  # no gc.collect() first: a full collection while a training traces its graph can hang
            gc.freeze()
        logger.info("warm-up done in %.1f s (%d objects frozen)", time.perf_counter() - started,
                    gc.get_freeze_count())  # tests and bench_classroom wait for this line
    except Exception:  # noqa: BLE001 - the page that needs the model will report it to its user
        logger.exception("warm-up failed: what it did not load loads on first use instead")


def _warm_views() -> None:
    """Import every components module and load plotly's template, in the caller's thread."""
    import components

    for module in pkgutil.iter_modules(components.__path__):
        importlib.import_module(f"components.{module.name}")
    from components import charts

    charts.styled(charts.go.Figure())
