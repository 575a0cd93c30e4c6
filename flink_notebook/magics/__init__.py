"""The IPython magics only: options in, a request to plain code out."""

from __future__ import annotations

import functools
from typing import Any

from IPython.core.error import UsageError


def register(shell: Any) -> None:
    """Register the magics and start Flink in the background.

    Flink's start comes first: Java then starts on the other CPU while this thread
    imports what the display needs (pandas and pyarrow, about a second), which the magics
    themselves do not import (B1 in benchmarks/RESULTS.md). A kernel whose apache-flink
    this release does not support gets one line saying which it supports, and nothing is
    registered."""
    from flink_notebook.core.flink_versions import check_kernel

    check_kernel()
    from flink_notebook.engine.session import FlinkSession
    from flink_notebook.magics.flink import FlinkMagics

    magics = FlinkMagics(shell=shell)
    if magics.prewarm:
        FlinkSession.current().prewarm()
    from flink_notebook.authoring.matcher import SqlCompleter
    from flink_notebook.magics.clusters import ClusterMagics
    from flink_notebook.magics.deploy import DeployMagics
    from flink_notebook.magics.teaching import TeachingMagics

    _quiet_second_load(shell)
    for ours in (magics, ClusterMagics(shell=shell), TeachingMagics(shell=shell),
                 DeployMagics(shell=shell)):
        shell.register_magics(ours)
        _said_in_one_line(shell, ours)
    SqlCompleter(FlinkSession.current()).register(shell)  # completion in SQL


def _quiet_second_load(shell: Any) -> None:
    """``%load_ext flink_notebook`` when it is loaded already (``flink-notebook lab`` and
    Binder load it before the first cell, which is still ``%load_ext flink_notebook`` in
    every notebook) is silent, not IPython's "already loaded ... use %reload_ext"."""
    line_magics = shell.magics_manager.magics["line"]
    load_ext = line_magics.get("load_ext")
    if load_ext is None or getattr(load_ext, "flink_notebook_quiet", False):
        return

    def quiet_load_ext(line: str) -> Any:
        if line.strip() == "flink_notebook" and "flink_notebook" in \
                shell.extension_manager.loaded:
            return None
        return load_ext(line)

    quiet_load_ext.flink_notebook_quiet = True  # type: ignore[attr-defined]
    quiet_load_ext.__doc__ = load_ext.__doc__
    shell.register_magic_function(quiet_load_ext, "line", "load_ext")


def _said_in_one_line(shell: Any, magics: Any) -> None:
    """Our errors are one line in a notebook: IPython says a UsageError in one line only
    when its type is exactly UsageError, and a subclass of ours (SubmissionFailed,
    Unreachable, RestRefused, PortTaken, which code branches on) would get a Python
    traceback. Each of ``magics``' magics raises them as a plain UsageError."""
    table = shell.magics_manager.magics
    for kind, names in magics.magics.items():
        for name in names:
            table[kind][name] = _plain_usage_errors(table[kind][name])


def _plain_usage_errors(magic: Any) -> Any:
    @functools.wraps(magic)
    def said(*args: Any, **kwargs: Any) -> Any:
        try:
            return magic(*args, **kwargs)
        except UsageError as exc:
            if type(exc) is UsageError:
                raise
            raise UsageError(str(exc)) from None
    return said
