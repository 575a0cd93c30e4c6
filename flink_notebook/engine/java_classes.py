"""Our small Java classes (``engine/jvm/*.java``), compiled once per JVM at run time by Janino,
which Flink ships: no jar to build or put on the classpath.

Where Flink's API differs between the versions we support, a source holds both forms in
version blocks, and only the kernel's version's lines are compiled (the others become blank
lines, so a compiler's line numbers still match the file)::

    // @flink >= 2.0
    StreamGraph graph = PipelineExecutorUtils.getStreamGraph(pipeline, configuration);
    // @else
    JobGraph graph = PipelineExecutorUtils.getJobGraph(pipeline, configuration, loader);
    // @end

The members each block uses are in the ledger (engine/ledger.py), checked against the
installed Flink by tests/engine/test_ledger.py.
"""

from __future__ import annotations

import re
import threading
from importlib.resources import files
from typing import Any

from flink_notebook.core.flink_versions import minor_tuple

_lock = threading.Lock()
_compiled: dict[str, Any] = {}


def java_class(gateway: Any, name: str) -> Any:
    """The Java class ``flink_notebook.<name>`` from ``engine/jvm/<name>.java`` (about 0.1 s the
    first time in a JVM)."""
    with _lock:
        if name not in _compiled:
            jvm = gateway.jvm
            source = for_version(
                files("flink_notebook.engine").joinpath(f"jvm/{name}.java").read_text(),
                kernel_flink())
            compiler = jvm.org.codehaus.janino.SimpleCompiler()
            compiler.setTargetVersion(8)  # static interface methods (StringData.fromString)
            compiler.setParentClassLoader(jvm.Thread.currentThread().getContextClassLoader())
            compiler.cook(source)
            _compiled[name] = compiler.getClassLoader().loadClass(f"flink_notebook.{name}")
        return _compiled[name]


_BLOCK = re.compile(r"^\s*// @(flink\s*(>=|<)\s*(\d+)\.(\d+)|else|end)\s*$")
#: Any line that looks like a marker: one that is not a valid one is an error, not a comment
#: (a typo would compile both forms).
_MARKER = re.compile(r"^\s*// @")


def kernel_flink() -> tuple[int, int]:
    """The kernel's Flink version as (major, minor)."""
    from pyflink.version import __version__

    return minor_tuple(__version__)


def for_version(source: str, version: tuple[int, int]) -> str:
    """``source`` with the lines of the version blocks that do not hold for ``version``
    blanked, and the block markers too (blocks do not nest)."""
    out = []
    keep = True
    inside = seen_else = False
    for number, line in enumerate(source.splitlines(), 1):
        marker = _BLOCK.match(line)
        if marker is None:
            if _MARKER.match(line):
                raise ValueError(f"line {number}: unknown version marker {line.strip()!r} "
                                 "(// @flink >= X.Y, // @flink < X.Y, // @else, // @end)")
            out.append(line if keep else "")
            continue
        word = marker.group(1)
        if word.startswith("flink"):
            if inside:
                raise ValueError(f"line {number}: version blocks do not nest")
            bound = (int(marker.group(3)), int(marker.group(4)))
            keep = version >= bound if marker.group(2) == ">=" else version < bound
            inside = True
            seen_else = False
        elif not inside:
            raise ValueError(f"line {number}: @{word} outside a version block")
        elif word == "else":
            if seen_else:
                raise ValueError(f"line {number}: a second @else in one version block")
            keep = not keep
            seen_else = True
        else:
            keep = True
            inside = False
        out.append("")
    if inside:
        raise ValueError("a version block is not closed with // @end")
    return "\n".join(out) + "\n"


def new_instance(gateway: Any, java_class: Any) -> Any:
    """``new C()`` for a class py4j cannot name (it lives in Janino's class loader)."""
    no_types = gateway.new_array(gateway.jvm.Class, 0)
    no_args = gateway.new_array(gateway.jvm.Object, 0)
    return java_class.getDeclaredConstructor(no_types).newInstance(no_args)
