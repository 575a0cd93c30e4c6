"""``%%flink_deploy NAME``: the cell's pipeline as a named, versioned deployment.

The cell's other statements (CREATE, SET...) run first, as in ``%%flink_sql``. Then the
next version of NAME is reserved in the records, its artifact is built (the compiled plan,
the DDL, the options), and the compiled plan runs detached on ``per-job`` (its own cluster,
which outlives the kernel and stops when the job ends) or ``remote``, as job ``NAME vN``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from flink_notebook.cells.resume import cell_key
from flink_notebook.cells.routing import job_id_of
from flink_notebook.cells.sql import run_sql_cell, sql_errors
from flink_notebook.core.errors import SubmissionFailed
from flink_notebook.core.flink_versions import kernel_version
from flink_notebook.core.progress import step
from flink_notebook.core.secrets import mask_text
from flink_notebook.deploy import artifact as artifacts
from flink_notebook.deploy.build import artifact as build_artifact
from flink_notebook.deploy.build import compiling
from flink_notebook.deploy.lifecycle import refreshed
from flink_notebook.deploy.records import Records, check_name
from flink_notebook.display.monitor import show
from flink_notebook.display.notes import note
from flink_notebook.engine.jars import forget_file
from flink_notebook.jobs.pipeline import Pipeline, Submission
from flink_notebook.sql.errors import format_sql_error
from flink_notebook.sql.statements import Statement, StatementKind, split_statements
from flink_notebook.sql.variables import substitute

if TYPE_CHECKING:
    from flink_notebook.cells.notebook import Notebook
    from flink_notebook.cells.request import CellRequest
    from flink_notebook.core.address import ClusterAddress
    from flink_notebook.core.config import Configuration
    from flink_notebook.jobs.client import JobClient

#: Where a deployment runs: detached, outliving the kernel.
TARGETS = ("per-job", "remote")
_PIPELINES = (StatementKind.INSERT, StatementKind.STATEMENT_SET)


def deploy(notebook: Notebook, name: str, cell: str, request: CellRequest,
           namespace: dict[str, Any] | None) -> JobClient:
    """Deploy the cell's INSERT or statement set as the next version of ``name``; its
    running job's handle."""
    check_name(name)
    text = cell if namespace is None else substitute(cell, namespace)
    pipeline, setup = _pipeline(text)
    configuration = request.configuration(notebook.configuration)
    target = configuration.get("execution.target")
    if target not in TARGETS:
        raise UsageError(f"A deployment runs on {' or '.join(TARGETS)}, not {target}: "
                         f"--target per-job (its own cluster) or --target remote.")
    records = Records()
    last = records.get(name)
    if last is not None:  # a job that ended since it was last looked at runs no more
        refreshed(last, records, configuration)
    notebook_name, _, cell_id = cell_key(text).partition("#")
    version = records.reserve(name, notebook_name, cell_id, target)  # before the cell runs
    label = f"{name} v{version}"
    try:
        if setup.strip():
            run_sql_cell(notebook, setup, request, None)  # CREATE, SET...: as %%flink_sql
            configuration = request.configuration(notebook.configuration)  # SET counts
        job, folder = _deploy(notebook, name, version, pipeline, text, configuration,
                              target, notebook_name, cell_id)
    except BaseException as exc:
        records.failed(name, version, _one_line(exc))
        raise
    records.submitted(name, version, str(folder), job.job_id,
                      job.cluster.name if job.cluster is not None else None, job.rest.url)
    notebook.register(job, request, configuration)
    note(f"deployed {label}: job {job.job_id} on {_where(job)}; artifact {folder}")
    show(job, configuration, notebook.look_of(job))
    return job


def _deploy(notebook: Notebook, name: str, version: int, pipeline: Statement, text: str,
            configuration: Configuration, target: str, notebook_name: str, cell_id: str,
            ) -> tuple[JobClient, Path]:
    """Build ``name`` ``version``'s artifact and run its plan; its job and its folder (gone
    again when it did not start)."""
    folder = build(notebook, name, version, pipeline, text, configuration, target,
                   notebook_name, cell_id)
    try:
        return start(notebook, f"{name} v{version}", folder, configuration, pipeline, text), \
            folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def build(notebook: Notebook, name: str, version: int, pipeline: Statement, text: str,
          configuration: Configuration, target: str, notebook_name: str, cell_id: str) -> Path:
    """``name`` ``version``'s artifact (its plan compiled from the session), in its folder."""
    session = notebook.session
    session.ensure_started()
    folder = artifacts.private_folder(artifacts.folder_of(name, version))
    verbose = bool(configuration.get("notebook.verbose-errors"))
    try:
        with step("Compiling the plan"):
            try:
                built = build_artifact(session.t_env, name, version, pipeline, folder,
                                       configuration.flink_options(), target, notebook_name,
                                       cell_id, kernel_version())
            except sql_errors() as exc:  # located in the statement that compiled
                raise UsageError(format_sql_error(exc, compiling(pipeline, folder), text,
                                                  verbose)) from None
            artifacts.write(built, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def start(notebook: Notebook, label: str, folder: Path, configuration: Configuration,
          pipeline: Statement | None = None, text: str | None = None,
          options: dict[str, Any] | None = None) -> JobClient:
    """Run the compiled plan in ``folder`` detached as job ``label`` (``options``: more
    Flink options for it, e.g. ``execution.savepoint.path``); its handle."""
    session = notebook.session
    session.ensure_started()
    verbose = bool(configuration.get("notebook.verbose-errors"))
    named = configuration.with_cell({**(options or {}), "execution.attached": False,
                                     "pipeline.name": label})
    plan_file = str(folder / "plan.json").replace("'", "''")

    def submit(address: ClusterAddress) -> Submission:
        with session.routed(address, named):
            try:
                result = session.t_env.execute_sql(f"EXECUTE PLAN '{plan_file}'")
            finally:
                forget_file(session.t_env, str(folder / "plan.json"))  # not a session jar
        return Submission(job_id_of(result))

    sql = pipeline.text if pipeline is not None else \
        (folder / "pipeline.sql").read_text()
    kind = "statement-set" if sql.lstrip().upper().startswith(("EXECUTE", "BEGIN")) \
        else "insert"
    try:
        return notebook.executor_for(named).execute(
            Pipeline(label, kind, session.parallelism(named), submit, session), named)
    except SubmissionFailed as exc:
        raise exc.shown(verbose) from None
    except sql_errors() as exc:
        if pipeline is not None and text is not None:
            raise UsageError(format_sql_error(exc, pipeline, text, verbose)) from None
        raise UsageError(f"{label} did not start: {_one_line(exc)}") from None


def _pipeline(text: str) -> tuple[Statement, str]:
    """The cell's one INSERT or statement set, and the cell's other statements (with the
    pipeline blanked out, so their errors keep their lines)."""
    statements = split_statements(text)
    found = [s for s in statements if s.kind in _PIPELINES]
    bad = [s for s in statements if s.kind in (StatementKind.QUERY, StatementKind.BEGIN_SET,
                                               StatementKind.END_SET, StatementKind.ANALYZE)]
    if bad:
        raise UsageError(f"%%flink_deploy runs one INSERT or statement set (with the CREATE "
                         f"and SET statements it needs); line {bad[0].line} is "
                         f"{bad[0].first_line!r}.")
    if len(found) != 1:
        raise UsageError(f"%%flink_deploy needs one INSERT or statement set in the cell "
                         f"(BEGIN STATEMENT SET; ... END; for several), found {len(found)}.")
    [pipeline] = found
    start, end = pipeline.span
    blank = "".join(c if c == "\n" else " " for c in text[start:end + 1])
    return pipeline, text[:start] + blank + text[end + 1:]


def _where(job: JobClient) -> str:
    if job.cluster is not None:
        return f"its per-job cluster {job.cluster.name} ({job.rest.url})"
    return job.rest.url


def _one_line(exc: BaseException) -> str:
    said = str(exc).strip().split("\n", 1)[0] or type(exc).__name__
    return mask_text(said)[:300]

