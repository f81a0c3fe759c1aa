"""The layer stack shared by the Model and Train pages, and the Model page's layer editor.

The stack (a tuple of cnnlab.layers.LayerSpec) lives in st.session_state[keys.MODEL_SPEC].
Edits go through callbacks that replace the whole tuple, so every rerun sees one consistent
stack. Widget keys carry the layer's uid ("model_7_filters"), so they follow a layer when it
moves; uids are never reused within a session (reset gives fresh ones), so no stale widget
value can reappear on a different layer. Each kind's settings and their widgets come from
cnnlab.layers (LayerKind.fields).
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from cnnlab import architecture as arch
from cnnlab import shapes
from cnnlab.layers import Field, kind_of
from components import state_keys as keys
from components.i18n import t
from components.number_box import number_box


def current_spec() -> tuple:
    """The session's layer stack; the chapter's model until the user changes it."""
    if keys.MODEL_SPEC not in st.session_state:
        st.session_state[keys.MODEL_SPEC] = arch.chapter_spec()
    return st.session_state[keys.MODEL_SPEC]


def _set(stack) -> None:
    st.session_state[keys.MODEL_SPEC] = tuple(stack)


def reset_to_start() -> None:
    """Back to the current family's starting model: the chapter's CNN, or the starting RNN."""
    stack = current_spec()
    _set(arch.with_uids(arch.starting_spec(arch.family_of(stack)), start=arch.next_uid(stack)))


# ------------------------------------------------------------------ the family: CNN or RNN

def _switch_family(widget_key: str) -> None:
    """Keep the stack of the family left, bring back the other family's (its starting model the first time)."""
    stack, family = current_spec(), st.session_state[widget_key]
    if family is None or family == arch.family_of(stack):
        return
    kept = st.session_state.setdefault(keys.MODEL_FAMILY_STACKS, {})
    kept[arch.family_of(stack)] = stack
    other = kept.get(family, arch.starting_spec(family))
    _set(arch.with_uids(other, start=max(arch.next_uid(stack), arch.next_uid(other))))


def family_picker(widget_key: str, disabled: bool = False) -> None:
    """CNN or RNN: switching keeps each family's own stack (nothing the learner built is lost)."""
    st.session_state[widget_key] = arch.family_of(current_spec())  # follows the stack (a reset, an edit)
    st.segmented_control(t("rnn.family_label"), arch.FAMILIES, key=widget_key, required=True, disabled=disabled,
                         format_func={f: t(f"rnn.family_{f}") for f in arch.FAMILIES}.get, on_change=_switch_family,
                         args=(widget_key,),
                         help=t("rnn.family_help"))


def reads_columns(stack) -> bool:
    """A Permute((2, 1)) right after the first Reshape: the time steps are the image's columns."""
    kinds = [layer.kind for layer in stack]
    return "Reshape" in kinds and kinds[kinds.index("Reshape") + 1:kinds.index("Reshape") + 2] == ["Permute"]


def _toggle_columns() -> None:
    stack = current_spec()
    at = [layer.kind for layer in stack].index("Reshape") + 1
    if st.session_state[keys.MODEL_READ_COLUMNS]:
        _set(arch.insert_layer(stack, at, arch.default_layer("Permute")))
    else:
        _set(arch.remove_layer(stack, at))


def direction_toggle(stack) -> None:
    """Rows or columns as time steps, for a stack that reads the image as a sequence (it has a Reshape)."""
    if "Reshape" not in [layer.kind for layer in stack]:
        return
    st.session_state[keys.MODEL_READ_COLUMNS] = reads_columns(stack)
    st.toggle(t("rnn.read_columns"), key=keys.MODEL_READ_COLUMNS, on_change=_toggle_columns,
              help=t("rnn.read_columns_help"))


def set_spec(stack) -> None:
    """Replace the session's stack (a one-click suggestion; changed layers carry fresh uids)."""
    _set(stack)


def reset_to_chapter() -> None:
    """The chapter's CNN, whichever family the stack is in now."""
    _set(arch.with_uids(arch.chapter_spec(), start=arch.next_uid(current_spec())))


def _move(index: int, offset: int) -> None:
    _set(arch.move_layer(current_spec(), index, offset))


def _remove(index: int) -> None:
    _set(arch.remove_layer(current_spec(), index))


def _edit(uid: int, name: str, widget_key: str) -> None:
    stack = current_spec()
    value = st.session_state[widget_key]
    index = next((i for i, layer in enumerate(stack) if layer.uid == uid), None)
    if index is not None and value is not None:
        _set(arch.update_layer(stack, index, **{name: value}))


def _add() -> None:
    stack = current_spec()
    kind = st.session_state[keys.MODEL_ADD_KIND]
    after = st.session_state.get(keys.MODEL_ADD_POSITION)
    if after not in add_positions(stack, kind):  # a stale choice: never break a working model
        after = arch.suggested_insertion(stack, kind) - 1
    _set(arch.insert_layer(stack, after + 1, arch.default_layer(kind)))


def add_positions(stack: tuple, kind: str) -> list[int]:
    """The "insert after layer p" choices (-1: at the top) offered for `kind`.

    A trainable model is offered only the places where it stays trainable; a model that needs
    fixing anyway is offered every place (the fix may be exactly this layer somewhere).
    """
    if arch.analyze(stack).ok:
        return [i - 1 for i in arch.valid_insertions(stack, kind)]
    return list(range(-1, len(stack)))


# ------------------------------------------------------------------ messages

def issue_message(issue: arch.LayerIssue) -> str:
    """The translated explanation of why a layer (or the whole model) is impossible."""
    values = dict(issue.values)
    if "shape" in values:
        values["shape"] = shapes.format_shape(values["shape"])
    if issue.reason == "output_not_positive":
        values["axis"] = t(f"model.axis_{values.get('axis') or 'height'}")
        values["window"] = t(f"model.window_{values.get('field', 'kernel_size')}")
    if issue.reason == "too_many_params":
        values["params"], values["limit"] = f"{values['params']:,}", f"{values['limit']:,}"
    return t(f"model.issue_{issue.reason}", **values)


def training_blocker(analysis: arch.Analysis) -> str | None:
    """Why this stack cannot be trained (translated), or None when it can."""
    problem = analysis.first_issue
    if problem is None:
        return None
    index, issue = problem
    lead = t("model.train_disabled", index=index + 1) if index is not None else t("model.train_disabled_model")
    return f"{lead} {issue_message(issue)}"


# ------------------------------------------------------------------ the editor

def _field_widget(layer: arch.LayerSpec, field: Field) -> None:
    """One setting's widget, as the layer's kind describes it (cnnlab.layers.Field)."""
    key = keys.model_layer_widget(layer.uid, field.name)
    common = dict(key=key, on_change=_edit, args=(layer.uid, field.name, key), label=t(f"model.field_{field.name}"),
                  width=field.width)
    value = getattr(layer, field.name)
    if field.widget == "choice":
        st.selectbox(options=field.options, index=field.options.index(value), **common)
    elif field.widget == "slider":
        st.slider(min_value=field.low, max_value=field.high, step=field.step, value=float(value), **common)
    elif field.widget == "toggle":
        st.toggle(value=bool(value), **common)
    else:
        # number_box: what is typed outside the range is clamped in the box too (the box shows the value used)
        number_box(common.pop("label"), int(field.low), int(field.high), value=int(value), **common)


def layer_row(report: arch.LayerReport, count: int) -> None:
    """One bordered row: number and type, its settings, output shape, parameters, move/delete."""
    layer, i = report.layer, report.index
    with st.container(border=True, key=keys.model_layer_row(layer.uid)):
        name_col, settings_col, numbers_col, buttons_col = st.columns([1.8, 6.2, 2.0, 1.3],
                                                                      vertical_alignment="center")
        with name_col:
            st.markdown(f"**{i + 1}. {layer.kind}**")
            st.caption(t(f"model.kind_{layer.kind}"))
        with settings_col:
            fields = kind_of(layer.kind).fields
            if fields:
                with st.container(horizontal=True, gap="small"):
                    for field in fields:
                        _field_widget(layer, field)
            else:
                st.caption(t("model.no_settings"))
        with numbers_col:
            shape = shapes.format_shape(report.output_shape)
            formula = arch.param_formula(report)
            st.markdown(f"{t('model.output_shape')}  \n`{shape}`  \n"
                        f"{t('model.params')}: **{report.params:,}**" + (f"  \n:gray[{formula}]" if formula else ""))
        with buttons_col, st.container(horizontal=True, gap="small"):
            st.button("", icon=":material/arrow_upward:", key=keys.model_layer_widget(layer.uid, "up"),
                      help=t("model.move_up"), on_click=_move, args=(i, -1), disabled=i == 0, type="tertiary")
            st.button("", icon=":material/arrow_downward:", key=keys.model_layer_widget(layer.uid, "down"),
                      help=t("model.move_down"), on_click=_move, args=(i, 1), disabled=i == count - 1,
                      type="tertiary")
            st.button("", icon=":material/delete:", key=keys.model_layer_widget(layer.uid, "delete"),
                      help=t("model.delete"), on_click=_remove, args=(i,), type="tertiary")
        if report.issue is not None:
            st.error(issue_message(report.issue), icon=":material/error:")
        elif report.output_shape is None:
            st.caption(t("model.no_shape"))


def input_row() -> None:
    with st.container(border=True):
        left, right = st.columns([8.0, 3.3], vertical_alignment="center")
        left.markdown(t("model.input_row"))
        right.markdown(f"`{shapes.format_shape((None, *arch.INPUT_SHAPE))}`")


def add_layer_controls(stack: tuple) -> None:
    """Kind, then place: only kinds and places that keep a trainable model trainable are offered."""
    with st.container(border=True):
        st.markdown(f"**{t('model.add_heading')}**")
        kinds = arch.insertable_kinds(stack)
        if st.session_state.get(keys.MODEL_ADD_KIND) not in kinds:
            st.session_state[keys.MODEL_ADD_KIND] = kinds[0]
        with st.container(horizontal=True, vertical_alignment="bottom"):
            kind = st.selectbox(t("model.add_kind"), kinds, key=keys.MODEL_ADD_KIND, width=230)
            positions = add_positions(stack, kind)
            if st.session_state.get(keys.MODEL_ADD_POSITION) not in positions:
                st.session_state[keys.MODEL_ADD_POSITION] = arch.suggested_insertion(stack, kind) - 1
            labels = {p: t("model.position_top") if p < 0 else t("model.position_after", index=p + 1,
                                                                          label=stack[p].label())
                      for p in positions}
            st.selectbox(t("model.add_position"), positions, key=keys.MODEL_ADD_POSITION, width=360,
                         format_func=labels.get)
            st.button(t("model.add_button"), icon=":material/add:", key=keys.MODEL_ADD, on_click=_add)
        if len(kinds) < len(arch.LAYER_KINDS) or len(positions) < len(stack) + 1:
            st.caption(t("model.add_only_valid"))


def summary_for(stack: tuple) -> str:
    """model.summary() of a valid stack (built once per distinct stack of layers)."""
    # Editor ids differ between equal stacks (after a reset, say): drop them from the cache key.
    return _summary(tuple(replace(layer, uid=0) for layer in stack))


@st.cache_data(show_spinner=False, max_entries=64)
def _summary(stack: tuple) -> str:
    return arch.summary_text(arch.build_model(stack))
