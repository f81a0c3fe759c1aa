"""`make serve` with one store: two replicas on one SQLite file, and two on one PostgreSQL. What a learner saved
through one replica (a trained model, a drawing) is read through the other, and stays when the first is
killed with -9 and its learner lands on the survivor."""

from __future__ import annotations

import os
import re
import signal
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _free_port, set_slider
from tests.browser.test_cluster import cookie_replica, haproxy_path, open_page, serve_cluster
from tests.browser.test_draw import PREDICTION_VALUE, stroke
from tests.databases import new_database

LEARNER_COOKIE = "cnnlab_learner"  # components.learner.COOKIE


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_cluster(request, playwright_instance, tmp_path_factory):
    haproxy_path()
    if request.param == "postgresql":
        where = {"database_url": new_database(request.getfixturevalue("postgres_server"))}
    else:
        where = {"data_dir": tmp_path_factory.mktemp("cluster-store")}
    cluster = serve_cluster.Cluster(replicas=2, port=_free_port(), **where)
    cluster.start()
    yield cluster
    cluster.stop()


def _browser_on(browser, cluster, replica: str, cookies: list | None = None):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.add_cookies([{"name": serve_cluster.COOKIE, "value": replica, "url": cluster.url}, *(cookies or [])])
    page = context.new_page()
    page.set_default_timeout(90_000)
    return context, page


def _train_a_small_model(cluster, page) -> str:
    open_page(cluster, page, "train")
    for label in ("Epochs", "Batch size", "Training data used"):  # 1 epoch, batch 8, 5% of the digits
        set_slider(page, label)
    page.get_by_role("button", name="Start training").click()
    saved = page.get_by_text(re.compile(r"Saved to your models as #\d+"))
    expect(saved).to_be_visible(timeout=240_000)  # a cold replica's worker imports TensorFlow first
    return re.search(r"#(\d+)", saved.inner_text()).group(0)


def _save_a_drawing(cluster, page) -> None:
    open_page(cluster, page, "draw")
    canvas = page.locator("canvas.upper-canvas")
    expect(canvas).to_be_visible()
    stroke(page, canvas, [(0.25, 0.22), (0.75, 0.22), (0.42, 0.82)])  # a 7 in one stroke
    expect(page.locator(PREDICTION_VALUE)).to_have_text(re.compile(r"\d"))
    page.get_by_role("button", name="Save this drawing").click()
    expect(page.get_by_text(re.compile(r"Saved, as a \d\."))).to_be_visible()


def _sees_the_saved_work(cluster, page, model: str) -> None:
    open_page(cluster, page, "train")
    expect(page.get_by_text(f"{model} ·", exact=False).first).to_be_visible()
    expect(page.get_by_text("1 of 10 kept", exact=False)).to_be_visible()
    open_page(cluster, page, "draw")
    expect(page.get_by_text("Your saved drawings (1 of 60)")).to_be_visible()


def test_work_saved_through_one_replica_is_read_through_the_other_and_survives_its_kill(store_cluster, browser):
    first, second = store_cluster.replicas
    contexts = []
    try:
        context, page = _browser_on(browser, store_cluster, first.name)
        contexts.append(context)
        model = _train_a_small_model(store_cluster, page)
        _save_a_drawing(store_cluster, page)
        learner = [c for c in context.cookies() if c["name"] == LEARNER_COOKIE]
        assert len(learner) == 1

        other_context, other = _browser_on(browser, store_cluster, second.name, learner)  # the same learner
        contexts.append(other_context)
        _sees_the_saved_work(store_cluster, other, model)
        assert cookie_replica(other) == second.name

        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait(timeout=10)
        deadline = time.monotonic() + 90
        while cookie_replica(page) != second.name and time.monotonic() < deadline:
            page.wait_for_timeout(500)  # its browser reconnects; HAProxy sends it to the survivor
        assert cookie_replica(page) == second.name
        _sees_the_saved_work(store_cluster, page, model)
        for p in (page, other):
            expect(p.locator("[data-testid='stException']")).to_have_count(0)
    finally:
        for context in contexts:
            context.close()
        if not first.alive():
            store_cluster.restart(first)
