"""The version layer's ledger (engine/ledger.py) against the installed Flink: one test per
internal member the notebook uses, failing with which member of which class is missing on
this Flink and which of our modules needs it. A new Flink release fails here, one clear test
per member, before it fails anywhere else. Also: every Java source of ours compiles on this
Flink, the version blocks' parser, and that the ledger covers what the code reaches.

The Python members need no JVM; the Java ones are looked up by reflection through PyFlink's
gateway (marked ``cluster``: it starts a JVM). See docs/versions.md, "The version layer".
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from flink_notebook.engine.java_classes import for_version, kernel_flink
from flink_notebook.engine.ledger import (
    JAVA_CLASS,
    JAVA_FIELD,
    JAVA_METHOD,
    KINDS,
    LEDGER,
    PLANNER,
    PYTHON_ATTRIBUTE,
    PYTHON_FUNCTION,
    Member,
)

PACKAGE = Path(__file__).parent.parent.parent / "flink_notebook"
JAVA_SOURCES = sorted(path.stem for path in (PACKAGE / "engine" / "jvm").glob("*.java"))
PYTHON = [entry for entry in LEDGER if entry.kind.startswith("python")]
JAVA = [entry for entry in LEDGER if entry.kind.startswith("java")]


def _installed() -> str:
    from pyflink.version import __version__

    return __version__


def _param(entries: list[Member]) -> list[Any]:
    """The entries that apply to the installed Flink (those of other versions are checked
    where they apply: each supported minor runs this module, docs/versions.md)."""
    return [pytest.param(entry, id=f"{entry.label}-{entry.used_by.rsplit('/', 1)[-1]}")
            for entry in entries if entry.applies_to(kernel_flink())]


def _missing(entry: Member, what: str = "") -> str:
    return (f"{entry.label} ({entry.kind}) is missing {what or 'from ' + entry.owner} on Flink "
            f"{_installed()}; flink_notebook/{entry.used_by} needs it ({entry.why}). "
            "Mend the version layer: docs/versions.md, 'The version layer'.")


# -- Python: PyFlink and py4j -----------------------------------------------------------------


def _python_owner(owner: str) -> Any:
    module, _, name = owner.partition(":")
    found = importlib.import_module(module)
    return getattr(found, name) if name else found


def _assigned_in_source(cls: type, name: str) -> bool:
    """Whether the source of the class's module, or of a base class's, sets ``.name =``."""
    setting = re.compile(rf"\.{re.escape(name)}\s*=(?!=)")
    modules = {sys.modules[base.__module__] for base in cls.__mro__
               if base.__module__ != "builtins"}
    return any(setting.search(inspect.getsource(module)) for module in modules)


@pytest.mark.parametrize("entry", _param(PYTHON))
def test_a_python_member_the_notebook_uses_exists(entry: Member):
    try:
        owner = _python_owner(entry.owner)
    except (ImportError, AttributeError) as error:
        pytest.fail(_missing(entry, f"(its owner {entry.owner} is not there: {error})"),
                    pytrace=False)
    if entry.kind == PYTHON_FUNCTION:
        assert hasattr(owner, entry.name), _missing(entry)
    else:
        assert _assigned_in_source(owner, entry.name), _missing(entry)


# -- Java: Flink's classes through PyFlink's gateway -----------------------------------------


@pytest.fixture(scope="module")
def jvm_loaders():
    """PyFlink's gateway and the class loaders the ledger names: the gateway's, and the
    planner's (Flink loads the planner and Calcite apart from the rest)."""
    from pyflink.java_gateway import get_gateway
    from pyflink.table import EnvironmentSettings, TableEnvironment

    from flink_notebook.engine.internals import planner

    gateway = get_gateway()
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    return gateway, {"": gateway.jvm.Thread.currentThread().getContextClassLoader(),
                     PLANNER: planner(t_env).getClass().getClassLoader()}


def _ancestors(cls: Any) -> list[Any]:
    """The class, its superclasses and every interface they implement, nearest first."""
    seen: list[Any] = []
    todo = [cls]
    while todo:
        current = todo.pop(0)
        if current is None or any(current.equals(known) for known in seen):
            continue
        seen.append(current)
        todo.append(current.getSuperclass())
        todo.extend(current.getInterfaces())
    return seen


def _java_has(gateway: Any, cls: Any, entry: Member) -> bool:
    if entry.kind == JAVA_CLASS:
        return True
    if entry.kind == JAVA_FIELD:
        return any(field.getName() == entry.name for owner in _ancestors(cls)
                   for field in owner.getDeclaredFields())
    if entry.name == "<init>":
        found = cls.getDeclaredConstructors()
    else:
        found = [method for owner in _ancestors(cls) for method in owner.getDeclaredMethods()
                 if method.getName() == entry.name]
    return any(entry.params is None
               or tuple(str(p.getSimpleName()) for p in member.getParameterTypes())
               == entry.params
               for member in found)


@pytest.mark.cluster
@pytest.mark.parametrize("entry", _param(JAVA))
def test_a_java_member_the_notebook_uses_exists(jvm_loaders, entry: Member):
    from py4j.protocol import Py4JJavaError

    gateway, loaders = jvm_loaders
    try:
        cls = gateway.jvm.java.lang.Class.forName(entry.owner, False, loaders[entry.loader])
    except Py4JJavaError as error:
        pytest.fail(_missing(entry, f"(no class {entry.owner}: "
                                    f"{error.java_exception.getClass().getSimpleName()})"),
                    pytrace=False)
    assert _java_has(gateway, cls, entry), _missing(entry)


@pytest.mark.cluster
@pytest.mark.parametrize("name", JAVA_SOURCES)
def test_our_java_compiles_on_this_flink(jvm_loaders, name: str):
    from py4j.protocol import Py4JJavaError

    from flink_notebook.engine.java_classes import java_class

    gateway, _ = jvm_loaders
    try:
        java_class(gateway, name)
    except Py4JJavaError as error:
        cause = str(error.java_exception.getMessage()).splitlines()[0]
        pytest.fail(f"flink_notebook/engine/jvm/{name}.java does not compile on Flink "
                    f"{_installed()}: {cause}. Put the lines this version needs in a version "
                    "block and the members it uses in engine/ledger.py (docs/versions.md).",
                    pytrace=False)


# -- The ledger covers what the code reaches --------------------------------------------------


def test_every_entry_is_well_formed():
    for entry in LEDGER:
        assert entry.kind in KINDS, entry
        assert (PACKAGE / entry.used_by).is_file(), f"{entry.label}: no {entry.used_by}"
        assert entry.kind.startswith("java") != (":" in entry.owner or
                                                  entry.owner.startswith(("pyflink", "py4j"))), \
            f"{entry.label}: a {entry.kind} with owner {entry.owner}"
        assert (entry.name == "") == (entry.kind == JAVA_CLASS), entry
        assert not (entry.loader or entry.params) or entry.kind.startswith("java"), entry


def test_each_entry_is_named_where_it_is_used():
    """The module an entry names does use it (or the layer does, for Python members)."""
    internals = (PACKAGE / "engine" / "internals.py").read_text()
    for entry in LEDGER:
        text = (PACKAGE / entry.used_by).read_text()
        word = entry.label.split(".")[0] if entry.name in ("", "<init>") else entry.name
        assert word in text or (entry.kind.startswith("python") and word in internals), \
            f"{entry.label}: {entry.used_by} does not mention {word}"


def test_every_reflective_name_in_our_code_is_in_the_ledger():
    """Each field or method our code names by string for reflection (Java's getDeclaredField,
    our field(...) helpers, private_field, getMethod) has a ledger entry."""
    fields = {entry.name for entry in LEDGER if entry.kind == JAVA_FIELD}
    methods = {entry.name for entry in LEDGER if entry.kind == JAVA_METHOD}
    field_names = re.compile(r'(?:getDeclaredField|getField|\bfield|private_field)\(\s*'
                             r'(?:[^"\n]*?,\s*)?(?:"\w+",\s*)?"(\w+)"\)')
    method_names = re.compile(r'getMethod\(\s*"(\w+)"')
    missing = []
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.java")]):
        text = path.read_text()
        where = path.relative_to(PACKAGE)
        missing += [f"{where}: field {name}" for name in field_names.findall(text)
                    if name not in fields]
        missing += [f"{where}: method {name}" for name in method_names.findall(text)
                    if name not in methods]
    assert missing == [], "add these to engine/ledger.py"


def test_every_private_python_member_the_layer_touches_is_in_the_ledger():
    names = {entry.name for entry in LEDGER if entry.kind.startswith("python")}
    tree = ast.parse((PACKAGE / "engine" / "internals.py").read_text())
    touched = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
               and node.attr.startswith("_") and not node.attr.startswith("__")}
    touched |= {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                and isinstance(node.value, str) and re.fullmatch(r"_[a-z]\w*", node.value)}
    assert touched - names == set()


def test_every_routed_pyflink_method_is_in_the_ledger():
    from flink_notebook.cells.routing import ROUTES

    ledger = {(entry.owner, entry.name, entry.since) for entry in LEDGER
              if entry.kind == PYTHON_FUNCTION}
    assert [f"{route.owner}.{route.method}" for route in ROUTES
            if (route.owner, route.method, route.since) not in ledger] == []


def test_a_missing_member_is_reported_by_name_and_user():
    """What a failure says: the member, the Flink, and the module that needs it."""
    entry = Member("pyflink.table.table_environment:TableEnvironment", "_j_gone",
                   PYTHON_ATTRIBUTE, "engine/internals.py", "a reason")
    with pytest.raises(AssertionError) as failed:
        test_a_python_member_the_notebook_uses_exists(entry)
    message = str(failed.value)
    assert "TableEnvironment._j_gone (python attribute) is missing" in message
    assert f"Flink {_installed()}" in message
    assert "flink_notebook/engine/internals.py needs it (a reason)" in message


@pytest.mark.parametrize(("since", "until", "version", "applies"), [
    (None, None, (1, 20), True),
    ("2.0", None, (1, 20), False),
    ("2.0", None, (2, 0), True),
    (None, "2.0", (1, 20), True),
    (None, "2.0", (2, 0), False),
    ("2.1", "2.3", (2, 2), True),
    ("2.1", "2.3", (2, 3), False),
])
def test_an_entry_applies_to_its_versions(since, until, version, applies):
    entry = Member("x.Y", "z", JAVA_FIELD, "engine/ledger.py", "", since=since, until=until)
    assert entry.applies_to(version) is applies


# -- Version blocks (engine/java_classes.for_version) ------------------------------------------

SOURCE = """class A {
    // @flink >= 2.0
    two();
    // @else
    one();
    // @end
    both();
}
"""


def test_a_version_block_keeps_the_kernels_lines_and_the_line_numbers():
    new, old = for_version(SOURCE, (2, 3)), for_version(SOURCE, (1, 20))
    assert new.splitlines() == ["class A {", "", "    two();", "", "", "", "    both();", "}"]
    assert old.splitlines() == ["class A {", "", "", "", "    one();", "", "    both();", "}"]


def test_a_block_without_else_and_a_lower_bound():
    source = "a\n// @flink < 2.1\nb\n// @end\nc\n"
    assert for_version(source, (2, 0)).splitlines() == ["a", "", "b", "", "c"]
    assert for_version(source, (2, 1)).splitlines() == ["a", "", "", "", "c"]


@pytest.mark.parametrize(("source", "says"), [
    ("// @flink >= 2.0\n// @flink >= 2.1\n// @end\n// @end\n",
     "line 2: version blocks do not nest"),
    ("// @flink >= 2.0\n// @else\n// @else\n// @end\n", "line 3: a second @else"),
    ("x\n// @else\n", "line 2: @else outside a version block"),
    ("// @end\n", "line 1: @end outside a version block"),
    ("// @flink >= 2.0\nx\n", "not closed with // @end"),
    ("// @flink > 2.0\nx\n// @end\n", "line 1: unknown version marker '// @flink > 2.0'"),
    ("// @fink >= 2.0\nx\n// @end\n", "line 1: unknown version marker"),
    ("// @elif\n", "line 1: unknown version marker"),
])
def test_a_malformed_block_is_an_error_naming_its_line(source, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        for_version(source, (2, 0))


def test_our_java_sources_parse_for_every_supported_version():
    from flink_notebook.core.flink_versions import SUPPORTED_MINORS

    for name in JAVA_SOURCES:
        text = files("flink_notebook.engine").joinpath(f"jvm/{name}.java").read_text()
        for minor in SUPPORTED_MINORS:
            major, low = minor.split(".")
            assert len(for_version(text, (int(major), int(low))).splitlines()) == \
                len(text.splitlines()), name
