"""The store's tables, its database connection and its migrations (cnnlab.store is the API; only it imports this).

Where: `CNNLAB_DATABASE_URL` (postgresql://user@host:port/db, for replicas on several hosts), else a SQLite
file `cnnlab.sqlite3` in `CNNLAB_DATA_DIR` (default: data/ beside app.py). SQLite runs in WAL mode with a
busy timeout, so several processes on one host share the file; a transaction that writes starts with
BEGIN IMMEDIATE (it takes the write lock first, waiting up to the busy timeout, instead of failing when
another writer committed since it read). PostgreSQL goes through psycopg 3.

The schema is Alembic's (cnnlab/migrations): `connect()` upgrades the database to the newest revision.
Several replicas starting at once upgrade one at a time: a file lock beside the SQLite file, a
transaction-scoped advisory lock on PostgreSQL. The tables below mirror the migrations for the queries
(tests/unit/test_store.py checks that they match).
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from filelock import FileLock

from cnnlab import ROOT

ENV_DATA_DIR = "CNNLAB_DATA_DIR"
ENV_DATABASE_URL = "CNNLAB_DATABASE_URL"
SQLITE_FILE = "cnnlab.sqlite3"
BUSY_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 5  # a SQLite writer waits this long for another process's write to end
MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK_KEY = 0x636E6E6C6162  # "cnnlab": PostgreSQL's advisory lock taken while upgrading
WRITE = "cnnlab_write"  # the execution option that marks a connection whose transaction writes

metadata = sa.MetaData()


def _learner_column() -> sa.Column:
    return sa.Column("learner", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False,
                     index=True)


def _created_column() -> sa.Column:
    return sa.Column("created", sa.DateTime(timezone=True), nullable=False)


learners = sa.Table(
    "learners", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    _created_column(),
    sa.Column("active_model", sa.Integer, nullable=True),  # a models.id of theirs; NULL: the shipped model
)

models = sa.Table(
    "models", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _learner_column(),
    _created_column(),
    sa.Column("family", sa.String(16), nullable=False),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),  # JSON: accuracy, epochs, settings... what a list shows
    sa.Column("spec", sa.Text, nullable=False),  # JSON: the layer stack (cnnlab.layers.LayerSpec fields)
    sa.Column("config", sa.Text, nullable=False),  # JSON: cnnlab.recipe.TrainConfig
    sa.Column("results", sa.LargeBinary, nullable=False),  # .npz: history, confusion, per class, mistakes
    sa.Column("weights", sa.LargeBinary, nullable=False),  # .npz: model.get_weights(), in order
    sa.Column("size", sa.Integer, nullable=False),
)

drawings = sa.Table(
    "drawings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _learner_column(),
    _created_column(),
    sa.Column("digit", sa.SmallInteger, nullable=False),  # the digit the learner meant
    sa.Column("png", sa.LargeBinary, nullable=False),  # the canvas as drawn
    sa.Column("image", sa.LargeBinary, nullable=False),  # .npy: the 28x28 float32 the model reads
)

page_visits = sa.Table(
    "page_visits", metadata,
    sa.Column("learner", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("page", sa.String(40), primary_key=True),
    sa.Column("first", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last", sa.DateTime(timezone=True), nullable=False),
    sa.Column("visits", sa.Integer, nullable=False),
)

answers = sa.Table(
    "answers", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _learner_column(),
    _created_column(),
    sa.Column("page", sa.String(40), nullable=False),
    sa.Column("question_id", sa.String(80), nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("correct", sa.Boolean, nullable=False),
)

trainings = sa.Table(  # the learner's current or last training, one row per learner
    "trainings", metadata,
    sa.Column("learner", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("job_id", sa.String(32), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("replica", sa.String(120), nullable=False),  # the process that runs it (name:pid)
    sa.Column("host", sa.String(120), nullable=False),
    sa.Column("started", sa.DateTime(timezone=True), nullable=False),
    sa.Column("heartbeat", sa.DateTime(timezone=True), nullable=False),
    sa.Column("epochs_done", sa.Integer, nullable=False),
    sa.Column("epochs", sa.Integer, nullable=False),
    sa.Column("settings", sa.Text, nullable=False),  # JSON: stack, config, data source, family
    sa.Column("checkpoint", sa.LargeBinary, nullable=True),  # .npz: the last complete epoch's weights, history
    sa.Column("checkpoint_epoch", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
)


classes = sa.Table(  # a teacher's class; its own learner row (owner) holds its fine-tuned models
    "classes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(6), nullable=False, unique=True),  # the join code
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column("owner", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False,
              unique=True),
    sa.Column("creator", sa.String(32), nullable=False, index=True),  # the teacher's learner id (rate limit)
    sa.Column("key_salt", sa.LargeBinary, nullable=False),
    sa.Column("key_hash", sa.LargeBinary, nullable=False),  # scrypt of the teacher key
    _created_column(),
    sa.Column("active", sa.DateTime(timezone=True), nullable=False, index=True),  # last activity (retention)
    sa.Column("fine_tune", sa.Text, nullable=True),  # JSON: the class model's before/after numbers
)

class_members = sa.Table(  # a learner is in at most one class
    "class_members", metadata,
    sa.Column("learner", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("nickname", sa.String(24), nullable=False),
    sa.Column("joined", sa.DateTime(timezone=True), nullable=False),
)

class_drawings = sa.Table(
    "class_drawings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False, index=True),
    _learner_column(),
    sa.Column("nickname", sa.String(24), nullable=False),  # as it was when sent (kept after the student leaves)
    _created_column(),
    sa.Column("digit", sa.SmallInteger, nullable=False),
    sa.Column("png", sa.LargeBinary, nullable=False),
    sa.Column("image", sa.LargeBinary, nullable=False),
)

# ---------------------------------------------------------------- where, and connecting

def data_dir() -> Path:
    return Path(os.environ.get(ENV_DATA_DIR) or ROOT / "data")


def database_url() -> str:
    """CNNLAB_DATABASE_URL, else the SQLite file in the data folder (created if missing)."""
    url = os.environ.get(ENV_DATABASE_URL, "").strip()
    if url:
        return url
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / SQLITE_FILE}"


def make_engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, not SQLAlchemy's default psycopg2
    if parsed.get_backend_name() != "sqlite":
        # a database that does not answer costs a page CONNECT_TIMEOUT_S, not the system's TCP timeout
        return sa.create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})
    sa.event.listen(engine, "connect", _sqlite_connected)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connected(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # the driver begins nothing by itself: _sqlite_begin does
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    writes = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def upgrade(engine: sa.Engine) -> None:
    """Bring the schema to Alembic's newest revision, one process at a time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    lock = FileLock(f"{path}.migrate.lock") if path and path != ":memory:" else nullcontext()
    with lock, engine.connect() as connection:
        connection = connection.execution_options(**{WRITE: True})
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


def revision(engine: sa.Engine) -> str | None:
    """The database's current Alembic revision (None before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
