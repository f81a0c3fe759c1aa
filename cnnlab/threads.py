"""How much of the machine trainings may use: the number of training slots and TensorFlow's threads.

One server holds a class: while students train, every other page must stay responsive. So

- `max_trainings()`: trainings that run at once (the rest wait in the queue, see cnnlab.training).
  $CNNLAB_MAX_TRAININGS, else 1 on a machine with 1-2 cores and half the cores above that.
- `tf_threads()`: threads one training's TensorFlow ops may use. $CNNLAB_TF_THREADS, else the cores
  left for trainings (half of them) shared between the slots, at least 1.

TensorFlow's thread pools are process-wide and fixed when its runtime starts (the first op), not per
model or per thread, so they are sized once per process: each op uses at most `tf_threads()` threads
(intra-op pool) and at most `max_trainings()` graphs run side by side (inter-op pool). `configure_tensorflow()`
runs when `cnnlab` is imported, before any of our code imports TensorFlow: it sets TensorFlow's own
environment variables TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS (read when its runtime starts; an
operator's own values win) or, if TensorFlow is already loaded, calls tf.config.threading while that still
works. Every training (the Train page's and the Sequences page's experiment) runs in a worker process
(cnnlab.trainer_worker, one per slot), which inherits those variables; the server's own pools serve the
models the pages call (drawing, the explorers, the published copy of a model in training).

`limit_blas()`: numpy's BLAS (OpenBLAS) runs on the calling thread only ($CNNLAB_BLAS_THREADS to change it). The
server's matrix products are small (a drawing's features against the caution's 4,000 reference digits) and come
from many sessions' threads at once; OpenBLAS's own threads then spin against each other and against
TensorFlow's (benchmarks/bench_blas.py measures it), while one thread finishes each product in a fraction of a ms.
"""

from __future__ import annotations

import logging
import os
import sys

ENV_MAX_TRAININGS = "CNNLAB_MAX_TRAININGS"
ENV_TF_THREADS = "CNNLAB_TF_THREADS"
ENV_BLAS_THREADS = "CNNLAB_BLAS_THREADS"
OPENBLAS_ENV = "OPENBLAS_NUM_THREADS"
TF_INTRA_ENV, TF_INTER_ENV = "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"

logger = logging.getLogger(__name__)


def cpu_count() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _positive_env(name: str) -> int | None:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return None
    return value if value >= 1 else None


def max_trainings(cores: int | None = None) -> int:
    """$CNNLAB_MAX_TRAININGS if a positive integer; else 1 for up to 2 cores, half the cores above."""
    cores = cpu_count() if cores is None else cores
    return _positive_env(ENV_MAX_TRAININGS) or (1 if cores <= 2 else cores // 2)


def tf_threads(cores: int | None = None) -> int:
    """$CNNLAB_TF_THREADS if a positive integer; else half the cores shared by the slots, at least 1."""
    cores = cpu_count() if cores is None else cores
    return _positive_env(ENV_TF_THREADS) or max(1, (cores // 2) // max_trainings(cores))


def configure_tensorflow() -> tuple[int, int]:
    """Size TensorFlow's process-wide pools (intra-op, inter-op) before its runtime starts; returns them."""
    intra, inter = tf_threads(), max_trainings()
    if "tensorflow" not in sys.modules:
        os.environ.setdefault(TF_INTRA_ENV, str(intra))
        os.environ.setdefault(TF_INTER_ENV, str(inter))
        return int(os.environ[TF_INTRA_ENV]), int(os.environ[TF_INTER_ENV])
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(intra)
        tf.config.threading.set_inter_op_parallelism_threads(inter)
    except RuntimeError:  # the runtime already started: its pools stay as they are
        logger.warning("TensorFlow started before cnnlab: its thread pools keep their sizes", exc_info=True)
    return intra, inter


def limit_blas() -> int:
    """Keep numpy's BLAS to $CNNLAB_BLAS_THREADS threads (default 1), process-wide, from now on; returns it.

    Before numpy is loaded, OpenBLAS's own variable says it (read when numpy loads it: a training worker
    starts no thread before it lowers its priority, and passes it on); after, threadpoolctl sets it."""
    count = _positive_env(ENV_BLAS_THREADS) or 1
    if "numpy" not in sys.modules:
        os.environ[OPENBLAS_ENV] = str(count)
        return count
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=count, user_api="blas")
    return count
