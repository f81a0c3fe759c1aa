"""Errors a user sees leave a traceback in the server log; nothing is swallowed silently."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from cnnlab import architecture as arch
from cnnlab import training
from cnnlab.data import MnistData, load_bundled

ROOT = Path(__file__).resolve().parents[2]


def test_no_exception_handler_only_passes():
    """`except ...: pass` hides errors: every handler does something (log, fall back, re-raise)."""
    silent = []
    for path in [ROOT / "app.py", *sorted(ROOT.glob("[!.]*/**/*.py"))]:
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and all(isinstance(s, ast.Pass) for s in node.body):
                silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == []


def test_a_failed_training_is_logged_with_its_traceback(caplog, monkeypatch):
    full = load_bundled()
    small = MnistData(full.x_train[:50], full.y_train[:50], full.x_test[:20], full.y_test[:20], "bundled")

    def broken_split(*args, **kwargs):
        raise MemoryError("no room for the data")

    monkeypatch.setattr(training, "split_data", broken_split)
    stack = (arch.LayerSpec("Flatten"), arch.dense(10, "softmax"))
    with caplog.at_level(logging.INFO, logger="cnnlab"):
        job = training.TrainingJob(stack, training.TrainConfig(epochs=1), small,
                                   slots=training.TrainingSlots(1)).start()
        assert job.wait(60)
    assert job.state == training.FAILED and "no room" in job.error  # what the user sees
    logged = [r for r in caplog.records if r.name == "cnnlab.training" and r.exc_info]
    assert logged and "no room for the data" in str(logged[0].exc_info[1])


def test_app_logging_sends_our_records_to_one_handler():
    from components import app_logging

    app_logging.configure()
    app_logging.configure()  # once per process, however often called
    for name in app_logging.PACKAGES:
        assert len(logging.getLogger(name).handlers) == 1
