"""The layers stay as docs/architecture.md draws them: a module imports its own package and
the packages below it, never one above (type-checking imports aside). Read from the source
with ``ast``, so every import counts, also those inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "flink_notebook"
#: Top to bottom. A package may import the packages of later lines, never of earlier ones.
LAYERS = [
    ("cli", "magics", "testing"),
    ("authoring",),
    ("cells",),
    ("display",),
    ("executors",),
    ("jobs",),
    ("sql",),
    ("engine",),
    ("clusters",),
    ("core",),
]
#: Old import paths kept for users (docs/architecture.md, "Public API"); nothing imports them.
KEPT_FOR_USERS = {"job", "pipeline", "rest", "config", "session"}
RANK = {package: rank for rank, names in enumerate(LAYERS) for package in names}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def package_of(path: Path) -> str:
    """The top-level part of flink_notebook a file belongs to ('' for the package's own
    __init__/__main__)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if len(parts) == 1:
        return "" if parts[0] in ("__init__", "__main__") else parts[0]
    return parts[0]


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, top-level part of flink_notebook) of every import outside ``if TYPE_CHECKING``."""
    tree = ast.parse(path.read_text(), str(path))
    checking = {id(node) for top in ast.walk(tree) if isinstance(top, ast.If)
                and "TYPE_CHECKING" in ast.unparse(top.test) for node in ast.walk(top)}
    found = []
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names
                                     if node.module == "flink_notebook"]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "flink_notebook" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


def test_every_package_has_a_layer():
    packages = {package_of(path) for path in modules()} - {""} - KEPT_FOR_USERS
    assert packages == set(RANK), "add the new package to LAYERS and docs/architecture.md"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_only(path):
    mine = package_of(path)
    if mine in KEPT_FOR_USERS or mine == "":
        return  # re-exports of the old paths; the extension's entry point
    wrong = []
    for line, other in imported(path):
        if other in ("__version__",) or other == mine:
            continue
        if other in KEPT_FOR_USERS:
            wrong.append(f"line {line}: {other} (an old path kept for users; import its new home)")
        elif other not in RANK or RANK[other] <= RANK[mine]:
            wrong.append(f"line {line}: {mine} imports {other}, which is not below it")
    assert not wrong, wrong


def test_the_top_level_holds_only_the_entry_point_and_the_kept_paths():
    top = {path.stem for path in PACKAGE.glob("*.py")}
    assert top == {"__init__", "__main__"} | KEPT_FOR_USERS


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
