"""numpy's BLAS runs on the calling thread in every process that imports cnnlab (cnnlab/threads.py: limit_blas):
the server's sessions call small matrix products at once, and OpenBLAS's own threads would spin against each other.
The reference: threadpoolctl's report of the BLAS libraries loaded, in this process and in a fresh one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

REPORT = ("import json, threadpoolctl; "
          "print(json.dumps([i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']))")


def blas_threads_in_a_fresh_process(imports: str = "cnnlab, numpy", **env) -> list[int]:
    """The BLAS threads threadpoolctl reports in a new interpreter after `imports` (in that order)."""
    unset = ("CNNLAB_BLAS_THREADS", "OPENBLAS_NUM_THREADS")
    done = subprocess.run([sys.executable, "-c", f"import {imports}; {REPORT}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**{k: v for k, v in os.environ.items() if k not in unset}, **env})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_blas_numpy_loads_runs_on_one_thread_after_cnnlab_is_imported():
    import numpy  # noqa: F401 - threadpoolctl reports the libraries loaded
    import threadpoolctl

    import cnnlab  # noqa: F401

    found = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert found, "threadpoolctl finds numpy's BLAS (else the limit silently does nothing)"
    assert all(i["num_threads"] == 1 for i in found), found
    for imports in ("cnnlab, numpy", "numpy, cnnlab"):  # numpy loaded after cnnlab (a worker), or before (the server)
        fresh = blas_threads_in_a_fresh_process(imports)
        assert fresh and set(fresh) == {1}, (imports, fresh)
    assert blas_threads_in_a_fresh_process("numpy"), "without cnnlab: numpy's own default (the machine's cores)"


def test_an_operator_can_give_blas_more_threads():
    for imports in ("cnnlab, numpy", "numpy, cnnlab"):
        assert set(blas_threads_in_a_fresh_process(imports, CNNLAB_BLAS_THREADS="2")) == {2}
