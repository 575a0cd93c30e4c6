"""The session's jars (``ADD JAR``, ``SHOW JARS``, ``REMOVE JAR``), as the SQL client keeps
them.

Flink's TableEnvironment adds and lists jars itself, and ships them with every job
(``pipeline.jars``), so they reach remote and per-job clusters. It has no ``REMOVE JAR``:
the SQL client's resource manager removes the jar from the session's resources, which is
what is done here (classes already loaded from it stay loaded, as in the client).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core.error import UsageError

from flink_notebook.engine.internals import java_table_env, private_field


def _resources(t_env: Any) -> Any:
    try:
        manager = private_field(java_table_env(t_env), "TableEnvironmentImpl", "resourceManager")
        return private_field(manager, "ResourceManager", "resourceInfos")
    except LookupError as missing:
        raise UsageError(f"REMOVE JAR is not available with this Flink version ({missing})."
                         ) from None


def remove_jar(t_env: Any, path: str) -> None:
    """Take the jar added as ``path`` out of the session: later jobs do not ship it."""
    resources = _resources(t_env)
    found = [key for key in resources.keySet()
             if str(key.getResourceType().toString()) == "JAR"
             and path in (str(key.getUri()), str(resources.get(key).getPath()))]
    if not found:
        raise UsageError(f"REMOVE JAR: {path!r} was not added to this session "
                         "(SHOW JARS lists the jars that were).")
    for key in found:
        resources.remove(key)


def forget_file(t_env: Any, path: str) -> None:
    """Take the file ``path`` out of the session's resources, of whatever kind: ``COMPILE
    PLAN`` and ``EXECUTE PLAN`` register their plan file there, and ``SHOW JARS`` then
    lists it (a deployment's plan.json among the user's jars). Where this Flink keeps its
    resources elsewhere, the file stays listed."""
    try:
        resources = _resources(t_env)
    except UsageError:
        return
    for key in [key for key in resources.keySet()
                if str(key.getUri()).endswith(path) or str(resources.get(key)).endswith(path)]:
        resources.remove(key)


@contextmanager
def added_jars_hidden(t_env: Any) -> Iterator[None]:
    """Run ``CREATE FUNCTION ... USING JAR`` with the session's added jars out of sight.

    Flink skips a function's jar that ``ADD JAR`` already registered, then fails with a
    NullPointerException looking for the function's own record of it. Hidden for the one
    statement, the jar gets that record; the session's jar list is back right after.
    """
    resources = _resources(t_env)
    hidden = {key: resources.get(key) for key in list(resources.keySet())
              if str(key.getResourceType().toString()) == "JAR"}
    for key in hidden:
        resources.remove(key)
    try:
        yield
    finally:
        for key, url in hidden.items():
            resources.put(key, url)
