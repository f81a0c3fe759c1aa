import threading

import numpy as np
import pytest

from cnnlab import data


def test_bundled_set_has_mnist_shapes_and_dtypes():
    d = data.load_bundled()
    assert d.source == "bundled" and not d.is_full
    assert d.x_train.shape == (8000, 28, 28) and d.x_test.shape == (2000, 28, 28)
    assert d.x_train.dtype == np.uint8 and d.y_train.dtype == np.uint8
    assert d.x_train.max() == 255 and d.x_train.min() == 0
    assert set(np.unique(d.y_train)) == set(range(10))


def test_bundled_split_is_stratified():
    d = data.load_bundled()
    train_share = d.class_counts("train") / len(d.y_train)
    test_share = d.class_counts("test") / len(d.y_test)
    # Each class has the same share in both parts (to rounding of one digit).
    assert np.abs(train_share - test_share).max() < 0.002
    assert d.class_counts("train").min() > 600


def test_train_and_test_do_not_share_images():
    d = data.load_bundled()
    train = {x.tobytes() for x in d.x_train}
    shared = sum(x.tobytes() in train for x in d.x_test)
    assert shared <= 2  # MNIST itself holds a couple of exact duplicates


def _write_mnist(path, n_train, n_test):
    rng = np.random.default_rng(0)
    np.savez(path,
             x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, n_train, dtype=np.uint8),
             x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, n_test, dtype=np.uint8))


def test_full_mnist_from_keras_cache_is_used_when_valid(tmp_path):
    path = tmp_path / "mnist.npz"
    _write_mnist(path, data.FULL_TRAIN, data.FULL_TEST)
    d = data.load_mnist(path)
    assert d.source == "keras" and d.is_full and len(d.x_train) == 60_000


def test_broken_or_partial_cache_falls_back_to_bundled(tmp_path):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip file")
    assert data.load_mnist(broken).source == "bundled"
    partial = tmp_path / "partial.npz"
    _write_mnist(partial, 100, 10)
    assert data.load_mnist(partial).source == "bundled"
    assert data.load_mnist(tmp_path / "missing.npz").source == "bundled"


def test_keras_cache_path_honours_keras_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert data.keras_cache_path() == tmp_path / "datasets" / "mnist.npz"


@pytest.fixture(scope="module")
def full_mnist_source(tmp_path_factory):
    """A valid full-size MNIST file to download from (file:// URL) and its SHA-256."""
    import hashlib

    path = tmp_path_factory.mktemp("mirror") / "mnist.npz"
    _write_mnist(path, data.FULL_TRAIN, data.FULL_TEST)
    return path.as_uri(), hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_writes_the_checked_file_into_the_cache(tmp_path, full_mnist_source):
    url, sha = full_mnist_source
    target = tmp_path / "datasets" / "mnist.npz"
    assert data.download_full_mnist(target, url=url, sha256=sha) == target
    assert data.load_mnist(target).is_full
    assert sorted(p.name for p in target.parent.iterdir()) == ["mnist.npz", "mnist.npz.lock"]  # no part left


def test_concurrent_downloads_leave_one_valid_file(tmp_path, full_mnist_source):
    url, sha = full_mnist_source
    target = tmp_path / "mnist.npz"
    errors = []

    def run():
        try:
            data.download_full_mnist(target, url=url, sha256=sha)
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    workers = [threading.Thread(target=run) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == [] and data.load_mnist(target).is_full
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_concurrent_download_scripts_in_separate_processes(tmp_path, full_mnist_source):
    """The file lock holds across processes: two operators (or two cron jobs) at once."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    url, _sha = full_mnist_source
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, KERAS_HOME=str(tmp_path))
    code = (f"import sys; sys.path.insert(0, {str(root)!r}); from cnnlab import data; "
            f"data.download_full_mnist(url={url!r}, sha256=None)")
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env) for _ in range(3)]
    assert [p.wait(300) for p in procs] == [0, 0, 0]
    assert data.load_mnist(tmp_path / "datasets" / "mnist.npz").is_full


def test_a_failed_or_wrong_download_leaves_the_cache_as_it_was(tmp_path, full_mnist_source):
    url, _sha = full_mnist_source
    target = tmp_path / "mnist.npz"
    _write_mnist(target, 100, 10)  # what was there before (not full: a download is attempted)
    before = target.read_bytes()
    with pytest.raises(data.DownloadError, match="SHA-256"):
        data.download_full_mnist(target, url=url, sha256="0" * 64)
    with pytest.raises(data.DownloadError):
        data.download_full_mnist(target, url=(tmp_path / "missing.npz").as_uri(), timeout_s=5)
    assert target.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_download_script_reports_failure_without_a_traceback(monkeypatch, tmp_path, caplog):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "download_mnist.py"
    spec = importlib.util.spec_from_file_location("download_mnist", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert module.main(["--url", (tmp_path / "nowhere.npz").as_uri(), "--timeout", "5"]) == 1
    assert not (tmp_path / "datasets" / "mnist.npz").exists()
    failures = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage().split(":")[0] for r in failures] == ["download failed, nothing changed"]
    assert not any(r.exc_info for r in caplog.records)  # a message, no traceback
