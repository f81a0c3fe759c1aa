"""Classes in the store (cnnlab.store_classes through cnnlab.store.Store), on SQLite and PostgreSQL.

The references: the rows counted back from the database, numpy's arrays as written, hashlib's scrypt.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from cnnlab import limits, store_classes, store_schema
from cnnlab import store as store_module
from cnnlab.store import StoreError
from tests.unit.test_store import digit_image, flat_record, png_bytes


def learner() -> str:
    return secrets.token_hex(16)


@pytest.fixture
def store(database_url):
    s = store_module.open_store(database_url)
    yield s
    s.close()


def make_class(store, name="4-2 science"):
    info, key = store.create_class(learner(), name)
    return info, key


def test_a_class_has_a_short_unambiguous_code_and_only_the_keys_hash_is_kept(store):
    info, key = make_class(store)
    assert len(info.code) == 6 and set(info.code) <= set(limits.CLASS_CODE_ALPHABET)
    assert not set(info.code) & set("01OIL")
    with store._engine.connect() as conn:
        row = conn.execute(sa.select(store_schema.classes).where(store_schema.classes.c.id == info.id)).one()
    assert key.encode() not in bytes(row.key_hash) and key not in str(tuple(row))
    assert bytes(row.key_hash) == hashlib.scrypt(key.encode(), salt=bytes(row.key_salt), n=2 ** 14, r=8, p=1,
                                                 dklen=32)
    other, _ = make_class(store)
    with store._engine.connect() as conn:
        other_salt = conn.execute(sa.select(store_schema.classes.c.key_salt).where(
            store_schema.classes.c.id == other.id)).scalar_one()
    assert bytes(row.key_salt) != bytes(other_salt)


def test_the_teacher_key_opens_its_class_and_nothing_else_does(store):
    info, key = make_class(store)
    other, other_key = make_class(store)
    assert store.class_with_key(info.code, key).id == info.id
    assert store.class_with_key(info.code.lower(), f" {key} ").id == info.id  # typed loosely
    assert store.class_with_key(info.code, other_key) is None
    assert store.class_with_key(info.code, key[:-1]) is None
    assert store.class_with_key("ZZZZZZ" if info.code != "ZZZZZZ" else "YYYYYY", key) is None
    assert store.class_with_key(info.code, "x" * 10_000) is None


def test_creating_classes_is_rate_limited_per_creator(store, monkeypatch):
    monkeypatch.setattr(limits, "CLASSES_PER_LEARNER_PER_HOUR", 2)
    teacher = learner()
    store.create_class(teacher, "a")
    store.create_class(teacher, "b")
    with pytest.raises(StoreError) as refused:
        store.create_class(teacher, "c")
    assert refused.value.reason == "class_rate"
    store.create_class(learner(), "another teacher")


def test_students_join_with_the_code_and_a_join_code_reads_nothing(store):
    info, _ = make_class(store)
    ana, ben = learner(), learner()
    joined = store.join_class(ana, info.code.lower(), "  Ana\x00  ")
    assert (joined.class_id, joined.nickname, joined.model_id) == (info.id, "Ana", None)
    store.join_class(ben, info.code)
    assert store.membership(ben).nickname == ""
    with pytest.raises(StoreError) as unknown:
        store.join_class(learner(), "ABCDEF" if info.code != "ABCDEF" else "ABCDEG")
    assert unknown.value.reason == "not_found"
    with pytest.raises(StoreError) as long_name:
        store.join_class(learner(), info.code, "n" * (limits.NICKNAME_MAX_CHARS + 1))
    assert long_name.value.reason == "too_long"
    # what a student can reach with a code: their own membership, never the class's drawings or members
    assert set(store_module.Membership.__dataclass_fields__) == {"class_id", "code", "name", "nickname", "joined",
                                                                 "model_id"}
    store.leave_class(ana)
    assert store.membership(ana) is None and [m.learner for m in store.class_members(info.id)] == [ben]


def test_drawings_sent_to_the_class_come_back_with_digit_png_image_and_nickname(store):
    info, _ = make_class(store)
    ana, ben, outsider = learner(), learner(), learner()
    store.join_class(ana, info.code, "Ana")
    store.join_class(ben, info.code, "Ben")
    sent = {store.send_class_drawing(ana, png_bytes(1), digit_image(1), 7): (ana, "Ana", 7, 1),
            store.send_class_drawing(ben, png_bytes(2), digit_image(2), 3): (ben, "Ben", 3, 2)}
    with pytest.raises(StoreError) as not_member:
        store.send_class_drawing(outsider, png_bytes(3), digit_image(3), 1)
    assert not_member.value.reason == "not_member"
    drawings = store.class_drawings(info.id)
    assert [d.id for d in drawings] == sorted(sent)
    for d in drawings:
        who, nickname, digit, seed = sent[d.id]
        assert (d.learner, d.nickname, d.digit, d.png) == (who, nickname, digit, png_bytes(seed))
        np.testing.assert_array_equal(d.image, digit_image(seed))
    assert {m.nickname: m.drawings for m in store.class_members(info.id)} == {"Ana": 1, "Ben": 1}
    assert store.sent_count(ana) == 1
    # a student's own saved drawings are a different list
    assert store.list_drawings(ana) == []


def test_a_student_cannot_flood_the_class(store, monkeypatch):
    info, _ = make_class(store)
    ana = learner()
    store.join_class(ana, info.code)
    for i in range(limits.CLASS_DRAWINGS_PER_MINUTE):
        store.send_class_drawing(ana, png_bytes(i), digit_image(i), i % 10)
    with pytest.raises(StoreError) as minute:
        store.send_class_drawing(ana, png_bytes(99), digit_image(99), 1)
    assert minute.value.reason == "class_rate_minute"
    assert len(store.class_drawings(info.id)) == limits.CLASS_DRAWINGS_PER_MINUTE
    per_minute = limits.CLASS_DRAWINGS_PER_MINUTE
    monkeypatch.setattr(limits, "CLASS_DRAWINGS_PER_MINUTE", 1000)
    monkeypatch.setattr(limits, "CLASS_DRAWINGS_PER_STUDENT", per_minute + 1)
    store.send_class_drawing(ana, png_bytes(7), digit_image(7), 1)
    with pytest.raises(StoreError) as student:
        store.send_class_drawing(ana, png_bytes(8), digit_image(8), 1)
    assert student.value.reason == "class_student_full"
    monkeypatch.setattr(limits, "CLASS_DRAWINGS_PER_STUDENT", 1000)
    monkeypatch.setattr(limits, "CLASS_MAX_DRAWINGS", len(store.class_drawings(info.id)))
    ben = learner()
    store.join_class(ben, info.code)
    with pytest.raises(StoreError) as whole:
        store.send_class_drawing(ben, png_bytes(9), digit_image(9), 1)
    assert whole.value.reason == "class_drawings_full"


def test_a_bad_drawing_is_refused_before_anything_is_written(store):
    info, _ = make_class(store)
    ana = learner()
    store.join_class(ana, info.code)
    for png, image, digit in ((b"GIF89a", digit_image(), 1), (png_bytes(), np.zeros((27, 28), np.float32), 1),
                              (png_bytes(), digit_image(), 10)):
        with pytest.raises(StoreError):
            store.send_class_drawing(ana, png, image, digit)
    assert store.class_drawings(info.id) == []


def test_the_class_version_changes_with_drawings_members_answers_and_the_model(store):
    info, _ = make_class(store)
    ana = learner()
    first = store.class_version(info.id)
    store.join_class(ana, info.code)
    joined = store.class_version(info.id)
    assert joined != first and joined.members == 1
    store.send_class_drawing(ana, png_bytes(), digit_image(), 4)
    sent = store.class_version(info.id)
    assert sent.drawings == 1 and sent != joined
    store.record_answer(ana, "conv", "conv.shape", "3", True)
    answered = store.class_version(info.id)
    assert answered.last_answer > 0 and answered != sent
    assert store.class_version(info.id) == answered  # nothing new: the same version


def test_questions_count_members_last_answers_since_they_joined(store):
    info, _ = make_class(store)
    ana, ben, outsider = learner(), learner(), learner()
    store.record_answer(ana, "conv", "conv.shape", "1", False)  # before joining: not the class's
    store.join_class(ana, info.code)
    store.join_class(ben, info.code)
    store.record_answer(ana, "conv", "conv.shape", "2", False)
    store.record_answer(ana, "conv", "conv.shape", "3", True)  # the last one counts
    store.record_answer(ben, "conv", "conv.shape", "2", False)
    store.record_answer(ben, "pooling", "pool.shape", "2", False)
    store.record_answer(outsider, "pooling", "pool.shape", "2", False)
    stats = {(s.page, s.question_id): (s.students, s.wrong) for s in store.class_questions(info.id)}
    assert stats == {("conv", "conv.shape"): (2, 1), ("pooling", "pool.shape"): (1, 1)}


def test_the_teacher_deletes_a_drawing_a_students_drawings_or_the_whole_class(store):
    info, _ = make_class(store)
    keep, _ = make_class(store)
    ana, ben, carl = learner(), learner(), learner()
    for who in (ana, ben):
        store.join_class(who, info.code)
    store.join_class(carl, keep.code)
    ids = [store.send_class_drawing(who, png_bytes(i), digit_image(i), i) for i, who in enumerate((ana, ana, ben))]
    other = store.send_class_drawing(carl, png_bytes(5), digit_image(5), 5)
    assert store.delete_class_drawing(keep.id, ids[2]) == 0  # another class's drawing: untouched
    assert store.delete_class_drawing(info.id, ids[2]) == 1
    assert store.delete_student_drawings(info.id, ana) == 2
    assert store.class_drawings(info.id) == []
    store.send_class_drawing(ben, png_bytes(7), digit_image(7), 7)
    model_id = store.save_class_model(info.id, flat_record(), {"held_before": 0.5})
    store.set_class_model(info.id, model_id)
    store.delete_class(info.id)
    with store._engine.connect() as conn:
        for table in (store_schema.class_drawings, store_schema.class_members):
            assert conn.execute(sa.select(sa.func.count()).select_from(table).where(
                table.c.class_id == info.id)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(store_schema.models).where(
            store_schema.models.c.learner == info.owner)).scalar_one() == 0
    assert store.membership(ana) is None
    assert [d.id for d in store.class_drawings(keep.id)] == [other] and store.membership(carl).class_id == keep.id
    store.delete_class(info.id)  # twice: nothing to do


def test_a_class_without_activity_for_the_retention_period_is_deleted(store, monkeypatch):
    old, _ = make_class(store)
    fresh, _ = make_class(store)
    with store._engine.connect() as conn, conn.begin():
        conn.execute(sa.update(store_schema.classes).where(store_schema.classes.c.id == old.id)
                     .values(active=store_module._now() - timedelta(days=31)))
    monkeypatch.delenv(store_classes.ENV_RETENTION_DAYS, raising=False)
    assert store_classes.retention_days() == limits.CLASS_RETENTION_DAYS == 30
    assert store.delete_expired_classes() == 1
    with pytest.raises(StoreError):
        store.class_info(old.id)
    assert store.class_info(fresh.id).code == fresh.code
    monkeypatch.setenv(store_classes.ENV_RETENTION_DAYS, "0.00001")  # about a second
    assert store_classes.retention_days() == pytest.approx(0.00001)
    monkeypatch.setenv(store_classes.ENV_RETENTION_DAYS, "soon")
    assert store_classes.retention_days() == 30


def test_the_class_model_is_offered_to_its_members(store):
    info, _ = make_class(store)
    ana = learner()
    store.join_class(ana, info.code)
    assert store.class_model(info.id) is None
    model_id = store.save_class_model(info.id, flat_record(name="class"), {"held_before": 0.5, "held_after": 0.9})
    assert store.membership(ana).model_id is None  # saved, not yet the class's model
    store.set_class_model(info.id, model_id)
    assert store.membership(ana).model_id == model_id
    model_info, record = store.class_model(info.id)
    assert model_info.id == model_id and record.name == "class"
    assert store.fine_tune_numbers(info.id) == {"held_before": 0.5, "held_after": 0.9, "model_id": model_id}
    with pytest.raises(StoreError):
        store.set_class_model(info.id, 10 ** 6)


def test_thirty_students_sending_at_once_lose_nothing(store):
    info, _ = make_class(store)
    students = [learner() for _ in range(30)]
    for who in students:
        store.join_class(who, info.code)
    errors = []

    def send(who: str, seed: int) -> None:
        try:
            for i in range(3):
                store.send_class_drawing(who, png_bytes(seed), digit_image(seed), (seed + i) % 10)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(who, n)) for n, who in enumerate(students)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.class_version(info.id).drawings == 90 == len(store.class_drawings(info.id))


def test_backoff_refuses_the_next_try_for_a_growing_while_and_a_right_one_clears_it(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(store_classes.time, "monotonic", lambda: clock[0])
    backoff = store_classes.Backoff(first_s=1.0, max_s=4.0)
    who = learner()
    assert backoff.wait_s(who) == 0
    assert [backoff.failed(who) for _ in range(4)] == [1.0, 2.0, 4.0, 4.0]
    assert backoff.wait_s(who) == 4.0 and backoff.wait_s(learner()) == 0
    clock[0] += 4.5
    assert backoff.wait_s(who) == 0
    backoff.succeeded(who)
    assert backoff.failed(who) == 1.0
