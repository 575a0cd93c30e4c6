"""Discovering executor factories (entry-point group ``flink_notebook.executors``).

A third-party package registers its own target in its ``pyproject.toml``::

    [project.entry-points."flink_notebook.executors"]
    my-target = "my_package.executor:MyExecutorFactory"

The built-in ``local``, ``remote`` and ``per-job`` targets are registered the
same way. A plug-in that fails to import is logged and skipped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import TYPE_CHECKING

from IPython.core.error import UsageError

from flink_notebook.executors.base import Executor, ExecutorFactory

if TYPE_CHECKING:
    from flink_notebook.config import Configuration

GROUP = "flink_notebook.executors"
log = logging.getLogger(__name__)
_lock = threading.Lock()
_factories: Mapping[str, ExecutorFactory] | None = None


def _load() -> dict[str, ExecutorFactory]:
    found: dict[str, ExecutorFactory] = {}
    for entry in entry_points(group=GROUP):
        try:
            factory = entry.load()()
        except Exception:
            log.warning("Skipping executor plug-in %s (%s): it failed to load", entry.name,
                        entry.value, exc_info=True)
            continue
        if entry.name in found:
            log.warning("Executor %s registered twice; keeping %r", entry.name,
                        found[entry.name])
            continue
        found[entry.name] = factory
    return found


def available_factories(reload: bool = False) -> Mapping[str, ExecutorFactory]:
    """Every discovered factory by name (read-only)."""
    global _factories
    with _lock:
        if _factories is None or reload:
            _factories = MappingProxyType(_load())
        return _factories


def resolve(configuration: Configuration) -> ExecutorFactory:
    """The one factory compatible with the configuration (FLIP-73)."""
    factories = available_factories()
    compatible = [f for f in factories.values() if f.is_compatible_with(configuration)]
    target = configuration.get("execution.target")
    if len(compatible) == 1:
        return compatible[0]
    names = ", ".join(sorted(factories)) or "none (is flink-notebook installed?)"
    if not compatible:
        raise UsageError(
            f"No executor for execution.target={target!r}. Available targets: {names} "
            "(choose one with --target NAME or %flink_config execution.target=NAME)."
        )
    claims = ", ".join(sorted(type(f).__name__ for f in compatible))
    raise UsageError(
        f"Several executors claim execution.target={target!r}: {claims}. "
        "Uninstall one of the plug-ins."
    )


def get_executor(configuration: Configuration) -> Executor:
    return resolve(configuration).get_executor(configuration)
