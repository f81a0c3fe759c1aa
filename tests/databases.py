"""The databases the store's tests run on: a SQLite file, and PostgreSQL.

PostgreSQL: CNNLAB_TEST_DATABASE_URL when set (.ci/run starts a throwaway cluster and sets it), else a
throwaway cluster these tests start themselves from Debian's postgresql binaries (initdb + pg_ctl in a
temporary folder, on 127.0.0.1 and a free port, as the `postgres` user when run as root), stopped at the
end of the session. Without either the PostgreSQL variants skip, or FAIL when CNNLAB_REQUIRE_DATABASE=1
(set by .ci/run): CI never passes by skipping them. Every test gets a database of its own.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

ENV_URL = "CNNLAB_TEST_DATABASE_URL"
REQUIRED = os.environ.get("CNNLAB_REQUIRE_DATABASE") == "1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path | None:
    """The folder of Debian's initdb/pg_ctl (the newest version installed), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only, trusting local connections."""

    def __init__(self, bin_dir: Path, fsync: bool = False):  # tests need no durability; a benchmark does
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="cnnlab-pg-"))
        self.port = _free_port()
        as_root = os.geteuid() == 0  # initdb and pg_ctl refuse to run as root
        if as_root:
            shutil.chown(self.dir, "postgres")
        self._prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "--no-sync")
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "-o",
                  f"-k {self.dir} -h 127.0.0.1 -p {self.port} -c fsync={'on' if fsync else 'off'}", "start")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self._prefix, str(self.bin / tool), *args], check=True, capture_output=True)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def new_database(server_url: str) -> str:
    """A fresh, empty database on the server of `server_url`; its URL."""
    import sqlalchemy as sa

    name = f"cnnlab_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(sa.make_url(server_url).set(drivername="postgresql+psycopg"),
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"PostgreSQL test cannot run: {reason} (CNNLAB_REQUIRE_DATABASE=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a PostgreSQL server for the tests (see the module's docstring)."""
    if os.environ.get(ENV_URL):
        yield os.environ[ENV_URL]
        return
    bin_dir = postgres_bin()
    if bin_dir is None:
        unavailable("PostgreSQL is not installed (apt-get install postgresql) and CNNLAB_TEST_DATABASE_URL is unset")
    try:
        server = ThrowawayPostgres(bin_dir)
    except (subprocess.CalledProcessError, OSError) as exc:
        unavailable(f"a throwaway PostgreSQL did not start: {exc} {getattr(exc, 'stderr', b'')!r}")
    yield server.url
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh database of each kind, empty (no schema yet)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return new_database(request.getfixturevalue("postgres_server"))
