"""The code's shape, read from its source (no imports run): layers, sizes, repeats.

- Imports: the graph of our modules (app.py, serve.py, app_pages/, components/, cnnlab/, scripts/) has no
  cycle, counting every import statement, at module level or inside a function; and the core (cnnlab/)
  reaches Streamlit through none of them.
- Sizes: no function longer than 60 lines (from its `def` to its last line) in app_pages/, components/,
  cnnlab/, scripts/. A page (app_pages/*.py) is small functions and a short call of them: its top level
  holds at most 15 statements besides the docstring, imports, definitions and UPPER_CASE constants, and
  those statements span at most 40 lines.
- Repeats: no run of 6 lines stands twice in the code outside tests/ (lines compared by their tokens, so
  spacing and comments do not count; blank, comment-only, import and punctuation-only lines are skipped).
  `duplicates` finds more (lines of the same shape with other names): use it while writing.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import defaultdict
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app_pages", "components", "cnnlab", "scripts")
ENTRIES = ("app.py", "serve.py")
STREAMLIT = ("streamlit", "streamlit_drawable_canvas")  # the second registers a Streamlit component on import
MAX_FUNCTION_LINES = 60
MAX_PAGE_STATEMENTS = 15
MAX_PAGE_LINES = 40
REPEAT_LINES = 6
NOT_TESTS = ("benchmarks",)  # code outside tests/ beside our modules, for the repeat check


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def our_modules() -> dict[str, Path]:
    paths = [ROOT / entry for entry in ENTRIES] + [p for package in PACKAGES for p in sorted((ROOT / package).glob("*.py"))]
    return {module_name(p): p for p in paths}


@cache
def syntax_tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_names(name: str, path: Path) -> set[str]:
    """Every dotted name an import statement anywhere in the module names ("a.b" for `from a import b`)."""
    names = set()
    for node in ast.walk(syntax_tree(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, one level up per extra dot
                package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


@cache
def import_graph() -> dict[str, set[str]]:
    """Our module -> the modules of ours it imports ("cnnlab.data" for `from cnnlab import data`, "cnnlab" for
    `from cnnlab import ASSETS`: the longest name of ours that an imported name is, or starts with)."""
    modules = our_modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_names(name, path):
            parts = imported.split(".")
            ours = [".".join(parts[:i]) for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in modules]
            if ours and ours[0] != name:
                targets.add(ours[0])
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a path back to its start) through each group of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [path_back(graph, group) for group in groups]


def path_back(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself (breadth first, inside the group)."""
    start = min(group)
    previous: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & group):
            if target == start:
                path = [node]
                while path[0] != start:
                    path.insert(0, previous[path[0]])
                return path + [start]
            if target not in previous:
                previous[target] = node
                queue.append(target)
    raise AssertionError(f"no path back to {start}")  # a strongly connected group always has one


def test_the_import_graph_has_no_cycle():
    found = cycles(import_graph())
    assert not found, "modules that import each other:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_walk_sees_imports_inside_functions_and_relative_ones_and_finds_cycles(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("import os\n\ndef f():\n    from cnnlab import data\n    from . import sibling\n"
                    "    import cnnlab.models as m\n", encoding="utf-8")
    assert imported_names("components.mod", path) == {"os", "cnnlab.data", "components.sibling", "cnnlab.models"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"a"}}) == [["a", "b", "c", "a"]]
    assert "components.resources" in import_graph()["serve"]


def chain_to_streamlit(start: str) -> list[str] | None:
    """The modules through which `start` imports Streamlit, ending with the Streamlit package; or None."""
    modules, graph = our_modules(), import_graph()
    parents = {start: None}
    queue = [start]
    while queue:
        name = queue.pop(0)
        direct = sorted(n for n in imported_names(name, modules[name]) if n.split(".")[0] in STREAMLIT)
        if direct:
            chain = [direct[0]]
            while name is not None:
                chain.insert(0, name)
                name = parents[name]
            return chain
        for target in sorted(graph[name] - parents.keys()):
            parents[target] = name
            queue.append(target)
    return None


def test_the_core_never_imports_streamlit():
    core = [name for name in our_modules() if name == "cnnlab" or name.startswith("cnnlab.")]
    assert len(core) > 10
    chains = [chain for name in core if (chain := chain_to_streamlit(name))]
    assert not chains, "cnnlab reaches Streamlit:\n" + "\n".join(" -> ".join(c) for c in chains)
    assert chain_to_streamlit("app")[-1] == "streamlit"  # the walk does find Streamlit where it is


def functions(path: Path):
    for node in ast.walk(syntax_tree(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def test_no_function_is_longer_than_60_lines():
    long = [f"{path.relative_to(ROOT)}:{f.lineno} {f.name}() is {f.end_lineno - f.lineno + 1} lines"
            for name, path in our_modules().items() if name.split(".")[0] in PACKAGES
            for f in functions(path) if f.end_lineno - f.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, "\n".join(long)


def is_page_definition(statement: ast.stmt) -> bool:
    """Docstring, import, function or class, or an UPPER_CASE constant: not the page's own top-level code."""
    if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return isinstance(statement.value.value, str)
    targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
    return isinstance(statement, (ast.Assign, ast.AnnAssign)) and all(
        isinstance(t, ast.Name) and t.id.isupper() for t in targets)


def test_pages_are_small_functions_and_a_short_top_level():
    pages = sorted(p for p in (ROOT / "app_pages").glob("*.py") if p.name != "__init__.py")
    assert len(pages) >= 8
    too_long = []
    for path in pages:
        code = [s for s in syntax_tree(path).body if not is_page_definition(s)]
        lines = sum(s.end_lineno - s.lineno + 1 for s in code)
        if len(code) > MAX_PAGE_STATEMENTS or lines > MAX_PAGE_LINES:
            too_long.append(f"{path.name}: {len(code)} top-level statements over {lines} lines")
    assert not too_long, "\n".join(too_long)


# ------------------------------------------------------------------ repeated blocks

def significant_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, the line's tokens joined by spaces) for each line that is not blank, comment, import
    or punctuation only. A token spanning lines (a docstring) counts on its first line."""
    source = path.read_text(encoding="utf-8")
    imports = {line for node in ast.walk(syntax_tree(path)) if isinstance(node, (ast.Import, ast.ImportFrom))
               for line in range(node.lineno, node.end_lineno + 1)}
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
               tokenize.ENCODING, tokenize.ENDMARKER}
    lines: dict[int, list[str]] = defaultdict(list)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skipped and token.start[0] not in imports:
            lines[token.start[0]].append(token.string)
    return [(number, " ".join(tokens)) for number, tokens in sorted(lines.items())
            if re.search(r"\w", "".join(tokens))]


def repeated_runs(paths: list[Path], root: Path = ROOT, size: int = REPEAT_LINES) -> list[str]:
    """'a.py:10-17 ~ b.py:40-47' for each longest run of at least `size` lines that stands in two places."""
    texts = {path: significant_lines(path) for path in paths}
    windows = defaultdict(list)
    for path, lines in texts.items():
        for i in range(len(lines) - size + 1):
            windows[tuple(text for _, text in lines[i:i + size])].append((path, i))
    pairs = {(a, i, b, j) for places in windows.values() for n, (a, i) in enumerate(places)
             for b, j in places[n + 1:] if a != b or abs(i - j) >= size}
    runs = []
    for a, i, b, j in sorted(pairs, key=lambda p: (str(p[0]), p[1], str(p[2]), p[3])):
        if (a, i - 1, b, j - 1) in pairs:
            continue  # inside a run already reported
        k = 0
        while (a, i + k + 1, b, j + k + 1) in pairs:
            k += 1
        last = k + size - 1
        runs.append(f"{a.relative_to(root)}:{texts[a][i][0]}-{texts[a][i + last][0]} ~ "
                    f"{b.relative_to(root)}:{texts[b][j][0]}-{texts[b][j + last][0]}")
    return runs


def test_no_block_of_six_lines_is_repeated_outside_tests():
    paths = sorted(set(our_modules().values()) | {p for folder in NOT_TESTS for p in (ROOT / folder).rglob("*.py")})
    runs = repeated_runs(paths)
    assert not runs, "the same lines stand in two places (make one piece of code serve both):\n" + "\n".join(runs)


def test_the_repeat_check_finds_a_repeat_whatever_the_spacing_and_comments(tmp_path):
    block = "".join(f"value_{n} = compute({n}, 'x')\n" for n in range(6))
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    first.write_text("import os\n\n" + block + "print(1)\n", encoding="utf-8")
    second.write_text("def f():\n    pass\n" + block.replace(", ", ",  ").replace("\n", "  # note\n", 3), encoding="utf-8")
    assert repeated_runs([first, second], root=tmp_path) == ["first.py:3-8 ~ second.py:3-8"]
    assert repeated_runs([first], root=tmp_path) == []


# ------------------------------------------------------------------ session keys and page paths

STATE_KEYS = "components.state_keys"
PAGES_MODULE = "components.pages"
SESSION_STATE_METHODS = ("get", "setdefault", "pop", "update")


def is_text(node: ast.AST | None) -> bool:
    """A string literal or an f-string: a key written in place rather than taken from state_keys."""
    return isinstance(node, ast.JoinedStr) or isinstance(node, ast.Constant) and isinstance(node.value, str)


def is_session_state(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "session_state"
            or isinstance(node, ast.Name) and node.id == "session_state")


def written_keys(tree: ast.AST):
    """(line, how) for each key written in place: `key=` of any call, st.session_state[...], its get/setdefault/
    pop/update (and update's dict keys), `... in st.session_state`, and st.session_state.<name>."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "key" and is_text(keyword.value):
                    yield node.lineno, "key="
            function = node.func
            if isinstance(function, ast.Attribute) and is_session_state(function.value):
                arguments = list(node.args[:1]) + [k for k in node.keywords if k.arg is not None]
                for argument in node.args[:1]:
                    if isinstance(argument, ast.Dict):
                        arguments += argument.keys
                if any(is_text(a) for a in arguments) or any(k.arg is not None for k in node.keywords):
                    yield node.lineno, f"session_state.{function.attr}()"
        elif isinstance(node, ast.Subscript) and is_session_state(node.value) and is_text(node.slice):
            yield node.lineno, "session_state[...]"
        elif isinstance(node, ast.Compare) and is_text(node.left) and any(
                isinstance(op, (ast.In, ast.NotIn)) and is_session_state(c)
                for op, c in zip(node.ops, node.comparators, strict=True)):
            yield node.lineno, "in session_state"
        elif (isinstance(node, ast.Attribute) and is_session_state(node.value)
              and node.attr not in SESSION_STATE_METHODS):
            yield node.lineno, f"session_state.{node.attr}"


def test_every_session_key_comes_from_state_keys():
    found = [f"{path.relative_to(ROOT)}:{line} {how}" for name, path in our_modules().items() if name != STATE_KEYS
             for line, how in sorted(written_keys(syntax_tree(path)))]
    assert not found, "keys written in place (declare them in components/state_keys.py):\n" + "\n".join(found)


def test_no_two_fixed_keys_share_a_string():
    tree = syntax_tree(our_modules()[STATE_KEYS])
    strings = [node.value for statement in tree.body if isinstance(statement, ast.Assign)
               for node in ast.walk(statement.value) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert len(strings) > 50
    assert sorted(s for s in set(strings) if strings.count(s) > 1) == []


def test_the_key_check_finds_keys_written_in_place():
    code = ('st.slider("a", key="x")\nst.button("b", key=f"y_{i}")\nst.session_state["z"] = 1\n'
            'st.session_state.get(f"w{n}")\nif "v" not in st.session_state: pass\nst.session_state.u = 2\n'
            'st.session_state.update({"t": 1})\nst.session_state.setdefault(keys.S, 0)\nsorted(a, key=len)\n'
            'st.session_state[keys.R] = st.session_state.pop(keys.Q, None)\n"p" in other\n')
    assert [how for _, how in written_keys(ast.parse(code))] == [
        "key=", "key=", "session_state[...]", "session_state.get()", "in session_state", "session_state.u",
        "session_state.update()"]


def page_paths(tree: ast.AST) -> list[int]:
    """Lines of string literals (or f-string parts) naming a page's file, "app_pages/<name>.py"."""
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and re.search(r"app_pages/[\w{}]*\.py|^app_pages/", node.value)]


def test_every_page_path_comes_from_page_info():
    found = [f"{path.relative_to(ROOT)}:{line}" for name, path in our_modules().items() if name != PAGES_MODULE
             for line in page_paths(syntax_tree(path))]
    found += [f"{path.relative_to(ROOT)}:{line}" for path in sorted((ROOT / "benchmarks").rglob("*.py"))
              for line in page_paths(syntax_tree(path))]
    assert not found, "page paths written in place (use components.pages.page_info(name).path):\n" + "\n".join(found)
    assert page_paths(syntax_tree(our_modules()[PAGES_MODULE]))  # the check does see the one place they stand
    assert page_paths(ast.parse('st.switch_page("app_pages/draw.py")\nst.page_link(f"app_pages/{n}.py")\n'
                                '"""Pages live in app_pages/."""\n')) == [1, 2]
