"""The store's part for classes (cnnlab.store.Store has these methods; only cnnlab.store imports this).

A teacher creates a class and gets its join code and a teacher key; only the key's scrypt hash (with a
salt of the class's own) is kept, and a key is checked with hmac.compare_digest. Students join with the
code (a nickname is optional), send drawings with the digit they meant, and their check answers count for
the class from the moment they joined. A class owns a learner row of its own (`owner`): its fine-tuned
models are that learner's saved models and its active model is the class's model, so deleting the class
is deleting that learner (the database cascades to memberships and drawings).

Rules, as for the rest of the store: every write is one transaction and checked first (sizes, nickname,
rate limits of cnnlab.limits); a refused write raises StoreError with a reason the UI turns into a
sentence. A join code reads nothing: every read of a class's drawings, members or answers takes the
class's id, which the UI only has after the teacher key was checked.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa

from cnnlab import limits
from cnnlab import store_codec as codec
from cnnlab import store_schema as schema
from cnnlab.store_codec import StoreError, aware, check_learner, database_errors

ENV_RETENTION_DAYS = "CNNLAB_CLASS_RETENTION_DAYS"
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}  # hashlib.scrypt's cost: ~16 MB and a few tens of ms


@dataclass(frozen=True)
class ClassInfo:
    id: int
    code: str
    name: str
    created: datetime
    active: datetime  # last activity (retention counts from here)
    owner: str  # the class's own learner id (its models)


@dataclass(frozen=True)
class Membership:
    class_id: int
    code: str
    name: str
    nickname: str
    joined: datetime
    model_id: int | None  # the class's model (fine-tuned), None: none chosen


@dataclass(frozen=True)
class ClassDrawing:
    id: int
    learner: str
    nickname: str
    created: datetime
    digit: int  # the digit the student meant
    png: bytes
    image: np.ndarray  # the 28x28 float32 the model reads


@dataclass(frozen=True)
class Member:
    learner: str
    nickname: str
    joined: datetime
    drawings: int


@dataclass(frozen=True)
class QuestionStat:
    page: str
    question_id: str
    students: int  # members who answered it since joining
    wrong: int  # of them, whose last answer was wrong


@dataclass(frozen=True)
class ClassVersion:
    """Cheap to read; changes whenever anything the teacher's view shows changes."""

    drawings: int
    last_drawing: int
    members: int
    last_answer: int
    model_id: int | None


def retention_days() -> float:
    """$CNNLAB_CLASS_RETENTION_DAYS, else limits.CLASS_RETENTION_DAYS (a bad value falls back to the default)."""
    try:
        days = float(os.environ.get(ENV_RETENTION_DAYS, ""))
    except ValueError:
        return float(limits.CLASS_RETENTION_DAYS)
    return days if days > 0 else float(limits.CLASS_RETENTION_DAYS)


def new_code() -> str:
    return "".join(secrets.choice(limits.CLASS_CODE_ALPHABET) for _ in range(limits.CLASS_CODE_CHARS))


def normal_code(text: str) -> str:
    """What a student typed as a code: spaces and dashes dropped, upper case; "" when it cannot be one."""
    code = "".join(ch for ch in str(text or "")[:20] if ch not in " -").upper()
    ok = len(code) == limits.CLASS_CODE_CHARS and all(ch in limits.CLASS_CODE_ALPHABET for ch in code)
    return code if ok else ""


def hash_key(key: str, salt: bytes) -> bytes:
    return hashlib.scrypt(key.encode("utf-8"), salt=salt, **SCRYPT)


def clean_text(text: str, limit: int) -> str:
    """User text as kept: control characters dropped, spaces trimmed; too long raises StoreError("too_long")."""
    if not isinstance(text, str):
        raise StoreError("bad_name")
    cleaned = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()
    if len(cleaned) > limit:
        raise StoreError("too_long", limit=limit)
    return cleaned


class Backoff:
    """Per-learner backoff after a wrong teacher key or join code, in this process's memory.

    After a wrong try the learner's next try is refused (`wait_s` > 0) for KEY_BACKOFF_FIRST_S, doubling
    to KEY_BACKOFF_MAX_S; a right one clears it. Nothing sleeps: a refused try returns at once.
    """

    def __init__(self, first_s: float = limits.KEY_BACKOFF_FIRST_S, max_s: float = limits.KEY_BACKOFF_MAX_S):
        self.first_s, self.max_s = first_s, max_s
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}  # learner -> (refused until, next delay)

    def wait_s(self, learner: str) -> float:
        with self._lock:
            until, _ = self._state.get(learner, (0.0, 0.0))
        return max(0.0, until - time.monotonic())

    def failed(self, learner: str) -> float:
        """Record a wrong try; the seconds until the next one is heard."""
        with self._lock:
            if len(self._state) > 10_000:  # a flood of ids cannot grow this without bound
                now = time.monotonic()
                self._state = {k: v for k, v in self._state.items() if v[0] > now}
            _, delay = self._state.get(learner, (0.0, self.first_s))
            self._state[learner] = (time.monotonic() + delay, min(self.max_s, delay * 2))
            return delay

    def succeeded(self, learner: str) -> None:
        with self._lock:
            self._state.pop(learner, None)


def _membership(row) -> Membership:
    return Membership(row.class_id, row.code, row.name, row.nickname, aware(row.joined), row.active_model)


def _guarded(cls):
    """Every public method: a database that cannot be reached is StoreError("unavailable")."""
    for name, value in list(vars(cls).items()):
        if callable(value) and not name.startswith("_"):
            setattr(cls, name, database_errors(value))
    return cls


@_guarded
class ClassStore:
    """The class methods of cnnlab.store.Store (uses its _reading/_writing/_now helpers)."""

    # -- creating and finding a class
    def create_class(self, creator: str, name: str) -> tuple[ClassInfo, str]:
        """A new class and its teacher key (shown once: only its hash is kept)."""
        name = clean_text(name, limits.CLASS_NAME_MAX_CHARS)
        key, salt = secrets.token_urlsafe(limits.TEACHER_KEY_BYTES), secrets.token_bytes(16)
        digest, owner, now = hash_key(key, salt), secrets.token_hex(16), self._now()
        c = schema.classes
        with self._writing(creator) as conn:
            recent = conn.execute(sa.select(sa.func.count()).select_from(c).where(
                c.c.creator == creator, c.c.created > now - timedelta(hours=1))).scalar_one()
            if recent >= limits.CLASSES_PER_LEARNER_PER_HOUR:
                raise StoreError("class_rate", limit=limits.CLASSES_PER_LEARNER_PER_HOUR)
            conn.execute(sa.insert(schema.learners).values(id=owner, created=now))
            taken = set(conn.execute(sa.select(c.c.code)).scalars())
            code = next(code for code in iter(new_code, None) if code not in taken)
            class_id = conn.execute(sa.insert(c).values(
                code=code, name=name, owner=owner, creator=creator, key_salt=salt, key_hash=digest,
                created=now, active=now).returning(c.c.id)).scalar_one()
        return ClassInfo(class_id, code, name, now, now, owner), key

    def class_with_key(self, code: str, key: str) -> ClassInfo | None:
        """The class whose code and teacher key these are (and it counts as activity), else None."""
        code = normal_code(code)
        if not code or not isinstance(key, str) or len(key) > limits.TEACHER_KEY_MAX_CHARS:
            return None
        c = schema.classes
        with self._reading() as conn:
            row = conn.execute(sa.select(c).where(c.c.code == code)).first()
        # Hash even for an unknown code: the answer takes as long either way.
        salt = bytes(row.key_salt) if row is not None else b"\0" * 16
        right = hmac.compare_digest(hash_key(key.strip(), salt), bytes(row.key_hash) if row is not None else b"")
        if row is None or not right:
            return None
        self._touch_class(row.id)
        return self.class_info(row.id)

    def class_info(self, class_id: int) -> ClassInfo:
        c = schema.classes
        with self._reading() as conn:
            row = conn.execute(sa.select(c).where(c.c.id == int(class_id))).first()
        if row is None:
            raise StoreError("not_found")
        return ClassInfo(row.id, row.code, row.name, aware(row.created), aware(row.active), row.owner)

    def _touch_class(self, class_id: int) -> None:
        with self._engine.connect() as conn:
            conn = conn.execution_options(**{schema.WRITE: True})
            with conn.begin():
                conn.execute(sa.update(schema.classes).where(schema.classes.c.id == int(class_id))
                             .values(active=self._now()))

    # -- students
    def join_class(self, learner: str, code: str, nickname: str = "") -> Membership:
        """Join the class of `code` (leaving any other); StoreError("not_found") for a code not in use."""
        nickname = clean_text(nickname, limits.NICKNAME_MAX_CHARS)
        code = normal_code(code)
        c, m = schema.classes, schema.class_members
        with self._writing(learner) as conn:
            row = conn.execute(sa.select(c.c.id, c.c.owner).where(c.c.code == code)).first() if code else None
            if row is None:
                raise StoreError("not_found")
            members = conn.execute(sa.select(sa.func.count()).select_from(m).where(
                m.c.class_id == row.id, m.c.learner != learner)).scalar_one()
            if members >= limits.CLASS_MAX_MEMBERS:
                raise StoreError("class_members", limit=limits.CLASS_MAX_MEMBERS)
            current = conn.execute(sa.select(m.c.class_id).where(m.c.learner == learner)).scalar()
            now = self._now()
            if current == row.id:  # joining again: a new nickname, the same start
                conn.execute(sa.update(m).where(m.c.learner == learner).values(nickname=nickname))
            else:
                conn.execute(sa.delete(m).where(m.c.learner == learner))
                conn.execute(sa.insert(m).values(learner=learner, class_id=row.id, nickname=nickname, joined=now))
            conn.execute(sa.update(c).where(c.c.id == row.id).values(active=now))
        return self.membership(learner)

    def leave_class(self, learner: str) -> None:
        """Leave the class (the drawings already sent stay with the class: the teacher owns them)."""
        with self._writing(learner) as conn:
            conn.execute(sa.delete(schema.class_members).where(schema.class_members.c.learner == learner))

    def membership(self, learner: str) -> Membership | None:
        check_learner(learner)
        c, m, le = schema.classes, schema.class_members, schema.learners
        with self._reading() as conn:
            row = conn.execute(sa.select(m.c.class_id, c.c.code, c.c.name, m.c.nickname, m.c.joined,
                                         le.c.active_model)
                               .join(c, c.c.id == m.c.class_id).join(le, le.c.id == c.c.owner)
                               .where(m.c.learner == learner)).first()
        return None if row is None else _membership(row)

    def send_class_drawing(self, learner: str, png: bytes, image: np.ndarray, digit: int) -> int:
        """Send a drawing with the digit meant to the learner's class (its id); rate-limited per student."""
        row = codec.drawing_row(png, image, digit)
        d, m = schema.class_drawings, schema.class_members
        with self._writing(learner) as conn:
            member = conn.execute(sa.select(m.c.class_id, m.c.nickname).where(m.c.learner == learner)).first()
            if member is None:
                raise StoreError("not_member")
            now = self._now()
            self._check_sending(conn, member.class_id, learner, now)
            drawing_id = conn.execute(sa.insert(d).values(class_id=member.class_id, learner=learner,
                                                          nickname=member.nickname, created=now, **row)
                                      .returning(d.c.id)).scalar_one()
            conn.execute(sa.update(schema.classes).where(schema.classes.c.id == member.class_id).values(active=now))
        return drawing_id

    @staticmethod
    def _check_sending(conn: sa.Connection, class_id: int, learner: str, now: datetime) -> None:
        d = schema.class_drawings

        def count(*where) -> int:
            return conn.execute(sa.select(sa.func.count()).select_from(d).where(*where)).scalar_one()

        if count(d.c.learner == learner, d.c.created > now - timedelta(seconds=60)) >= limits.CLASS_DRAWINGS_PER_MINUTE:
            raise StoreError("class_rate_minute", limit=limits.CLASS_DRAWINGS_PER_MINUTE)
        if count(d.c.learner == learner, d.c.class_id == class_id) >= limits.CLASS_DRAWINGS_PER_STUDENT:
            raise StoreError("class_student_full", limit=limits.CLASS_DRAWINGS_PER_STUDENT)
        if count(d.c.class_id == class_id) >= limits.CLASS_MAX_DRAWINGS:
            raise StoreError("class_drawings_full", limit=limits.CLASS_MAX_DRAWINGS)

    def sent_count(self, learner: str) -> int:
        """Drawings this learner has sent to their current class."""
        m, d = schema.class_members, schema.class_drawings
        with self._reading() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(d).join(
                m, (m.c.learner == d.c.learner) & (m.c.class_id == d.c.class_id))
                .where(d.c.learner == learner)).scalar_one()

    # -- the teacher's reads (by class id: the UI has it only after the key was checked)
    def class_version(self, class_id: int) -> ClassVersion:
        d, m, a = schema.class_drawings, schema.class_members, schema.answers
        c, le = schema.classes, schema.learners
        with self._reading() as conn:
            count, last = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(d.c.id), 0))
                                       .where(d.c.class_id == int(class_id))).one()
            members = conn.execute(sa.select(sa.func.count()).select_from(m)
                                   .where(m.c.class_id == int(class_id))).scalar_one()
            answer = conn.execute(sa.select(sa.func.coalesce(sa.func.max(a.c.id), 0)).join(
                m, m.c.learner == a.c.learner).where(m.c.class_id == int(class_id))).scalar_one()
            model = conn.execute(sa.select(le.c.active_model).join(c, c.c.owner == le.c.id)
                                 .where(c.c.id == int(class_id))).scalar()
        return ClassVersion(count, last, members, answer, model)

    def class_drawings(self, class_id: int) -> list[ClassDrawing]:
        """The class's drawings, oldest first."""
        d = schema.class_drawings
        with self._reading() as conn:
            rows = conn.execute(sa.select(d.c.id, d.c.learner, d.c.nickname, d.c.created, d.c.digit, d.c.png,
                                          d.c.image).where(d.c.class_id == int(class_id)).order_by(d.c.id)).all()
        return [ClassDrawing(r.id, r.learner, r.nickname, aware(r.created), r.digit, bytes(r.png),
                             codec.image_from_bytes(r.image)) for r in rows]

    def class_members(self, class_id: int) -> list[Member]:
        m, d = schema.class_members, schema.class_drawings
        sent = (sa.select(sa.func.count()).where(d.c.class_id == m.c.class_id, d.c.learner == m.c.learner)
                .scalar_subquery())
        with self._reading() as conn:
            rows = conn.execute(sa.select(m.c.learner, m.c.nickname, m.c.joined, sent.label("sent"))
                                .where(m.c.class_id == int(class_id)).order_by(m.c.joined)).all()
        return [Member(r.learner, r.nickname, aware(r.joined), r.sent) for r in rows]

    def class_questions(self, class_id: int) -> list[QuestionStat]:
        """Per question the members answered since joining: how many, and how many last answered it wrong."""
        a, m = schema.answers, schema.class_members
        with self._reading() as conn:
            rows = conn.execute(sa.select(a.c.learner, a.c.page, a.c.question_id, a.c.correct, a.c.created,
                                          m.c.joined).join(m, m.c.learner == a.c.learner)
                                .where(m.c.class_id == int(class_id)).order_by(a.c.id)).all()
        last: dict[tuple[str, str, str], bool] = {}
        for r in rows:
            if aware(r.created) >= aware(r.joined):
                last[(r.learner, r.page, r.question_id)] = bool(r.correct)
        stats: dict[tuple[str, str], list[int]] = {}
        for (_, page, question), correct in last.items():
            counts = stats.setdefault((page, question), [0, 0])
            counts[0] += 1
            counts[1] += 0 if correct else 1
        return sorted((QuestionStat(p, q, n, w) for (p, q), (n, w) in stats.items()),
                      key=lambda s: (s.page, -s.wrong / s.students, s.question_id))

    # -- the teacher's deletions
    def delete_class_drawing(self, class_id: int, drawing_id: int) -> bool:
        return self._delete_class_rows(class_id, schema.class_drawings.c.id == int(drawing_id))

    def delete_student_drawings(self, class_id: int, learner: str) -> int:
        return self._delete_class_rows(class_id, schema.class_drawings.c.learner == str(learner))

    def _delete_class_rows(self, class_id: int, where) -> int:
        owner = self.class_info(class_id).owner
        d = schema.class_drawings
        with self._writing(owner) as conn:
            return conn.execute(sa.delete(d).where(d.c.class_id == int(class_id), where)).rowcount

    def delete_class(self, class_id: int) -> None:
        """The class, its memberships, drawings and models, in one transaction."""
        try:
            owner = self.class_info(class_id).owner
        except StoreError:
            return  # already gone
        self.forget_learner(owner)

    def delete_expired_classes(self, days: float | None = None) -> int:
        """Delete every class with no activity for `days` (default: retention_days()); how many."""
        cutoff = self._now() - timedelta(days=retention_days() if days is None else days)
        c = schema.classes
        with self._reading() as conn:
            ids = conn.execute(sa.select(c.c.id).where(c.c.active < cutoff)).scalars().all()
        for class_id in ids:
            self.delete_class(class_id)
        return len(ids)

    # -- the class's model
    def save_class_model(self, class_id: int, record, numbers: dict) -> int:
        """Keep a fine-tuned model as one of the class's (not yet its model) with its before/after numbers."""
        info = self.class_info(class_id)
        model_id = self.save_model(info.owner, record)
        with self._writing(info.owner) as conn:
            conn.execute(sa.update(schema.classes).where(schema.classes.c.id == info.id)
                         .values(fine_tune=codec.to_json({**numbers, "model_id": model_id}), active=self._now()))
        return model_id

    def fine_tune_numbers(self, class_id: int) -> dict | None:
        with self._reading() as conn:
            text = conn.execute(sa.select(schema.classes.c.fine_tune)
                                .where(schema.classes.c.id == int(class_id))).scalar()
        return None if text is None else codec.from_json(text)

    def set_class_model(self, class_id: int, model_id: int | None) -> None:
        """Make one of the class's models its model (None: the shipped one)."""
        self.set_active_model(self.class_info(class_id).owner, model_id)

    def class_model(self, class_id: int):
        """The class's model: (ModelInfo, ModelRecord), or None while it has none."""
        owner = self.class_info(class_id).owner
        model_id = self.active_model_id(owner)
        return None if model_id is None else self.load_model(owner, model_id)
