"""The store alone, SQLite and PostgreSQL side by side: a class's writes, their latency, and what one database holds.

Each backend gets the same load: --processes processes (replicas) with --learners learners between them,
each learner a thread that writes what a student writes in a lesson (7 page visits, 12 answers, 5 saved
drawings, 1 saved model of the chapter's 93,322 parameters) with the app's own cnnlab.store, all at once.
Printed per backend and operation: median and p95 latency, writes per second overall, lost writes
(acknowledged minus the rows counted afterwards), and the bytes the database grew by per model, per drawing
and per learner. From those, what one database holds: a learner at the caps (MAX_SAVED_MODELS models and
MAX_SAVED_DRAWINGS drawings) and 1,000 such learners.

PostgreSQL: --database-url (an empty database), else a throwaway cluster from Debian's binaries on
127.0.0.1 (the tests' tests/databases.py), removed afterwards. The numbers measure this machine's disk and
cores: the app's own threads are not running beside it.

Run:
  .venv/bin/python benchmarks/bench_store.py                 # SQLite and a throwaway PostgreSQL
  .venv/bin/python benchmarks/bench_store.py --learners 60 --processes 2
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VISITS, ANSWERS, DRAWINGS, MODELS = 7, 12, 5, 1  # one student's writes in one lesson


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _record():
    import numpy as np

    from cnnlab import architecture, store
    from cnnlab.recipe import TrainConfig
    from cnnlab.training_history import History

    stack = architecture.chapter_spec()
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=architecture.analyze(stack).total_params).astype(np.float32)]
    return store.ModelRecord(stack, TrainConfig(), weights, History(250), None, 5, False, "bundled", 8000)


def _drawing(seed: int):
    """A drawn digit as the app keeps it: the canvas' PNG and the 28x28 image the model reads."""
    import io

    from PIL import Image

    from cnnlab.drawn_digits import drawn_digits
    from cnnlab.preprocess import preprocess

    digit = drawn_digits(1, seed=seed)[0]
    buf = io.BytesIO()
    Image.fromarray(digit.image).save(buf, format="PNG")
    return buf.getvalue(), preprocess(digit.image), int(digit.label)


def one_replica(url: str, learners: list[str]) -> tuple[dict[str, list[float]], float]:
    """One process's learners, a thread each, all writing at once: seconds per write, by operation."""
    from cnnlab import store as store_module

    s = store_module.open_store(url)
    record, drawings = _record(), [_drawing(seed) for seed in range(DRAWINGS)]

    def lesson(who: str) -> dict[str, list[float]]:
        took: dict[str, list[float]] = {}

        def timed(op: str, f, *args) -> None:
            started = time.perf_counter()
            f(*args)
            took.setdefault(op, []).append(time.perf_counter() - started)

        for page in ("home", "sequences", "conv", "pooling", "model", "train", "draw"):
            timed("visit", s.record_visit, who, page)
            for q in range(ANSWERS // 6 if page != "home" else 0):
                timed("answer", s.record_answer, who, page, f"{page}-q{q}", "26", q % 2 == 0)
        for png, image, digit in drawings:
            timed("save drawing", s.save_drawing, who, png, image, digit)
        for _ in range(MODELS):
            timed("save model", s.save_model, who, record)
        return took

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(learners)) as pool:
        parts = list(pool.map(lesson, learners))
    writing_s = time.perf_counter() - started  # from the first write to the last, imports and setup excluded
    s.close()
    merged: dict[str, list[float]] = {}
    for part in parts:
        for op, seconds in part.items():
            merged.setdefault(op, []).extend(seconds)
    return merged, writing_s


def database_bytes(url: str) -> int:
    import sqlalchemy as sa

    if url.startswith("sqlite"):
        path = Path(sa.make_url(url).database)
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    from cnnlab import store_schema

    engine = store_schema.make_engine(url)
    with engine.connect() as conn:
        size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
    engine.dispose()
    return int(size)


def counted(url: str) -> dict[str, int]:
    import sqlalchemy as sa

    from cnnlab import store_schema

    engine = store_schema.make_engine(url)
    tables = store_schema.metadata.tables
    with engine.connect() as conn:
        rows = {name: conn.execute(sa.select(sa.func.count()).select_from(tables[name])).scalar_one()
                for name in ("models", "drawings")}
    engine.dispose()
    return rows


def measure(url: str, learners: int, processes: int) -> dict:
    from cnnlab import store as store_module

    store_module.open_store(url).close()  # the schema, before the clock starts
    base = database_bytes(url)
    ids = [secrets.token_hex(16) for _ in range(learners)]
    shares = [ids[i::processes] for i in range(processes)]
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(one_replica, [url] * processes, shares))
    wall = max(seconds for _, seconds in results)
    took: dict[str, list[float]] = {}
    for part, _ in results:
        for op, seconds in part.items():
            took.setdefault(op, []).extend(seconds)
    if url.startswith("postgresql"):
        _vacuum(url)
    grown = database_bytes(url) - base
    return {"took": took, "wall": wall, "rows": counted(url), "grown": grown, "learners": learners}


def _vacuum(url: str) -> None:
    """PostgreSQL's size counts dead tuples until vacuumed: measure what the rows take."""
    import sqlalchemy as sa

    engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM")
    engine.dispose()


def per_row_bytes(url_of, learners: int) -> tuple[float, float]:
    """Bytes one model and one drawing add, from two small fills of a fresh database each (models only, then
    drawings only), so neither is guessed from the other."""
    from cnnlab import store as store_module

    sizes = []
    for kind in ("model", "drawing"):
        url = url_of()
        s = store_module.open_store(url)
        if url.startswith("postgresql"):
            _vacuum(url)
        before = database_bytes(url)
        record, drawing = _record(), _drawing(0)
        for who in (secrets.token_hex(16) for _ in range(learners)):
            if kind == "model":
                s.save_model(who, record)
            else:
                s.save_drawing(who, *drawing)
        s.close()
        if url.startswith("postgresql"):
            _vacuum(url)
        sizes.append((database_bytes(url) - before) / learners)
    return sizes[0], sizes[1]


def report(name: str, result: dict, row_bytes: tuple[float, float]) -> None:
    from cnnlab import limits

    took, n = result["took"], result["learners"]
    writes = sum(len(v) for v in took.values())
    print(f"\n== {name}: {n} learners writing at once ({writes} writes in {result['wall']:.1f} s, "
          f"{writes / result['wall']:.0f} writes/s)")
    print(f"{'operation':16}{'n':>6}{'median':>10}{'p95':>10}")
    for op in ("visit", "answer", "save drawing", "save model"):
        v = took.get(op, [])
        print(f"{op:16}{len(v):>6}{statistics.median(v):>9.3f}s{pct(v, 0.95):>9.3f}s")
    rows = result["rows"]
    lost = (n * MODELS - rows["models"]) + (n * DRAWINGS - rows["drawings"])
    print(f"lost writes: {lost} (models {rows['models']}/{n * MODELS}, drawings {rows['drawings']}/{n * DRAWINGS})")
    model_b, drawing_b = row_bytes
    at_caps = limits.MAX_SAVED_MODELS * model_b + limits.MAX_SAVED_DRAWINGS * drawing_b
    print(f"bytes: {result['grown'] / n / 1e6:.2f} MB per learner of this lesson; one saved model "
          f"{model_b / 1e3:.0f} kB, one drawing {drawing_b / 1e3:.1f} kB")
    print(f"a learner at the caps ({limits.MAX_SAVED_MODELS} models, {limits.MAX_SAVED_DRAWINGS} drawings): "
          f"{at_caps / 1e6:.1f} MB; 1,000 such learners: {at_caps * 1000 / 1e9:.1f} GB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--processes", type=int, default=2, help="replicas writing at once (default 2)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a throwaway cluster)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="cnnlab-bench-store-"))
    made = iter(range(1000))

    def sqlite_url() -> str:
        return f"sqlite:///{folder / f'store{next(made)}.sqlite3'}"

    results = [("SQLite (WAL, one file)", sqlite_url)]
    server = None
    if args.database_url:
        results.append(("PostgreSQL", lambda: args.database_url))
    else:
        from tests.databases import ThrowawayPostgres, new_database, postgres_bin

        if postgres_bin() is None:
            print("PostgreSQL: not installed here (apt-get install postgresql), measured SQLite only")
        else:
            server = ThrowawayPostgres(postgres_bin(), fsync=True)
            results.append(("PostgreSQL (throwaway cluster on this disk)", lambda: new_database(server.url)))
    try:
        for name, url_of in results:
            result = measure(url_of(), args.learners, args.processes)
            report(name, result, per_row_bytes(url_of, 20))
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
