"""The state directory: what outlives a kernel, for this user. Clusters' records, conf and
logs, the cells' resume memory, retained checkpoints and savepoints, class archives."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """``$FLINK_NOTEBOOK_STATE_DIR``, else ``$XDG_STATE_HOME/flink-notebook``, else
    ``~/.local/state/flink-notebook``."""
    if os.environ.get("FLINK_NOTEBOOK_STATE_DIR"):
        return Path(os.environ["FLINK_NOTEBOOK_STATE_DIR"])
    xdg = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(xdg) / "flink-notebook"
