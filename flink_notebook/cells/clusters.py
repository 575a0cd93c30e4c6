"""Session clusters a notebook starts (``%flink_cluster``), kept in its notebook.

A cluster started from a notebook is leased to the kernel: it stops with the
kernel (even a killed one) or with ``%flink_cluster stop``. Starting one points
the ``remote`` target at it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pandas as pd
from IPython.core.error import UsageError

from flink_notebook.clusters.standalone import HOST, LocalCluster
from flink_notebook.core.address import configured_remote

if TYPE_CHECKING:
    from flink_notebook.cells.notebook import Notebook


def start_cluster(
    notebook: Notebook, slots: int, taskmanagers: int, name: str | None, use: bool,
    bind: str = HOST,
) -> LocalCluster:
    """Start a standalone cluster leased to this kernel (bound to ``bind``, loopback unless
    given); point ``remote`` at it. It runs the kernel's own Flink distribution, so its
    version is the kernel's; a cluster started elsewhere (``flink-notebook cluster start``
    from another environment) is compared when a cell submits to it (executors.remote)."""
    cluster = LocalCluster(slots=slots, taskmanagers=taskmanagers, name=name, bind=bind)
    timeout = float(notebook.configuration.get("notebook.startup-timeout") or 60)
    address = cluster.start(timeout=max(timeout, 90), owner_pid=os.getpid())
    notebook.clusters.append(cluster)
    configuration = notebook.configuration
    configuration.set("rest.address", address.host)
    configuration.set("rest.port", address.port)
    if use:
        configuration.set("execution.target", "remote")
    return cluster


def stop_clusters(notebook: Notebook, name: str | None, every: bool) -> list[str]:
    """Stop the named cluster, all known ones, or the last one this notebook started.
    Returns one line per cluster stopped, saying what became of the remote target."""
    if every:
        targets = {c.name: c for c in LocalCluster.known()}
        targets.update({c.name: c for c in notebook.clusters})
        chosen = list(targets.values())
    elif name is not None:
        mine = [c for c in notebook.clusters if c.name == name]
        chosen = mine or [LocalCluster.load(name)]
    else:
        running = [c for c in notebook.clusters if c.status() != "stopped"]
        if not running:
            raise UsageError(
                "This notebook has no running cluster; `%flink_cluster status` lists the "
                "others, `%flink_cluster stop NAME` stops one."
            )
        chosen = [running[-1]]
    configuration = notebook.configuration
    said = []
    for cluster in chosen:
        url = cluster.rest_url
        cluster.stop()
        line = f"Stopped {cluster.name}."
        if url and url == _remote_url(notebook):
            # The remote target pointed at it: unset it; a --use target goes back to local.
            configuration.set("rest.address", None)
            configuration.set("rest.port", None)
            line += " The remote target pointed at it: rest.address and rest.port are unset"
            if configuration.get("execution.target") == "remote":
                configuration.set("execution.target", "local")
                line += ", and the notebook's target is local again"
            line += "."
        said.append(line)
    notebook.clusters = [c for c in notebook.clusters if c not in chosen]
    return said


def cluster_table(notebook: Notebook) -> pd.DataFrame:
    """Known clusters: this notebook's and those started with `flink-notebook cluster`."""
    mine = {c.name for c in notebook.clusters}
    rows = []
    for cluster in LocalCluster.known():
        rows.append({
            "name": cluster.name,
            "state": cluster.status(),
            "rest_url": cluster.rest_url or "",
            "taskmanagers": cluster.taskmanagers,
            "slots": cluster.slots,
            "started_by": "this notebook" if cluster.name in mine else "elsewhere",
            "remote_target": "yes" if cluster.rest_url == _remote_url(notebook) else "",
        })
    columns = ["name", "state", "rest_url", "taskmanagers", "slots", "started_by",
               "remote_target"]
    return pd.DataFrame(rows, columns=columns)


def _remote_url(notebook: Notebook) -> str | None:
    address = configured_remote(notebook.configuration)
    return address.url if address else None
