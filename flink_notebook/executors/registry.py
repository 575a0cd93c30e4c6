"""Discovering executor factories (entry-point group ``flink_notebook.executors``).

A third-party package registers its own target in its ``pyproject.toml``::

    [project.entry-points."flink_notebook.executors"]
    my-target = "my_package.executor:MyExecutorFactory"

The entry point's name is the ``execution.target`` it serves. The built-in
``local``, ``remote`` and ``per-job`` targets are registered the same way. A factory
is anything with ``is_compatible_with(configuration)`` and ``get_executor(configuration)``,
and an executor anything with ``execute(pipeline, configuration)`` (FLIP-73's interfaces,
by protocol: subclassing ours is not needed). A plug-in that fails to load or has the
wrong shape is skipped, never fatal, and named with the reason when no executor matches.
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

GROUP = "flink_notebook.executors"
log = logging.getLogger(__name__)
_lock = threading.Lock()
_factories: Mapping[str, ExecutorFactory] | None = None
#: Installed plug-ins that were left out, by entry-point name: (entry value, why).
_skipped: dict[str, tuple[str, str]] = {}


def is_factory(obj: object) -> bool:
    """FLIP-73's factory interface, by protocol: ``is_compatible_with`` and ``get_executor``
    (subclassing :class:`ExecutorFactory` is not needed)."""
    return all(callable(getattr(obj, name, None)) for name in ("is_compatible_with",
                                                               "get_executor"))


def _entry_points() -> Iterable[EntryPoint]:
    if sys.version_info >= (3, 10):
        return entry_points(group=GROUP)
    return entry_points().get(GROUP, ())  # Python 3.9: a dict of groups


def _instance(loaded: object) -> object:
    """The factory an entry point names: a class (or function) to call, or an object that
    already is one."""
    return loaded if is_factory(loaded) and not isinstance(loaded, type) else loaded()


def _skip(entry: EntryPoint, why: str, exc_info: bool = False) -> None:
    _skipped[entry.name] = (entry.value, why)
    log.warning("Skipping executor plug-in %s (%s): %s", entry.name, entry.value, why,
                exc_info=exc_info)


def _load() -> dict[str, ExecutorFactory]:
    found: dict[str, ExecutorFactory] = {}
    _skipped.clear()
    for entry in _entry_points():
        if entry.name in found:
            log.warning("Executor %s is registered twice; ignoring %s", entry.name, entry.value)
            continue
        try:
            factory = _instance(entry.load())
        except Exception as exc:
            _skip(entry, f"it failed to load ({type(exc).__name__}: {exc})", exc_info=True)
            continue
        if not is_factory(factory):
            _skip(entry, f"not an executor factory: {type(factory).__qualname__} has no "
                         "is_compatible_with and get_executor")
            continue
        name = getattr(factory, "name", "") or ""
        if not name:
            try:
                factory.name = entry.name  # type: ignore[attr-defined]
            except AttributeError:  # slots, a property: listed by its entry point anyway
                pass
        elif name != entry.name:
            # Targets are listed by entry-point name; a different factory.name would
            # make the listed name unusable with the default is_compatible_with.
            log.warning(
                "Executor plug-in %s (%s) calls itself %r; select it with execution.target=%s",
                entry.name,
                entry.value,
                name,
                name,
            )
        found[entry.name] = factory  # type: ignore[assignment]
    return found


def available_factories(reload: bool = False) -> Mapping[str, ExecutorFactory]:
    """Every installed executor factory by target name, read-only. Discovered once;
    ``reload=True`` looks at the installed packages again."""
    global _factories
    with _lock:
        if _factories is None or reload:
            _factories = MappingProxyType(_load())
        return _factories


def skipped_plugins() -> dict[str, tuple[str, str]]:
    """Installed plug-ins left out at discovery: {target: (entry point, why)}."""
    available_factories()
    return dict(_skipped)


def description(factory: object) -> str:
    """A factory's one-line description ("" when it has none)."""
    return str(getattr(factory, "description", "") or "")


def _compatible(name: str, factory: ExecutorFactory, configuration: Configuration,
                failed: dict[str, str]) -> bool:
    try:
        return bool(factory.is_compatible_with(configuration))
    except Exception as exc:
        failed[name] = f"its is_compatible_with raised {type(exc).__name__}: {exc}"
        log.warning(
            "Executor plug-in %s failed to check the configuration; skipping it",
            name,
            exc_info=True,
        )
        return False


def _skipped_text(failed: dict[str, str]) -> str:
    reasons = {name: why for name, (_, why) in skipped_plugins().items()}
    reasons.update(failed)
    if not reasons:
        return ""
    listed = "; ".join(f"{name}: {why}" for name, why in sorted(reasons.items()))
    return f" Skipped plug-ins: {listed}."


def resolve(configuration: Configuration) -> ExecutorFactory:
    """The one factory compatible with the configuration (FLIP-73); a UsageError naming
    the target, the available ones and any plug-in that was skipped when there is none,
    or naming them all when there is more than one."""
    factories = available_factories()
    target = configuration.get("execution.target")
    failed: dict[str, str] = {}
    compatible = {
        name: factory
        for name, factory in factories.items()
        if _compatible(name, factory, configuration, failed)
    }
    if len(compatible) == 1:
        return next(iter(compatible.values()))
    if not factories:
        raise UsageError(
            f"No executor for execution.target={target!r}: none is installed "
            "(reinstall flink-notebook, whose entry points register local, remote and per-job)."
            + _skipped_text(failed)
        )
    if not compatible:
        names = sorted(factories)
        close = difflib.get_close_matches(str(target), names, n=1)
        example = close[0] if close else ("local" if "local" in names else names[0])
        raise UsageError(
            f"No executor for execution.target={target!r}. Available targets: "
            f"{', '.join(names)} (set one with %flink_config execution.target={example})."
            + _skipped_text(failed)
        )
    claims = ", ".join(
        f"{name} ({type(factory).__module__}.{type(factory).__qualname__})"
        for name, factory in sorted(compatible.items())
    )
    raise UsageError(
        f"Several executors claim execution.target={target!r}: {claims}. "
        "Uninstall all but one of the packages that provide them."
    )


def _checked(name: str, executor: object) -> Executor:
    if not callable(getattr(executor, "execute", None)):
        raise UsageError(f"The executor plug-in for execution.target={name!r} returned "
                         f"{type(executor).__qualname__}, which has no execute(pipeline, "
                         "configuration); the plug-in needs fixing.")
    return executor  # type: ignore[return-value]


def get_executor(configuration: Configuration) -> Executor:
    """The executor for the configuration's target (see :func:`resolve`)."""
    factory = resolve(configuration)
    return _checked(getattr(factory, "name", ""), factory.get_executor(configuration))


def executor_for(executors: dict[str, Executor], configuration: Configuration) -> Executor:
    """The executor for the configuration's target from ``executors`` (by target), made and
    kept there the first time; whoever keeps them closes them (a notebook, when it ends)."""
    factory = resolve(configuration)
    name = getattr(factory, "name", "") or type(factory).__qualname__
    with _lock:
        if name not in executors:
            executors[name] = _checked(name, factory.get_executor(configuration))
        return executors[name]
