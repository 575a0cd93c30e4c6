"""Our small Java classes (``engine/jvm/*.java``), compiled once per JVM at run time by Janino,
which Flink ships: no jar to build or put on the classpath."""

from __future__ import annotations

import threading
from importlib.resources import files
from typing import Any

_lock = threading.Lock()
_compiled: dict[str, Any] = {}


def java_class(gateway: Any, name: str) -> Any:
    """The Java class ``flink_notebook.<name>`` from ``engine/jvm/<name>.java`` (about 0.1 s the
    first time in a JVM)."""
    with _lock:
        if name not in _compiled:
            jvm = gateway.jvm
            source = files("flink_notebook.engine").joinpath(f"jvm/{name}.java").read_text()
            compiler = jvm.org.codehaus.janino.SimpleCompiler()
            compiler.setTargetVersion(8)  # static interface methods (StringData.fromString)
            compiler.setParentClassLoader(jvm.Thread.currentThread().getContextClassLoader())
            compiler.cook(source)
            _compiled[name] = compiler.getClassLoader().loadClass(f"flink_notebook.{name}")
        return _compiled[name]


def new_instance(gateway: Any, java_class: Any) -> Any:
    """``new C()`` for a class py4j cannot name (it lives in Janino's class loader)."""
    no_types = gateway.new_array(gateway.jvm.Class, 0)
    no_args = gateway.new_array(gateway.jvm.Object, 0)
    return java_class.getDeclaredConstructor(no_types).newInstance(no_args)
