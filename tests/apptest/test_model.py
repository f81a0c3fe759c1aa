"""Model page: starts as the chapter's model; edits update shapes/params, flag impossible layers, reset."""

from components import state_keys as keys


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def test_defaults_edit_flag_and_reset(app_test):
    at = app_test("en", "app_pages/model.py")
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["Parameters"] == "93,322" and metrics["Output shape"] == "(None, 10)"
    assert "exactly the chapter's model" in at.success[0].value
    code = at.code
    assert any("Total params: 93,322" in c.value for c in code), "model.summary() is shown"
    assert any("model.add(layers.Conv2D(32, (3, 3), activation='relu'))" in c.value for c in code)
    markdown = " ".join(m.value for m in at.markdown)
    assert "`(None, 26, 26, 32)`" in markdown and "**320**" in markdown

    # One edit: 16 filters in the first Conv2D -> (3*3*1+1)*16 = 160, and the next Conv2D shrinks too.
    first_uid = at.session_state[keys.MODEL_SPEC][0].uid
    at.number_input(key=f"model_{first_uid}_filters").set_value(16).run()
    assert not at.exception
    expected = 93_322 - 320 + 160 - 18_496 + (3 * 3 * 16 + 1) * 64
    assert _metrics(at)["Parameters"] == f"{expected:,}"
    assert "Changed from the chapter's model" in at.info[0].value
    assert any("layers.Conv2D(16, (3, 3)" in c.value for c in at.code)

    # Remove Flatten (layer 6): the Dense right after it is flagged, training is disabled.
    flatten_uid = at.session_state[keys.MODEL_SPEC][5].uid
    at.button(key=f"model_{flatten_uid}_delete").click().run()
    assert not at.exception
    assert "Add a Flatten layer before this Dense" in at.error[0].value
    assert "Training is disabled" in at.warning[0].value and "layer 6" in at.warning[0].value
    assert _metrics(at)["Status"] == "needs a fix"

    # Add it back where it belongs, then reset.
    at.selectbox(key="model_add_kind").set_value("Flatten")
    at.selectbox(key="model_add_position").set_value(4)  # after layer 5 (the last Conv2D)
    at.button(key="model_add").click().run()
    assert not at.exception and not at.error
    assert _metrics(at)["Status"] == "ready to train"
    at.button(key="model_reset").click().run()
    assert _metrics(at)["Parameters"] == "93,322"


def test_korean_page_flags_a_too_small_image(app_test):
    at = app_test("ko", "app_pages/model.py")
    uid = at.session_state[keys.MODEL_SPEC][2].uid
    at.number_input(key=f"model_{uid}_kernel_size").set_value(11).run()
    assert not at.exception
    assert "불가능" in at.error[0].value and "높이" in at.error[0].value
    assert _metrics(at)["파라미터 수"] == "—"


def test_one_click_on_add_layer_keeps_the_chapter_model_trainable(app_test):
    at = app_test("en", "app_pages/model.py")
    before = at.session_state[keys.MODEL_SPEC]
    at.button(key="model_add").click().run()
    assert not at.exception
    after = at.session_state[keys.MODEL_SPEC]
    assert len(after) == len(before) + 1
    assert _metrics(at)["Status"] == "ready to train" and not at.error
    assert after[-1] == before[-1], "the output layer stays last"
    # Dense is offered only after Flatten: choosing it moves the place, and adding keeps the model valid.
    at.selectbox(key="model_add_kind").set_value("Dense").run()
    assert at.selectbox(key="model_add_position").value >= 6
    at.button(key="model_add").click().run()
    assert _metrics(at)["Status"] == "ready to train" and not at.error


def test_a_number_typed_outside_the_range_is_the_number_shown_and_used(app_test):
    """Typing 15 into a kernel size of at most 11: the box shows 11, the shapes use 11, a note says so."""
    at = app_test("ko", "app_pages/model.py")
    spec = at.session_state[keys.MODEL_SPEC]
    uid = spec[0].uid
    at.number_input(key=f"model_{uid}_kernel_size").set_value(15).run()
    assert not at.exception
    assert at.number_input(key=f"model_{uid}_kernel_size").value == 11
    assert at.session_state[keys.MODEL_SPEC][0].kernel_size == 11
    markdown = " ".join(m.value for m in at.markdown)
    assert "`(None, 18, 18, 32)`" in markdown, "28 - 11 + 1 = 18: the shapes use the value in the box"
    assert any("15" in c.value and "11" in c.value and "최대값" in c.value for c in at.caption)
    # An ordinary value afterwards: the note goes away.
    at.number_input(key=f"model_{uid}_kernel_size").set_value(5).run()
    assert at.session_state[keys.MODEL_SPEC][0].kernel_size == 5
    assert not any("최대값" in c.value for c in at.caption)
