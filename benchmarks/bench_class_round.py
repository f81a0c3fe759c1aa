"""bench_classroom's class round (--class-round, issue 26): the largest class twice on one fresh store, side by side.

1. Without a class: the usual lesson, CLASS_DRAWS digits each.
2. With a class: a class created through cnnlab.store (as the Teacher page creates it), every student joined
   to it (their learner cookie known to the bench), each student sends each digit it draws to the class
   ("Send to my class", acknowledged by the page's success message) and records ANSWERS_PER_STUDENT check
   answers through cnnlab.store beside the class (as components.checks records them), while the teacher's
   view is open in a tab of its own: signed in with the key through its form, then following its live
   check (the fragment's auto-reruns every few seconds) as a browser does.

Printed: explorer and draw p95 with and without the class (target: within +10%), the teacher's live check
(nothing changed: no rebuild) and the teacher view's rerun when something changed (median, p95, count),
drawings acknowledged vs committed (target: 0 lost), the count the teacher's view showed last, answers
recorded. Runs only from bench_classroom.py (its Student, Lesson, servers).
"""

from __future__ import annotations

import asyncio
import secrets
import statistics
import time
from dataclasses import dataclass, field

from bench_classroom import (
    ANSWERS_PER_STUDENT,
    CLASS_DRAWS,
    InBackground,
    Lesson,
    SingleServer,
    Student,
    StudentLog,
    committed_rows,
    fmt,
    fresh_store,
    pct,
    replace_lesson,
    run_round,
    store_url,
    wait_until_warm,
)

ACTIONS = ("Conv2D slider", "MaxPooling2D slider", "draw -> prediction")
P95_TARGET = 1.10  # explorer/draw p95 with a class within +10% of the round without
QUIET_CHECKS = 3  # the teacher's live checks after the class stopped drawing: what a check costs when nothing changed


@dataclass
class TeacherLog:
    checks: list[float] = field(default_factory=list)  # live checks that found nothing new (no rebuild)
    rebuilds: list[float] = field(default_factory=list)  # live checks that reran the view (something changed)
    last_count: str | None = None  # the "Drawings" metric the view showed last
    errors: list[str] = field(default_factory=list)


def make_class(url: str, students: int) -> tuple[str, str, tuple[str, ...]]:
    """A class (join code, teacher key) with `students` learners joined, through cnnlab.store."""
    from cnnlab import store as store_module

    store = store_module.open_store(url)
    try:
        info, key = store.create_class(secrets.token_hex(16), "bench class")
        learners = tuple(secrets.token_hex(16) for _ in range(students))
        for who in learners:
            store.join_class(who, info.code, f"s{learners.index(who)}")
    finally:
        store.close()
    return info.code, key, learners


def answer_beside(url: str, learners: tuple[str, ...], stop_after: int) -> int:
    """Each student records `stop_after` check answers through cnnlab.store, spread over the round; how many."""
    from cnnlab import store as store_module

    store = store_module.open_store(url)
    pages = ("conv", "pooling", "draw")
    try:
        for n in range(stop_after):
            time.sleep(2.0)
            for i, who in enumerate(learners):
                store.record_answer(who, pages[n % 3], f"{pages[n % 3]}_q{n}", str(i), (i + n) % 3 != 0)
    finally:
        store.close()
    return stop_after * len(learners)


def teacher_view(url: str, code: str, key: str):
    """The coroutine run beside the class: the teacher signs in, then follows the live check until the end."""

    async def watch(class_done: asyncio.Event) -> TeacherLog:
        log, tab = TeacherLog(), Student(url, StudentLog())
        try:
            await tab.open("teacher")
            tab.hold("teacher_code", code)
            tab.hold("teacher_key", key)
            await tab.click("teacher sign-in", "teacher_open")
            quiet = 0
            while True:  # after the class is done: its last drawings are counted, then QUIET_CHECKS find nothing
                done = class_done.is_set()
                if tab.auto_rerun is None:
                    log.errors.append("teacher: no live check (auto-rerun) after sign-in")
                    break
                interval, fragment_id = tab.auto_rerun
                await asyncio.sleep(interval)
                tab.metrics = {}
                seconds = await tab.rerun("teacher live check", fragment_id=fragment_id, auto=True)
                (log.rebuilds if "Drawings" in tab.metrics else log.checks).append(seconds)
                log.last_count = tab.metrics.get("Drawings", log.last_count)
                quiet = quiet + 1 if done else 0
                if quiet > QUIET_CHECKS:
                    break
        except Exception as exc:  # noqa: BLE001 - reported, the class goes on
            log.errors.append(f"teacher: {type(exc).__name__}: {exc}")
        finally:
            await tab.close()
        log.errors += tab.log.errors
        return log

    return watch


def class_round(args, lesson: Lesson) -> list[str]:
    n = args.students[-1]
    trainers = min(n, args.trainers if args.trainers is not None else max(1, n // 10))
    where = fresh_store(args)
    url = store_url(where)
    server = SingleServer(env={"CNNLAB_DATA_DIR": str(where["data_dir"])} if "data_dir" in where
                          else {"CNNLAB_DATABASE_URL": str(where["database_url"])})
    lesson = replace_lesson(lesson, draws=CLASS_DRAWS)
    try:
        wait_until_warm(server, time.monotonic())
        print(f"class round: {n} students ({trainers} training), without a class ...", flush=True)
        plain = run_round(server, n, trainers, lesson, args.settle)
        code, key, learners = make_class(url, n)
        before = committed_rows(url, "class_drawings")
        print(f"class round: {n} students sending {CLASS_DRAWS} drawings each to class {code}, teacher view open ...",
              flush=True)
        with InBackground(answer_beside, url, learners, ANSWERS_PER_STUDENT) as answers:
            with_class = run_round(server, n, trainers, replace_lesson(lesson, send_class=True, learners=learners),
                                   args.settle, beside=teacher_view(server.url, code, key))
            answered = answers.result()
        committed = committed_rows(url, "class_drawings") - before
    finally:
        server.stop()
    return print_class_round(plain, with_class, committed, answered)


def print_class_round(plain, with_class, committed: int, answered: int) -> list[str]:
    teacher: TeacherLog = with_class.beside
    print(f"\n== class round, N = {with_class.students} students ({with_class.trainers} training), "
          f"{CLASS_DRAWS} drawings each sent to the class, the teacher's view open")
    print(f"{'':30}{'no class':>14}{'class':>14}{'ratio':>10}")
    misses = []
    for action in ACTIONS:
        a, b = plain.latencies.get(action), with_class.latencies.get(action)
        ratio = pct(b, 0.95) / pct(a, 0.95) if a and b else None
        if ratio is not None and ratio > P95_TARGET:
            misses.append(f"{action} p95 {ratio:.2f}x")
        print(f"{action + ' p95':30}{fmt(pct(a, 0.95) if a else None, ' s'):>14}{fmt(pct(b, 0.95) if b else None, ' s'):>14}"
              f"{'—' if ratio is None else f'{ratio:.2f}x':>10}")
    sent = with_class.latencies.get("send to class")
    print(f"{'send to class p95':30}{'—':>14}{fmt(pct(sent, 0.95) if sent else None, ' s'):>14}")
    for label, values in (("teacher live check, unchanged", teacher.checks),
                          ("teacher view rerun, changed", teacher.rebuilds)):
        print(f"{label:30} median {fmt(statistics.median(values) if values else None, ' s')}, "
              f"p95 {fmt(pct(values, 0.95) if values else None, ' s')} ({len(values)} runs)")
    lost = with_class.class_sent - committed
    print(f"drawings sent: {with_class.class_sent} acknowledged, {committed} committed: {lost} lost; "
          f"the teacher's view showed {teacher.last_count} last")
    print(f"check answers recorded beside the class: {answered}")
    print(f"client errors / tracebacks: no class {len(plain.errors)} / {plain.tracebacks}, class "
          f"{len(with_class.errors) + len(teacher.errors)} / {with_class.tracebacks}")
    for error in (with_class.errors + teacher.errors)[:10]:
        print(f"  {error}")
    print(f"class round targets: {'all met' if not misses and not lost else 'MISSED: ' + '; '.join(misses)}")
    failed = [f"class round: {lost} drawings lost"] if lost else []
    failed += [f"class round: {len(with_class.errors) + len(teacher.errors)} client errors"] if (
        with_class.errors or teacher.errors or with_class.tracebacks) else []
    return failed
