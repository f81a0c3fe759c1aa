"""The store (cnnlab.store), the same tests on SQLite and on PostgreSQL (tests/databases.py).

The references: Keras' own predictions before saving, numpy's arrays as written, the rows counted back
from the database; never a copy of our own earlier output.
"""

from __future__ import annotations

import io
import multiprocessing
import secrets
import threading
from dataclasses import replace

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from cnnlab import architecture, limits, store_schema
from cnnlab import store as store_module
from cnnlab.layers import LayerSpec
from cnnlab.recipe import TrainConfig, evaluation_from_probs
from cnnlab.store import ModelRecord, StoreError
from cnnlab.training_history import EpochRecord, History

SMALL_STACK = architecture.with_uids((architecture.conv(4), architecture.pool(), LayerSpec("Flatten"),
                                      architecture.dense(10, "softmax")))


def learner() -> str:
    return secrets.token_hex(16)


def png_bytes(seed: int = 0) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (40, 40, 4), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def digit_image(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((28, 28), dtype=np.float32)


def history() -> History:
    return History(3, [2.3, 2.0, 1.5, 1.2, 1.0, 0.9], [0.1, 0.3, 0.5, 0.6, 0.7, 0.75], [0, 0, 0, 1, 1, 1],
                   [0, 1, 2, 0, 1, 2], [EpochRecord(1, 1.5, 0.5, None, None, 1.25, True),
                                        EpochRecord(2, float("nan"), 0.75, 0.8, 0.7, 1.5, True)])


def flat_record(stack=SMALL_STACK, **changes) -> ModelRecord:
    """A record whose weights are one flat array of the right size (enough for everything but restore_model)."""
    total = architecture.analyze(stack).total_params
    record = ModelRecord(stack, TrainConfig(epochs=2, batch_size=16), [np.arange(total, dtype=np.float32)],
                         history(), None, 2, False, "bundled", 48)
    return replace(record, **changes)


@pytest.fixture
def store(database_url):
    s = store_module.open_store(database_url)
    yield s
    s.close()


def rows_of(store, table: sa.Table, who: str) -> int:
    with store._engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table).where(
            (table.c.id if table is store_schema.learners else table.c.learner) == who)).scalar_one()


# ---------------------------------------------------------------- schema

def test_migrations_run_from_empty_to_the_tables_the_queries_use_and_again_change_nothing(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = store_schema.make_engine(database_url)
    assert store_schema.revision(engine) is None
    store_schema.upgrade(engine)
    store_schema.upgrade(engine)  # idempotent: a second replica starting finds it done
    assert store_schema.revision(engine) == "0002"
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), store_schema.metadata)
    assert differences == [], "the migrations and cnnlab/store_schema.py's tables differ"
    engine.dispose()


def test_an_unreachable_database_is_a_store_error_not_a_traceback(tmp_path):
    with pytest.raises(StoreError) as raised:
        store_module.open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert raised.value.reason == "unavailable"


# ---------------------------------------------------------------- models

def test_a_saved_model_predicts_exactly_as_before_also_after_the_store_is_opened_again(database_url):
    from cnnlab import recipe
    from cnnlab.data import load_mnist

    data = load_mnist()
    model = recipe.publishable_model(SMALL_STACK, TrainConfig())
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in model.get_weights()])
    images = data.x_test[:200]
    expected = recipe.test_probabilities(model, images)
    evaluation = evaluation_from_probs(expected, images, data.y_test[:200])
    record = replace(flat_record(), weights=model.get_weights(), evaluation=evaluation)
    who = learner()
    first = store_module.open_store(database_url)
    model_id = first.save_model(who, record)
    first.close()

    again = store_module.open_store(database_url)  # a new process would open it the same way
    info, loaded = again.load_model(who, model_id)
    again.close()
    restored = store_module.restore_model(loaded)
    np.testing.assert_array_equal(recipe.test_probabilities(restored, images), expected)
    assert loaded.stack == SMALL_STACK and loaded.config == record.config
    assert info.test_accuracy == evaluation.test_accuracy and info.params == architecture.analyze(SMALL_STACK).total_params
    np.testing.assert_array_equal(loaded.evaluation.confusion, evaluation.confusion)
    np.testing.assert_array_equal(loaded.evaluation.mistake_images, evaluation.mistake_images)
    assert loaded.evaluation.mistakes == evaluation.mistakes


def test_history_and_settings_come_back_as_saved_nan_included(store):
    who = learner()
    model_id = store.save_model(who, flat_record(stopped=True, name="first try"))
    info, loaded = store.load_model(who, model_id)
    assert loaded.history.batch_loss == history().batch_loss and loaded.history.batch_index == history().batch_index
    first, second = loaded.history.epochs
    assert first == history().epochs[0] and np.isnan(second.loss) and second.val_accuracy == 0.7
    assert (info.name, info.stopped, info.epochs_done, info.batch_size, info.train_samples) == ("first try", True, 2, 16, 48)
    np.testing.assert_array_equal(loaded.weights[0], flat_record().weights[0])


def test_a_learner_sees_only_their_own_models(store):
    owner, other = learner(), learner()
    model_id = store.save_model(owner, flat_record())
    assert store.list_models(other) == []
    with pytest.raises(StoreError, match="not_found"):
        store.load_model(other, model_id)
    assert store.delete_model(other, model_id) is False
    with pytest.raises(StoreError, match="not_found"):
        store.set_active_model(other, model_id)
    assert [m.id for m in store.list_models(owner)] == [model_id]


def test_the_active_model_is_kept_and_falls_back_to_the_shipped_one_when_deleted(store):
    who = learner()
    assert store.active_model_id(who) is None
    model_id = store.save_model(who, flat_record())
    store.set_active_model(who, model_id)
    assert store.active_model_id(who) == model_id
    assert store.delete_model(who, model_id) is True
    assert store.active_model_id(who) is None


def test_the_model_cap_removes_the_oldest_but_never_the_active_one(store):
    who = learner()
    ids = [store.save_model(who, flat_record(name=f"m{i}")) for i in range(limits.MAX_SAVED_MODELS)]
    store.set_active_model(who, ids[0])
    newer = [store.save_model(who, flat_record(name=f"n{i}")) for i in range(2)]
    kept = [m.id for m in store.list_models(who)]
    assert len(kept) == limits.MAX_SAVED_MODELS
    assert ids[0] in kept, "the model in use stays"
    assert ids[1] not in kept and ids[2] not in kept, "the oldest others go first"
    assert set(newer) <= set(kept)


@pytest.mark.parametrize("changes, reason", [
    ({"weights": [np.zeros(7, dtype=np.float32)]}, "bad_model"),  # not the stack's parameter count
    ({"weights": [np.array(["a"] * 10)]}, "bad_model"),
    ({"stack": (LayerSpec("Dense", units=10),)}, "bad_model"),  # Dense on an image: not a valid stack
    ({"name": "x" * (limits.MAX_NAME_CHARS + 1)}, "too_long"),
])
def test_a_bad_model_is_refused_and_nothing_is_written(store, changes, reason):
    who = learner()
    record = flat_record(**changes) if "stack" not in changes else replace(flat_record(), **changes)
    with pytest.raises(StoreError) as raised:
        store.save_model(who, record)
    assert raised.value.reason == reason
    assert rows_of(store, store_schema.models, who) == 0


def test_a_model_over_the_size_limit_is_refused_before_writing(store, monkeypatch):
    monkeypatch.setattr(limits, "MAX_MODEL_BYTES", 1000)
    who = learner()
    with pytest.raises(StoreError) as raised:
        store.save_model(who, flat_record())
    assert raised.value.reason == "too_large" and raised.value.values["limit"] == 1000
    assert rows_of(store, store_schema.models, who) == 0


# ---------------------------------------------------------------- drawings

def test_drawings_come_back_with_their_digit_png_and_image(store):
    who = learner()
    drawing_id = store.save_drawing(who, png_bytes(3), digit_image(3), 7)
    (saved,) = store.list_drawings(who)
    assert (saved.id, saved.digit, saved.png) == (drawing_id, 7, png_bytes(3))
    np.testing.assert_array_equal(saved.image, digit_image(3))
    assert store.delete_drawing(who, drawing_id) and store.list_drawings(who) == []


def test_the_drawing_cap_keeps_the_newest(store, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SAVED_DRAWINGS", 3)
    who = learner()
    ids = [store.save_drawing(who, png_bytes(i), digit_image(i), i) for i in range(5)]
    assert [d.id for d in store.list_drawings(who)] == ids[:1:-1]
    assert store.counts(who).drawings == 3


@pytest.mark.parametrize("png, image, digit, reason", [
    (b"GIF89a....", digit_image(), 1, "bad_drawing"),
    (png_bytes(), np.zeros((28, 27), dtype=np.float32), 1, "bad_drawing"),
    (png_bytes(), np.full((28, 28), np.nan, dtype=np.float32), 1, "bad_drawing"),
    (png_bytes(), digit_image(), 10, "bad_digit"),
    (png_bytes(), digit_image(), True, "bad_digit"),
    (png_bytes() + b"\0" * limits.MAX_DRAWING_PNG_BYTES, digit_image(), 1, "too_large"),
])
def test_a_bad_drawing_is_refused_and_nothing_is_written(store, png, image, digit, reason):
    who = learner()
    with pytest.raises(StoreError) as raised:
        store.save_drawing(who, png, image, digit)
    assert raised.value.reason == reason
    assert rows_of(store, store_schema.drawings, who) == 0


def test_a_learner_id_that_is_not_ours_is_refused(store):
    for bad in ("", "A" * 32, "../" * 11, "0" * 31, None):
        with pytest.raises(StoreError, match="bad_learner"):
            store.save_drawing(bad, png_bytes(), digit_image(), 1)


# ---------------------------------------------------------------- progress

def test_progress_counts_each_question_once_with_its_last_answer(store):
    who = learner()
    for page in ("conv", "conv", "pooling"):
        store.record_visit(who, page)
    store.record_answer(who, "conv", "q1", "3", False)
    store.record_answer(who, "conv", "q1", "4", True)
    store.record_answer(who, "conv", "q2", "valid", False)
    store.record_answer(who, "train", "q9", "adam", True)
    assert store.progress(who) == {"conv": store_module.PageProgress(2, 2, 1),
                                   "pooling": store_module.PageProgress(1, 0, 0),
                                   "train": store_module.PageProgress(0, 1, 1)}
    with pytest.raises(StoreError, match="too_long"):
        store.record_answer(who, "conv", "q3", "x" * (limits.MAX_ANSWER_CHARS + 1), False)
    store.reset_progress(who)
    assert store.progress(who) == {}


# ---------------------------------------------------------------- the training row

def test_a_lost_trainings_checkpoint_becomes_a_model(store):
    from cnnlab import store_codec

    who = learner()
    settings = store_codec.training_settings(SMALL_STACK, TrainConfig(epochs=3), "bundled", 48)
    store.training_started(who, "job1", settings, 3, "r1:100", "host")
    blob = store_codec.checkpoint_blob(flat_record().weights, history())
    assert store.training_update(who, "job1", "running", 2, checkpoint=(2, blob))
    assert not store.training_update(who, "job0", "running", 1), "an older job's update changes nothing"
    status = store.training_status(who)
    assert (status.state, status.replica, status.epochs_done, status.checkpoint_epoch) == ("running", "r1:100", 2, 2)
    model_id = store.keep_checkpoint(who, "job1")
    info, record = store.load_model(who, model_id)
    assert info.from_checkpoint and info.test_accuracy is None and record.epochs_done == 2 and record.stopped
    np.testing.assert_array_equal(record.weights[0], flat_record().weights[0])
    assert store.training_status(who) is None
    with pytest.raises(StoreError, match="not_found"):
        store.keep_checkpoint(who, "job1")


# ---------------------------------------------------------------- forget me

def test_forget_deletes_everything_of_the_learner_and_nothing_of_others(store):
    who, other = learner(), learner()
    for person in (who, other):
        model_id = store.save_model(person, flat_record())
        store.set_active_model(person, model_id)
        store.save_drawing(person, png_bytes(), digit_image(), 2)
        store.record_visit(person, "draw")
        store.record_answer(person, "draw", "q", "2", True)
        store.training_started(person, "j", {"x": 1}, 1, "r", "h")
    store.forget_learner(who)
    for table in (store_schema.learners, store_schema.models, store_schema.drawings, store_schema.page_visits,
                  store_schema.answers, store_schema.trainings):
        assert rows_of(store, table, who) == 0, table.name
        assert rows_of(store, table, other) == 1, table.name


# ---------------------------------------------------------------- many writers

def test_thirty_threads_writing_at_once_lose_nothing(store):
    shared, own = learner(), [learner() for _ in range(30)]
    acknowledged, errors = [], []

    def student(i: int) -> None:
        try:
            for k in range(2):
                acknowledged.append(("shared", store.save_drawing(shared, png_bytes(i), digit_image(i), k)))
                acknowledged.append(("own", store.save_drawing(own[i], png_bytes(i), digit_image(i), k)))
                store.record_answer(own[i], "conv", f"q{k}", "1", True)
            store.save_model(own[i], flat_record())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.list_drawings(shared)) == 60 == limits.MAX_SAVED_DRAWINGS
    assert {d.id for d in store.list_drawings(shared)} == {i for kind, i in acknowledged if kind == "shared"}
    assert all(store.counts(who) == store_module.SavedCounts(1, 2, 2) for who in own)


def _process_writer(url: str, who: str, count: int, queue) -> None:
    s = store_module.open_store(url)  # also races the other process through the migration
    ids = [s.save_drawing(who, png_bytes(k), digit_image(k), k % 10) for k in range(count)]
    queue.put(ids)
    s.close()


def test_two_processes_writing_to_one_database_lose_nothing(database_url):
    who = learner()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_process_writer, args=(database_url, who, 25, queue)) for _ in range(2)]
    for process in processes:
        process.start()
    acknowledged = queue.get(timeout=120) + queue.get(timeout=120)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    s = store_module.open_store(database_url)
    assert sorted(d.id for d in s.list_drawings(who)) == sorted(acknowledged) and len(acknowledged) == 50
    s.close()
