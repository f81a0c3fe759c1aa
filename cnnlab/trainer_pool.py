"""The server's side of the training workers: worker processes kept ready, one request at a time each.

Trainings run in worker processes so that the server's interpreter lock stays with the students'
pages: `model.fit`'s Python steps and the evaluation hold a process's lock, and a worker has its own.
The server keeps the queue, the published model, the watch records and the evaluation's tables
(cnnlab.training); the worker (cnnlab.trainer_worker) only fits and predicts.

- `TrainerProcess`: one worker, `python -m cnnlab.trainer_worker PORT`, connected back to the server over
  127.0.0.1 (it proves itself with a token first), with `multiprocessing.connection` framing (pickled
  tuples). It imports TensorFlow once, says ("ready", pid) and then serves one request after another
  (the messages are listed in cnnlab.trainer_worker). It leaves when the server does (its end of the
  connection closes).
- `TrainerPool`: workers kept ready, one per training slot; `shared_pool().prepare()` starts them at the
  server's warm-up (each imports TensorFlow on its own core, not under the server's lock). A worker that
  died or did not answer is closed and replaced.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

from cnnlab import ROOT
from cnnlab.threads import max_trainings

logger = logging.getLogger(__name__)

WORKER_MODULE = "cnnlab.trainer_worker"
ENV_TOKEN = "CNNLAB_TRAINER_TOKEN"  # how a worker proves to the server that it is the one it started
READY_TIMEOUT_S = 180.0  # a cold worker imports TensorFlow, slowly on a loaded machine
ABORT_GRACE_S = 5.0  # a worker told to leave (its owner has gone) that has not left by then is killed


class TrainerGone(Exception):
    """The worker process ended, or did not answer in time."""


class TrainingProcessError(Exception):
    """The training raised in the worker: str() is its summary, a note carries the worker's traceback."""


class TrainerProcess:
    """One worker process and the server's end of its connection (used by one job thread at a time).

    The worker connects back to a socket on 127.0.0.1 that only this object listens on, and first sends
    the random token it was given in its environment: nothing else is ever unpickled (a socket pair
    handed down by fd would not work on Windows).
    """

    def __init__(self):
        self._listening = socket.create_server(("127.0.0.1", 0))
        self._token = secrets.token_bytes(32)
        port = self._listening.getsockname()[1]
        try:
            self.process = subprocess.Popen([sys.executable, "-m", WORKER_MODULE, str(port)], cwd=ROOT,
                                            env={**os.environ, ENV_TOKEN: self._token.hex()})
        except BaseException:
            self._listening.close()
            raise
        self.pid = self.process.pid
        self._conn: Connection | None = None
        self.ready = False
        self.started = time.monotonic()

    def _accept(self, deadline: float) -> None:
        """Take the worker's connection (the one that sends our token); TrainerGone if it never comes."""
        while self._conn is None:
            if not self.alive():
                raise TrainerGone(self._gone_text())
            if time.monotonic() > deadline:
                raise TrainerGone(f"training process {self.pid} did not connect")
            self._listening.settimeout(0.5)
            try:
                sock, _ = self._listening.accept()
            except TimeoutError:
                continue
            sock.setblocking(True)
            conn = Connection(sock.detach())
            try:
                token = conn.recv_bytes(maxlength=64) if conn.poll(5.0) else b""
            except (OSError, EOFError):
                token = b""
            if hmac.compare_digest(token, self._token):
                self._conn = conn
                self._listening.close()
            else:
                logger.warning("training process %d: a connection without its token was refused", self.pid)
                conn.close()

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        if self.ready:
            return
        deadline = time.monotonic() + timeout
        self._accept(deadline)
        message = self.receive(max(0.0, deadline - time.monotonic()))
        if message is None or message[0] != "ready":
            raise TrainerGone(f"training process {self.pid} did not start in {timeout:.0f} s: {message!r}"[:300])
        self.ready = True
        logger.info("training process %d ready after %.1f s", self.pid, time.monotonic() - self.started)

    def send(self, message: tuple) -> None:
        try:
            self._conn.send(message)
        except (OSError, EOFError) as exc:
            raise TrainerGone(self._gone_text()) from exc

    def receive(self, timeout: float) -> tuple | None:
        """The next message, or None if none came within `timeout` seconds."""
        try:
            if not self._conn.poll(timeout):
                return None
            return self._conn.recv()
        except (OSError, EOFError) as exc:
            raise TrainerGone(self._gone_text()) from exc

    def _gone_text(self) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        return f"the training process ended unexpectedly (exit code {code})"

    def close(self, *, kill: bool = False) -> None:
        """Closing our end tells an idle worker to leave; `kill` does not wait for it."""
        if self._conn is not None:
            self._conn.close()
        else:  # it never connected: nothing will tell it to leave
            self._listening.close()
            kill = True
        if kill:
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class TrainerPool:
    """Workers kept ready for the training slots: `keep` idle ones at most."""

    def __init__(self, keep: int):
        self.keep = max(1, int(keep))
        self._idle: list[TrainerProcess] = []
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """Start workers until `keep` are idle (returns at once: they import TensorFlow on their own)."""
        with self._lock:
            self._drop_dead()
            while len(self._idle) < self.keep:
                self._idle.append(TrainerProcess())

    def take(self) -> TrainerProcess:
        """A ready worker for one training (waits while a fresh one starts; raises TrainerGone)."""
        with self._lock:
            self._drop_dead()
            worker = self._idle.pop(0) if self._idle else None
        if worker is None:
            worker = TrainerProcess()
        try:
            worker.wait_ready()
        except TrainerGone:
            worker.close(kill=True)
            raise
        return worker

    def give_back(self, worker: TrainerProcess, healthy: bool) -> None:
        """A worker that finished its request cleanly trains the next; any other is closed and replaced."""
        if healthy and worker.alive():
            with self._lock:
                if len(self._idle) < self.keep:
                    self._idle.append(worker)
                    return
        worker.close(kill=not healthy)
        if not healthy:
            self.prepare()

    def idle_pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._idle]

    def close(self) -> None:
        """Let the idle workers go: a ready one leaves when told; one never seen ready (maybe still importing
        TensorFlow, deaf until then) is killed."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close(kill=not worker.ready)

    def _drop_dead(self) -> None:
        for worker in [w for w in self._idle if not w.alive()]:
            logger.warning("training process %d had ended (exit code %s): replaced", worker.pid,
                           worker.process.returncode)
            self._idle.remove(worker)
            worker.close()


def remote_error(message: tuple, pid: int) -> TrainingProcessError:
    """("failed", summary, traceback) as an exception whose note carries the worker's traceback."""
    error = TrainingProcessError(message[1])
    error.add_note(f"in training process {pid}:\n{message[2]}")
    return error


def abort_request(worker: TrainerProcess, grace_s: float = ABORT_GRACE_S) -> bool:
    """Tell the worker to leave its request and wait for it to say so: True if it did (it can be kept)."""
    try:
        worker.send(("abort",))
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            message = worker.receive(0.2)
            if message is not None and message[0] in ("aborted", "done", "failed"):
                return True
    except TrainerGone:
        return False
    return False


_pool: TrainerPool | None = None
_pool_lock = threading.Lock()


def shared_pool() -> TrainerPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = TrainerPool(max_trainings())
        return _pool


def close_shared_pool() -> None:
    """At the process's exit: close the shared pool's idle workers, if it was ever made."""
    with _pool_lock:
        pool = _pool
    if pool is not None:
        pool.close()
