"""`make serve` stopped as a service manager, `timeout` or `kill -- -PGID` stop it: SIGTERM to its whole
process group. GNU make passes the signal on to the supervisor, which gets it twice; when it has exited,
no replica and no HAProxy may be left running. (A cluster test: fails in CI without HAProxy.)"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from tests.browser.conftest import ROOT, _free_port
from tests.browser.test_cluster import haproxy_path

STARTED = "CNN Lab: http"
START_TIMEOUT_S = 240


def running(pid: int) -> bool:
    """The process exists and is not a zombie waiting for a parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _lines(stream, out: queue.Queue) -> None:
    for line in stream:
        out.put(line)
    out.put(None)


def test_sigterm_to_the_process_group_of_make_serve_leaves_no_replica_or_haproxy(tmp_path):
    haproxy_path()
    env = {**os.environ, "CNNLAB_WARMUP": "0", "TF_CPP_MIN_LOG_LEVEL": "2"}  # signals, not TensorFlow, are tested
    make = subprocess.Popen(["make", "serve", "REPLICAS=2", f"PORT={_free_port()}"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(make.stdout, lines), daemon=True).start()
    output, pids = [], []
    try:
        _read_until_served(lines, output, pids)
    finally:
        os.killpg(make.pid, signal.SIGTERM)  # what `kill -- -PGID`, `timeout` or a service manager sends
        try:
            make.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
        left = _still_running(pids)
        for pid in left:  # never leave them to the rest of the suite
            os.kill(pid, signal.SIGKILL)
    assert len(pids) == 3, output  # two replicas and HAProxy, as the supervisor reports them
    assert not left, f"still running after make serve stopped: {left}\n" + "".join(output)


def _read_until_served(lines: queue.Queue, output: list[str], pids: list[int]) -> None:
    """Collect make's output and the pids it reports until the cluster serves."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        assert line is not None, "make serve ended before serving:\n" + "".join(output)
        output.append(line)
        pids += [int(p) for p in re.findall(r"pid (\d+)", line)]
        if line.startswith(STARTED):
            return
    raise AssertionError("make serve did not start in time:\n" + "".join(output))


def _still_running(pids: list[int]) -> list[int]:
    deadline = time.monotonic() + 10  # orphans are reaped by init
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [pid for pid in pids if running(pid)]
