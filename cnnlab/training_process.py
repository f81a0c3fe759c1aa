"""Trainings run in worker processes, so the server's interpreter lock stays with the students' pages.

Every Python step of `model.fit` (callbacks, the train step's tracing, Keras' epoch loop) and every
evaluation used to hold the interpreter lock that every session's script thread needs. On two cores a
class of 30 then waited behind a training (bench_classroom: p95 spikes of 1.0-1.7 s with a training
running, 0.4-0.6 s without). A worker process has its own lock: the server keeps the queue, the
published model, the watch records and the evaluation's tables; the worker only fits and predicts.

- `TrainerProcess`: one worker, `python -m cnnlab.training_process PORT`, connected back to the server
  over 127.0.0.1 (it proves itself with a token first), with `multiprocessing.connection` framing
  (pickled tuples). It imports TensorFlow once, says ("ready", pid) and then trains one request after
  another. It runs at a lower priority ($CNNLAB_TRAINING_NICE, default 10, where the system has `nice`):
  when the machine is busy, students' reruns get the cores first. It leaves when the server does (its
  end of the connection closes).
- `TrainerPool`: workers kept ready, one per training slot; `shared_pool().prepare()` starts them at the
  server's warm-up (each takes ~4 s to import TensorFlow, on its own core, not under the server's lock).
  A worker that died or did not answer is closed and replaced.
- The protocol, worker -> server, in order: ("weights", arrays) once built, then per epoch ("epoch_begin",
  e), ("batches", [(batch, loss, accuracy), ...]) about every BATCH_FLUSH_S, ("weights", arrays) every
  SNAPSHOT_EVERY_S and at the epoch's end after ("epoch_end", e, logs, seconds); then ("fit_done", s),
  ("weights", arrays), ("evaluating",), ("evaluation", probabilities) and ("done",). ("aborted",) or
  ("failed", summary, traceback) end a request early. Server -> worker: ("train", stack, config, data),
  ("stop",) = end after this batch and evaluate, ("abort",) = leave now, nobody is watching.
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
import traceback
from multiprocessing.connection import Connection

from cnnlab import ROOT  # no numpy or TensorFlow at import: the worker lowers its priority first

logger = logging.getLogger(__name__)

ENV_TRAINING_NICE = "CNNLAB_TRAINING_NICE"
ENV_TOKEN = "CNNLAB_TRAINER_TOKEN"  # how a worker proves to the server that it is the one it started
DEFAULT_NICE = 10
READY_TIMEOUT_S = 180.0  # a cold worker imports TensorFlow (~4 s quiet, much longer on a loaded machine)
BATCH_FLUSH_S = 0.25  # per-batch logs travel in bundles: one message per batch would cost the server more
SNAPSHOT_EVERY_S = 2.0  # the published copy gets fresh weights at least this often
ABORT_GRACE_S = 5.0  # a worker told to leave (its owner has gone) that has not left by then is killed


class TrainerGone(Exception):
    """The worker process ended, or did not answer in time."""


class TrainingProcessError(Exception):
    """The training raised in the worker: str() is its summary, a note carries the worker's traceback."""


def training_nice() -> int:
    try:
        return max(0, int(os.environ.get(ENV_TRAINING_NICE, DEFAULT_NICE)))
    except ValueError:
        return DEFAULT_NICE


# ---------------------------------------------------------------- the server's side

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
            self.process = subprocess.Popen([sys.executable, "-m", "cnnlab.training_process", str(port)], cwd=ROOT,
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
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()

    def _drop_dead(self) -> None:
        for worker in [w for w in self._idle if not w.alive()]:
            logger.warning("training process %d had ended (exit code %s): replaced", worker.pid,
                           worker.process.returncode)
            self._idle.remove(worker)
            worker.close()


def sequences_experiment(data, kinds, *, on_epoch=None, cancelled=None, pool: TrainerPool | None = None,
                         **options):
    """cnnlab.sequences.train_models(data, kinds, **options) in a worker; None if `cancelled()` said stop.

    on_epoch(kind, epoch, loss) is called in the caller's thread as the worker reports each epoch;
    cancelled(), asked about every 0.2 s, ends the experiment (the caller's session has gone). If the
    caller's thread is interrupted (on_epoch raised: Streamlit stops a script for a rerun), the worker
    is told to leave and kept, not killed. The caller holds a training slot.
    """
    pool = pool or shared_pool()
    worker = pool.take()
    healthy, result = False, None
    try:
        worker.send(("sequences", data, tuple(kinds), options))
        while True:
            if cancelled is not None and cancelled():
                healthy = abort_request(worker)
                return None
            message = worker.receive(0.2)
            if message is None:
                continue
            kind = message[0]
            if kind == "epoch" and on_epoch is not None:
                try:
                    on_epoch(*message[1:])
                except BaseException:
                    healthy = abort_request(worker)
                    raise
            elif kind == "result":
                result = message[1]
            elif kind == "done":
                healthy = True
                return result
            elif kind == "failed":
                healthy = True  # the worker caught it and is ready for the next request
                raise remote_error(message, worker.pid)
    finally:
        pool.give_back(worker, healthy)


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
            from cnnlab.threads import max_trainings

            _pool = TrainerPool(max_trainings())
        return _pool


# ---------------------------------------------------------------- the worker's side

class Aborted(Exception):
    """The server said nobody is watching (or it has gone): leave model.fit at once."""


class Control:
    """What the server asked so far, read from the socket without waiting (checked at every batch)."""

    def __init__(self, conn: Connection | None = None):
        self._conn = conn
        self.stop = False
        self.abort = False
        self.server_gone = False

    def poll(self) -> Control:
        if self._conn is None:
            return self
        try:
            while self._conn.poll(0):
                kind = self._conn.recv()[0]
                self.stop = self.stop or kind == "stop"
                self.abort = self.abort or kind == "abort"
        except (OSError, EOFError):
            self.server_gone = self.abort = True
        return self

    def leave_if_told(self) -> None:
        """Raise Aborted if the server said to leave (or has gone)."""
        if self.poll().abort:
            raise Aborted


def error_summary(exc: BaseException) -> str:
    """What the student reads: the error's name and its own line, without TensorFlow's graph trace.

    A TensorFlow op error's text is "Graph execution error:", the node's Python stack, then the
    message and the node again; the message is the last line that is neither indented nor a node.
    """
    lines = [line for line in str(exc).splitlines() if line.strip()]
    if len(lines) > 2:
        own = [line for line in lines if not line[0].isspace() and not line.startswith(("[[", "File "))]
        lines = own[-1:] or lines[-1:]
    return f"{type(exc).__name__}: {' '.join(lines)}"[:500]


def run_training(stack, config, data, send, control: Control) -> None:
    """Fit, report and evaluate one request in this process; `send(message)` carries the protocol."""
    import keras
    import numpy as np

    from cnnlab import architecture, recipe

    split = recipe.split_data(data, config)
    model = architecture.build_model(stack)
    recipe.compile_model(model, config)
    recipe.build_state_before_fit(model, split.x_train, split.y_train)
    send(("weights", model.get_weights()))

    class Reporter(keras.callbacks.Callback):
        # Runs in model.fit's loop after each batch: appends floats and sends a bundle now and then.
        def __init__(self):
            super().__init__()
            self.pending: list[tuple[int, float, float]] = []
            self.flushed = self.snapshot_at = time.monotonic()
            self.epoch_started = 0.0

        def flush(self):
            if self.pending:
                send(("batches", self.pending))
                self.pending = []
            self.flushed = time.monotonic()

        def check(self):
            control.leave_if_told()
            if control.stop:
                self.model.stop_training = True

        def on_train_begin(self, logs=None):
            self.check()

        def on_train_batch_begin(self, batch, logs=None):  # also before the first step's graph is built
            control.leave_if_told()

        def on_epoch_begin(self, epoch, logs=None):
            self.flush()
            send(("epoch_begin", epoch))
            self.epoch_started = time.monotonic()

        def on_train_batch_end(self, batch, logs=None):
            logs = logs or {}
            self.pending.append((batch, float(logs.get("loss", np.nan)), float(logs.get("accuracy", np.nan))))
            self.check()
            now = time.monotonic()
            if now - self.flushed > BATCH_FLUSH_S:
                self.flush()
            if now - self.snapshot_at > SNAPSHOT_EVERY_S and not control.stop:
                send(("weights", self.model.get_weights()))
                self.snapshot_at = now

        def on_test_batch_end(self, batch, logs=None):  # validation at an epoch's end
            control.leave_if_told()

        def on_epoch_end(self, epoch, logs=None):
            self.flush()
            send(("epoch_end", epoch, {k: float(v) for k, v in (logs or {}).items()},
                  time.monotonic() - self.epoch_started))
            send(("weights", self.model.get_weights()))
            self.snapshot_at = time.monotonic()

    reporter = Reporter()
    validation = (split.x_val, split.y_val) if split.x_val is not None else None
    started = time.perf_counter()
    model.fit(split.x_train, split.y_train, batch_size=config.batch_size, epochs=config.epochs,
              validation_data=validation, callbacks=[reporter], verbose=0, shuffle=True)
    reporter.flush()
    send(("fit_done", time.perf_counter() - started))
    send(("weights", model.get_weights()))
    del split
    send(("evaluating",))
    send(("evaluation", recipe.test_probabilities(model, data.x_test, before_each=control.leave_if_told)))


def run_sequences(data, kinds, options: dict, send, control: Control) -> None:
    """The sequences experiment (cnnlab.sequences.train_models) in this process, one ("epoch", ...) per epoch."""
    from cnnlab import sequences

    def on_epoch(kind: str, epoch: int, loss: float) -> None:
        control.leave_if_told()
        send(("epoch", kind, epoch, loss))

    send(("result", sequences.train_models(data, kinds, on_epoch=on_epoch, **options)))


REQUESTS = {"train": run_training, "sequences": run_sequences}


def serve(conn: Connection) -> None:
    """The worker's loop: one request after another until the server's end closes."""
    import gc

    import keras

    send = conn.send
    send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        request = REQUESTS.get(message[0])
        if request is None:
            continue  # a stop or abort that came after its training had ended
        control = Control(conn)
        try:
            request(*message[1:], send=send, control=control)
            send(("done",))
        except Aborted:
            if control.server_gone:
                return
            send(("aborted",))
        except Exception as exc:  # noqa: BLE001 - reported to the server, which logs it and tells the user
            send(("failed", error_summary(exc), traceback.format_exc()))
        finally:
            # Only this process's one thread uses Keras here, so clearing its global state is safe (it is
            # not in the server, where other sessions' threads use the models they hold).
            keras.backend.clear_session()
            gc.collect()
            _release_free_memory()


def _release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc keeps them otherwise: a request's data and
    graphs, freed, would stay in this idle worker's resident memory until the next one)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        logging.getLogger(__name__).debug("malloc_trim is not available")


def main(argv: list[str]) -> int:
    if hasattr(os, "nice"):  # POSIX; before TensorFlow starts its threads: they inherit it
        os.nice(training_nice())
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s [training process %(process)d]: %(message)s")
    sock = socket.create_connection(("127.0.0.1", int(argv[1])), timeout=30)
    sock.setblocking(True)  # a timeout leaves the socket non-blocking; Connection reads and writes plainly
    conn = Connection(sock.detach())
    conn.send_bytes(bytes.fromhex(os.environ.pop(ENV_TOKEN)))
    import keras  # noqa: F401 - TensorFlow's import (~4 s) before saying ready

    try:
        serve(conn)
    except (BrokenPipeError, ConnectionResetError):  # the server has gone while we were sending
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
