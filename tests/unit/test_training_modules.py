"""How the training code is laid out: no import cycle in the app's packages, the worker only ever started."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from cnnlab import trainer_pool

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cnnlab", "components", "app_pages")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).glob("*.py"))}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Our modules that `path` imports anywhere: at the top, inside functions, under TYPE_CHECKING."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from cnnlab import training` imports the module cnnlab.training; `from cnnlab import ROOT` the package
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path):
    tree = {"a.py": "import b\n", "b.py": "def f():\n    from c import x\n", "c.py": "x = 1\n",
            "d.py": "import c\n", "e.py": "def g():\n    import a\n"}
    modules = {name[:-3]: tmp_path / name for name in tree}
    for name, text in tree.items():
        (tmp_path / name).write_text(text)
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    assert find_cycle(graph) is None
    (tmp_path / "c.py").write_text("def h():\n    import a\n")
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]


def test_the_apps_packages_import_each_other_without_a_cycle():
    graph = import_graph()
    assert {"cnnlab.training", "cnnlab.recipe", "cnnlab.trainer_pool", "cnnlab.sequence_experiment"} <= set(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_training_modules_depend_one_way():
    """Recipe and experiment below the jobs, the jobs below the pages' views; the worker is only started."""
    graph = import_graph()
    assert {"cnnlab.recipe", "cnnlab.trainer_pool", "cnnlab.sequence_experiment"} <= graph["cnnlab.training"]
    assert "cnnlab.training" not in graph["cnnlab.recipe"] | graph["cnnlab.sequence_experiment"]
    assert "cnnlab.training" not in graph["cnnlab.trainer_pool"]
    importers = sorted(name for name, deps in graph.items() if "cnnlab.trainer_worker" in deps)
    assert importers == [], f"the worker runs as `python -m {trainer_pool.WORKER_MODULE}` only: {importers}"
    assert (ROOT / (trainer_pool.WORKER_MODULE.replace(".", "/") + ".py")).is_file()


def test_the_worker_imports_no_library_that_starts_threads_before_it_lowers_its_priority():
    code = ("import sys, cnnlab.trainer_worker; "
            "print(sorted(m for m in ('numpy', 'tensorflow', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
