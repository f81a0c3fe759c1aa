"""A class on one server (issue 9) or on a balanced cluster (issue 12): N simulated students, measured.

Each simulated student is a websocket client speaking Streamlit's own protocol (`/_stcore/stream`,
BackMsg/ForwardMsg protobufs from the installed `streamlit.proto`), like a browser tab that renders
nothing, so 30 students cost the machine little besides the server's own work. It first GETs the page
(a browser's first request: through the balancer this sets the stickiness cookie, sent back on the
websocket handshake), then walks a short lesson:

  open Conv2D, move its sliders (every student picks its own filters and kernel size) -> open
  MaxPooling2D, move a slider -> open Draw, draw digits (the canvas component's real value: Fabric
  JSON + a PNG data URL of a digit from cnnlab.drawn_digits, as streamlit_drawable_canvas 0.13's
  frontend sends it). A few students (the trainers) first open Train and start a short training
  (1 epoch on 25% of the data; one trains at a time, the others wait in the queue), walk the same
  lesson while it runs, then come back to Train and follow its live panel's auto-reruns until the
  test results show: the class works with a training running, as the targets ask.

Widget ids come from the ForwardMsg deltas (an element's `id` ends with its user key); values are
sent with each widget's own WidgetState type, all of them on every rerun as the browser does, and
with the fragment id when the widget lives in an @st.fragment.

Per action: latency median and p95 (rerun request sent -> script_finished received). Errors: exception
elements in the deltas, st.error alerts, timeouts, wrong values (cross-session check: a student's
Conv2D output shape and parameter count must match the settings IT chose; with distinct settings per
student another session's values would show up there) and "Traceback" in the server log. Server (with its training worker processes): RSS
after warm-up, at peak, after all sessions closed and, after the last round, once Streamlit has dropped
the closed sessions (it keeps them 120 s for a reconnect, and drops them at its next write), idle CPU. Ratios to the smallest N.

An abandoned training (one server only): a student starts 20 epochs and closes the tab while another
waits in line; from the server log, the seconds from the close to the slot being freed and to the waiting
student's training starting. Target: within ABANDON_AFTER_S (60 s, cnnlab/limits.py: a learner's training is
kept that long for a reload or another tab to reattach, issue 25) plus 10 s.

Abuse (--abuse): the largest class works once alone and once while abusers run beside it, on a server
we started: two tabs send the canvas bomb (a 10000x10000 1-bit PNG, ~16 kB, as the canvas component's
value over the websocket), a tab asks Conv2D's "Verify with TensorFlow" at the largest input its URL
allows (256x512x512x64, 64 filters of 11x11), one browser (one learner cookie) starts a 20-epoch
training from 5 tabs, and a tab sends malformed values (canvas values of the wrong shape, invalid JSON,
pooling edits outside the matrix, empty and unknown URL parameters). Printed: the class's peak RSS and
its explorer/draw p95 alone and with the abuse (targets: RSS within +300 MB, p95 within +20%), what each
abuse got back (a refusal, a bounded result), and errors: the class's, exception elements shown to the
abusers, and tracebacks in the server log (target 0).

A small real-browser check follows: 3 Chromium sessions (Playwright) open Conv2D, MaxPooling2D and
Draw and must render them without an exception.

Warm start: before anyone connects, the bench waits for the server's log to say the warm-up is done
(the time since start is printed; none in the log within 180 s is a failure), then one first visitor
walks the lesson; its latencies are printed against the first measured round's medians.

The store (issue 25), with --store: the same class on one server and a fresh store, alternately without saving
and with every student saving each digit it draws (--store-pairs pairs, pooled and per pair) ("Save this
drawing", acknowledged by the page's success message) while, beside the class, each student's model is saved
through cnnlab.store as the app saves a finished training (MODELS_PER_STUDENT each, the chapter's model; from
another process). Printed: explorer and draw p95 with and without saving, the store's write latency (median,
p95), and lost writes: acknowledged minus committed, counted in the database afterwards (must be 0). With
--fault: a class on 2 replicas sharing one store saves drawings, and one replica is killed with -9 mid-class:
the acknowledged saves must all be committed (a save in flight at the kill may be committed unacknowledged:
counted apart). Both use a fresh SQLite store in a temporary folder, or --database-url (an empty PostgreSQL
database).

The class (issue 26), with --class-round (benchmarks/bench_class_round.py): the largest class twice on a fresh
store, without a class and with one: every student sends each of 5 digits to the class ("Send to my class")
and records check answers through the store while the teacher's view is open (signed in with its key,
following its live check). Printed: explorer/draw p95 side by side (target within +10%), the teacher's live
check and view rerun times, drawings acknowledged vs committed (target 0 lost).

Run (the server is started like `make run`, without a file watcher, on a free port):
  .venv/bin/python benchmarks/bench_classroom.py                           # N = 1, 10, 30
  .venv/bin/python benchmarks/bench_classroom.py --students 1,10 --no-browser
  .venv/bin/python benchmarks/bench_classroom.py --url http://127.0.0.1:8501   # a running server/balancer
  .venv/bin/python benchmarks/bench_classroom.py --replicas 1,2 --students 30  # clusters side by side
  .venv/bin/python benchmarks/bench_classroom.py --students 30,30,30,30 --gap 130 --no-browser  # 4 classes in a row
  .venv/bin/python benchmarks/bench_classroom.py --students 30 --abuse --no-browser --no-expire  # the abuse section
  .venv/bin/python benchmarks/bench_classroom.py --students 30 --trainers 3 --store --fault --no-browser
  .venv/bin/python benchmarks/bench_classroom.py --students 30 --class-round --no-browser --no-expire
Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from serve_cluster import stop_processes  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from cnnlab.limits import ABANDON_AFTER_S  # noqa: E402
from components.learner import COOKIE as LEARNER_COOKIE  # noqa: E402
from components.session_life import RECONNECT_GRACE_S  # noqa: E402

ACTION_TIMEOUT_S = 120.0  # one rerun; a cold server imports TensorFlow on the first drawing
TRAINING_TIMEOUT_S = 240.0  # one short training, start to results
TRAINING_FRACTION_INDEX = 2  # the Train page's 25% (2,000 of the 8,000 digits): a training lasts through the lesson
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
            ForwardMsg.FINISHED_WITH_COMPILE_ERROR}
CONV_INPUT = (4, 28, 28, 3)  # the Conv2D page's default input (batch, height, width, channels)
SAVED_DRAWING = "Saved, as a"  # the Draw page's success message (assets/i18n/draw.json, drawing_saved)
SENT_TO_CLASS = "Sent to your class"  # Draw's "send to my class" success (assets/i18n/class.json, sent_done)
CLASS_DRAWS = 5  # --class-round: drawings each student sends to the class
ANSWERS_PER_STUDENT = 6  # --class-round: check answers each student records beside the class
MODELS_PER_STUDENT = 2  # --store: models each student saves beside the class, as finished trainings are saved
FAULT_AFTER_S = 20.0  # --fault: the replica is killed this long into the class


# --------------------------------------------------------------------------- the server(s) under test

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy within {timeout_s:.0f} s")


class SingleServer:
    """`streamlit run serve.py` as `make run` starts it (project config, no file watcher), on a free port."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tempfile.mkdtemp(prefix="cnnlab-bench-")) / "server.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"],
            # its own store in a temporary folder unless told: a benchmark never writes into the app's data/
            cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
                           "CNNLAB_DATA_DIR": tempfile.mkdtemp(prefix="cnnlab-bench-data-"), **(env or {})},
            stdout=self._log, stderr=subprocess.STDOUT)
        try:
            wait_healthy(self.url)
        except BaseException:  # a server that never became healthy is stopped, not left running
            self.stop()
            raise

    @property
    def pids(self) -> list[int]:
        return [self.proc.pid]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_processes([self.proc])
        self._log.close()


class ExternalServer:
    """A server or balancer someone else runs (--url): no process to measure, no log to read."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.pids: list[int] = []
        wait_healthy(self.url, 10)

    def log_text(self) -> str:
        return ""

    def stop(self) -> None:
        pass


class ClusterServer:
    """N replicas behind HAProxy, started by scripts/serve_cluster.py's Cluster (`store`: its database_url or
    data_dir)."""

    def __init__(self, replicas: int, **store) -> None:
        from serve_cluster import Cluster

        self.cluster = Cluster(replicas=replicas, port=free_port(), log_dir=Path(tempfile.mkdtemp(prefix="cnnlab-bench-")),
                               **store)
        self.cluster.start()
        self.url = self.cluster.url

    @property
    def pids(self) -> list[int]:
        return self.cluster.replica_pids()

    def log_text(self) -> str:
        return self.cluster.replica_logs()

    def stop(self) -> None:
        self.cluster.stop()


def with_children(pids: list[int]) -> list[int]:
    """The app processes and all their descendants (each one's training worker processes)."""
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                todo.extend(int(c) for c in children.read_text().split())
            except OSError:
                continue
    return found


def rss_mb(pids: list[int]) -> float | None:
    """Resident memory of the app processes and their workers, summed (None when there is nothing to measure)."""
    total = 0
    for pid in with_children(pids):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total += int(match.group(1)) if match else 0
    return total / 1024 if pids else None


def cpu_seconds(pids: list[int]) -> float:
    """CPU time used so far by the app processes and their workers (a worker that ended takes its share along)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in with_children(pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def idle_cpu_percent(pids: list[int], seconds: float = 5.0) -> float | None:
    if not pids:
        return None
    before = cpu_seconds(pids)
    time.sleep(seconds)
    return 100.0 * (cpu_seconds(pids) - before) / seconds


# --------------------------------------------------------------------------- one simulated student

@dataclass
class Widget:
    id: str
    kind: str  # the Element oneof name: slider, number_input, checkbox, button, bidi_component, ...
    fragment_id: str
    options: list[str]  # a select_slider's formatted options


@dataclass
class StudentLog:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    mispredictions: int = 0
    trains: bool = False  # a trainer draws with its own model, still in training: misreads are expected
    training_s: float | None = None
    replica: str = ""  # the balancer's cookie value (CNNLAB_REPLICA), "" without a balancer
    saved: int = 0  # drawings the page acknowledged as saved
    class_sent: int = 0  # drawings the page acknowledged as sent to the class


def canvas_value(image, strokes: int) -> str:
    """What streamlit_drawable_canvas 0.13's frontend sends (setStateValue("drawing", {raw, data})) as JSON."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    path = {"type": "path", "stroke": "#FFFFFF", "strokeWidth": 18, "fill": None, "path": [["M", 60, 60], ["L", 200, 200]]}
    raw = {"version": "6.0.0", "objects": [path] * strokes, "background": "#000000"}
    return json.dumps({"drawing": {"raw": raw, "data": url}})


class Student:
    """One browser tab without a browser: a websocket, the widget states it would send, what it was shown."""

    def __init__(self, url: str, log: StudentLog, cookie: str = "") -> None:
        self.url = url
        self.log = log
        self.cookie = cookie  # sent as the browser would send its own (the learner's id)
        self.alerts: list[tuple[str, str]] = []  # (warning|success|info, first line) shown in the latest runs
        self.widgets: dict[str, Widget] = {}  # user key -> widget, from the latest deltas
        self.states: dict[str, WidgetState] = {}  # widget id -> the value this tab holds
        self.query = "lang=en"
        self.pages: dict[str, str] = {}  # url path -> page script hash (from the navigation message)
        self.page_hash = ""  # the page this tab shows (every rerun names it, as the browser does)
        self.metrics: dict[str, str] = {}  # label -> value, from the latest run
        self.auto_rerun: tuple[float, str] | None = None  # (interval, fragment id) of a live fragment
        self.ws = None
        self._finished: asyncio.Queue[int] = asyncio.Queue()
        self._reader: asyncio.Task | None = None

    async def open(self, page: str) -> None:
        cookie = "; ".join(c for c in (await asyncio.to_thread(self._first_get, page), self.cookie) if c)
        headers = {"Cookie": cookie} if cookie else {}
        self.log.replica = dict(c.split("=", 1) for c in cookie.split("; ") if "=" in c).get("CNNLAB_REPLICA", "")
        self.ws = await connect(self.url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                                additional_headers=headers, max_size=None, open_timeout=60, ping_interval=None)
        self._reader = asyncio.create_task(self._read())
        await self.rerun(f"open {page}", page_name=page)

    def _first_get(self, page: str) -> str:
        """The page's HTML, as a browser loads it first; returns the cookies set (the balancer's)."""
        request = urllib.request.Request(f"{self.url}/{page}?{self.query}",
                                         headers={"Cookie": self.cookie} if self.cookie else {})
        with urllib.request.urlopen(request, timeout=60) as r:
            r.read()
            return "; ".join(c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or [])

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self.ws:
            await self.ws.close()

    # -- receiving --------------------------------------------------------------------------------
    async def _read(self) -> None:
        async for raw in self.ws:
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                self._on_delta(msg.delta)
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "auto_rerun":
                self.auto_rerun = (msg.auto_rerun.interval, msg.auto_rerun.fragment_id)
            elif kind == "script_finished":
                self._finished.put_nowait(msg.script_finished)

    def _on_delta(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        proto = getattr(element, kind)
        if kind == "metric":
            self.metrics[proto.label] = proto.body
        elif kind == "exception" and not proto.is_warning:
            self.log.errors.append(f"exception element: {proto.type}: {proto.message.splitlines()[0][:160]}")
        elif kind == "alert" and proto.format == proto.SUCCESS and proto.body.startswith(SAVED_DRAWING):
            self.log.saved += 1
        elif kind == "alert" and proto.format == proto.SUCCESS and proto.body.startswith(SENT_TO_CLASS):
            self.log.class_sent += 1
        elif kind == "alert" and proto.format == proto.ERROR:
            self.log.errors.append(f"st.error: {proto.body.splitlines()[0][:160]}")
        elif kind == "alert" and proto.format in (proto.WARNING, proto.SUCCESS):
            label = "warning" if proto.format == proto.WARNING else "success"
            self.alerts.append((label, proto.body.splitlines()[0][:200]))
        widget_id = getattr(proto, "id", "") if kind != "alert" else ""
        if widget_id.startswith("$$ID-"):
            key = widget_id.split("-", 2)[2]
            options = list(proto.options) if kind == "slider" else []
            self.widgets[key] = Widget(widget_id, kind, delta.fragment_id, options)

    # -- sending ----------------------------------------------------------------------------------
    async def rerun(self, action: str, *, page_name: str = "", page_hash: str = "", fragment_id: str = "",
                    trigger: WidgetState | None = None, auto: bool = False) -> float:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_name = self.query, page_name
        state.page_script_hash = page_hash or ("" if page_name else self.page_hash)
        state.fragment_id, state.is_auto_rerun = fragment_id, auto
        state.context_info.locale, state.context_info.timezone = "en-US", "UTC"
        state.widget_states.widgets.extend([*self.states.values(), *([trigger] if trigger else [])])
        if not fragment_id:
            self.metrics = {}
        while not self._finished.empty():  # a late finish of a run that timed out is not this run's
            self._finished.get_nowait()
        started = time.monotonic()
        await self.ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(self._until_finished(), ACTION_TIMEOUT_S)
        except TimeoutError:
            self.log.errors.append(f"timeout: {action} (> {ACTION_TIMEOUT_S:.0f} s)")
            return ACTION_TIMEOUT_S
        elapsed = time.monotonic() - started
        self.log.latencies.setdefault(action, []).append(elapsed)
        return elapsed

    async def _until_finished(self) -> None:
        while (await self._finished.get()) not in FINISHED:
            pass  # FINISHED_EARLY_FOR_RERUN: the script asked for a rerun (st.rerun), the next run follows

    async def goto(self, page: str) -> None:
        """Click the page in the sidebar navigation."""
        self.auto_rerun = None
        await self.rerun(f"open {page}", page_hash=self.pages[page])

    async def set(self, action: str, key: str, value) -> None:
        """Move a widget to `value` and wait for the rerun it causes."""
        widget = self.widgets[key]
        state = WidgetState(id=widget.id)
        if widget.kind == "slider" and widget.options:
            state.string_array_value.data[:] = [widget.options[value]]  # select_slider: by option index
        elif widget.kind == "slider":
            state.double_array_value.data[:] = [float(value)]
        elif widget.kind == "number_input":
            state.double_value = float(value)
        elif widget.kind == "checkbox":
            state.bool_value = bool(value)
        elif widget.kind == "bidi_component":
            state.json_value = value
        elif widget.kind == "dataframe":  # st.data_editor: its edits as JSON
            state.string_value = value
        else:
            raise ValueError(f"no WidgetState for a {widget.kind}")
        self.states[widget.id] = state
        await self.rerun(action, fragment_id=widget.fragment_id)

    def hold(self, key: str, text: str) -> None:
        """Type `text` into a text input of a form: held by the tab until the form is submitted (no rerun)."""
        self.states[self.widgets[key].id] = WidgetState(id=self.widgets[key].id, string_value=text)

    async def click(self, action: str, key: str) -> None:
        widget = self.widgets[key]
        await self.rerun(action, fragment_id=widget.fragment_id, trigger=WidgetState(id=widget.id, trigger_value=True))


# --------------------------------------------------------------------------- the lesson

@dataclass(frozen=True)
class Lesson:
    draws: int = 3
    think_s: float = 0.4  # a student's pause between two actions (mean of a uniform 0.5x..1.5x)
    stagger_s: float = 3.0  # students start within this window, not in the same millisecond
    save: bool = False  # save each digit drawn ("Save this drawing")
    send_class: bool = False  # send each digit drawn to the class ("Send to my class")
    learners: tuple[str, ...] = ()  # each student's learner id (its cookie), when they must be known (a class)


def conv_expectation(index: int) -> tuple[int, int, str, str]:
    """Student `index`'s own Conv2D settings and the output shape and parameter count it must see."""
    filters, kernel = 1 + index % 64, 2 + index % 5  # distinct filters for up to 64 students
    n, h, w, c = CONV_INPUT
    out = f"({n}, {h - kernel + 1}, {w - kernel + 1}, {filters})"
    return filters, kernel, out, f"{(kernel * kernel * c + 1) * filters:,}"


async def think(rng: random.Random, lesson: Lesson) -> None:
    await asyncio.sleep(lesson.think_s * rng.uniform(0.5, 1.5))


async def conv_part(student: Student, index: int, rng: random.Random, lesson: Lesson) -> None:
    filters, kernel, out, params = conv_expectation(index)
    for key, value in (("conv_filters", filters), ("conv_kernel", kernel)):
        await think(rng, lesson)
        await student.set("Conv2D slider", key, value)
    seen = (student.metrics.get("Output shape"), student.metrics.get("Parameters"))
    if seen != (out, params):
        student.log.errors.append(f"cross-session: student {index} set filters={filters} kernel={kernel}, "
                                  f"expected {out} / {params}, saw {seen[0]} / {seen[1]}")


async def pooling_part(student: Student, index: int, rng: random.Random, lesson: Lesson) -> None:
    await student.goto("pooling")
    for value in (1 + index % 3, 1 + (index + 1) % 3):  # windows that fit the 3x3 example matrix
        await think(rng, lesson)
        await student.set("MaxPooling2D slider", "pooling_pool_h", value)


async def draw_part(student: Student, digits, rng: random.Random, lesson: Lesson) -> None:
    await student.goto("draw")
    for stroke_count, digit in enumerate(digits, start=1):
        await think(rng, lesson)
        await student.set("draw -> prediction", "draw_canvas_0", canvas_value(digit.image, stroke_count))
        prediction = student.metrics.get("Prediction")
        if prediction is None:
            student.log.errors.append("draw: no prediction shown")
        elif prediction != str(digit.label):
            student.log.mispredictions += 1
        if lesson.save and prediction is not None:
            await think(rng, lesson)
            await student.click("save drawing", "draw_save")
        if lesson.send_class and prediction is not None:
            await think(rng, lesson)
            await student.click("send to class", "class_send")


async def start_training(student: Student, rng: random.Random, lesson: Lesson) -> float:
    """A trainer's first steps: open Train, pick a short training (1 epoch, 25% of the data), start it."""
    await student.open("train")
    await think(rng, lesson)
    await student.set("Train setting", "train_epochs", 1)
    await student.set("Train setting", "train_fraction", TRAINING_FRACTION_INDEX)
    started = time.monotonic()
    await student.click("start training", "train_start")
    return started


async def training_results(student: Student, started: float) -> None:
    """Back on Train after the lesson: follow the live panel's auto-reruns until the test results show."""
    await student.goto("train")
    deadline = started + TRAINING_TIMEOUT_S
    while "Test accuracy" not in student.metrics and time.monotonic() < deadline:
        if student.auto_rerun is None:
            student.log.errors.append("training: no live panel (auto-rerun) after Start")
            return
        interval, fragment_id = student.auto_rerun
        await asyncio.sleep(interval)
        await student.rerun("training live refresh", fragment_id=fragment_id, auto=True)
    if "Test accuracy" in student.metrics:
        student.log.training_s = time.monotonic() - started
    else:
        student.log.errors.append(f"training: no results within {TRAINING_TIMEOUT_S:.0f} s")


LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*?training (\w{8})(?::| started:) (.*)$", re.M)


def training_log(text: str) -> list[tuple[float, str, str]]:
    """(time, job id, what) for each of cnnlab.training's lines in the server log (its clock is ours)."""
    from datetime import datetime

    return [(datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp(), job, what)
            for stamp, job, what in LOG_LINE.findall(text)]


@dataclass
class Abandoned:
    freed_s: float | None  # its tab closed -> the log says its slot was freed
    next_started_s: float | None  # its tab closed -> the student waiting in line started training
    errors: list[str] = field(default_factory=list)


async def abandon_a_training(server) -> Abandoned:
    """A student starts a long training and closes the tab while another waits in line behind it."""
    leaving, waiting = Student(server.url, StudentLog(trains=True)), Student(server.url, StudentLog(trains=True))
    result = Abandoned(None, None)
    try:
        await leaving.open("train")
        await leaving.set("Train setting", "train_epochs", 20)  # 20 epochs of all 8,000 digits: minutes
        await leaving.click("start training", "train_start")
        await waiting.open("train")
        await waiting.set("Train setting", "train_epochs", 1)
        await waiting.set("Train setting", "train_fraction", 0)
        await waiting.click("start training", "train_start")
        await asyncio.sleep(4.0)  # the first one is into its first epoch
        closed = time.time()
        await leaving.close()
        deadline = time.monotonic() + ABANDON_AFTER_S + 30  # kept for a reattach, then the grace and the stop
        while time.monotonic() < deadline and result.next_started_s is None:
            await asyncio.sleep(0.25)
            lines = [line for line in training_log(server.log_text()) if line[0] >= closed - 1]
            # the slot is freed when the abandoned job ends: "slot freed after its session ended" while it waited
            # or ran without its learner's registry, else it is stopped and kept as a model, and the next starts
            freed = [t for t, _job, what in lines if what.startswith("slot freed after its session ended")] or \
                [t for t, _job, what in lines if what.startswith("1 epochs")]
            if freed:
                result.freed_s = freed[0] - closed
                started = [t for t, _job, what in lines if what.startswith("1 epochs") and t >= freed[0]]
                result.next_started_s = started[0] - closed if started else None
        if result.next_started_s is None:
            result.errors.append("abandoned training: its slot was not freed, or the next did not start, in "
                                 f"{ABANDON_AFTER_S + 30:.0f} s")
    finally:
        await leaving.close()
        await waiting.close()
    result.errors += leaving.log.errors + waiting.log.errors
    return result


async def one_student(url: str, index: int, trains: bool, digits, lesson: Lesson) -> StudentLog:
    log = StudentLog(trains=trains)
    rng = random.Random(index)
    await asyncio.sleep(rng.uniform(0, lesson.stagger_s))
    student = Student(url, log, f"{LEARNER_COOKIE}={lesson.learners[index]}" if lesson.learners else "")
    try:
        if trains:  # the training runs in the background while its student (and the class) works
            started = await start_training(student, rng, lesson)
            await student.goto("conv")
        else:
            await student.open("conv")
        await conv_part(student, index, rng, lesson)
        await pooling_part(student, index, rng, lesson)
        await draw_part(student, digits, rng, lesson)
        if trains:
            await training_results(student, started)
    except Exception as exc:  # noqa: BLE001 - one student's failure is a result, the others go on
        log.errors.append(f"client: {type(exc).__name__}: {exc}")
    finally:
        await student.close()
    return log


# --------------------------------------------------------------------------- abuse (--abuse)

# The largest Conv2D input the page's URL can set (its widgets' maxima), and 'same' padding.
HUGE_CONV = {"conv_batch": 256, "conv_height": 512, "conv_width": 512, "conv_channels": 64, "conv_filters": 64,
             "conv_kernel": 11, "conv_padding": "same"}
ODD_QUERY = "lang=en&conv_padding=&conv_filters=zzz&conv_batch=-5&conv_kernel=99999999&pooling_padding=nope"
MALFORMED_CANVAS = ['{"drawing": "str"}', '{"drawing": {"raw": {"objects": 5}, "data": null}}', "{not json",
                    '{"backgroundFit": 5}', '[1, 2, 3]']
MALFORMED_EDITS = ['{"edited_rows": {"999": {"1": "5"}}}', '{"edited_rows": "x"}', '{"added_rows": [{"1": "3"}]}',
                   "not json"]
FLOOD_TABS = 5


@dataclass
class AbuseLog:
    outcomes: list[str] = field(default_factory=list)  # what each abuse got back, in words
    errors: list[str] = field(default_factory=list)  # exception elements and errors an abuser was shown


def bomb_value(side: int = 10_000) -> str:
    """The canvas bomb: a side x side 1-bit PNG (a few kB; side^2 bytes and more if decoded) as the canvas's value."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, format="PNG", optimize=True)
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return json.dumps({"drawing": {"raw": {"objects": [{"type": "path"}]}, "data": url}})


def current_canvas(tab: Student) -> str:
    """The canvas's key now: a refused value clears the canvas, which then has the next key."""
    return max((k for k in tab.widgets if re.fullmatch(r"draw_canvas_\d+", k)), key=lambda k: int(k.rsplit("_", 1)[1]))


async def canvas_bomb(url: str, log: AbuseLog, value: str, times: int = 3) -> None:
    tab = Student(url, StudentLog())
    try:
        await tab.open("draw")
        for _ in range(times):
            tab.alerts.clear()
            await tab.set("canvas bomb", current_canvas(tab), value)
            refused = any("could not be read" in body for _kind, body in tab.alerts)
            log.outcomes.append(f"canvas bomb: {'refused' if refused else 'NOT REFUSED'} "
                                f"in {tab.log.latencies['canvas bomb'][-1]:.2f} s")
    finally:
        await tab.close()
        log.errors += tab.log.errors


async def oversized_verify(url: str, log: AbuseLog) -> None:
    tab = Student(url, StudentLog())
    tab.query = "lang=en&" + "&".join(f"{k}={v}" for k, v in HUGE_CONV.items())
    try:
        await tab.open("conv")
        tab.alerts.clear()
        await tab.click("oversized verify", "conv_verify")
        crop = [body for kind, body in tab.alerts if kind == "success" and "crop" in body]
        log.outcomes.append(f"Verify at 256x512x512x64: {'bounded (' + crop[0][-90:] + ')' if crop else 'NO RESULT'} "
                            f"in {tab.log.latencies['oversized verify'][-1]:.1f} s")
    finally:
        await tab.close()
        log.errors += tab.log.errors


async def training_flood(url: str, log: AbuseLog, class_done: asyncio.Event) -> None:
    """One browser (one learner cookie), FLOOD_TABS tabs, each starting a 20-epoch training; open until the class
    is done (a closed tab's training would end by itself)."""
    cookie = f"cnnlab_learner={os.urandom(16).hex()}"
    tabs = [Student(url, StudentLog(trains=True), cookie=cookie) for _ in range(FLOOD_TABS)]
    try:
        for tab in tabs:
            await tab.open("train")
            await tab.set("flood setting", "train_epochs", 20)
            if tab.widgets.get("train_start") is not None:
                await tab.click("flood start", "train_start")
        log.outcomes.append(f"training flood: {FLOOD_TABS} tabs of one learner pressed Start (20 epochs each); "
                            "'trainings started' above counts what the server started")
        await class_done.wait()
    finally:
        for tab in tabs:
            await tab.close()
            log.errors += [e for e in tab.log.errors if not e.startswith("st.error")]


async def malformed_values(url: str, log: AbuseLog) -> None:
    tab = Student(url, StudentLog())
    tab.query = ODD_QUERY
    try:
        await tab.open("conv")
        await tab.goto("draw")
        for value in MALFORMED_CANVAS:
            await tab.set("malformed canvas", current_canvas(tab), value)
        await tab.goto("pooling")
        for edits in MALFORMED_EDITS:
            await tab.set("malformed edits", "pooling_editor", edits)
        log.outcomes.append(f"malformed values: {len(MALFORMED_CANVAS)} canvas values, {len(MALFORMED_EDITS)} pooling "
                            f"edits, odd URL values sent; {len(tab.log.errors)} error(s) shown")
    finally:
        await tab.close()
        log.errors += tab.log.errors


async def run_abuse(url: str, class_done: asyncio.Event) -> AbuseLog:
    """Every abuse at once, beside the class, each in its own tabs."""
    log = AbuseLog()
    bomb = await asyncio.to_thread(bomb_value)
    results = await asyncio.gather(canvas_bomb(url, log, bomb), canvas_bomb(url, log, bomb),
                                   oversized_verify(url, log), malformed_values(url, log),
                                   training_flood(url, log, class_done), return_exceptions=True)
    log.errors += [f"abuser client: {type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
    return log


# --------------------------------------------------------------------------- one round of N students

@dataclass
class RoundResult:
    students: int
    trainers: int
    latencies: dict[str, list[float]]
    errors: list[str]
    tracebacks: int
    mispredictions: int  # by students who read with the shipped model: each one is a fault
    draws: int
    trainer_mispredictions: int  # by trainers, whose active model is the one they are training
    trainer_draws: int
    training_s: list[float]
    replicas: dict[str, int]  # students per replica (from the balancer's cookie)
    rss_peak: float | None
    rss_closed: float | None
    idle_cpu: float | None
    wall_s: float
    server_cpu_s: float | None  # CPU time the app process(es) used during the round
    client_cpu_s: float  # CPU time this load generator used (it shares the server's cores)
    abuse: AbuseLog | None = None  # what the abusers got, when they ran beside this round
    trainings_started: int = 0  # "training ... started" lines in the server log during the round
    saved: int = 0  # drawings acknowledged as saved
    class_sent: int = 0  # drawings acknowledged as sent to the class
    beside: object = None  # what ran beside the class returned (the class round's teacher view)


async def sample_peak(pids: list[int], stop: asyncio.Event) -> float | None:
    peak = rss_mb(pids)
    while not stop.is_set():
        peak = max(peak or 0, rss_mb(pids) or 0) if pids else None
        await asyncio.sleep(0.5)
    return peak


async def run_students(url: str, n: int, trainers: int, lesson: Lesson, pids: list[int], abuse: bool = False,
                       beside=None):
    """beside(class_done): a coroutine run beside the class (the teacher's view), its result returned with the abuse's."""
    from cnnlab.drawn_digits import drawn_digits

    pool = drawn_digits(max(40, n * lesson.draws), seed=11)
    stop, class_done = asyncio.Event(), asyncio.Event()
    sampler = asyncio.create_task(sample_peak(pids, stop))
    abusers = asyncio.create_task(run_abuse(url, class_done)) if abuse else None
    watcher = asyncio.create_task(beside(class_done)) if beside else None
    trainer_ids = set(range(0, n, max(1, n // max(trainers, 1)))[:trainers])
    logs = await asyncio.gather(*[
        one_student(url, i, i in trainer_ids, pool[i * lesson.draws:(i + 1) * lesson.draws], lesson)
        for i in range(n)])
    class_done.set()
    abuse_log = await abusers if abusers else None
    beside_result = await watcher if watcher else None
    stop.set()
    return logs, await sampler, abuse_log, beside_result


def run_round(server, n: int, trainers: int, lesson: Lesson, settle_s: float, abuse: bool = False,
              beside=None) -> RoundResult:
    log_before = len(server.log_text())
    started, server_cpu, client_cpu = time.monotonic(), cpu_seconds(server.pids), time.process_time()
    logs, peak, abuse_log, beside_result = asyncio.run(run_students(server.url, n, trainers, lesson, server.pids, abuse,
                                                                    beside))
    wall = time.monotonic() - started
    server_cpu, client_cpu = cpu_seconds(server.pids) - server_cpu, time.process_time() - client_cpu
    time.sleep(settle_s)  # closed sessions are released (and abandoned trainings stop) after a moment
    latencies: dict[str, list[float]] = {}
    for log in logs:
        for action, values in log.latencies.items():
            latencies.setdefault(action, []).extend(values)
    return RoundResult(
        students=n, trainers=trainers, latencies=latencies, errors=[e for log in logs for e in log.errors],
        tracebacks=server.log_text()[log_before:].count("Traceback"),
        mispredictions=sum(log.mispredictions for log in logs if not log.trains),
        draws=sum(not log.trains for log in logs) * lesson.draws,
        trainer_mispredictions=sum(log.mispredictions for log in logs if log.trains),
        trainer_draws=sum(log.trains for log in logs) * lesson.draws,
        training_s=[log.training_s for log in logs if log.training_s is not None],
        replicas=dict(sorted(Counter(log.replica for log in logs if log.replica).items())),
        rss_peak=peak, rss_closed=rss_mb(server.pids), idle_cpu=idle_cpu_percent(server.pids), wall_s=wall,
        server_cpu_s=server_cpu if server.pids else None, client_cpu_s=client_cpu, abuse=abuse_log,
        trainings_started=len(re.findall(r"training \w{8} started", server.log_text()[log_before:])),
        saved=sum(log.saved for log in logs), class_sent=sum(log.class_sent for log in logs), beside=beside_result)


# --------------------------------------------------------------------------- the real-browser check

def browser_check(url: str, sessions: int = 3) -> list[str]:
    """`sessions` Chromium contexts open Conv2D, MaxPooling2D and Draw; returns what went wrong."""
    from playwright.sync_api import sync_playwright

    from tests.browser.chromium import launch_chromium

    problems = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            pages = [browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US").new_page()
                     for _ in range(sessions)]
            for path, ready in (("conv", "[data-testid='stMetric']"), ("pooling", "[data-testid='stCode']"),
                                ("draw", "canvas.upper-canvas")):
                for page in pages:
                    page.goto(f"{url}/{path}?lang=en")
                for i, page in enumerate(pages):
                    problems += _rendered(page, ready, f"browser {i + 1} /{path}")
        finally:
            browser.close()
    return problems


def _rendered(page, selector: str, where: str) -> list[str]:
    try:
        page.wait_for_selector(selector, timeout=90_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    except Exception as exc:  # noqa: BLE001 - reported, not raised: the check lists every page that failed
        return [f"{where}: not rendered ({type(exc).__name__})"]
    count = page.locator("[data-testid='stException']").count()
    return [f"{where}: {count} exception(s) on the page"] if count else []


# --------------------------------------------------------------------------- report

def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fmt(value: float | None, unit: str = "", digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def latency_table(rounds: list[RoundResult]) -> list[str]:
    base = rounds[0]
    actions = list(dict.fromkeys(a for r in rounds for a in r.latencies))
    head = f"{'action':28}" + "".join(f"{'N=' + str(r.students) + ' median/p95 (n)':>30}" for r in rounds)
    lines = [head + f"{'  p95 ratio to N=' + str(base.students):>26}"]
    for action in actions:
        cells, ratios = "", []
        for r in rounds:
            values = r.latencies.get(action, [])
            cells += f"{fmt(statistics.median(values)) + ' / ' + fmt(pct(values, 0.95)) + f' s ({len(values)})' if values else '—':>30}"
            if values and base.latencies.get(action):
                ratios.append(f"{pct(values, 0.95) / pct(base.latencies[action], 0.95):.1f}x")
        lines.append(f"{action:28}{cells}  {' '.join(ratios):>24}")
    return lines


def summary_table(rounds: list[RoundResult], rss_warm: float | None) -> list[str]:
    rows = [
        ("students / trainings", lambda r: f"{r.students} / {r.trainers}"),
        ("students per replica", lambda r: " ".join(f"{k}:{v}" for k, v in r.replicas.items()) or "—"),
        ("wall time of the round", lambda r: fmt(r.wall_s, " s", 1)),
        ("CPU: server / load generator", lambda r: f"{fmt(r.server_cpu_s, ' s', 1)} / {fmt(r.client_cpu_s, ' s', 1)}"),
        ("client errors", lambda r: str(len(r.errors))),
        ("server log tracebacks", lambda r: str(r.tracebacks)),
        ("misread: shipped model / in training", lambda r: f"{r.mispredictions}/{r.draws} / "
                                                           f"{r.trainer_mispredictions}/{r.trainer_draws}"),
        ("training start->results", lambda r: ", ".join(fmt(s, " s", 1) for s in r.training_s) or "—"),
        ("server RSS after warm-up", lambda r: fmt(rss_warm, " MB", 0)),
        ("server RSS at peak", lambda r: fmt(r.rss_peak, " MB", 0)),
        ("RSS after all closed", lambda r: fmt(r.rss_closed, " MB", 0) + (
            f" ({100 * (r.rss_closed / rss_warm - 1):+.0f}% vs warm)" if r.rss_closed and rss_warm else "")),
        ("idle server CPU", lambda r: fmt(r.idle_cpu, " %", 1)),
    ]
    return [f"{label:28}" + "".join(f"{cell(r):>30}" for r in rounds) for label, cell in rows]


def print_report(title: str, rounds: list[RoundResult], rss_warm: float | None, browser: list[str] | None) -> None:
    print(f"\n== {title}")
    print("\n".join(latency_table(rounds)))
    print()
    print("\n".join(summary_table(rounds, rss_warm)))
    for r in rounds:
        for error in list(dict.fromkeys(r.errors))[:8]:
            print(f"  N={r.students}: {error} (x{r.errors.count(error)})")
    if browser is not None:
        print(f"real-browser check (3 Chromium sessions): {'OK' if not browser else '; '.join(browser)}")


# --------------------------------------------------------------------------- main

SESSION_TTL_S = 120  # Streamlit's default server.disconnectedSessionTTL, which .streamlit/config.toml keeps
WARMED = "warm-up done"  # components.resources logs it when the warm-up is done


def wait_until_warm(server, started: float, timeout_s: float = 180.0) -> float | None:
    """Seconds from the server's start until every process logged its warm-up (None: no log to read)."""
    if not server.pids:
        return None
    deadline = started + timeout_s
    while time.monotonic() < deadline:
        if server.log_text().count(WARMED) >= len(server.pids):
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"no '{WARMED}' in the server log {timeout_s:.0f} s after start: no warm start")


@dataclass
class FirstVisit:
    """The first visitors of a freshly started server, against the first measured round (warm start)."""
    warmed_s: float | None  # server start -> warm-up logged (None: a server we did not start)
    round: RoundResult

    def lines(self, base: RoundResult) -> list[str]:
        lines = [f"first visitor of a fresh server (warm-up done {fmt(self.warmed_s, ' s', 1)} after start), "
                 f"median / max, and the ratio of its max to N={base.students}'s median:"]
        for action, values in self.round.latencies.items():
            ratio = (f"{max(values) / statistics.median(base.latencies[action]):.1f}x"
                     if base.latencies.get(action) else "—")
            lines.append(f"  {action:26}{fmt(statistics.median(values))} / {fmt(max(values))} s   {ratio}")
        if self.round.errors or self.round.tracebacks:
            lines.append(f"  errors: {self.round.errors[:3]}, tracebacks: {self.round.tracebacks}")
        return lines


@dataclass
class BenchResult:
    """One configuration (a server, or a cluster of N replicas) through every round."""
    title: str
    rounds: list[RoundResult]
    rss_warm: float | None
    browser: list[str] | None  # problems the real-browser check saw; None: not run
    first_visit: FirstVisit
    rss_expired: float | None  # once the closed sessions expired; None: not measured
    abandoned: Abandoned | None = None  # None: not measured (a cluster)
    abuse: tuple[RoundResult, RoundResult] | None = None  # (the class alone, the class beside the abusers)

    def failures(self) -> list[str]:
        """Errors, tracebacks or a page that did not render: any of them fails the run."""
        return ([f"{self.title}, N={r.students}" for r in self.rounds if r.errors or r.tracebacks]
                + ([f"{self.title}, abandoned training: {self.abandoned.errors[:2]}"]
                   if self.abandoned and self.abandoned.errors else [])
                + ([self.title] if self.browser else [])
                + ([f"{self.title}, first visitors"]
                   if self.first_visit.round.errors or self.first_visit.round.tracebacks else [])
                + ([f"{self.title}, abuse: {misses}" for misses in [abuse_misses(*self.abuse)] if misses]
                   if self.abuse else []))


def bench(server, args, lesson: Lesson, started: float, title: str) -> BenchResult:
    warmed_s = wait_until_warm(server, started)
    if warmed_s is not None:
        print(f"warm start: TensorFlow and the model loaded {warmed_s:.1f} s after the server started, "
              "before anyone connected", flush=True)
    warm = max(1, len(server.pids))  # one student per replica: round robin warms every one of them
    print(f"first visitors: {warm} student(s) through the lesson on {server.url} ...", flush=True)
    first_visit = run_round(server, warm, warm, Lesson(draws=1, think_s=0.0, stagger_s=0.0), settle_s=2.0)
    rss_warm = rss_mb(server.pids)
    rounds = []
    for i, n in enumerate(args.students):
        if i and args.gap:  # one class after another: the previous class's sessions have expired meanwhile
            print(f"gap: {args.gap:.0f} s before the next class ...", flush=True)
            time.sleep(args.gap)
        trainers = min(n, args.trainers if args.trainers is not None else max(1, n // 10))
        print(f"round: {n} students, {trainers} training ...", flush=True)
        rounds.append(run_round(server, n, trainers, lesson, args.settle))
    abandoned = None
    if len(server.pids) == 1:  # in a cluster the two tabs would land on different replicas, each with a free slot
        print("abandoned training: a tab closes while its training runs and another waits ...", flush=True)
        abandoned = asyncio.run(abandon_a_training(server))
        time.sleep(args.settle)
    abuse = measure_abuse(server, args, lesson, rounds) if args.abuse else None
    browser = None if args.no_browser else browser_check(server.url)
    rss_expired = None
    if server.pids and args.expire:
        # Streamlit keeps a closed tab's session (its state, model, figures) for server.disconnectedSessionTTL,
        # up to 128 of them, so that a student whose connection dropped comes back to it: "after all closed"
        # above is within that window. Memory has to come back once those sessions are gone. Expired sessions
        # are dropped lazily, when the session store is next written: one more visitor's closing does that.
        print(f"waiting {SESSION_TTL_S + args.settle:.0f} s for the closed sessions to expire ...", flush=True)
        time.sleep(SESSION_TTL_S + args.settle)
        run_round(server, 1, 0, Lesson(draws=1, think_s=0.0, stagger_s=0.0), settle_s=args.settle)
        rss_expired = rss_mb(server.pids)
    return BenchResult(title, rounds, rss_warm, browser, FirstVisit(warmed_s, first_visit), rss_expired, abandoned,
                       abuse)


def measure_abuse(server, args, lesson: Lesson, rounds: list[RoundResult]) -> tuple[RoundResult, RoundResult]:
    """The largest class alone (its last round, or a fresh one) and again beside the abusers."""
    n = max(args.students)
    trainers = min(n, args.trainers if args.trainers is not None else max(1, n // 10))
    alone = next((r for r in reversed(rounds) if r.students == n), None)
    if alone is None:
        alone = run_round(server, n, trainers, lesson, args.settle)
    print(f"abuse: {n} students again, beside the abusers ...", flush=True)
    return alone, run_round(server, n, trainers, lesson, args.settle, abuse=True)


EXPLORER_ACTIONS = ("Conv2D slider", "MaxPooling2D slider")
DRAW_ACTIONS = ("draw -> prediction",)
ABUSE_RSS_MB, ABUSE_P95_RATIO = 300, 1.2  # the targets: peak RSS within +300 MB, class p95 within +20%


def class_p95(r: RoundResult, actions: tuple[str, ...]) -> float | None:
    values = [v for action in actions for v in r.latencies.get(action, [])]
    return pct(values, 0.95) if values else None


def abuse_misses(alone: RoundResult, abused: RoundResult) -> list[str]:
    """The targets the class missed beside the abusers, and every error or traceback."""
    misses = []
    if alone.rss_peak and abused.rss_peak and abused.rss_peak - alone.rss_peak > ABUSE_RSS_MB:
        misses.append(f"peak RSS +{abused.rss_peak - alone.rss_peak:.0f} MB")
    for name, actions in (("explorer", EXPLORER_ACTIONS), ("draw", DRAW_ACTIONS)):
        a, b = class_p95(alone, actions), class_p95(abused, actions)
        if a and b and b / a > ABUSE_P95_RATIO:
            misses.append(f"{name} p95 x{b / a:.2f}")
    errors = len(abused.errors) + len(abused.abuse.errors if abused.abuse else [])
    if errors or abused.tracebacks:
        misses.append(f"{errors} error(s), {abused.tracebacks} traceback(s)")
    return misses


def print_abuse(alone: RoundResult, abused: RoundResult) -> None:
    print(f"\n== abuse beside a class of {alone.students} (targets: peak RSS within +{ABUSE_RSS_MB} MB, "
          f"class p95 within +{100 * (ABUSE_P95_RATIO - 1):.0f}%, 0 tracebacks)")
    print(f"{'':32}{'class alone':>16}{'with abuse':>16}{'change':>12}")
    change = (f"{abused.rss_peak - alone.rss_peak:+.0f} MB" if alone.rss_peak and abused.rss_peak else "—")
    print(f"{'server RSS at peak':32}{fmt(alone.rss_peak, ' MB', 0):>16}{fmt(abused.rss_peak, ' MB', 0):>16}{change:>12}")
    for name, actions in (("explorer p95", EXPLORER_ACTIONS), ("draw p95", DRAW_ACTIONS)):
        a, b = class_p95(alone, actions), class_p95(abused, actions)
        ratio = f"x{b / a:.2f}" if a and b else "—"
        print(f"{name:32}{fmt(a, ' s'):>16}{fmt(b, ' s'):>16}{ratio:>12}")
    print(f"{'class errors / tracebacks':32}{f'{len(alone.errors)} / {alone.tracebacks}':>16}"
          f"{f'{len(abused.errors)} / {abused.tracebacks}':>16}")
    print(f"{'trainings started (server log)':32}{alone.trainings_started:>16}{abused.trainings_started:>16}")
    log = abused.abuse or AbuseLog()
    for outcome in log.outcomes:
        print(f"  {outcome}")
    for error in list(dict.fromkeys(log.errors))[:8]:
        print(f"  abuser saw: {error} (x{log.errors.count(error)})")
    misses = abuse_misses(alone, abused)
    print(f"abuse targets: {'all met' if not misses else 'MISSED: ' + '; '.join(misses)}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", default="1,10,30", help="comma-separated class sizes (default 1,10,30)")
    parser.add_argument("--trainers", type=int, default=None, help="students who train (default N // 10, at least 1)")
    parser.add_argument("--draws", type=int, default=3, help="digits each student draws")
    parser.add_argument("--think", type=float, default=0.4, help="mean pause between two actions, s")
    parser.add_argument("--settle", type=float, default=10.0, help="wait after a round before RSS/CPU, s")
    parser.add_argument("--url", help="a running server or balancer (nothing is started; no RSS/log)")
    parser.add_argument("--replicas", help="comma-separated replica counts: start a cluster per count, side by side")
    parser.add_argument("--no-browser", action="store_true", help="skip the 3-Chromium render check")
    parser.add_argument("--gap", type=float, default=0.0,
                        help="seconds between two rounds, e.g. 130: each class comes after the last one's sessions "
                             "expired, so 'after all closed' shows whether memory is reused or only grows")
    parser.add_argument("--no-expire", dest="expire", action="store_false",
                        help="skip the final wait for closed sessions to expire (~130 s) and its RSS")
    parser.add_argument("--abuse", action="store_true",
                        help="run the largest class again beside the abusers (canvas bomb, oversized Verify, "
                             "5-tab training flood, malformed values) and compare")
    parser.add_argument("--store", action="store_true",
                        help="the store round: the largest class with and without saving, lost writes, write latency")
    parser.add_argument("--store-pairs", type=int, default=3,
                        help="--store: rounds without and with saving, alternated on one server (default 3)")
    parser.add_argument("--fault", action="store_true",
                        help="the fault round: a class saving on 2 replicas, one killed with -9 mid-class")
    parser.add_argument("--class-round", action="store_true",
                        help="the class round: the largest class without a class, then sending 5 drawings each to a "
                             "class and answering checks while the teacher's view is open: lost drawings, the "
                             "teacher view's rerun time, explorer/draw p95 side by side")
    parser.add_argument("--database-url", help="an empty PostgreSQL database for the store and fault rounds "
                                               "(default: a fresh SQLite file in a temporary folder)")
    args = parser.parse_args()
    args.students = [int(n) for n in args.students.split(",")]
    args.replicas = [int(n) for n in args.replicas.split(",")] if args.replicas else None
    return args


def stop_on_sigterm() -> None:
    """`kill` / `timeout` stop the benchmark like Ctrl-C: the servers it started are stopped too."""
    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)


def main() -> int:
    args = parse_args()
    stop_on_sigterm()
    lesson = Lesson(draws=args.draws, think_s=args.think)
    configs = [("--url " + args.url, lambda: ExternalServer(args.url))] if args.url else (
        [(f"{r} replica(s) behind HAProxy", lambda r=r: ClusterServer(r)) for r in args.replicas] if args.replicas
        else [("one server, started like `make run`", SingleServer)])
    results = []
    for title, start in configs:
        started = time.monotonic()
        server = start()
        try:
            results.append(bench(server, args, lesson, started, title))
        finally:
            server.stop()
    for r in results:
        print_report(r.title, r.rounds, r.rss_warm, r.browser)
        if r.rss_expired is not None and r.rss_warm:
            print(f"RSS once the closed sessions expired ({SESSION_TTL_S} s TTL, then one visitor): "
                  f"{r.rss_expired:.0f} MB ({100 * (r.rss_expired / r.rss_warm - 1):+.0f}% vs warm)")
        if r.abandoned is not None:
            a = r.abandoned
            print(f"abandoned training: slot freed {fmt(a.freed_s, ' s', 1)} after its tab closed (target <= "
                  f"{ABANDON_AFTER_S + 10:.0f} s: kept {ABANDON_AFTER_S:.0f} s for a reload to reattach, then the "
                  f"{RECONNECT_GRACE_S:.0f} s reconnect grace); the student waiting in line started "
                  f"{fmt(a.next_started_s, ' s', 1)} after it")
        print("\n".join(r.first_visit.lines(r.rounds[0])))
        if r.abuse is not None:
            print_abuse(*r.abuse)
    if len(results) > 1:
        print_side_by_side(results)
    failed = [failure for r in results for failure in r.failures()]
    if args.store:
        failed += store_round(args, lesson)
    if args.fault:
        failed += fault_round(args, lesson)
    if args.class_round:
        from bench_class_round import class_round

        failed += class_round(args, lesson)
    if failed:  # errors, tracebacks or a page that did not render: the run fails, like the other benchmarks
        print("FAILED:", "; ".join(failed))
        return 1
    return 0


def print_side_by_side(results: list[BenchResult]) -> None:
    """p95 latency per action and the errors, one column per configuration, for the largest class."""
    print(f"\n== side by side, N = {results[0].rounds[-1].students} students")
    print(f"{'':28}" + "".join(f"{r.title[:28]:>30}" for r in results))
    last = [r.rounds[-1] for r in results]
    for action in dict.fromkeys(a for r in last for a in r.latencies):
        cells = [f"{fmt(statistics.median(v))} / {fmt(pct(v, 0.95))} s" if (v := r.latencies.get(action)) else "—"
                 for r in last]
        print(f"{action:28}" + "".join(f"{c:>30}" for c in cells))
    for label, cell in (("students per replica", lambda r: " ".join(f"{k}:{v}" for k, v in r.replicas.items())),
                        ("client errors / tracebacks", lambda r: f"{len(r.errors)} / {r.tracebacks}"),
                        ("RSS peak (all replicas)", lambda r: fmt(r.rss_peak, " MB", 0)),
                        ("wall time of the round", lambda r: fmt(r.wall_s, " s", 1))):
        print(f"{label:28}" + "".join(f"{cell(r):>30}" for r in last))


# --------------------------------------------------------------------------- the store (issue 25)

def fresh_store(args) -> dict[str, object]:
    """Where a round's store is: --database-url, else a new SQLite file in a temporary folder."""
    if args.database_url:
        return {"database_url": args.database_url}
    return {"data_dir": Path(tempfile.mkdtemp(prefix="cnnlab-bench-store-"))}


def store_url(where: dict[str, object]) -> str:
    from cnnlab import store_schema

    return str(where.get("database_url") or f"sqlite:///{Path(where['data_dir']) / store_schema.SQLITE_FILE}")


def committed_rows(url: str, table: str) -> int:
    import sqlalchemy as sa

    from cnnlab import store_schema

    engine = store_schema.make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(store_schema.metadata.tables[table])).scalar_one()
    finally:
        engine.dispose()


def save_models_beside(url: str, students: int, stop_after: int) -> tuple[list[float], int, int]:
    """Each student's models saved through cnnlab.store (threads, as the app's training threads save them):
    (each write's seconds, acknowledged writes, committed rows counted afterwards)."""
    import secrets
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from cnnlab import architecture
    from cnnlab import store as store_module
    from cnnlab.recipe import TrainConfig
    from cnnlab.training_history import History

    store = store_module.open_store(url)
    stack = architecture.chapter_spec()
    weights = [np.random.default_rng(1).normal(size=architecture.analyze(stack).total_params).astype(np.float32)]
    record = store_module.ModelRecord(stack, TrainConfig(), weights, History(250), None, 5, False, "bundled", 8000)
    learners = [secrets.token_hex(16) for _ in range(students)]

    def one(who: str) -> list[float]:
        seconds = []
        for _ in range(stop_after):
            started = time.perf_counter()
            store.save_model(who, record)
            seconds.append(time.perf_counter() - started)
        return seconds

    with ThreadPoolExecutor(max_workers=students) as pool:
        latencies = [s for part in pool.map(one, learners) for s in part]
    committed = sum(store.counts(who).models for who in learners)
    store.close()
    return latencies, len(latencies), committed


def store_round(args, lesson: Lesson) -> list[str]:
    """The largest class without saving and with it, alternated on one server and one fresh store
    (--store-pairs times): pooled p95s and each pair's ratio, the write latency, and lost writes.

    Alternating on one server lets both conditions share its warm caches and the machine's state of the
    moment; the models "saved beside" are written by another process (as the server's training threads
    would write them), so their CPU is the server's rival, not this load generator's event loop."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    n = args.students[-1]
    trainers = min(n, args.trainers if args.trainers is not None else max(1, n // 10))
    where = fresh_store(args)
    server = SingleServer(env={"CNNLAB_DATA_DIR": str(where["data_dir"])} if "data_dir" in where
                          else {"CNNLAB_DATABASE_URL": str(where["database_url"])})
    pairs, beside, drawings_committed = [], ([], 0, 0), 0
    try:
        wait_until_warm(server, time.monotonic())
        for pair in range(args.store_pairs):
            print(f"store round {pair + 1}/{args.store_pairs}: {n} students, {trainers} training, not saving, "
                  "then saving ...", flush=True)
            plain = run_round(server, n, trainers, lesson, args.settle)
            before = committed_rows(store_url(where), "drawings")
            with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
                future = pool.submit(save_models_beside, store_url(where), n, MODELS_PER_STUDENT)
                saving = run_round(server, n, trainers, replace_lesson(lesson, save=True), args.settle)
                latencies, acknowledged, committed = future.result()
            drawings_committed += committed_rows(store_url(where), "drawings") - before
            beside = (beside[0] + latencies, beside[1] + acknowledged, beside[2] + committed)
            pairs.append((plain, saving))
    finally:
        server.stop()
    return print_store_round(pairs, beside, drawings_committed)


def replace_lesson(lesson: Lesson, **changes) -> Lesson:
    from dataclasses import replace

    return replace(lesson, **changes)


class InBackground:
    """Run f(*args) in a thread for the with-block; the block gets its future."""

    def __init__(self, f, *args) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1)
        self._future = self._pool.submit(f, *args)

    def __enter__(self):
        return self._future

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True)


STORE_ACTIONS = ("Conv2D slider", "MaxPooling2D slider", "draw -> prediction", "save drawing")


def print_store_round(pairs: list[tuple[RoundResult, RoundResult]], beside: tuple[list[float], int, int],
                      drawings_committed: int) -> list[str]:
    def pooled(side: int, action: str) -> list[float]:
        return [v for pair in pairs for v in pair[side].latencies.get(action, [])]

    latencies, acknowledged, committed = beside
    students, trainers = pairs[0][1].students, pairs[0][1].trainers
    print(f"\n== store round, N = {students} students ({trainers} training), {len(pairs)} pair(s) alternated on "
          "one server")
    print(f"{'p95':28}{'without saving':>16}{'saving':>10}{'ratio':>8}   ratio of each pair")
    for action in STORE_ACTIONS:
        a, b = pooled(0, action), pooled(1, action)
        ratio = f"{pct(b, 0.95) / pct(a, 0.95):.2f}x" if a and b else "—"
        each = [f"{pct(s.latencies[action], 0.95) / pct(p.latencies[action], 0.95):.2f}x" for p, s in pairs
                if p.latencies.get(action) and s.latencies.get(action)]
        print(f"{action:28}{fmt(pct(a, 0.95) if a else None, ' s'):>16}{fmt(pct(b, 0.95) if b else None, ' s'):>10}"
              f"{ratio:>8}   {' '.join(each)}")
    errors = [sum(len(r.errors) for r in side) for side in zip(*pairs, strict=True)]
    tracebacks = [sum(r.tracebacks for r in side) for side in zip(*pairs, strict=True)]
    print(f"{'client errors / tracebacks':28}{f'{errors[0]} / {tracebacks[0]}':>16}{f'{errors[1]} / {tracebacks[1]}':>10}")
    saved = sum(s.saved for _, s in pairs)
    print(f"drawings: {saved} acknowledged, {drawings_committed} committed: {saved - drawings_committed} lost")
    print(f"models saved beside the class (another process): {acknowledged} acknowledged, {committed} committed: "
          f"{acknowledged - committed} lost; the store's write latency median {fmt(statistics.median(latencies))} s, "
          f"p95 {fmt(pct(latencies, 0.95))} s")
    failed = [f"store round: {saved - drawings_committed} drawings lost"] if saved != drawings_committed else []
    failed += [f"store round: {acknowledged - committed} models lost"] if acknowledged != committed else []
    return failed + ([f"store round: {errors[1]} client errors"] if errors[1] or tracebacks[1] else [])


def fault_round(args, lesson: Lesson) -> list[str]:
    """A class saving drawings on 2 replicas sharing a store; one replica killed with -9 mid-class."""
    n = args.students[-1]
    where = fresh_store(args)
    server = ClusterServer(2, **where)
    try:
        wait_until_warm(server, time.monotonic())
        victim = server.cluster.replicas[0]
        print(f"fault round: {n} students saving on 2 replicas; {victim.name} killed after {FAULT_AFTER_S:.0f} s ...",
              flush=True)

        def kill_later() -> None:
            time.sleep(FAULT_AFTER_S)
            os.kill(victim.proc.pid, signal.SIGKILL)

        before = committed_rows(store_url(where), "drawings")  # 0 on a fresh store; a given database may hold some
        with InBackground(kill_later):
            result = run_round(server, n, 0, replace_lesson(lesson, save=True, draws=max(lesson.draws, 6)), args.settle)
        committed = committed_rows(store_url(where), "drawings") - before
    finally:
        server.stop()
    lost = max(0, result.saved - committed)
    print(f"\n== fault round, N = {n} students on 2 replicas, one killed with -9 after {FAULT_AFTER_S:.0f} s")
    print(f"drawings: {result.saved} acknowledged, {committed} committed: {lost} lost "
          f"({max(0, committed - result.saved)} committed without an acknowledgement, in flight at the kill); "
          f"students per replica {result.replicas}; client errors {len(result.errors)} (the killed replica's)")
    return [f"fault round: {lost} acknowledged drawings not committed"] if lost else []


if __name__ == "__main__":
    sys.exit(main())
