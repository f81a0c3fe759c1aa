"""How the store's records become rows and back (cnnlab.store is the API; only it and its tests import this).

Arrays travel as .npz/.npy bytes written and read with allow_pickle=False: a blob can hold numbers only.
JSON is written with allow_nan=False (PostgreSQL's json refuses NaN): numbers that may be NaN (a diverged
loss) go into the arrays instead. Everything is checked here, before any transaction starts.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import math
import re
import zipfile
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone

import numpy as np
import sqlalchemy as sa

from cnnlab import architecture, limits
from cnnlab.layers import KINDS, LayerSpec
from cnnlab.recipe import Evaluation, TrainConfig
from cnnlab.training_history import EpochRecord, History

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMAGE_SHAPE = (28, 28)
_SPEC_FIELDS = tuple(f.name for f in fields(LayerSpec) if f.name != "uid")
_CONFIG_FIELDS = tuple(f.name for f in fields(TrainConfig))
LEARNER_ID = re.compile(r"^[0-9a-f]{32}$")  # components.learner makes them: 128 random bits in hex
logger = logging.getLogger("cnnlab.store")


class StoreError(Exception):
    """A write or read the store refused: `reason` names why (the UI's message key), `values` fill it in.

    reasons: bad_learner, bad_page, bad_question, bad_answer, bad_model, bad_drawing, bad_digit, too_long,
    too_large, not_found, corrupt, unavailable; classes: bad_name, not_member, class_rate, class_members,
    class_rate_minute, class_student_full, class_drawings_full.
    """

    def __init__(self, reason: str, **values):
        super().__init__(f"{reason} {values}" if values else reason)
        self.reason, self.values = reason, values


def now() -> datetime:
    return datetime.now(timezone.utc)


def aware(value: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def check_learner(learner: str) -> None:
    if not isinstance(learner, str) or not LEARNER_ID.match(learner):
        raise StoreError("bad_learner")


def check_text(value: str, limit: int, reason: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise StoreError(reason)
    if len(value) > limit:
        raise StoreError("too_long", limit=limit)


def database_errors(function):
    """A database that cannot be reached (or refuses) is StoreError("unavailable"), never a traceback."""

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except sa.exc.SQLAlchemyError as exc:
            logger.exception("store: %s failed", function.__name__)
            raise StoreError("unavailable") from exc

    return guarded


@dataclass(frozen=True)
class ModelRecord:
    """A trained model, everything the Train page's results show, to save and to load back."""

    stack: tuple[LayerSpec, ...]
    config: TrainConfig
    weights: list  # model.get_weights(): numeric numpy arrays, in order
    history: History
    evaluation: Evaluation | None  # None for a checkpoint kept from a lost training (never evaluated)
    epochs_done: int
    stopped: bool
    data_source: str  # "bundled" or "keras"
    train_samples: int
    family: str = "cnn"
    name: str = ""
    from_checkpoint: bool = False


# ---------------------------------------------------------------- JSON and arrays

def to_json(value) -> str:
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise StoreError("bad_model") from exc


def from_json(text: str):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise StoreError("corrupt") from exc


def pack(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    for name, array in arrays.items():
        if array.dtype.kind not in "biuf":
            raise StoreError("bad_model", array=name)
    np.savez(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def unpack(blob: bytes) -> dict[str, np.ndarray]:
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise StoreError("corrupt") from exc


def spec_json(stack) -> list[dict]:
    return [{name: getattr(layer, name) for name in _SPEC_FIELDS} for layer in stack]


def stack_from_json(items: list[dict]) -> tuple[LayerSpec, ...]:
    """A stack of LayerSpecs from its JSON; fields a kind no longer has are dropped, missing ones take defaults."""
    if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("kind") in KINDS for i in items):
        raise StoreError("corrupt")
    return architecture.with_uids(tuple(LayerSpec(**{k: v for k, v in item.items() if k in _SPEC_FIELDS})
                                        for item in items))


def config_from_json(item: dict) -> TrainConfig:
    return TrainConfig(**{k: v for k, v in item.items() if k in _CONFIG_FIELDS})


def _weights_arrays(weights) -> dict[str, np.ndarray]:
    arrays = [np.asarray(w) for w in weights]
    return {f"w{i:04d}": a for i, a in enumerate(arrays)}


def _weights_list(arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
    return [arrays[name] for name in sorted(n for n in arrays if n.startswith("w"))]


# ---------------------------------------------------------------- history and evaluation

def _nan_if_none(value) -> float:
    return math.nan if value is None else float(value)


def _history_arrays(history: History) -> dict[str, np.ndarray]:
    epochs = np.array([[e.epoch, e.loss, e.accuracy, _nan_if_none(e.val_loss), _nan_if_none(e.val_accuracy),
                        e.seconds, e.complete] for e in history.epochs], dtype=np.float64).reshape(-1, 7)
    return {"h_steps": np.array(history.steps_per_epoch, dtype=np.int64),
            "h_loss": np.asarray(history.batch_loss, dtype=np.float64),
            "h_accuracy": np.asarray(history.batch_accuracy, dtype=np.float64),
            "h_epoch": np.asarray(history.batch_epoch, dtype=np.int32),
            "h_index": np.asarray(history.batch_index, dtype=np.int32), "h_epochs": epochs}


def _maybe(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _history(arrays: dict[str, np.ndarray]) -> History:
    epochs = [EpochRecord(int(e[0]), float(e[1]), float(e[2]), _maybe(e[3]), _maybe(e[4]), float(e[5]), bool(e[6]))
              for e in arrays["h_epochs"]]
    return History(int(arrays["h_steps"]), arrays["h_loss"].tolist(), arrays["h_accuracy"].tolist(),
                   arrays["h_epoch"].tolist(), arrays["h_index"].tolist(), epochs)


def _evaluation_arrays(evaluation: Evaluation | None) -> dict[str, np.ndarray]:
    if evaluation is None:
        return {}
    mistakes = np.array(evaluation.mistakes, dtype=np.float64).reshape(-1, 4)  # index, true, predicted, confidence
    return {"e_scores": np.array([evaluation.test_loss, evaluation.test_accuracy, evaluation.test_size]),
            "e_confusion": np.asarray(evaluation.confusion, dtype=np.int64),
            "e_per_class": np.asarray(evaluation.per_class_accuracy, dtype=np.float64),
            "e_mistakes": mistakes, "e_mistake_images": np.asarray(evaluation.mistake_images, dtype=np.uint8)}


def _evaluation(arrays: dict[str, np.ndarray]) -> Evaluation | None:
    if "e_scores" not in arrays:
        return None
    loss, accuracy, size = arrays["e_scores"].tolist()
    mistakes = tuple((int(i), int(t), int(p), float(c)) for i, t, p, c in arrays["e_mistakes"])
    return Evaluation(float(loss), float(accuracy), arrays["e_confusion"], arrays["e_per_class"], mistakes,
                      arrays["e_mistake_images"], int(size))


# ---------------------------------------------------------------- models

def _checked_stack(stack) -> architecture.Analysis:
    try:
        return architecture.validate(stack)
    except architecture.SpecError as exc:
        raise StoreError("bad_model") from exc


def model_row(record: ModelRecord) -> dict:
    """The models row of a record (no learner, no id), checked: the weights fit the stack, the size the limit."""
    analysis = _checked_stack(record.stack)
    weights = _weights_arrays(record.weights)
    if sum(a.size for a in weights.values()) != analysis.total_params:
        raise StoreError("bad_model")
    if len(record.name) > limits.MAX_NAME_CHARS:
        raise StoreError("too_long", limit=limits.MAX_NAME_CHARS)
    results = pack({**_history_arrays(record.history), **_evaluation_arrays(record.evaluation)})
    blob = pack(weights)
    size = len(results) + len(blob)
    if size > limits.MAX_MODEL_BYTES:
        raise StoreError("too_large", size=size, limit=limits.MAX_MODEL_BYTES)
    c, e = record.config, record.evaluation
    summary = {"test_accuracy": None if e is None else e.test_accuracy, "epochs_done": int(record.epochs_done),
               "epochs": c.epochs, "optimizer": c.optimizer, "learning_rate": c.learning_rate,
               "batch_size": c.batch_size, "params": analysis.total_params, "layers": len(record.stack),
               "stopped": bool(record.stopped), "data_source": record.data_source,
               "train_samples": int(record.train_samples), "from_checkpoint": bool(record.from_checkpoint)}
    return {"family": record.family[:16], "name": record.name, "summary": to_json(summary),
            "spec": to_json(spec_json(record.stack)), "config": to_json(asdict(c)), "results": results,
            "weights": blob, "size": size}


def model_record(row) -> ModelRecord:
    """A models row (all columns) back as the record that was saved."""
    summary = from_json(row.summary)
    results = unpack(row.results)
    return ModelRecord(stack_from_json(from_json(row.spec)), config_from_json(from_json(row.config)),
                       _weights_list(unpack(row.weights)), _history(results), _evaluation(results),
                       summary["epochs_done"], summary["stopped"], summary["data_source"], summary["train_samples"],
                       row.family, row.name, summary.get("from_checkpoint", False))


# ---------------------------------------------------------------- a training's checkpoint

def training_settings(stack, config: TrainConfig, data_source: str, train_samples: int, family: str = "cnn") -> dict:
    """What a lost training's checkpoint needs to become a model again (the trainings row's settings)."""
    return {"stack": spec_json(stack), "config": asdict(config), "data_source": data_source,
            "train_samples": int(train_samples), "family": family}


def checkpoint_blob(weights, history: History) -> bytes:
    """An epoch's end: the weights and the history so far, in one .npz."""
    return pack({**_weights_arrays(weights), **_history_arrays(history)})


def checkpoint_record(settings_json: str, blob: bytes, epoch: int) -> ModelRecord:
    settings = from_json(settings_json)
    arrays = unpack(blob)
    return ModelRecord(stack_from_json(settings["stack"]), config_from_json(settings["config"]),
                       _weights_list(arrays), _history(arrays), None, int(epoch), True, settings["data_source"],
                       settings["train_samples"], settings.get("family", "cnn"), from_checkpoint=True)


# ---------------------------------------------------------------- drawings

def drawing_row(png: bytes, image: np.ndarray, digit: int) -> dict:
    if not isinstance(png, bytes | bytearray) or not bytes(png[:8]) == PNG_SIGNATURE:
        raise StoreError("bad_drawing")
    if len(png) > limits.MAX_DRAWING_PNG_BYTES:
        raise StoreError("too_large", size=len(png), limit=limits.MAX_DRAWING_PNG_BYTES)
    image = np.asarray(image)
    if image.shape != IMAGE_SHAPE or image.dtype.kind != "f" or not np.all(np.isfinite(image)):
        raise StoreError("bad_drawing")
    if isinstance(digit, bool) or not isinstance(digit, int | np.integer) or not 0 <= int(digit) <= 9:
        raise StoreError("bad_digit")
    buffer = io.BytesIO()
    np.save(buffer, image.astype(np.float32), allow_pickle=False)
    return {"digit": int(digit), "png": bytes(png), "image": buffer.getvalue()}


def image_from_bytes(blob: bytes) -> np.ndarray:
    try:
        return np.load(io.BytesIO(blob), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise StoreError("corrupt") from exc
