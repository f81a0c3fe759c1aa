"""A training worker process: `python -m cnnlab.trainer_worker PORT`, started by cnnlab.trainer_pool.

It lowers its priority ($CNNLAB_TRAINING_NICE, default 10, where the system has `nice`) so that, on a
busy machine, students' reruns get the cores first; connects back to the server and sends its token;
imports TensorFlow; says ("ready", pid); then serves one request after another until the server's end
of the connection closes. Nothing imports this module: the server only starts it.

The messages, worker -> server, in order:
- "train" request: ("weights", arrays) once built, then per epoch ("epoch_begin", e), ("batches",
  [(batch, loss, accuracy), ...]) about every BATCH_FLUSH_S, ("weights", arrays) every SNAPSHOT_EVERY_S
  and at the epoch's end after ("epoch_end", e, logs, seconds); then ("fit_done", s), ("weights", arrays),
  ("evaluating",), ("evaluation", probabilities) and ("done",).
- "sequences" request: ("epoch", model kind, epoch, loss) after each epoch of each model, then
  ("result", ExperimentResult) and ("done",).
- "fine_tune" request: ("epoch", epoch, loss, accuracy) after each epoch, then ("result", FineTuneResult)
  and ("done",).
- ("aborted",) or ("failed", summary, traceback) end a request early.
Server -> worker: ("train", stack, config, data), ("sequences", settings), ("fine_tune", images, labels,
settings), ("stop",) = end after this
batch and evaluate, ("abort",) = leave now, nobody is watching.

numpy, TensorFlow and our training modules are imported inside the functions that use them: the
process lowers its priority before any library starts a thread (threads inherit it).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
import traceback
from multiprocessing.connection import Connection

from cnnlab.trainer_pool import ENV_TOKEN

ENV_TRAINING_NICE = "CNNLAB_TRAINING_NICE"
DEFAULT_NICE = 10
BATCH_FLUSH_S = 0.25  # per-batch logs travel in bundles: one message per batch would cost the server more
SNAPSHOT_EVERY_S = 2.0  # the published copy gets fresh weights at least this often


def training_nice() -> int:
    try:
        return max(0, int(os.environ.get(ENV_TRAINING_NICE, DEFAULT_NICE)))
    except ValueError:
        return DEFAULT_NICE


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


# ---------------------------------------------------------------- the "train" request

class FitReporter:
    """What the worker tells the server while `model.fit` runs; its methods are the fit's callback hooks.

    Each batch appends Python floats and checks the server's Stop/abort; a bundle of batches goes out
    about every BATCH_FLUSH_S and the weights about every SNAPSHOT_EVERY_S and at each epoch's end.
    """

    def __init__(self, model, send, control: Control):
        self.model, self.send, self.control = model, send, control
        self.pending: list[tuple[int, float, float]] = []
        self.flushed = self.snapshot_at = time.monotonic()
        self.epoch_started = 0.0

    def callback(self):
        import keras

        return keras.callbacks.LambdaCallback(
            on_train_begin=self.on_train_begin, on_epoch_begin=self.on_epoch_begin,
            on_train_batch_begin=self.on_train_batch_begin, on_train_batch_end=self.on_train_batch_end,
            on_test_batch_end=self.on_test_batch_end, on_epoch_end=self.on_epoch_end)

    def flush(self) -> None:
        if self.pending:
            self.send(("batches", self.pending))
            self.pending = []
        self.flushed = time.monotonic()

    def check(self) -> None:
        self.control.leave_if_told()
        if self.control.stop:
            self.model.stop_training = True

    def on_train_begin(self, logs=None) -> None:
        self.check()

    def on_train_batch_begin(self, batch, logs=None) -> None:  # also before the first step's graph is built
        self.control.leave_if_told()

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self.flush()
        self.send(("epoch_begin", epoch))
        self.epoch_started = time.monotonic()

    def on_train_batch_end(self, batch, logs=None) -> None:
        logs = logs or {}
        self.pending.append((batch, float(logs.get("loss", float("nan"))),
                             float(logs.get("accuracy", float("nan")))))
        self.check()
        now = time.monotonic()
        if now - self.flushed > BATCH_FLUSH_S:
            self.flush()
        if now - self.snapshot_at > SNAPSHOT_EVERY_S and not self.control.stop:
            self.send(("weights", self.model.get_weights()))
            self.snapshot_at = now

    def on_test_batch_end(self, batch, logs=None) -> None:  # validation at an epoch's end
        self.control.leave_if_told()

    def on_epoch_end(self, epoch, logs=None) -> None:
        self.flush()
        self.send(("epoch_end", epoch, {k: float(v) for k, v in (logs or {}).items()},
                   time.monotonic() - self.epoch_started))
        self.send(("weights", self.model.get_weights()))
        self.snapshot_at = time.monotonic()


def run_training(stack, config, data, send, control: Control) -> None:
    """Fit, report and evaluate one request in this process; `send(message)` carries the messages."""
    from cnnlab import architecture, recipe

    split = recipe.split_data(data, config)
    model = architecture.build_model(stack)
    recipe.compile_model(model, config)
    recipe.build_state_before_fit(model, split.x_train, split.y_train)
    send(("weights", model.get_weights()))
    reporter = FitReporter(model, send, control)
    validation = (split.x_val, split.y_val) if split.x_val is not None else None
    started = time.perf_counter()
    model.fit(split.x_train, split.y_train, batch_size=config.batch_size, epochs=config.epochs,
              validation_data=validation, callbacks=[reporter.callback()], verbose=0, shuffle=True)
    reporter.flush()
    send(("fit_done", time.perf_counter() - started))
    send(("weights", model.get_weights()))
    del split
    send(("evaluating",))
    send(("evaluation", recipe.test_probabilities(model, data.x_test, before_each=control.leave_if_told)))


# ---------------------------------------------------------------- the "sequences" request

def run_sequences(settings, send, control: Control) -> None:
    """The sequences experiment with these settings (cnnlab.sequence_experiment.run), one ("epoch", ...) per epoch."""
    from cnnlab import sequence_experiment

    def on_epoch(kind: str, epoch: int, loss: float) -> None:
        control.leave_if_told()
        send(("epoch", kind, epoch, loss))

    send(("result", sequence_experiment.run(settings, on_epoch=on_epoch)))


# ---------------------------------------------------------------- the "fine_tune" request

def run_fine_tune(images, labels, settings, send, control: Control) -> None:
    """Fine-tune the shipped CNN on a class's drawings (cnnlab.fine_tune.run), one ("epoch", ...) per epoch."""
    from cnnlab import data, fine_tune, models

    shipped = models.load_pretrained("cnn")
    if shipped is None:
        raise FileNotFoundError("the shipped model (assets/mnist_cnn.keras) is missing")

    def on_epoch(epoch: int, loss: float, accuracy: float) -> None:
        control.leave_if_told()
        send(("epoch", epoch, loss, accuracy))

    def stop() -> bool:
        control.leave_if_told()
        return control.stop

    send(("result", fine_tune.run(shipped, images, labels, data.load_bundled(), settings, on_epoch, stop)))


REQUESTS = {"train": run_training, "sequences": run_sequences, "fine_tune": run_fine_tune}


# ---------------------------------------------------------------- the process

def serve(conn: Connection) -> None:
    """The worker's loop: one request after another until the server's end closes."""
    send = conn.send
    send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        request = REQUESTS.get(message[0])
        if request is None:
            continue  # a stop or abort that came after its request had ended
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
            release_request_memory()


def release_request_memory() -> None:
    """Forget the request's Keras state and give the C heap's free pages back to the system.

    Only this process's one thread uses Keras here, so clearing its global state is safe (it is not, in
    the server, where other sessions' threads use the models they hold). glibc keeps freed pages
    otherwise: a request's data and graphs would stay in this idle worker's resident memory.
    """
    import ctypes
    import gc

    import keras

    keras.backend.clear_session()
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        logging.getLogger(__name__).debug("malloc_trim is not available")


def main(argv: list[str]) -> int:
    if hasattr(os, "nice"):  # POSIX; before any library starts its threads: they inherit it
        os.nice(training_nice())
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s [training process %(process)d]: %(message)s")
    sock = socket.create_connection(("127.0.0.1", int(argv[1])), timeout=30)
    sock.setblocking(True)  # a timeout leaves the socket non-blocking; Connection reads and writes plainly
    conn = Connection(sock.detach())
    conn.send_bytes(bytes.fromhex(os.environ.pop(ENV_TOKEN)))
    import keras  # noqa: F401 - TensorFlow's import before saying ready

    try:
        serve(conn)
    except (BrokenPipeError, ConnectionResetError):  # the server has gone while we were sending
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
