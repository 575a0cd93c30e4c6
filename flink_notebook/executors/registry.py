"""Discovering executor factories (entry-point group ``flink_notebook.executors``).

A third-party package registers its own target in its ``pyproject.toml``::

    [project.entry-points."flink_notebook.executors"]
    my-target = "my_package.executor:MyExecutorFactory"

The entry point's name is the ``execution.target`` it serves. The built-in
``local``, ``remote`` and ``per-job`` targets are registered the same way. A
plug-in that fails to load is logged and skipped, never fatal.
"""

from __future__ import annotations

import difflib
import logging
import sys
import threading
from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points
from types import MappingProxyType
from typing import TYPE_CHECKING

from IPython.core.error import UsageError

from flink_notebook.executors.base import Executor, ExecutorFactory

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.engine.session import FlinkSession

GROUP = "flink_notebook.executors"
log = logging.getLogger(__name__)
_lock = threading.Lock()
_factories: Mapping[str, ExecutorFactory] | None = None


def _entry_points() -> Iterable[EntryPoint]:
    if sys.version_info >= (3, 10):
        return entry_points(group=GROUP)
    return entry_points().get(GROUP, ())  # Python 3.9: a dict of groups


def _load() -> dict[str, ExecutorFactory]:
    found: dict[str, ExecutorFactory] = {}
    for entry in _entry_points():
        if entry.name in found:
            log.warning("Executor %s is registered twice; ignoring %s", entry.name, entry.value)
            continue
        try:
            factory = entry.load()()
        except Exception:
            log.warning(
                "Skipping executor plug-in %s (%s): it failed to load",
                entry.name,
                entry.value,
                exc_info=True,
            )
            continue
        if not isinstance(factory, ExecutorFactory):
            log.warning(
                "Skipping executor plug-in %s (%s): not an ExecutorFactory", entry.name, entry.value
            )
            continue
        if not factory.name:
            factory.name = entry.name
        elif factory.name != entry.name:
            # Targets are listed by entry-point name; a different factory.name would
            # make the listed name unusable with the default is_compatible_with.
            log.warning(
                "Executor plug-in %s (%s) calls itself %r; select it with execution.target=%s",
                entry.name,
                entry.value,
                factory.name,
                factory.name,
            )
        found[entry.name] = factory
    return found


def available_factories(reload: bool = False) -> Mapping[str, ExecutorFactory]:
    """Every installed executor factory by target name, read-only. Discovered once;
    ``reload=True`` looks at the installed packages again."""
    global _factories
    with _lock:
        if _factories is None or reload:
            _factories = MappingProxyType(_load())
        return _factories


def _compatible(name: str, factory: ExecutorFactory, configuration: Configuration) -> bool:
    try:
        return bool(factory.is_compatible_with(configuration))
    except Exception:
        log.warning(
            "Executor plug-in %s failed to check the configuration; skipping it",
            name,
            exc_info=True,
        )
        return False


def resolve(configuration: Configuration) -> ExecutorFactory:
    """The one factory compatible with the configuration (FLIP-73); a UsageError naming
    the target and the available ones when there is none, or more than one."""
    factories = available_factories()
    target = configuration.get("execution.target")
    compatible = {
        name: factory
        for name, factory in factories.items()
        if _compatible(name, factory, configuration)
    }
    if len(compatible) == 1:
        return next(iter(compatible.values()))
    if not factories:
        raise UsageError(
            f"No executor for execution.target={target!r}: none is installed "
            "(reinstall flink-notebook, whose entry points register local, remote and per-job)."
        )
    if not compatible:
        names = sorted(factories)
        close = difflib.get_close_matches(str(target), names, n=1)
        example = close[0] if close else ("local" if "local" in names else names[0])
        raise UsageError(
            f"No executor for execution.target={target!r}. Available targets: "
            f"{', '.join(names)} (set one with %flink_config execution.target={example})"
        )
    claims = ", ".join(
        f"{name} ({type(factory).__module__}.{type(factory).__qualname__})"
        for name, factory in sorted(compatible.items())
    )
    raise UsageError(
        f"Several executors claim execution.target={target!r}: {claims}. "
        "Uninstall all but one of the packages that provide them."
    )


def get_executor(configuration: Configuration) -> Executor:
    """The executor for the configuration's target (see :func:`resolve`)."""
    return resolve(configuration).get_executor(configuration)


def executor_for(session: FlinkSession, configuration: Configuration) -> Executor:
    """The session's executor for the configuration's target: made once per target and
    kept in the session, which closes it (and the clusters it started) when it closes."""
    factory = resolve(configuration)
    with _lock:
        if factory.name not in session.executors:
            session.executors[factory.name] = factory.get_executor(configuration)
        return session.executors[factory.name]
