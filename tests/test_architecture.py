"""The layers stay as docs/architecture.md draws them: a module imports its own package and
the packages below it, never one above, and no two modules import each other, however
indirectly. Read from the source with ``ast``, so every import counts: those inside
functions, relative ones, and those under ``if TYPE_CHECKING`` too (a type hint that needs
an upper layer is a sign that the thing lives in the wrong room)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "flink_notebook"
#: Top to bottom. A package may import the packages of later lines, never of earlier ones.
LAYERS = [
    ("cli", "magics", "testing"),
    ("authoring", "teaching"),
    ("deploy",),
    ("cells",),
    ("display",),
    ("executors",),
    ("jobs",),
    ("sql",),
    ("engine",),
    ("clusters",),
    ("core",),
]
RANK = {package: rank for rank, names in enumerate(LAYERS) for package in names}


def module_name(path: Path, root: Path) -> str:
    """``flink_notebook.cells.sql`` for ``root/cells/sql.py`` (a package is its __init__)."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path) -> dict[str, dict[str, int]]:
    """Every module of the package under ``root``: the package's modules it imports, each
    with the line of its first import."""
    paths = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    graph: dict[str, dict[str, int]] = {}
    for name, path in paths.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found: dict[str, int] = {}
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # from . import x, from ..jobs import client
                    base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in paths:  # a name inside a module: the module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    found.setdefault(target, node.lineno)
        graph[name] = found
    return graph


def package_of(module: str) -> str:
    """The top-level part of flink_notebook a module belongs to ('' for the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def upward_imports(graph: dict[str, dict[str, int]]) -> list[str]:
    wrong = []
    for module, imported in sorted(graph.items()):
        mine = package_of(module)
        if mine not in RANK:
            continue  # the extension's entry point (the root) may import anything
        for other_module, line in sorted(imported.items()):
            other = package_of(other_module)
            if other == "":
                continue  # the root: __version__
            if other != mine and (other not in RANK or RANK[other] <= RANK[mine]):
                wrong.append(f"{module} line {line}: imports {other_module}, which is not "
                             "below it")
    return wrong


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan's
    strongly connected components, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


GRAPH = import_graph(PACKAGE)


def test_every_package_has_a_layer():
    packages = {package_of(module) for module in GRAPH} - {""}
    top_modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert packages - top_modules == set(RANK), \
        "add the new package to LAYERS and docs/architecture.md"


def test_the_top_level_holds_only_the_entry_point():
    assert {path.stem for path in PACKAGE.glob("*.py")} == {"__init__", "__main__"}


def test_imports_go_down_only():
    assert upward_imports(GRAPH) == []


def test_no_modules_import_each_other():
    assert cycles(GRAPH) == []


def test_only_the_notebook_and_the_entry_points_ask_for_the_current_session():
    """Executors, jobs and the display are given what they need; the process's session is
    looked up only where a kernel's notebook begins."""
    allowed = ("cells/notebook.py", "magics/", "cli/", "testing/")
    asking = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
              if "FlinkSession.current()" in path.read_text()
              and not str(path.relative_to(PACKAGE)).startswith(allowed)]
    assert asking == []


#: The version layer: the only modules that reach into PyFlink's and py4j's privates and
#: Java's private fields (docs/versions.md); each member they use is in engine/ledger.py.
VERSION_LAYER = ("engine/internals.py", "engine/ledger.py")
#: Private members (besides PyFlink's ``_j_*``) and Java reflection only the layer names.
INTERNAL_NAMES = frozenset({
    "setAccessible", "getDeclaredField", "getDeclaredFields", "getDeclaredMethod",
    "getDeclaredMethods", "_gateway_client", "_target_id", "_get_connection",
    "_give_back_connection", "launch_gateway_server_process", "_t_env",
    "_apply_chaining_optimization",
})


def _internal(name: str) -> bool:
    return name.startswith("_j_") or name in INTERNAL_NAMES


def reaches_into_internals(root: Path) -> list[str]:
    """Each place outside the version layer that names an internal member: as an attribute
    (``t_env._j_tenv``, ``field.setAccessible``) or as a string (``getattr(x, "_j_table")``)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(root).as_posix()
        if where in VERSION_LAYER:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and _internal(node.attr):
                found.append(f"flink_notebook/{where} line {node.lineno}: .{node.attr}")
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and _internal(node.value)):
                found.append(f"flink_notebook/{where} line {node.lineno}: {node.value!r}")
    return found


def test_only_the_version_layer_reaches_into_flinks_internals():
    """PyFlink's ``_j_*`` attributes, py4j's privates and Java's private fields are reached
    through engine/internals.py only (use or add a function there, and a ledger entry)."""
    assert reaches_into_internals(PACKAGE) == []


@pytest.mark.parametrize("reaching", [
    "def f(t_env):\n    return t_env._j_tenv.getParser()",
    "def f(table):\n    return getattr(table, '_j_table')",
    "def f(cls):\n    field = cls.getDeclaredField('x')\n    field.setAccessible(True)",
    "def f(client):\n    client._give_back_connection = print",
])
def test_a_reach_into_internals_is_found_with_its_line(tmp_path, reaching):
    root = _package(tmp_path, {"cells/__init__.py": "", "cells/sql.py": reaching,
                               "engine/__init__.py": "", "engine/internals.py": reaching})
    found = reaches_into_internals(root)
    assert found and all(line.startswith("flink_notebook/cells/sql.py line ")
                         for line in found), found


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "flink_notebook"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize("importing", [
    "from flink_notebook.cells.sql import run",
    "from ..cells import sql",
    "def later():\n    from flink_notebook.cells import sql",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
    "    from flink_notebook.cells.sql import run",
])
def test_an_upward_import_is_found_in_any_form(tmp_path, importing):
    """The check itself: an engine module importing a cell, written four ways."""
    root = _package(tmp_path, {"cells/__init__.py": "", "cells/sql.py": "def run(): pass\n",
                               "engine/__init__.py": "", "engine/session.py": importing})
    wrong = upward_imports(import_graph(root))
    assert wrong and all(line.startswith("flink_notebook.engine.session line ")
                         and "imports flink_notebook.cells" in line for line in wrong)


def test_a_cycle_is_found_through_a_third_module(tmp_path):
    root = _package(tmp_path, {
        "cells/__init__.py": "",
        "cells/a.py": "from flink_notebook.cells import b\n",
        "cells/b.py": "def f():\n    from flink_notebook.cells.c import g\n",
        "cells/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                      "    from flink_notebook.cells.a import x\n",
    })
    assert cycles(import_graph(root)) == [["flink_notebook.cells.a", "flink_notebook.cells.b",
                                            "flink_notebook.cells.c"]]


def test_the_magics_import_no_pandas():
    """``%load_ext`` starts Flink before it imports pandas and pyarrow (about a second), so
    Java starts on one CPU while they import on the other (B1): what it imports to make the
    magics must not pull them in."""
    import subprocess
    import sys

    probe = ("import sys; import flink_notebook.magics.flink, flink_notebook.engine.session; "
             "print(sorted({'pandas', 'pyarrow'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "[]", done.stdout
