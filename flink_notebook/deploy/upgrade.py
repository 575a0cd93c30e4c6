"""``%%flink_deploy NAME --upgrade`` and ``%flink_deploy rollback NAME``: a deployment's
next (or an earlier) version started from the savepoint of the one that runs.

An upgrade compiles the cell's pipeline into the next version's artifact, reports what
happens to each stateful operator of the running version's plan (:mod:`.compat`), refuses
when state would be lost (unless allowed), stops the running version with a savepoint,
and starts the new plan from it on the same target kind. It then waits until the new job
runs and Flink's REST API says it restored that savepoint; when it does not, the previous
version starts again from the same savepoint. Rollback starts an earlier version's artifact
from the newest savepoint, its temporary tables and views made from its ``ddl.sql`` when
the session lacks them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from IPython.core.error import UsageError
from IPython.display import display

from flink_notebook.cells.resume import cell_key
from flink_notebook.cells.sql import run_sql_cell
from flink_notebook.core.errors import Unreachable, summarize_trace
from flink_notebook.core.states import TERMINAL
from flink_notebook.deploy import artifact as artifacts
from flink_notebook.deploy import compat
from flink_notebook.deploy.lifecycle import refreshed, stop_version
from flink_notebook.deploy.records import SUBMITTED, Records, Version
from flink_notebook.deploy.run import TARGETS, _one_line, _pipeline, _where, build, start
from flink_notebook.display.monitor import show
from flink_notebook.display.notes import note
from flink_notebook.sql.variables import substitute

if TYPE_CHECKING:
    from flink_notebook.cells.notebook import Notebook
    from flink_notebook.cells.request import CellRequest
    from flink_notebook.core.config import Configuration
    from flink_notebook.jobs.client import JobClient

#: How long a new job has to run and say it restored the savepoint.
RESTORE_SECONDS = 180.0
_CREATE = re.compile(r"^\s*CREATE\s+(TEMPORARY\s+)?(TABLE|VIEW)\s+((?:`(?:[^`]|``)*`|[\w.])+)",
                     re.IGNORECASE)


class NotRestored(Exception):
    """The new job did not run from the savepoint (its one-line reason)."""


class StateLoss(UsageError):
    """The upgrade would lose state: refused."""


def upgrade(notebook: Notebook, name: str, cell: str, request: CellRequest,
            namespace: dict[str, Any] | None, allow_state_loss: bool = False) -> JobClient:
    """The cell's pipeline as ``name``'s next version, started from the savepoint of the
    version that runs; its job's handle."""
    records = Records()
    current = records.find(name)  # names the known ones when there is none
    text = cell if namespace is None else substitute(cell, namespace)
    pipeline, setup = _pipeline(text)
    configuration = request.configuration(notebook.configuration)
    if request.options.get("execution.target") is None:  # the running version's kind
        configuration = configuration.with_cell({"execution.target": current.target})
    target = configuration.get("execution.target")
    if target not in TARGETS:
        raise UsageError(f"A deployment runs on {' or '.join(TARGETS)}, not {target}.")
    current = refreshed(current, records, configuration)
    if current.artifact is None or current.status != SUBMITTED:
        raise UsageError(f"{current.label} never ran ({current.status}): deploy "
                         f"`%%flink_deploy {name}` without --upgrade.")
    if not current.running and records.newest_savepoint(name) is None:
        raise UsageError(f"{current.label} is not running ({current.state}) and has no "
                         f"savepoint to upgrade from: `%%flink_deploy {name}` starts afresh.")
    notebook_name, _, cell_id = cell_key(text).partition("#")
    version = records.reserve(name, notebook_name, cell_id, target, upgrading=True)
    label = f"{name} v{version}"
    folder = None
    try:
        if setup.strip():
            run_sql_cell(notebook, setup, request, None)
            configuration = request.configuration(notebook.configuration).with_cell(
                {"execution.target": target})
        folder = build(notebook, name, version, pipeline, text, configuration, target,
                       notebook_name, cell_id)
        old_plan = json.loads((Path(current.artifact) / "plan.json").read_text())
        new_plan = json.loads((folder / "plan.json").read_text())
        operators = compat.report(old_plan, new_plan)
        _show_report(current, label, operators)
        lost = compat.losses(operators)
        if lost and not allow_state_loss:
            raise StateLoss(f"{label} would lose the state of "
                             f"{'; '.join(o.named for o in lost)}: not upgraded "
                             f"(--allow-state-loss upgrades anyway).")
        _write_plan(folder, compat.aligned(old_plan, new_plan))
        if current.running:
            said, savepoint = stop_version(current, True, records, configuration)
            note(said)
        else:
            savepoint = records.newest_savepoint(name)[1]  # type: ignore[index]
    except BaseException as exc:
        records.failed(name, version, _one_line(exc),
                       "refused" if isinstance(exc, StateLoss) else "failed")
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    options = {"execution.savepoint.path": savepoint}
    if allow_state_loss:
        options["execution.savepoint.ignore-unclaimed-state"] = "true"
    try:
        job = start(notebook, label, folder, configuration, pipeline, text, options)
    except Exception as exc:  # noqa: BLE001 - whatever stopped it, the previous one runs again
        _back(notebook, records, current, name, version, savepoint, configuration,
              _one_line(exc))
    try:
        _wait_restored(job, savepoint)
    except NotRestored as exc:
        _cancel(job)
        _back(notebook, records, current, name, version, savepoint, configuration,
              _one_line(exc))
    records.submitted(name, version, str(folder), job.job_id,
                      job.cluster.name if job.cluster is not None else None, job.rest.url,
                      "RUNNING")
    records.outcome(name, version, "upgraded", f"from v{current.version}, savepoint "
                    f"{savepoint}", job.job_id)
    notebook.register(job, request, configuration)
    note(f"upgraded {name} to v{version}: job {job.job_id} on {_where(job)}, restored "
         f"from {savepoint}")
    show(job, configuration, notebook.look_of(job))
    return job


def _back(notebook: Notebook, records: Records, previous: Version, name: str, version: int,
          savepoint: str, configuration: Configuration, reason: str) -> NoReturn:
    """The new version did not start from ``savepoint``: written down, the previous version
    started again from it; raises the one line that says so."""
    records.failed(name, version, reason)
    shutil.rmtree(artifacts.folder_of(name, version), ignore_errors=True)
    try:
        job = _start_version(notebook, previous, savepoint, configuration)
        _wait_restored(job, savepoint)
    except Exception as exc:  # noqa: BLE001 - said in one line, with the savepoint to use
        again = _one_line(exc)
        records.outcome(name, previous.version, "failed", f"restarting after a failed "
                        f"upgrade: {again}")
        raise UsageError(f"{name} v{version} did not start ({reason}), and neither did "
                         f"{previous.label} again ({again}); savepoint {savepoint}.") from None
    records.restarted(name, previous.version, job.job_id,
                      job.cluster.name if job.cluster is not None else None, job.rest.url,
                      "restored", f"after v{version} failed: {reason}")
    raise UsageError(f"{name} v{version} did not start from the savepoint ({reason}); "
                     f"{previous.label} runs again from it as job {job.job_id}.")


def rollback(notebook: Notebook, name: str, to: int | None = None) -> JobClient:
    """Stop ``name``'s running version with a savepoint and start version ``to`` (default:
    the one before it) from the newest savepoint; its job's handle."""
    records = Records()
    configuration = notebook.configuration
    current = refreshed(records.find(name), records, configuration)
    started = [v for v in records.versions(name) if v.status == SUBMITTED and v.artifact]
    if to is None:
        earlier = [v for v in started if v.version < current.version]
        if not earlier:
            raise UsageError(f"{current.label} has no earlier version to roll back to.")
        wanted = earlier[-1]
    else:
        [*found] = [v for v in started if v.version == to]
        if not found:
            known = ", ".join(f"v{v.version}" for v in started) or "none"
            raise UsageError(f"{name} has no version v{to} that ran (those that did: {known}).")
        wanted = found[0]
    if wanted.version == current.version and current.running:
        raise UsageError(f"{current.label} runs already.")
    if current.running:
        said, _ = stop_version(current, True, records, configuration)
        note(said)
    newest = records.newest_savepoint(name)
    if newest is None:
        raise UsageError(f"{name} has no savepoint to start {wanted.label} from: "
                         f"`%flink_deploy stop {name} --savepoint` takes one.")
    savepoint = newest[1]
    try:
        job = _start_version(notebook, wanted, savepoint, configuration)
        _wait_restored(job, savepoint)
    except (UsageError, NotRestored) as exc:
        records.outcome(name, wanted.version, "failed", f"rollback: {_one_line(exc)}")
        raise UsageError(f"{wanted.label} did not start from {savepoint}: "
                         f"{_one_line(exc)}") from None
    records.restarted(name, wanted.version, job.job_id,
                      job.cluster.name if job.cluster is not None else None, job.rest.url,
                      "rolled back", f"from v{current.version}, savepoint {savepoint}")
    note(f"rolled {name} back to v{wanted.version}: job {job.job_id} on {_where(job)}, "
         f"restored from {savepoint}")
    return job


def _start_version(notebook: Notebook, version: Version, savepoint: str,
                   configuration: Configuration) -> JobClient:
    """``version``'s artifact started from ``savepoint`` with the options it was deployed
    with, its tables and views made from its DDL where the session lacks them."""
    folder = Path(version.artifact or "")
    built = artifacts.read(folder)
    conf = configuration.with_cell({**built.options, "execution.target": version.target})
    with _catalog(notebook, built.ddl):
        return start(notebook, version.label, folder, conf, options={
            "execution.savepoint.path": savepoint,
            "execution.savepoint.ignore-unclaimed-state": "true"})


@contextlib.contextmanager
def _catalog(notebook: Notebook, ddl: list[str]) -> Iterator[None]:
    """The artifact's tables and views, made for one submission where the session has
    none of that name (then dropped again)."""
    t_env = notebook.session.t_env
    made: list[tuple[str, str, str]] = []
    try:
        for statement in ddl:
            found = _CREATE.match(statement)
            if found is None:
                continue
            temporary, kind, name = bool(found.group(1)), found.group(2).upper(), found.group(3)
            try:
                t_env.execute_sql(statement)
            except Exception as exc:  # noqa: BLE001 - Flink's "already exists": the session's
                if "already exist" not in str(exc):
                    raise UsageError(f"Cannot make {kind.lower()} {name} from the artifact's "
                                     f"DDL: {_one_line(exc)}") from None
                continue
            made.append(("TEMPORARY " if temporary else "", kind, name))
        yield
    finally:
        for temporary, kind, name in reversed(made):
            with contextlib.suppress(Exception):
                t_env.execute_sql(f"DROP {temporary}{kind} IF EXISTS {name}")


def _wait_restored(job: JobClient, savepoint: str, timeout: float = RESTORE_SECONDS) -> None:
    """Return when ``job`` runs, says it restored ``savepoint``, and every task runs without
    a failure so far (a task reads its state while it initializes, after the job says it
    restored); NotRestored with Flink's reason when it fails or does not within
    ``timeout``."""
    wanted = _plain(savepoint)
    deadline = time.monotonic() + timeout
    state = "?"
    while time.monotonic() < deadline:
        try:
            state = job.rest.job(job.job_id)["state"]
            if state in TERMINAL or state in ("FAILING", "RESTARTING"):
                raise NotRestored(f"{state}: {_root_cause(job)}")
            if state == "RUNNING" and _tasks_running(job):
                latest = job.rest.get(f"/jobs/{job.job_id}/checkpoints").get("latest") or {}
                restored = (latest.get("restored") or {}).get("external_path")
                if restored is not None:
                    if _plain(restored) != wanted:
                        raise NotRestored(f"restored {restored}, not {savepoint}")
                    if job.last_exception():
                        raise NotRestored(f"it failed after restoring: {_root_cause(job)}")
                    return
        except Unreachable:
            raise NotRestored(_ended(job)) from None
        time.sleep(0.5)
    raise NotRestored(f"not running from the savepoint after {timeout:.0f} s ({state})")


def _ended(job: JobClient, wait: float = 15.0) -> str:
    """Why a job whose per-job cluster stopped with it ended, as its lease wrote it down."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        ended = getattr(job.cluster, "ended_jobs", dict)().get(job.job_id)
        if ended:
            failure = ended.get("failure")
            cause = summarize_trace(failure).splitlines()[0].strip()[:300] if failure else ""
            return f"{ended.get('state')}{': ' + cause if cause else ''}"
        time.sleep(0.5)
    return f"its cluster stopped ({job.rest.url})"


def _tasks_running(job: JobClient) -> bool:
    vertices = job.rest.job(job.job_id).get("vertices") or []
    return bool(vertices) and all(v.get("status") == "RUNNING" for v in vertices)


def _root_cause(job: JobClient) -> str:
    trace = job.last_exception()
    if not trace:  # a job that failed before its tasks ran (restoring): its result says why
        with contextlib.suppress(UsageError, ValueError, KeyError, TypeError, AttributeError):
            result = job.rest.execution_result(job.job_id)
            trace = result["job-execution-result"]["failure-cause"]["stack-trace"]
    if not trace:
        return "no reason given"
    return summarize_trace(trace).splitlines()[0].strip()[:300]


def _plain(path: str) -> str:
    return os.path.normpath(path.removeprefix("file:").removeprefix("//"))


def _cancel(job: JobClient) -> None:
    with contextlib.suppress(Exception):
        if job.status() not in TERMINAL:
            job.cancel()


def _write_plan(folder: Path, plan: dict[str, Any]) -> None:
    target = folder / "plan.json"
    target.write_text(json.dumps(plan, indent=2))
    os.chmod(target, 0o600)


def _show_report(current: Version, label: str, operators: list[compat.Operator]) -> None:
    title = f"state from {current.label} to {label}:"
    display({"text/plain": f"{title}\n{compat.as_text(operators)}",
             "text/html": f"<div><b>{compat.html.escape(title)}</b>"
                          f"{compat.as_html(operators)}</div>"}, raw=True)
