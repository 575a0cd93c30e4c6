"""The IPython magics only: options in, a request to plain code out."""

from __future__ import annotations

from typing import Any


def register(shell: Any) -> None:
    """Register the magics and start Flink in the background."""
    from flink_notebook.engine.session import FlinkSession
    from flink_notebook.magics.clusters import ClusterMagics
    from flink_notebook.magics.flink import FlinkMagics

    magics = FlinkMagics(shell=shell)
    shell.register_magics(magics)
    shell.register_magics(ClusterMagics(shell=shell))
    if magics.prewarm:
        FlinkSession.current().prewarm()
