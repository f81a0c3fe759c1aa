"""The app's one store: what each learner keeps (models, drawings, progress, their training), in a database.

Pages and components call the typed functions of `Store` (through `shared()`); they never see SQL or
SQLAlchemy. cnnlab.store_schema says where the database is (SQLite in CNNLAB_DATA_DIR by default,
PostgreSQL when CNNLAB_DATABASE_URL says so) and keeps the schema (Alembic migrations, run by `open()`).

Rules:
- A write is acknowledged only once committed: every write is one transaction; a function returns after
  the commit, or raises and nothing of it is kept.
- Every size is checked before the write (cnnlab.limits); a bad or oversized write raises a `StoreError`
  whose `reason` and `values` the UI turns into a message. A database that cannot be reached raises
  StoreError("unavailable").
- Counts are capped per learner (cnnlab.limits): saving past a cap deletes that learner's oldest item of the
  kind in the same transaction (never the model they use). Writes of one learner take their row's lock
  first, so two tabs saving at once cannot both slip past a cap.
- A trained model is kept as data: its layer stack, settings and results as JSON and .npz arrays, its
  weights as an .npz of model.get_weights() (written and read with allow_pickle=False). `restore_model`
  builds the Keras model from the stack (architecture.build_model) and sets those weights: nothing from the
  database is ever unpickled or deserialized as a Keras file.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import sqlalchemy as sa

from cnnlab import limits
from cnnlab import store_codec as codec
from cnnlab import store_schema as schema
from cnnlab.store_classes import (
    Backoff,
    ClassDrawing,
    ClassInfo,
    ClassStore,
    ClassVersion,
    Member,
    Membership,
    QuestionStat,
    normal_code,
    retention_days,
)
from cnnlab.store_codec import ModelRecord, StoreError, checkpoint_blob, training_settings
from cnnlab.store_codec import aware as _aware
from cnnlab.store_codec import check_learner as _check_learner
from cnnlab.store_codec import check_text as _check_text
from cnnlab.store_codec import database_errors as _database_errors
from cnnlab.store_codec import now as _now

__all__ = ["Backoff", "ClassDrawing", "ClassInfo", "ClassVersion", "DrawingInfo", "Member", "Membership", "QuestionStat", "ModelInfo", "ModelRecord", "PageProgress", "SavedCounts", "Store", "StoreError",
           "TrainingStatus", "checkpoint_blob", "normal_code", "open_store", "restore_model", "retention_days", "shared",
           "training_settings"]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- what the functions return

@dataclass(frozen=True)
class ModelInfo:
    """One saved model, as a list shows it (no weights)."""

    id: int
    created: datetime
    name: str
    family: str
    test_accuracy: float | None
    epochs_done: int
    epochs: int
    optimizer: str
    learning_rate: float
    batch_size: int
    params: int
    layers: int
    stopped: bool
    data_source: str
    train_samples: int
    from_checkpoint: bool


@dataclass(frozen=True)
class DrawingInfo:
    id: int
    created: datetime
    digit: int
    png: bytes
    image: np.ndarray  # the 28x28 float32 the model read


@dataclass(frozen=True)
class PageProgress:
    visits: int
    answered: int  # questions answered on the page (each counted once)
    correct: int  # of those, answered correctly the last time


@dataclass(frozen=True)
class SavedCounts:
    models: int
    drawings: int
    answers: int
    max_models: int = limits.MAX_SAVED_MODELS
    max_drawings: int = limits.MAX_SAVED_DRAWINGS


@dataclass(frozen=True)
class TrainingStatus:
    """The learner's current or last training as the store knows it (the running process writes it)."""

    job_id: str
    state: str
    replica: str
    host: str
    started: datetime
    heartbeat: datetime
    epochs_done: int
    epochs: int
    checkpoint_epoch: int  # the last complete epoch whose weights are kept (0: none)
    error: str | None


# ---------------------------------------------------------------- the store

class Store(ClassStore):
    """Typed reads and writes of learners' work; safe to share between threads (one engine, a pool).

    The class methods (create_class, join_class, send_class_drawing...) come from cnnlab.store_classes.
    """

    _now = staticmethod(_now)

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _writing(self, learner: str) -> Iterator[sa.Connection]:
        """One committed transaction holding the learner's row (made if new) locked."""
        _check_learner(learner)
        with self._engine.connect() as conn:
            conn = conn.execution_options(**{schema.WRITE: True})
            with conn.begin():
                self._insert_ignore(conn, schema.learners, {"id": learner, "created": _now()}, ["id"])
                conn.execute(sa.select(schema.learners.c.id).where(schema.learners.c.id == learner).with_for_update())
                yield conn

    def _insert_ignore(self, conn: sa.Connection, table: sa.Table, values: dict, keys: list[str]) -> None:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        conn.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=keys))

    @staticmethod
    def _make_room(conn: sa.Connection, table: sa.Table, learner: str, cap: int, keep: int | None = None) -> int:
        """Delete the learner's oldest rows of `table` (never the one with id `keep`) so one more fits the cap."""
        ids = conn.execute(sa.select(table.c.id).where(table.c.learner == learner).order_by(table.c.id)).scalars().all()
        excess = len(ids) + 1 - cap
        if excess > 0:
            conn.execute(sa.delete(table).where(table.c.id.in_([i for i in ids if i != keep][:excess])))
        return max(0, excess)

    # -- models
    @_database_errors
    def save_model(self, learner: str, record: ModelRecord) -> int:
        """Keep a trained model (the oldest goes when the learner has MAX_SAVED_MODELS); its new id."""
        row = codec.model_row(record)  # checks and encodes everything before the transaction
        with self._writing(learner) as conn:
            active = conn.execute(sa.select(schema.learners.c.active_model)
                                  .where(schema.learners.c.id == learner)).scalar_one()
            removed = self._make_room(conn, schema.models, learner, limits.MAX_SAVED_MODELS, keep=active)
            model_id = conn.execute(sa.insert(schema.models).values(learner=learner, created=_now(), **row)
                                    .returning(schema.models.c.id)).scalar_one()
        logger.info("store: learner %s… saved model %d (%d bytes%s)", learner[:6], model_id, row["size"],
                    f", {removed} oldest removed" if removed else "")
        return model_id

    @_database_errors
    def list_models(self, learner: str) -> list[ModelInfo]:
        """The learner's saved models, newest first."""
        _check_learner(learner)
        m = schema.models
        with self._reading() as conn:
            rows = conn.execute(sa.select(m.c.id, m.c.created, m.c.name, m.c.family, m.c.summary)
                                .where(m.c.learner == learner).order_by(m.c.id.desc())).all()
        return [_model_info(row) for row in rows]

    @_database_errors
    def load_model(self, learner: str, model_id: int) -> tuple[ModelInfo, ModelRecord]:
        """A saved model of this learner's (StoreError("not_found") for another's or a deleted one)."""
        _check_learner(learner)
        m = schema.models
        with self._reading() as conn:
            row = conn.execute(sa.select(m).where(m.c.learner == learner, m.c.id == int(model_id))).first()
        if row is None:
            raise StoreError("not_found")
        return _model_info(row), codec.model_record(row)

    @_database_errors
    def delete_model(self, learner: str, model_id: int) -> bool:
        """Delete one of the learner's models (and stop using it); False when there was none."""
        with self._writing(learner) as conn:
            gone = conn.execute(sa.delete(schema.models).where(schema.models.c.learner == learner,
                                                               schema.models.c.id == int(model_id))).rowcount
            conn.execute(sa.update(schema.learners).where(schema.learners.c.id == learner,
                                                          schema.learners.c.active_model == int(model_id))
                         .values(active_model=None))
        return bool(gone)

    @_database_errors
    def set_active_model(self, learner: str, model_id: int | None) -> None:
        """The model Draw and Network use: one of the learner's saved models, or None for the shipped one."""
        with self._writing(learner) as conn:
            if model_id is not None:
                exists = conn.execute(sa.select(schema.models.c.id).where(
                    schema.models.c.learner == learner, schema.models.c.id == int(model_id))).first()
                if exists is None:
                    raise StoreError("not_found")
            conn.execute(sa.update(schema.learners).where(schema.learners.c.id == learner)
                         .values(active_model=None if model_id is None else int(model_id)))

    @_database_errors
    def active_model_id(self, learner: str) -> int | None:
        _check_learner(learner)
        with self._reading() as conn:
            return conn.execute(sa.select(schema.learners.c.active_model)
                                .where(schema.learners.c.id == learner)).scalar()

    # -- drawings
    @_database_errors
    def save_drawing(self, learner: str, png: bytes, image: np.ndarray, digit: int) -> int:
        """Keep a drawing with the digit the learner meant (the oldest goes past MAX_SAVED_DRAWINGS)."""
        row = codec.drawing_row(png, image, digit)
        with self._writing(learner) as conn:
            self._make_room(conn, schema.drawings, learner, limits.MAX_SAVED_DRAWINGS)
            return conn.execute(sa.insert(schema.drawings).values(learner=learner, created=_now(), **row)
                                .returning(schema.drawings.c.id)).scalar_one()

    @_database_errors
    def list_drawings(self, learner: str) -> list[DrawingInfo]:
        """The learner's saved drawings, newest first."""
        _check_learner(learner)
        d = schema.drawings
        with self._reading() as conn:
            rows = conn.execute(sa.select(d.c.id, d.c.created, d.c.digit, d.c.png, d.c.image)
                                .where(d.c.learner == learner).order_by(d.c.id.desc())).all()
        return [DrawingInfo(r.id, _aware(r.created), r.digit, bytes(r.png), codec.image_from_bytes(r.image))
                for r in rows]

    @_database_errors
    def delete_drawing(self, learner: str, drawing_id: int) -> bool:
        with self._writing(learner) as conn:
            return bool(conn.execute(sa.delete(schema.drawings).where(
                schema.drawings.c.learner == learner, schema.drawings.c.id == int(drawing_id))).rowcount)

    # -- progress
    @_database_errors
    def record_visit(self, learner: str, page: str) -> None:
        _check_text(page, limits.MAX_PAGE_CHARS, "bad_page")
        v = schema.page_visits
        with self._writing(learner) as conn:
            now = _now()
            updated = conn.execute(sa.update(v).where(v.c.learner == learner, v.c.page == page)
                                   .values(visits=v.c.visits + 1, last=now)).rowcount
            if not updated:
                conn.execute(sa.insert(v).values(learner=learner, page=page, first=now, last=now, visits=1))

    @_database_errors
    def record_answer(self, learner: str, page: str, question_id: str, answer: str, correct: bool) -> None:
        """One answer to a question (the last MAX_ANSWERS are kept)."""
        _check_text(page, limits.MAX_PAGE_CHARS, "bad_page")
        _check_text(question_id, limits.MAX_QUESTION_ID_CHARS, "bad_question")
        if not isinstance(answer, str):
            raise StoreError("bad_answer")
        if len(answer) > limits.MAX_ANSWER_CHARS:
            raise StoreError("too_long", limit=limits.MAX_ANSWER_CHARS)
        with self._writing(learner) as conn:
            self._make_room(conn, schema.answers, learner, limits.MAX_ANSWERS)
            conn.execute(sa.insert(schema.answers).values(learner=learner, created=_now(), page=page,
                                                          question_id=question_id, answer=answer,
                                                          correct=bool(correct)))

    @_database_errors
    def progress(self, learner: str) -> dict[str, PageProgress]:
        """Per page: visits, questions answered, and how many of them the last answer got right."""
        _check_learner(learner)
        v, a = schema.page_visits, schema.answers
        with self._reading() as conn:
            visits = dict(conn.execute(sa.select(v.c.page, v.c.visits).where(v.c.learner == learner)).all())
            rows = conn.execute(sa.select(a.c.page, a.c.question_id, a.c.correct)
                                .where(a.c.learner == learner).order_by(a.c.id)).all()
        last: dict[tuple[str, str], bool] = {(r.page, r.question_id): bool(r.correct) for r in rows}
        pages = set(visits) | {page for page, _ in last}
        return {page: PageProgress(visits.get(page, 0), sum(1 for p, _ in last if p == page),
                                   sum(1 for (p, _), ok in last.items() if p == page and ok)) for page in sorted(pages)}

    @_database_errors
    def last_answers(self, learner: str) -> dict[str, tuple[str, bool]]:
        """Per question id: (its page, whether the learner's last answer to it was right)."""
        _check_learner(learner)
        a = schema.answers
        with self._reading() as conn:
            rows = conn.execute(sa.select(a.c.page, a.c.question_id, a.c.correct)
                                .where(a.c.learner == learner).order_by(a.c.id)).all()
        return {r.question_id: (r.page, bool(r.correct)) for r in rows}

    @_database_errors
    def reset_progress(self, learner: str) -> None:
        with self._writing(learner) as conn:
            for table in (schema.page_visits, schema.answers):
                conn.execute(sa.delete(table).where(table.c.learner == learner))

    # -- everything of a learner
    @_database_errors
    def counts(self, learner: str) -> SavedCounts:
        _check_learner(learner)
        with self._reading() as conn:
            def count(table):
                return conn.execute(sa.select(sa.func.count()).select_from(table)
                                    .where(table.c.learner == learner)).scalar_one()
            return SavedCounts(count(schema.models), count(schema.drawings), count(schema.answers))

    @_database_errors
    def forget_learner(self, learner: str) -> None:
        """Delete everything of this learner's, in one transaction."""
        with self._writing(learner) as conn:
            for table in (schema.trainings, schema.answers, schema.page_visits, schema.drawings, schema.models):
                conn.execute(sa.delete(table).where(table.c.learner == learner))
            conn.execute(sa.delete(schema.learners).where(schema.learners.c.id == learner))
        logger.info("store: learner %s… forgotten", learner[:6])

    # -- the learner's training (written by the process that runs it)
    @_database_errors
    def training_started(self, learner: str, job_id: str, settings: dict, epochs: int, replica: str,
                         host: str) -> None:
        """A new training replaces the learner's last one (and its checkpoint)."""
        values = {"job_id": job_id, "state": "queued", "replica": replica[:120], "host": host[:120],
                  "started": _now(), "heartbeat": _now(), "epochs_done": 0, "epochs": int(epochs),
                  "settings": codec.to_json(settings), "checkpoint": None, "checkpoint_epoch": 0, "error": None}
        t = schema.trainings
        with self._writing(learner) as conn:
            if not conn.execute(sa.update(t).where(t.c.learner == learner).values(**values)).rowcount:
                conn.execute(sa.insert(t).values(learner=learner, **values))

    @_database_errors
    def training_update(self, learner: str, job_id: str, state: str, epochs_done: int,
                        checkpoint: tuple[int, bytes] | None = None, error: str | None = None) -> bool:
        """The running process's heartbeat (state, epochs done), with a new checkpoint (epoch, blob) if given.

        False when the row belongs to another job by now (a newer training, or the learner was forgotten).
        """
        values = {"state": state, "heartbeat": _now(), "epochs_done": int(epochs_done), "error": error}
        if checkpoint is not None:
            if len(checkpoint[1]) > limits.MAX_MODEL_BYTES:
                raise StoreError("too_large", size=len(checkpoint[1]), limit=limits.MAX_MODEL_BYTES)
            values.update(checkpoint_epoch=int(checkpoint[0]), checkpoint=checkpoint[1])
        t = schema.trainings
        with self._writing(learner) as conn:
            return bool(conn.execute(sa.update(t).where(t.c.learner == learner, t.c.job_id == job_id)
                                     .values(**values)).rowcount)

    @_database_errors
    def training_status(self, learner: str) -> TrainingStatus | None:
        _check_learner(learner)
        t = schema.trainings
        with self._reading() as conn:
            row = conn.execute(sa.select(t.c.job_id, t.c.state, t.c.replica, t.c.host, t.c.started, t.c.heartbeat,
                                         t.c.epochs_done, t.c.epochs, t.c.checkpoint_epoch, t.c.error)
                               .where(t.c.learner == learner)).first()
        if row is None:
            return None
        return TrainingStatus(row.job_id, row.state, row.replica, row.host, _aware(row.started),
                              _aware(row.heartbeat), row.epochs_done, row.epochs, row.checkpoint_epoch, row.error)

    @_database_errors
    def keep_checkpoint(self, learner: str, job_id: str) -> int:
        """Save the lost training `job_id`'s last checkpoint as a model (its id) and forget the training."""
        _check_learner(learner)
        t = schema.trainings
        with self._reading() as conn:
            row = conn.execute(sa.select(t.c.settings, t.c.checkpoint, t.c.checkpoint_epoch)
                               .where(t.c.learner == learner, t.c.job_id == job_id)).first()
        if row is None or row.checkpoint is None:
            raise StoreError("not_found")
        model_id = self.save_model(learner, codec.checkpoint_record(row.settings, row.checkpoint,
                                                                    row.checkpoint_epoch))
        self.dismiss_training(learner, job_id)
        return model_id

    @_database_errors
    def dismiss_training(self, learner: str, job_id: str) -> None:
        t = schema.trainings
        with self._writing(learner) as conn:
            conn.execute(sa.delete(t).where(t.c.learner == learner, t.c.job_id == job_id))


def _model_info(row) -> ModelInfo:
    s = codec.from_json(row.summary)
    return ModelInfo(row.id, _aware(row.created), row.name, row.family, s.get("test_accuracy"), s["epochs_done"],
                     s["epochs"], s["optimizer"], s["learning_rate"], s["batch_size"], s["params"], s["layers"],
                     s["stopped"], s["data_source"], s["train_samples"], s.get("from_checkpoint", False))


def restore_model(record: ModelRecord):
    """The Keras model of a saved record: built from its stack, compiled with its settings, its weights set."""
    from cnnlab import recipe

    model = recipe.publishable_model(record.stack, record.config)
    try:
        model.set_weights(record.weights)
    except ValueError as exc:
        raise StoreError("corrupt") from exc
    return model


# ---------------------------------------------------------------- opening

def open_store(url: str | None = None) -> Store:
    """The store at `url` (default: cnnlab.store_schema.database_url()), its schema upgraded to the newest."""
    try:
        engine = schema.make_engine(url or schema.database_url())
        schema.upgrade(engine)
    except sa.exc.SQLAlchemyError as exc:
        logger.exception("store: cannot open the database")
        raise StoreError("unavailable") from exc
    return Store(engine)


RETRY_OPEN_S = 10.0  # after a failed open, pages do not wait on the database again before this
_shared: Store | None = None
_shared_failed_at = -RETRY_OPEN_S
_shared_lock = threading.Lock()


def shared() -> Store:
    """The process's store, opened at first use (StoreError("unavailable") while the database cannot be)."""
    global _shared, _shared_failed_at
    with _shared_lock:
        if _shared is None:
            if time.monotonic() - _shared_failed_at < RETRY_OPEN_S:
                raise StoreError("unavailable")
            try:
                _shared = open_store()
            except StoreError:
                _shared_failed_at = time.monotonic()
                raise
        return _shared
