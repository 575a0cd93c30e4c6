"""``--resume`` (and ``notebook.resume``) for a cell: its job starts from the last savepoint
taken from this cell's job, or from that job's latest completed checkpoint, as Zeppelin's
``resumeFromSavepoint``/``resumeFromLatestCheckpoint`` do. The memory is
:mod:`flink_notebook.jobs.resume`, in the state directory (it survives a kernel restart).

A cell is its notebook (``JPY_SESSION_NAME``, which Jupyter sets for a kernel) and its cell id
(JupyterLab and nbclient send it with each execution); where there is no id (a terminal), the
cell's text stands for it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from flink_notebook.display.notes import note
from flink_notebook.display.parent import current_parent
from flink_notebook.jobs import resume

if TYPE_CHECKING:
    from flink_notebook.cells.request import CellRequest
    from flink_notebook.core.config import Configuration
    from flink_notebook.jobs.client import JobClient


def cell_key(text: str) -> str:
    notebook = os.environ.get("JPY_SESSION_NAME") or "(no notebook)"
    parent = current_parent() or {}
    cell_id = (parent.get("metadata") or {}).get("cellId")
    if not cell_id:
        cell_id = "text:" + hashlib.sha256(text.strip().encode()).hexdigest()[:16]
    return f"{notebook}#{cell_id}"


def resuming(request: CellRequest, text: str, configuration: Configuration,
             query: bool = False) -> CellRequest:
    """``request`` knowing its cell, and starting from where the cell's last job stopped
    when asked to. ``--resume`` with nothing to resume from is an error saying what is
    missing; ``notebook.resume`` then starts afresh. ``query``: the cell runs a SELECT."""
    key = cell_key(text)
    request = dataclasses.replace(request, cell_key=key)
    how = request.resume or configuration.get("notebook.resume") or "off"
    if how == "off" or "execution.savepoint.path" in request.options:
        return request
    try:
        path = resume.resume_path(key, how, configuration, query)
    except UsageError:
        if request.resume:
            raise
        return request  # notebook-wide: a cell with nothing to resume from starts afresh
    note(f"resumed from {path}")
    # A query's result sink (collect) keeps state of its own that the new job cannot claim.
    options = {"execution.savepoint.ignore-unclaimed-state": True, **request.options,
               "execution.savepoint.path": path}
    return dataclasses.replace(request, options=options)


def adopt(job: JobClient, request: CellRequest, configuration: Configuration) -> JobClient:
    """Remember ``job`` as its cell's last; its savepoints and, at its end, its latest
    checkpoint are where the cell's ``--resume`` starts from. Before the session keeps it:
    the rows of the cell's earlier runs then go (FlinkSession.register)."""
    key = request.cell_key
    if key is None:
        return job
    job.cell_key, job.cell_run = key, request.run
    resume.remember_job(key, job.job_id, job.rest.url)
    if configuration.get("execution.checkpointing.interval"):
        def at_end(ended: Any) -> None:
            try:
                resume.remember_checkpoint(key, ended.job_id, ended.rest.url, configuration)
            except Exception:  # noqa: BLE001 - a memory for later, never the job's failure
                pass

        job.on_terminal(at_end)
    return job
