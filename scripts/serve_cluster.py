"""`make serve REPLICAS=N`: N CNN Lab processes behind HAProxy with sticky sessions, stopped together on Ctrl-C.

One Streamlit process runs every session's script under one interpreter lock; N processes use N
cores. Each replica is `streamlit run serve.py` (as `make run`) on its own port on 127.0.0.1 (no file watcher, as
`make run`); HAProxy (Debian package `haproxy`) listens on PORT and keeps every browser on the
replica holding its session with an inserted cookie, proxies the websockets and health-checks
each replica on /_stcore/health. Its config is deploy/haproxy.cfg.in, filled in and written to a
temporary directory.

Per replica, from the machine's C cores (`--cores`, default all), so that N replicas together do
not oversubscribe them while half of the machine stays free for page reruns:
    CNNLAB_MAX_TRAININGS = max(1, (C // 2) // N)                  trainings at once per replica
    CNNLAB_TF_THREADS    = max(1, (C // 2) // (N * slots))        TensorFlow threads per training
Values already set in the environment win. All replicas share one cookie secret
(STREAMLIT_SERVER_COOKIE_SECRET), so a page's XSRF token stays valid when its student is moved to
another replica.

A replica that dies is started again on its port; meanwhile HAProxy sends its students to the
others, where their sessions start fresh but find everything they saved (a training that ran on the
dead replica is lost; its last complete epoch can be kept). At most RESTARTS_PER_WINDOW restarts per
replica within RESTART_WINDOW_S: a replica that keeps dying (a broken install, a port taken, no memory)
is given up, loudly (stderr and the supervisor's log), and HAProxy keeps serving with the others; with
none left the supervisor stops.

All replicas share one store (cnnlab/store.py): `--database-url` (CNNLAB_DATABASE_URL, PostgreSQL for
replicas on several hosts), else the SQLite file in `--data-dir` (CNNLAB_DATA_DIR, default data/), which
replicas on one host share. Each replica has its own sessions, training queue and caches.

Stopping: the first SIGINT or SIGTERM stops HAProxy, then every replica; signals that arrive while it
stops (GNU make forwards a SIGTERM sent to `make serve`'s process group: the supervisor gets two) do not
interrupt that.

Run: .venv/bin/python scripts/serve_cluster.py --replicas 2 [--port 8501] [--address 0.0.0.0]
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "haproxy.cfg.in"
COOKIE = "CNNLAB_REPLICA"
HEALTHY_TIMEOUT_S = 120.0  # a replica's first start on a busy machine (TensorFlow warm-up runs beside it)
RESTARTS_PER_WINDOW = 5  # restarts of one replica within RESTART_WINDOW_S before it is given up
RESTART_WINDOW_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replica_settings(replicas: int, cores: int) -> dict[str, str]:
    """Training slots and TensorFlow threads per replica: N replicas' trainings share half the cores."""
    training_cores = max(1, cores // 2)
    slots = max(1, training_cores // replicas)
    threads = max(1, training_cores // (replicas * slots))
    return {"CNNLAB_MAX_TRAININGS": str(slots), "CNNLAB_TF_THREADS": str(threads)}


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@dataclass
class Replica:
    name: str  # HAProxy's server name and the cookie's value: r1, r2, ...
    port: int
    log_path: Path
    proc: subprocess.Popen | None = None
    restarts: int = 0
    restart_times: collections.deque = field(default_factory=collections.deque)  # monotonic, within the window
    given_up: bool = False

    def may_restart(self, now: float) -> bool:
        """Fewer than RESTARTS_PER_WINDOW restarts in the last RESTART_WINDOW_S."""
        while self.restart_times and now - self.restart_times[0] > RESTART_WINDOW_S:
            self.restart_times.popleft()
        return len(self.restart_times) < RESTARTS_PER_WINDOW

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, env: dict[str, str]) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env={**env, "CNNLAB_REPLICA": self.name}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)  # Ctrl-C in the terminal reaches the supervisor, which stops us in order
        log.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            stop_processes([self.proc])


def stop_processes(procs: list[subprocess.Popen], timeout_s: float = 15) -> None:
    """Terminate every process at once, kill those not ended within `timeout_s`; returns once all have ended."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + timeout_s
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_count() -> int:
    """Cores this process may run on, as cnnlab.threads.cpu_count() counts them (a container's CPU set).

    Not imported from cnnlab: importing it sizes TensorFlow's pools through environment variables, which
    the replicas would inherit from this supervisor instead of sizing their own.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class Cluster:
    """The replicas and HAProxy; start() returns once HAProxy serves and every replica is healthy."""

    def __init__(self, replicas: int, port: int, *, address: str = "127.0.0.1", cores: int | None = None,
                 log_dir: Path | None = None, database_url: str | None = None, data_dir: Path | None = None) -> None:
        if replicas < 1:
            raise ValueError("at least one replica")
        self.port, self.address = port, address
        self.run_dir = Path(tempfile.mkdtemp(prefix="cnnlab-cluster-"))
        self.log_dir = log_dir or self.run_dir
        self.replicas = [Replica(f"r{i + 1}", free_port(), self.log_dir / f"replica-r{i + 1}.log")
                         for i in range(replicas)]
        settings = replica_settings(replicas, cores or cpu_count())
        store = {"CNNLAB_DATABASE_URL": database_url, "CNNLAB_DATA_DIR": str(data_dir) if data_dir else None}
        self.env = {"TF_CPP_MIN_LOG_LEVEL": "2", **settings, **os.environ,
                    **{k: v for k, v in store.items() if v},  # every replica the same store
                    "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
        self.haproxy: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.address in ("0.0.0.0", "*", "") else self.address
        return f"http://{host}:{self.port}"

    @property
    def stats_socket(self) -> Path:
        return self.run_dir / "haproxy.sock"

    def config_text(self) -> str:
        servers = "\n".join(f"    server {r.name} 127.0.0.1:{r.port} check cookie {r.name}" for r in self.replicas)
        return string.Template(TEMPLATE.read_text()).substitute(
            bind=self.address, port=self.port, cookie=COOKIE, servers=servers, stats_socket=self.stats_socket)

    def start(self) -> None:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not os.path.exists(haproxy):
            raise RuntimeError("haproxy is not installed (Debian: apt-get install haproxy; `make serve` does it)")
        config = self.run_dir / "haproxy.cfg"
        config.write_text(self.config_text())
        subprocess.run([haproxy, "-c", "-q", "-f", str(config)], check=True)
        try:
            for replica in self.replicas:
                replica.start(self.env)
            self._wait(lambda: all(healthy(r.url) for r in self.replicas))  # then HAProxy finds them up
            self.haproxy = subprocess.Popen([haproxy, "-db", "-f", str(config)], start_new_session=True,
                                            stdout=(self.run_dir / "haproxy.log").open("ab"), stderr=subprocess.STDOUT)
            self._wait(lambda: self.servers_up() == len(self.replicas))
        except BaseException:
            self.stop()
            raise

    def _wait(self, ready) -> None:
        deadline = time.monotonic() + HEALTHY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.haproxy is not None and self.haproxy.poll() is not None:
                raise RuntimeError(f"haproxy exited: see {self.run_dir / 'haproxy.log'}")
            dead = [r.name for r in self.replicas if not r.alive()]
            if dead:
                raise RuntimeError(f"replica(s) {', '.join(dead)} exited: see {self.log_dir}")
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"the cluster was not healthy within {HEALTHY_TIMEOUT_S:.0f} s (logs: {self.log_dir})")

    def store_text(self) -> str:
        """Where the replicas' store is, for the operator (a URL's password hidden)."""
        url = self.env.get("CNNLAB_DATABASE_URL")
        if url:
            return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
        return str(Path(self.env.get("CNNLAB_DATA_DIR") or ROOT / "data") / "cnnlab.sqlite3")

    def stats(self) -> list[dict[str, str]]:
        """HAProxy's `show stat` for the replicas: status (UP/DOWN), scur (open connections), ..."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.stats_socket))
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
        return [row for row in rows if row["pxname"] == "replicas" and row["svname"].startswith("r")]

    def servers_up(self) -> int:
        try:
            return sum(row["status"].startswith("UP") for row in self.stats())
        except OSError:
            return 0

    def restart(self, replica: Replica, now: float | None = None) -> None:
        """Start a replica that died again on its port (its students' sessions are gone)."""
        replica.stop()
        replica.restarts += 1
        replica.restart_times.append(time.monotonic() if now is None else now)
        replica.start(self.env)

    def give_up(self, replica: Replica) -> None:
        """Stop restarting a replica that keeps dying, and say so where an operator looks."""
        replica.given_up = True
        message = (f"GIVING UP on replica {replica.name}: it exited {RESTARTS_PER_WINDOW + 1} times within "
                   f"{RESTART_WINDOW_S:.0f} s (last exit code {replica.proc.returncode}); HAProxy serves its "
                   f"students from the other replicas. Its log: {replica.log_path}")
        print(message, file=sys.stderr, flush=True)
        with (self.log_dir / "supervisor.log").open("a") as log:
            log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")

    def replica_pids(self) -> list[int]:
        return [r.proc.pid for r in self.replicas if r.alive()]

    def replica_logs(self) -> str:
        return "".join(r.log_path.read_text(errors="replace") for r in self.replicas if r.log_path.exists())

    def stop(self) -> None:
        """HAProxy first (no new requests), then every replica at once."""
        if self.haproxy is not None:
            stop_processes([self.haproxy], timeout_s=10)
        stop_processes([r.proc for r in self.replicas if r.proc is not None])


def check_replicas(cluster: Cluster, now: float) -> None:
    """Start each replica that died again, or give it up when it died too often lately."""
    for replica in cluster.replicas:
        if replica.alive() or replica.given_up:
            continue
        if replica.may_restart(now):
            print(f"replica {replica.name} exited (code {replica.proc.returncode}); starting it again", flush=True)
            cluster.restart(replica, now)
        else:
            cluster.give_up(replica)


def supervise(cluster: Cluster) -> int:
    """Until a signal: restart replicas that die (check_replicas). Returns an exit code when HAProxy stops
    (1) or every replica has been given up (1)."""
    while cluster.haproxy.poll() is None:
        check_replicas(cluster, time.monotonic())
        if all(r.given_up for r in cluster.replicas):
            print("every replica has been given up: stopping", file=sys.stderr, flush=True)
            return 1
        time.sleep(1)
    print(f"haproxy exited (code {cluster.haproxy.returncode}); stopping", file=sys.stderr, flush=True)
    return 1


class Stop(BaseException):
    """The first SIGINT or SIGTERM: stop everything (BaseException: no `except Exception` swallows it)."""


def stop_on_first_signal() -> None:
    """Ctrl-C (SIGINT) and `kill` (SIGTERM) stop everything, also when started from a script that ignores SIGINT
    for its background jobs. Only the first one raises: later ones (make forwards the same SIGTERM) must not
    interrupt the stopping."""
    received: list[int] = []

    def handler(signum, frame):
        received.append(signum)
        if len(received) == 1:
            raise Stop(signum)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8501)))
    parser.add_argument("--address", default="0.0.0.0", help="where HAProxy listens (replicas: 127.0.0.1 only)")
    parser.add_argument("--cores", type=int, default=None, help="cores to size the replicas for (default: all)")
    parser.add_argument("--database-url", default=os.environ.get("CNNLAB_DATABASE_URL") or None,
                        help="the store every replica shares: postgresql://user@host:port/db (default: SQLite in "
                             "--data-dir)")
    parser.add_argument("--data-dir", type=Path, default=None, help="where the SQLite store is (default: data/)")
    args = parser.parse_args()
    stop_on_first_signal()
    cluster = Cluster(args.replicas, args.port, address=args.address, cores=args.cores,
                      database_url=args.database_url, data_dir=args.data_dir)
    settings = {k: cluster.env[k] for k in ("CNNLAB_MAX_TRAININGS", "CNNLAB_TF_THREADS")}
    print(f"starting {args.replicas} replica(s) ({', '.join(f'{k}={v}' for k, v in settings.items())} each) "
          f"behind HAProxy on {args.address}:{args.port}; logs in {cluster.log_dir}; store: {cluster.store_text()}",
          flush=True)
    code = 0
    try:
        cluster.start()
        for r in cluster.replicas:
            print(f"  replica {r.name}: {r.url} (pid {r.proc.pid})", flush=True)
        print(f"  haproxy: pid {cluster.haproxy.pid}", flush=True)
        print(f"CNN Lab: {cluster.url}  (Ctrl-C stops everything)", flush=True)
        code = supervise(cluster)
    except Stop:
        print("\nstopping HAProxy and the replicas ...", flush=True)
    finally:
        cluster.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
