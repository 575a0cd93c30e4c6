"""What ``%flink_deploy`` and ``flink-notebook deploy`` do to deployments: ``list``,
``show``, ``stop`` and ``history``. Only the records, the artifact and the clusters' REST
APIs: no Java, so the command line answers at once."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
from IPython.core.error import UsageError

from flink_notebook.clusters.registry import cluster_folder
from flink_notebook.core.config import Configuration, savepoint_directory
from flink_notebook.core.errors import Unreachable
from flink_notebook.core.secrets import mask_text
from flink_notebook.core.state import state_dir
from flink_notebook.core.states import TERMINAL
from flink_notebook.deploy import artifact as artifacts
from flink_notebook.deploy.records import Records, Version
from flink_notebook.jobs.rest import RestClient, client_for

COLUMNS = ("name", "version", "job", "state", "cluster", "savepoint", "notebook", "cell")


def refreshed(version: Version, records: Records, configuration: Configuration) -> Version:
    """``version`` with its job's state asked from its cluster now, and written down; the
    last known state (``... (last known)``) when the cluster does not answer."""
    if version.job_id is None or version.rest_url is None:
        return version
    state = _state_now(version, configuration)
    if state is None:
        if version.state in TERMINAL:
            return version
        return replace(version, state=f"{version.state} (last known)")
    if state != version.state:
        event = "ended" if state in TERMINAL else None
        records.job_state(version.job_id, state, event, state if event else None)
    return replace(version, state=state)


def rows(records: Records | None = None, configuration: Configuration | None = None
         ) -> list[tuple[str, ...]]:
    """One row per deployment (its newest version), as :data:`COLUMNS`, secrets masked."""
    records = records or Records()
    configuration = configuration or Configuration.load()
    listed = []
    for version in records.latest():
        version = refreshed(version, records, configuration)
        listed.append(tuple(mask_text(str(value)) if value is not None else "" for value in (
            version.name, f"v{version.version}", version.job_id or f"({version.status})",
            version.state, version.cluster or version.rest_url or version.target,
            version.savepoint, version.notebook, version.cell)))
    return listed


def table(records: Records | None = None, configuration: Configuration | None = None
          ) -> pd.DataFrame:
    """The deployments as a DataFrame (``%flink_deploy list``: pandas escapes its HTML)."""
    return pd.DataFrame(rows(records, configuration), columns=list(COLUMNS))


def listing(records: Records | None = None, configuration: Configuration | None = None) -> str:
    """The deployments as a text table (``list``)."""
    found = rows(records, configuration)
    if not found:
        return "No deployments yet: `%%flink_deploy NAME` on a cell with an INSERT makes one."
    widths = [max(len(row[i]) for row in [COLUMNS, *found]) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in [COLUMNS, *found])


def shown(name: str, records: Records | None = None) -> str:
    """``name``'s newest version as text (``show``): SQL, DDL, options, plan; masked."""
    version = (records or Records()).find(name)
    if version.artifact is None:
        raise UsageError(f"{version.label} has no artifact ({version.status}): "
                         f"`%flink_deploy list` says what happened.")
    return artifacts.shown(artifacts.read(Path(version.artifact)))


def stop(name: str, savepoint: bool = False, records: Records | None = None,
         configuration: Configuration | None = None, timeout: float = 120.0) -> str:
    """Stop ``name``'s running job (with ``savepoint``: stop-with-savepoint, written down);
    its per-job cluster then stops with it. One line saying what happened."""
    records = records or Records()
    configuration = configuration or Configuration.load()
    version = refreshed(records.find(name), records, configuration)
    return stop_version(version, savepoint, records, configuration, timeout)[0]


def stop_version(version: Version, savepoint: bool, records: Records,
                 configuration: Configuration, timeout: float = 120.0
                 ) -> tuple[str, str | None]:
    """Stop ``version``'s job (refreshed); the line saying so, and the savepoint's path."""
    if version.job_id is None or version.state is None or version.state in TERMINAL:
        return f"{version.label} is not running ({version.state or version.status}).", None
    rest = client_for(version.rest_url, configuration)
    path = None
    try:
        if savepoint:
            directory = savepoint_directory(configuration) or str(
                state_dir() / "deployments" / version.name / "savepoints")
            _wait_tasks_running(rest, version.job_id, timeout)  # else: "Not all required..."
            trigger = rest.stop_with_savepoint(version.job_id, directory)
            path = rest.wait_savepoint(version.job_id, trigger, timeout)
            records.savepoint(version.job_id, path)
        else:
            rest.cancel(version.job_id)
        state = _wait_terminal(rest, version.job_id, timeout,
                               "FINISHED" if savepoint else "CANCELED")
    except Unreachable:
        raise UsageError(f"{version.label}'s cluster ({version.rest_url}) does not answer: "
                         f"its job may have ended with it; `%flink_deploy list` says the "
                         f"last known state.") from None
    finally:
        rest.close()
    records.job_state(version.job_id, state, "stopped", f"savepoint {path}" if savepoint
                      else None)
    said = f"stopped {version.label} (job {version.job_id}, {state})"
    return said + (f"; savepoint {path}" if savepoint else ""), path


def history(name: str, records: Records | None = None) -> str:
    """``name``'s versions, jobs, savepoints and outcomes in time order, as text (masked)."""
    records = records or Records()
    records.find(name)  # names the known ones when there is no such deployment
    rows = [("at (UTC)", "what", "version", "job", "detail")]
    for at, what, version, job, detail in records.history(name):
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at))
        rows.append((when, what, f"v{version}" if version is not None else "", job or "",
                     mask_text(detail or "")))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join([*(c.ljust(w) for c, w in zip(r[:4], widths)), r[4]]).rstrip()
                     for r in rows)


def _wait_tasks_running(rest: RestClient, job_id: str, timeout: float) -> None:
    """Return when every task of the job runs (a savepoint needs them), or at ``timeout``
    (the savepoint then says why it failed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = rest.job(job_id)
        vertices = job.get("vertices") or []
        if job.get("state") != "RUNNING" or (
                vertices and all(v.get("status") == "RUNNING" for v in vertices)):
            return
        time.sleep(0.3)


def _wait_terminal(rest: RestClient, job_id: str, timeout: float, gone: str) -> str:
    """The job's final state; ``gone`` when its cluster went with it (per-job)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            state = rest.job(job_id)["state"]
        except Unreachable:
            return gone
        if state in TERMINAL or time.monotonic() > deadline:
            return state
        time.sleep(0.3)


def _state_now(version: Version, configuration: Configuration) -> str | None:
    rest = client_for(version.rest_url, configuration, timeout=3.0)
    try:
        return rest.job(version.job_id)["state"]
    except (UsageError, KeyError, TypeError, ValueError):
        pass
    finally:
        rest.close()
    if version.cluster:  # a per-job cluster gone with its job: its lease wrote the end
        try:
            ended = json.loads((cluster_folder(version.cluster) / "ended-jobs.json").read_text())
            return ended[version.job_id]["state"]
        except (OSError, ValueError, KeyError, TypeError, UsageError):
            return None
    return None
