"""Where clusters are written down: every started cluster has a JSON record (its
processes, address, lease) in the state directory, so another process (``flink-notebook
cluster status|stop``, a lease, a later kernel) can find it; its conf and logs sit beside."""

from __future__ import annotations

from pathlib import Path

from flink_notebook.core.state import state_dir


def clusters_dir() -> Path:
    return state_dir() / "clusters"
