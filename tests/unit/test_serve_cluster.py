"""The supervisor's restart policy (scripts/serve_cluster.py), with stand-in replicas: no process is started."""

from __future__ import annotations

import importlib.util
import sys

from tests.conftest import ROOT


def _load_serve_cluster():
    spec = importlib.util.spec_from_file_location("serve_cluster", ROOT / "scripts" / "serve_cluster.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("serve_cluster", module)
    spec.loader.exec_module(module)
    return module


serve_cluster = _load_serve_cluster()


class DeadProcess:
    returncode = 1

    def poll(self):
        return self.returncode


class StandInCluster(serve_cluster.Cluster):
    """A cluster whose replicas never start: each restart is recorded, each replica stays dead."""

    def __init__(self, tmp_path, replicas: int):
        self.log_dir = tmp_path
        self.replicas = [serve_cluster.Replica(f"r{i + 1}", 0, tmp_path / f"r{i + 1}.log") for i in range(replicas)]
        for replica in self.replicas:
            replica.proc = DeadProcess()
        self.started: list[str] = []

    def restart(self, replica, now=None):
        replica.restarts += 1
        replica.restart_times.append(now)
        self.started.append(replica.name)


def test_a_replica_that_keeps_dying_is_given_up_loudly_after_the_limit_in_a_minute(tmp_path, capsys):
    cluster = StandInCluster(tmp_path, 2)
    cluster.replicas[1].proc = None  # r2 is alive in this story: only r1 dies
    cluster.replicas[1].alive = lambda: True
    for second in range(serve_cluster.RESTARTS_PER_WINDOW + 1):
        serve_cluster.check_replicas(cluster, now=float(second))
    assert cluster.started == ["r1"] * serve_cluster.RESTARTS_PER_WINDOW
    assert cluster.replicas[0].given_up and not cluster.replicas[1].given_up
    err = capsys.readouterr().err
    assert "GIVING UP on replica r1" in err and "other replicas" in err
    assert "GIVING UP on replica r1" in (tmp_path / "supervisor.log").read_text()
    serve_cluster.check_replicas(cluster, now=1000.0)  # given up: never started again
    assert cluster.started.count("r1") == serve_cluster.RESTARTS_PER_WINDOW


def test_restarts_spread_over_time_are_never_given_up(tmp_path):
    cluster = StandInCluster(tmp_path, 1)
    spacing = serve_cluster.RESTART_WINDOW_S / (serve_cluster.RESTARTS_PER_WINDOW - 1) + 1
    for i in range(4 * serve_cluster.RESTARTS_PER_WINDOW):
        serve_cluster.check_replicas(cluster, now=i * spacing)
    assert not cluster.replicas[0].given_up and len(cluster.started) == 4 * serve_cluster.RESTARTS_PER_WINDOW
