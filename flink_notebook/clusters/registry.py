"""Where clusters are written down: every started cluster has a JSON record (its
processes, address, lease) in the state directory, so another process (``flink-notebook
cluster status|stop``, a lease, a later kernel) can find it; its conf and logs sit beside."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """Where clusters keep their conf, logs and registry entries.

    ``$FLINK_NOTEBOOK_STATE_DIR``, else ``$XDG_STATE_HOME/flink-notebook``,
    else ``~/.local/state/flink-notebook``.
    """
    if os.environ.get("FLINK_NOTEBOOK_STATE_DIR"):
        return Path(os.environ["FLINK_NOTEBOOK_STATE_DIR"])
    xdg = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(xdg) / "flink-notebook"


def clusters_dir() -> Path:
    return state_dir() / "clusters"
