"""Warm start: the served app loads TensorFlow and the shipped model as the server starts, before any visitor.

With `streamlit run app.py` nothing of the app runs until a first session does, and that first visitor
waited for TensorFlow's import and the model's load. No browser here: the point is that nobody connects.
"""

from __future__ import annotations

import re
import time

WARMED = "warm-up done"


def test_model_is_loaded_before_anyone_connects(fresh_server):
    deadline = time.monotonic() + 120  # a bound for a loaded CI machine, not a speed target
    while WARMED not in fresh_server.log_text() and time.monotonic() < deadline:
        assert fresh_server.proc.poll() is None, fresh_server.log_text()
        time.sleep(0.5)
    log = fresh_server.log_text()
    assert WARMED in log, log
    warmed_line = next(line for line in log.splitlines() if WARMED in line)
    assert "[cnnlab-warmup]" in warmed_line  # the background thread, not a session's script
    assert "Traceback" not in log
    # TensorFlow, plotly and the model are frozen out of the garbage collector's full collections
    frozen = int(re.search(r"\((\d+) objects frozen\)", warmed_line).group(1))
    assert frozen > 100_000, warmed_line
