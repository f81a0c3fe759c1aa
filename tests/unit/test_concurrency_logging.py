"""Errors a user sees leave a traceback in the server log; nothing is swallowed silently."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from cnnlab import architecture as arch
from cnnlab import recipe, training
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


def test_a_failed_training_is_logged_with_its_traceback(caplog):
    """The training fails in its worker process: the server logs the worker's traceback, the user gets the error."""
    full = load_bundled()
    labels = full.y_train[:50].copy()
    labels[7] = 12  # no such digit: the loss cannot be computed
    broken = MnistData(full.x_train[:50], labels, full.x_test[:20], full.y_test[:20], "bundled")
    stack = (arch.LayerSpec("Flatten"), arch.dense(10, "softmax"))
    with caplog.at_level(logging.INFO, logger="cnnlab"):
        job = training.TrainingJob(stack, recipe.TrainConfig(epochs=1), broken,
                                   slots=training.TrainingSlots(1)).start()
        assert job.wait(120)
    assert job.state == training.FAILED and "label value of 12" in job.error  # what the user sees
    logged = [r for r in caplog.records if r.name == "cnnlab.training" and r.exc_info]
    assert logged, "the failure is logged with a traceback"
    text = logging.Formatter().format(logged[0])
    assert "label value of 12" in text and f"in training process {job.trainer_pid}" in text
    assert "Traceback (most recent call last)" in text.split(f"in training process {job.trainer_pid}")[1]


def test_app_logging_sends_our_records_to_one_handler():
    from components import app_logging

    app_logging.configure()
    app_logging.configure()  # once per process, however often called
    for name in app_logging.PACKAGES:
        assert len(logging.getLogger(name).handlers) == 1
