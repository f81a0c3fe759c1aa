"""The class loop through the pages (AppTest): a teacher creates a class, two students join and send drawings
from Draw, the teacher's view counts them and fills the confusion matrix; a wrong key is refused; a student
reaches neither the teacher's view nor another student's drawings; deleting works; the class's model is
offered on Draw. The references: the store read back directly, and the shipped model run by Keras on the
stored images."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from cnnlab import architecture, limits, models
from cnnlab import store as store_module
from cnnlab.drawn_digits import drawn_digits
from components import state_keys as keys
from components import teacher_views
from tests.apptest.test_draw import CANVAS, canvas_value, png
from tests.apptest.test_saved_work import learner_of, texts

TEACHER = "app_pages/teacher.py"
DRAW = "app_pages/draw.py"


@pytest.fixture(scope="module")
def digits():
    return drawn_digits(30, seed=11)


def create_class(app_test, lang: str = "en", name: str = "4-2 science"):
    at = app_test(lang, TEACHER)
    at.text_input(key=keys.TEACHER_NAME_INPUT).input(name)
    next(b for b in at.button if b.label == ("Create the class" if lang == "en" else "학급 만들기")).click().run()
    assert not at.exception
    class_id, code, key = at.session_state[keys.TEACHER_NEW_KEY]
    return at, class_id, code, key


def join(app_test, code: str, nickname: str):
    at = app_test("en", DRAW)
    at.session_state[keys.CLASS_PANEL] = True  # the student opens "Your class"
    at.run()
    at.text_input(key=keys.CLASS_CODE_INPUT).input(code)
    at.text_input(key=keys.CLASS_NICKNAME_INPUT).input(nickname)
    at.button(key=keys.CLASS_JOIN).click().run()
    assert not at.exception
    return at


def send(at, image: np.ndarray, meant: int) -> None:
    """Draw `image` on the canvas, pick the digit meant, click "send to my class"."""
    at.session_state[CANVAS] = canvas_value(image)
    at.run()
    at.selectbox(key=keys.draw_meant_digit(hashlib.sha1(png(image)).hexdigest()[:12])).set_value(meant)
    at.run()
    button = at.button(key=keys.CLASS_SEND)
    assert button.label == f"Send to my class: this was a {meant}"
    button.click().run()
    assert not at.exception


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_a_class_from_creation_to_the_teachers_confusion_matrix(app_test, digits):
    teacher, class_id, code, key = create_class(app_test)
    assert key in [c.value for c in teacher.code], "the key is shown once, to copy"
    assert metric(teacher, "Join code") == code and metric(teacher, "Students") == "0"
    ana, ben = join(app_test, code, "Ana"), join(app_test, code, "*Ben*")
    assert "You are in the class:" in texts(ana)
    sent = [(ana, digits[0], digits[0].label), (ana, digits[1], 3), (ben, digits[2], digits[2].label),
            (ben, digits[3], digits[3].label)]
    for n, (at, digit, meant) in enumerate(sent):
        send(at, digit.image, meant)
        # the count the store holds for this student, said where they clicked (the sidebar is not rerun)
        own = sum(1 for other, _, _ in sent[:n + 1] if other is at)
        assert f"Sent to your class as a {meant}: {own} of {limits.CLASS_DRAWINGS_PER_STUDENT} sent." in texts(at)

    teacher.run()
    assert metric(teacher, "Students") == "2" and metric(teacher, "Drawings") == "4"
    stored = store_module.shared().class_drawings(class_id)
    assert [d.digit for d in stored] == [meant for _, _, meant in sent]
    assert {d.nickname for d in stored} == {"Ana", "*Ben*"}
    # the reference: the shipped model run by Keras on the images the store kept
    read = models.predict_proba(models.load_pretrained("cnn"), np.stack([d.image for d in stored])[..., None]).argmax(1)
    meant = np.array([d.digit for d in stored])
    gallery = [i.captions for i in teacher.get("image") if i.captions and i.captions[0][:1] in ("✓", "✗")]
    expected = [[("✗ " if r != digit else "✓ ") + str(r) for r in sorted(read[meant == digit], key=lambda r: r == digit)]
                for digit in sorted(set(meant.tolist()))]
    assert [sorted(g) for g in gallery] == [sorted(e) for e in expected] and all(
        g[:sum(c[0] == "✗" for c in g)] == [c for c in g if c[0] == "✗"] for g in gallery), "misread ones first"
    for row, column in {(int(m), int(r)) for m, r in zip(meant, read, strict=True)}:
        teacher.selectbox(key=keys.TEACHER_CELL_MEANT).set_value(row)
        teacher.selectbox(key=keys.TEACHER_CELL_READ).set_value(column)
        teacher.run()
        count = int(np.sum((meant == row) & (read == column)))
        drawing = "drawing" if count == 1 else "drawings"
        assert f"{count} {drawing} meant as {row}, read as {column}" in texts(teacher)
        assert "*Ben*" in [t.value for t in teacher.text] or not any(
            d.nickname == "*Ben*" and d.digit == row for d, r in zip(stored, read, strict=True) if r == column)


def test_a_wrong_teacher_key_is_refused_and_the_next_try_waits(app_test, monkeypatch):
    _, class_id, code, key = create_class(app_test)
    at = app_test("en", TEACHER)
    at.text_input(key=keys.TEACHER_CODE_INPUT).input(code)
    at.text_input(key=keys.TEACHER_KEY_INPUT).input(key + "x")
    next(b for b in at.button if b.label == "Open").click().run()
    assert "do not open a class" in texts(at) and keys.TEACHER_CLASS not in at.session_state
    at.text_input(key=keys.TEACHER_KEY_INPUT).input(key)
    next(b for b in at.button if b.label == "Open").click().run()
    assert "Wait" in texts(at) and keys.TEACHER_CLASS not in at.session_state, "the backoff holds the next try"
    teacher_views.KEY_BACKOFF.succeeded(learner_of(at))  # the wait is over
    next(b for b in at.button if b.label == "Open").click().run()
    assert at.session_state[keys.TEACHER_CLASS] == (class_id, code) and metric(at, "Join code") == code
    # a session holding a class id whose code is not that class's (a deleted class's id, reused) opens nothing
    at.session_state[keys.TEACHER_CLASS] = (class_id, "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY")
    at.run()
    assert keys.TEACHER_CLASS not in at.session_state and not at.metric


def test_a_student_reaches_neither_the_teachers_view_nor_another_students_drawings(app_test, digits):
    teacher, class_id, code, _ = create_class(app_test)
    ana, ben = join(app_test, code, "Ana"), join(app_test, code, "Ben")
    send(ana, digits[4].image, digits[4].label)
    ben.switch_page(TEACHER).run()
    assert not ben.exception and keys.TEACHER_CLASS not in ben.session_state
    assert not ben.metric and not ben.get("image")
    assert "this page is for your teacher" in texts(ben)
    ben.session_state[keys.DRAW_SAVED_GALLERY] = True  # Ben's own gallery on Draw: his drawings only
    ben.switch_page(DRAW).run()
    assert not ben.get("image")
    assert store_module.shared().list_drawings(learner_of(ben)) == []


def test_the_teacher_deletes_a_drawing_a_students_drawings_and_the_class(app_test, digits):
    teacher, class_id, code, _ = create_class(app_test, "ko", "삭제 시험")
    ana, ben = join(app_test, code, "Ana"), join(app_test, code, "Ben")
    for at, digit in ((ana, digits[5]), (ana, digits[6]), (ben, digits[7])):
        send(at, digit.image, digit.label)
    teacher.run()
    s = store_module.shared()
    first = s.class_drawings(class_id)[0]
    read = int(models.predict_proba(models.load_pretrained("cnn"), first.image[None, ..., None]).argmax())
    teacher.selectbox(key=keys.TEACHER_CELL_MEANT).set_value(first.digit)
    teacher.selectbox(key=keys.TEACHER_CELL_READ).set_value(read)
    teacher.run()
    teacher.button(key=keys.teacher_delete_drawing(first.id)).click().run()
    assert first.id not in [d.id for d in s.class_drawings(class_id)]
    teacher.selectbox(key=keys.TEACHER_STUDENT_PICK).set_value(learner_of(ben))
    teacher.button(key=keys.TEACHER_DELETE_STUDENT).click().run()
    assert [d.learner for d in s.class_drawings(class_id)] == [learner_of(ana)]
    assert metric(teacher, "그림") == "1"
    teacher.button(key=keys.TEACHER_DELETE_CLASS).click().run()
    teacher.button(key=keys.TEACHER_DELETE_CONFIRM).click().run()
    assert not teacher.exception and keys.TEACHER_CLASS not in teacher.session_state
    assert s.class_drawings(class_id) == [] and s.membership(learner_of(ana)) is None


def test_the_class_model_is_offered_on_draw_once_the_teacher_makes_it_the_classs(app_test, digits):
    from cnnlab import fine_tune
    from cnnlab.data import load_bundled

    teacher, class_id, code, _ = create_class(app_test)
    ana = join(app_test, code, "Ana")
    assert keys.CLASS_USE_MODEL not in [t.key for t in ana.toggle]
    bundled = load_bundled()
    shipped = models.load_pretrained("cnn")
    shifted = architecture.build_model(architecture.chapter_spec())
    shifted.set_weights(shipped.get_weights())
    probs = models.predict_proba(shifted, (bundled.x_test / 255.0).astype(np.float32)[..., None])
    result = fine_tune.FineTuneResult(shipped.get_weights(), 0.5, 0.75, 0.98, 0.979, 4, 12, 300, ((0.5, 0.9),), probs)
    s = store_module.shared()
    s.save_class_model(class_id, fine_tune.model_record(result, fine_tune.FineTuneSettings(), bundled, "t"),
                       fine_tune.numbers(result, 16))
    teacher.run()
    tab_text = texts(teacher)
    assert "Last fine-tune" in tab_text and "before: 50.0%" in tab_text
    teacher.button(key=keys.TEACHER_MAKE_CLASS_MODEL).click().run()
    assert s.membership(learner_of(ana)).model_id is not None
    ana.session_state[CANVAS] = canvas_value(digits[8].image)
    ana.run()
    ana.toggle(key=keys.CLASS_USE_MODEL).set_value(True).run()
    assert not ana.exception
    assert f"your class's model ({code})" in texts(ana)


def test_the_teacher_fine_tunes_on_the_class_and_makes_it_the_classs_model(app_test):
    import secrets

    from cnnlab.data import load_bundled
    from tests.unit.test_fine_tune import thicker_and_shifted
    from tests.unit.test_store import png_bytes

    teacher, class_id, code, _ = create_class(app_test)
    s, bundled = store_module.shared(), load_bundled()
    images = thicker_and_shifted(bundled.x_train[:24])
    for n in range(4):  # four students, six drawings each (the per-minute limit)
        who = secrets.token_hex(16)
        s.join_class(who, code)
        for i in range(n * 6, n * 6 + 6):
            s.send_class_drawing(who, png_bytes(i), images[i], int(bundled.y_train[i]))
    teacher.run()
    start = teacher.button(key=keys.TEACHER_FINE_TUNE_START)
    assert start.label == "Fine-tune on 24 drawings" and not start.disabled
    start.click().run()
    job = teacher.session_state[keys.TEACHER_FINE_TUNE_JOB]
    assert job.wait(600) and job.result is not None, job.error
    teacher.run()
    assert not teacher.exception
    numbers = s.fine_tune_numbers(class_id)
    assert numbers["drawings"] == 24 and numbers["held_count"] == job.result.held_count
    assert numbers["test_after"] == job.result.test_after
    assert f"before: {numbers['test_before']:.2%}" in texts(teacher)
    teacher.button(key=keys.TEACHER_MAKE_CLASS_MODEL).click().run()
    assert s.class_version(class_id).model_id == numbers["model_id"]
    assert "This is the class's model" in texts(teacher)
    teacher.segmented_control(key=keys.TEACHER_MODEL).set_value("class").run()
    assert not teacher.exception and "Class model" in texts(teacher)


def test_the_questions_the_class_misses_most_come_first_per_page(app_test):
    import secrets

    teacher, class_id, code, _ = create_class(app_test)
    s = store_module.shared()
    students = [secrets.token_hex(16) for _ in range(3)]
    outsider = secrets.token_hex(16)
    for who in students:
        s.join_class(who, code)
    for who, right in zip(students, (False, False, True), strict=True):
        s.record_answer(who, "conv", "conv_shape", "x", right)
        s.record_answer(who, "conv", "conv_params", "x", True)
    s.record_answer(students[0], "pooling", "pool_params", "1", False)
    s.record_answer(outsider, "conv", "conv_params", "x", False)  # not in the class: not counted
    teacher.run()
    assert not teacher.exception
    block = next(m.value for m in teacher.markdown if m.value.startswith("**Conv2D**"))
    lines = block.split("  \n")[1:]
    assert lines == ["Conv2D output shape: 2 of 3 wrong (67%)", "Conv2D parameters: 0 of 3 wrong (0%)"]
    assert any(m.value.startswith("**MaxPooling2D**") and "MaxPooling2D parameters: 1 of 1 wrong (100%)" in m.value
               for m in teacher.markdown)
