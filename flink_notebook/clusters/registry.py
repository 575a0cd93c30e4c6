"""Where clusters are written down: every started cluster has a JSON record (its
processes, address, lease) in the state directory, so another process (``flink-notebook
cluster status|stop``, a lease, a later kernel) can find it; its conf and logs sit beside.

A cluster's name is a name, never a path: :func:`check_name` is the one check, and every
path of a cluster is made here from a checked name, so none leaves the clusters folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from IPython.core.error import UsageError

from flink_notebook.core.state import state_dir

#: Letters, digits, ``-``, ``_`` and ``.``, starting with a letter or digit (so never ``.``,
#: ``..`` or a hidden file), at most 64 characters.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: Beside a cluster's folder ``NAME`` lies its record ``NAME.json``: a cluster named
#: ``a.json`` would have cluster ``a``'s record as its folder.
_RECORD_SUFFIX = ".json"


def check_name(name: str) -> str:
    """``name`` if it can name a cluster; a one-line UsageError saying what a name may hold."""
    if not _NAME.fullmatch(name) or name.endswith(_RECORD_SUFFIX):
        raise UsageError(
            f"Cluster name {name!r}: use 1-64 letters, digits, '-', '_' or '.', starting "
            f"with a letter or digit and not ending in {_RECORD_SUFFIX} (a name, not a path)."
        )
    return name


def clusters_dir() -> Path:
    return state_dir() / "clusters"


def cluster_folder(name: str) -> Path:
    """The folder of the cluster called ``name`` (its conf, lib and logs)."""
    return clusters_dir() / check_name(name)


def record_file(name: str) -> Path:
    """The registry record of the cluster called ``name``."""
    return clusters_dir() / f"{check_name(name)}{_RECORD_SUFFIX}"
