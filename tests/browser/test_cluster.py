"""`make serve`: two replicas behind HAProxy, driven through the balancer by real Chromium sessions.

Every browser context here comes from 127.0.0.1, like a class behind one NAT address: only the
cookie HAProxy inserts (CNNLAB_REPLICA=r1|r2) keeps a browser on its replica. Which replica served
a response is in its X-Replica header; which replica holds a session's websocket is in HAProxy's
own statistics (open connections per server). One cluster serves the whole module; the test that
kills a replica runs last and starts it again.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, _free_port, _unavailable, wait_for_app
from tests.browser.test_draw import PREDICTION_VALUE, stroke


def _load_serve_cluster():
    spec = importlib.util.spec_from_file_location("serve_cluster", ROOT / "scripts" / "serve_cluster.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["serve_cluster"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


serve_cluster = _load_serve_cluster()
OTHER = {"r1": "r2", "r2": "r1"}


def haproxy_path() -> str:
    """HAProxy's executable; without it the test is skipped locally and fails in CI (CNNLAB_REQUIRE_BROWSER=1)."""
    path = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
    if path is None:
        _unavailable("haproxy is not installed (apt-get install haproxy)")
    return path


@pytest.fixture(scope="module")
def cluster(playwright_instance):
    haproxy_path()
    c = serve_cluster.Cluster(replicas=2, port=_free_port())
    c.start()
    yield c
    c.stop()


@pytest.fixture
def new_page(context_page):
    """Browser contexts (each its own cookie jar, all from 127.0.0.1); closed after the test."""

    def make(cluster, replica: str | None = None):
        page = context_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
        if replica is not None:  # a browser that was sent to `replica` before (HAProxy's cookie)
            page.context.add_cookies([{"name": serve_cluster.COOKIE, "value": replica, "url": cluster.url}])
        return page

    return make


def open_page(cluster, page, path: str) -> str:
    """Open a page through the balancer; returns the replica that answered (X-Replica header)."""
    response = page.goto(f"{cluster.url}/{path}?lang=en")
    wait_for_app(page)
    return response.headers["x-replica"]


def cookie_replica(page) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == serve_cluster.COOKIE), None)


def websockets_per_replica(cluster) -> dict[str, int]:
    return {row["svname"]: int(row["scur"]) for row in cluster.stats()}


def wait_for_websockets(cluster, expected: dict[str, int], timeout_s: float = 30) -> dict[str, int]:
    deadline = time.monotonic() + timeout_s
    while (seen := websockets_per_replica(cluster)) != expected and time.monotonic() < deadline:
        time.sleep(0.3)
    return seen


def move_filters_slider(page, to_value: int) -> None:
    """Arrow keys on the Conv2D filters slider, then wait for the server's new output shape."""
    thumb = page.locator(".st-key-conv_filters input[type='range']")
    current = int(thumb.get_attribute("aria-valuenow") or thumb.input_value())
    thumb.focus()
    for _ in range(abs(to_value - current)):
        thumb.press("ArrowRight" if to_value > current else "ArrowLeft")
    shape = page.locator("[data-testid='stMetricValue']")
    expect(shape.filter(has_text=f"(4, 26, 26, {to_value})")).to_have_count(1, timeout=60_000)


def test_two_browsers_from_one_ip_are_kept_on_their_own_replicas(cluster, new_page):
    first = new_page(cluster)
    landed = open_page(cluster, first, "conv")
    assert cookie_replica(first) == landed, "HAProxy's cookie names the replica that answered"

    second = new_page(cluster, replica=OTHER[landed])  # same IP; its cookie names the other replica
    assert open_page(cluster, second, "conv") == OTHER[landed]
    assert cookie_replica(second) == OTHER[landed]
    # each session's websocket is open on its own replica
    assert wait_for_websockets(cluster, {"r1": 1, "r2": 1}) == {"r1": 1, "r2": 1}
    for page in (first, second):
        expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_fresh_browsers_are_spread_over_the_replicas(cluster, new_page):
    landed = {open_page(cluster, new_page(cluster), "pooling") for _ in range(2)}
    assert landed == {"r1", "r2"}, "round robin: two new browsers in a row get two replicas"


def test_a_session_keeps_its_replica_across_reruns_pages_and_reloads(cluster, new_page):
    page = new_page(cluster)
    replica = open_page(cluster, page, "conv")
    for value in (3, 5, 4):  # three reruns over the session's websocket
        move_filters_slider(page, value)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="MaxPooling2D").click()
    wait_for_app(page)
    expect(page.locator("[data-testid='stMetricValue']").first).to_be_visible()
    assert wait_for_websockets(cluster, {replica: 1, OTHER[replica]: 0}) == {replica: 1, OTHER[replica]: 0}
    for path in ("conv", "draw"):  # new page loads: new requests, same replica
        assert open_page(cluster, page, path) == replica
    assert cookie_replica(page) == replica


def test_an_upload_and_a_drawing_work_through_the_balancer(cluster, new_page, tmp_path):
    from cnnlab.drawn_digits import drawn_digits

    page = new_page(cluster)
    open_page(cluster, page, "draw")
    canvas = page.locator("canvas.upper-canvas")
    expect(canvas).to_be_visible(timeout=90_000)  # a cold replica first imports TensorFlow
    value = page.locator(PREDICTION_VALUE)
    stroke(page, canvas, [(0.25, 0.22), (0.75, 0.22), (0.42, 0.82)])  # a 7 in one stroke
    expect(value).to_have_text("7", timeout=60_000)

    four = next(d for d in drawn_digits(40, seed=6) if d.label == 4)
    photo = (235 - four.image[..., 0].astype(np.int16) * 200 // 255).astype(np.uint8)  # dark ink, light paper
    path = tmp_path / "four.png"
    Image.fromarray(photo).save(path)
    page.get_by_text("Or upload a picture of a digit").click()  # open the expander
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))  # PUT /_stcore/upload_file
    expect(page.get_by_text("Reading the uploaded image “four.png”")).to_be_visible(timeout=60_000)
    expect(value).to_have_text("4", timeout=60_000)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_killing_one_replica_leaves_the_other_replicas_students_working(cluster, new_page):
    victim, survivor = cluster.replicas
    doomed = new_page(cluster, replica=victim.name)
    safe = new_page(cluster, replica=survivor.name)
    assert open_page(cluster, doomed, "conv") == victim.name
    assert open_page(cluster, safe, "conv") == survivor.name
    move_filters_slider(safe, 3)
    move_filters_slider(doomed, 7)

    os.kill(victim.proc.pid, signal.SIGKILL)
    victim.proc.wait(timeout=10)
    try:
        move_filters_slider(safe, 6)  # the survivor's student works on, undisturbed
        move_filters_slider(safe, 5)
        expect(safe.locator("[data-testid='stException']")).to_have_count(0)
        # the victim's student: its browser reconnects, HAProxy sends it to the survivor and re-cookies it,
        # and it works there (a new session; the settings in its URL come back, the rest starts fresh)
        deadline = time.monotonic() + 90
        while cookie_replica(doomed) != survivor.name and time.monotonic() < deadline:
            doomed.wait_for_timeout(500)
        assert cookie_replica(doomed) == survivor.name
        wait_for_app(doomed)
        move_filters_slider(doomed, 4)
        expect(doomed.locator("[data-testid='stException']")).to_have_count(0)
    finally:
        cluster.restart(victim)
        deadline = time.monotonic() + serve_cluster.HEALTHY_TIMEOUT_S
        while cluster.servers_up() < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
    assert cluster.servers_up() == 2, "the restarted replica is back in HAProxy's pool"


@pytest.mark.parametrize("cores", [1, 2, 3, 4, 8, 16, 64])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 8])
def test_replicas_trainings_together_fit_in_half_the_cores(cores, replicas):
    settings = serve_cluster.replica_settings(replicas, cores)
    slots, threads = int(settings["CNNLAB_MAX_TRAININGS"]), int(settings["CNNLAB_TF_THREADS"])
    assert slots >= 1 and threads >= 1
    # every replica can train; beyond that, all trainings at once use at most half the machine
    assert replicas * slots * threads <= max(replicas, cores // 2)
    if replicas <= cores // 2:
        assert replicas * slots * threads > cores // 2 - replicas, "and not far less"


def test_the_haproxy_config_names_every_replica_and_is_valid(tmp_path):
    haproxy = haproxy_path()
    cluster = serve_cluster.Cluster(replicas=3, port=_free_port())
    text = cluster.config_text()
    for replica in cluster.replicas:
        assert f"server {replica.name} 127.0.0.1:{replica.port} check cookie {replica.name}" in text
    assert f"cookie {serve_cluster.COOKIE} insert" in text and "option httpchk GET /_stcore/health" in text
    config = tmp_path / "haproxy.cfg"
    config.write_text(text)
    checked = subprocess.run([haproxy, "-c", "-f", str(config)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
