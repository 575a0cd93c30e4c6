"""Resume on re-run (Zeppelin's ``resumeFromSavepoint``/``resumeFromLatestCheckpoint``): for
each notebook cell, the last job it started and the last savepoint taken from one of its
jobs, kept in the state directory so that a kernel restart does not lose them.

A cell is named by a key its caller makes (the notebook and the cell's id). Savepoints are
remembered by the job handle when it takes one (the Stop button, ``stop_with_savepoint``,
``STOP JOB ... WITH SAVEPOINT``); checkpoints are asked from the last job's cluster.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from flink_notebook.core.shared_files import locked, write_whole
from flink_notebook.core.state import state_dir

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration

_KEPT = 1000  # cells remembered (a notebook has tens; terminal cells are keyed by text)


def _file() -> Path:
    return state_dir() / "resume.json"


def _read() -> dict[str, dict[str, Any]]:
    try:
        return json.loads(_file().read_text())
    except (OSError, ValueError):
        return {}


def _update(key: str, **values: Any) -> None:
    # Read under the lock (other kernels' threads and this one's wait): no cell is lost.
    with locked(_file()):
        memory = _read()
        memory[key] = {**memory.get(key, {}), **values, "updated": time.time()}
        if len(memory) > _KEPT:  # the cells used longest ago go first
            for old in sorted(memory, key=lambda k: memory[k].get("updated", 0))[:-_KEPT]:
                del memory[old]
        write_whole(_file(), json.dumps(memory, indent=1))


def remember_job(key: str, job_id: str, rest_url: str) -> None:
    _update(key, job=job_id, rest=rest_url, kernel=os.getpid())


def remember_savepoint(key: str, path: str, job_id: str) -> None:
    _update(key, savepoint=path, savepoint_of=job_id, savepoint_kernel=os.getpid())


def remember_checkpoint(key: str, job_id: str, rest_url: str,
                        configuration: Configuration) -> None:
    """At a job's end (before a per-job cluster goes): its latest completed checkpoint."""
    checkpoint = _latest_checkpoint(job_id, rest_url, configuration)
    if checkpoint is not None:
        _update(key, checkpoint=checkpoint, checkpoint_of=job_id)


def recalled(key: str) -> dict[str, Any]:
    """What is known about the cell ``key``: job, rest, savepoint (each may be missing)."""
    return _read().get(key, {})


#: A query's rows come back through its result sink, whose state a savepoint keeps too.
#: Restored in a new kernel, that sink waits for a client of the old one: the job runs, its
#: aggregates are restored, and no row ever reaches the notebook (seen with Flink 2.3). A
#: query is resumed in the kernel that stopped it only; a pipeline (INSERT) anywhere.
QUERY_ELSEWHERE = (
    "--resume of a query (SELECT): its savepoint was taken in another kernel (before a "
    "restart), and a restored query shows no rows there (its result sink waits for the old "
    "kernel). Resume pipelines (INSERT INTO ...) across restarts; re-run this query afresh, "
    "or resume it in the kernel that stopped it.")


def resume_path(key: str, how: str, configuration: Configuration, query: bool = False
                ) -> str:
    """Where the cell's next job starts from (``how``: savepoint or checkpoint); a
    UsageError saying what is missing when there is nothing to resume from. ``query``: the
    cell's job is a query (see QUERY_ELSEWHERE)."""
    known = recalled(key)
    if how == "savepoint":
        if "savepoint" not in known:
            raise UsageError(
                "--resume: no savepoint was taken from this cell's job yet. Stop it with a "
                "savepoint first (the view's Stop button, job.stop_with_savepoint() or "
                "STOP JOB '<id>' WITH SAVEPOINT), or use --resume checkpoint.")
        if query and known.get("savepoint_kernel") != os.getpid():
            raise UsageError(QUERY_ELSEWHERE)
        return known["savepoint"]
    if query and "job" in known and known.get("kernel") != os.getpid():
        raise UsageError(QUERY_ELSEWHERE.replace("its savepoint was", "its checkpoint was"))
    if "job" not in known:
        raise UsageError("--resume checkpoint: this cell has run no job yet.")
    checkpoint = _latest_checkpoint(known["job"], known["rest"], configuration)
    if checkpoint is None and known.get("checkpoint_of") == known["job"]:
        checkpoint = known["checkpoint"]  # seen at its end; its cluster may be gone since
    if checkpoint is None:
        raise UsageError(
            f"--resume checkpoint: the cell's last job ({known['job']}) has no completed "
            "checkpoint. Run it with checkpoints on (-D execution.checkpointing.interval=10s)"
            ", and let one complete before it stops.")
    return checkpoint


def _latest_checkpoint(job_id: str, rest_url: str, configuration: Configuration
                       ) -> str | None:
    from flink_notebook.jobs.rest import client_for

    rest = client_for(rest_url, configuration)
    try:
        latest = rest.get(f"/jobs/{job_id}/checkpoints").get("latest", {})
    except UsageError:  # its cluster is gone (per-job, a restart): nothing to ask
        return None
    finally:
        rest.close()
    completed = latest.get("completed") or {}
    return completed.get("external_path") or None
