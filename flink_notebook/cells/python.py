"""Running a ``%%flink`` cell: Python with ``env`` and ``t_env`` bound.

While the cell runs, PyFlink's job-submitting calls are routed through the
notebook's executor (FLIP-73, :mod:`flink_notebook.cells.routing`): each call becomes a
Pipeline, the executor picks the cluster, and the job gets a handle in the notebook.
"""

from __future__ import annotations

import ast
import builtins
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from IPython.core.error import UsageError
from IPython.display import display

from flink_notebook.cells.analyze import run_analyze
from flink_notebook.cells.code_errors import format_code_error, java_errors, later_api_error
from flink_notebook.cells.looks import check_look, wants_look
from flink_notebook.cells.resume import resuming
from flink_notebook.cells.routing import job_id_of, routed_calls
from flink_notebook.core.errors import SubmissionFailed
from flink_notebook.core.progress import step
from flink_notebook.display.follow import follow
from flink_notebook.display.monitor import show
from flink_notebook.display.progress import done as progress_done
from flink_notebook.engine import query_plan
from flink_notebook.engine.internals import java_stream_env, java_table, table_env_of
from flink_notebook.engine.results import QueryResult, ResultMode
from flink_notebook.jobs.pipeline import ClusterAddress, Pipeline, Submission

if TYPE_CHECKING:
    from flink_notebook.cells.notebook import Notebook
    from flink_notebook.cells.request import CellRequest
    from flink_notebook.jobs.client import JobClient

log = logging.getLogger(__name__)

# Jobs whose rows the cell's code reads itself: the cell does not wait for them to end.
_READ_BY_THE_CODE = {"query", "collect"}


class PythonCell:
    """One ``%%flink`` cell and the jobs its code submitted."""

    def __init__(self, notebook: Notebook, request: CellRequest) -> None:
        self.notebook = notebook
        self.session = notebook.session
        self.request = request
        self.configuration = request.configuration(notebook.configuration)
        self.jobs: list[JobClient] = []
        self._kinds: dict[str, str] = {}
        self._originals: dict[tuple[str, str], Callable] = {}
        #: owner id -> (owner, its Java environment or None): a few py4j calls, asked once
        self._environments: dict[int, tuple[Any, Any]] = {}
        #: secret values in the SQL the code ran (built at run time, f-strings and all)
        self.secrets: set[str] = set()
        #: (file name it was compiled as, text, what it is to a user) of the code run
        self._source: tuple[str, str, str] | None = None
        self._previewed = False  # --preview: a call that would write was previewed

    @property
    def attached(self) -> bool:
        return bool(self.configuration.get("execution.attached"))

    @property
    def previewing(self) -> bool:
        return self.request.preview is not None

    def preview(self, owner: Any, operations: list[Any]) -> Any:
        """A call that would write shows its sinks' rows instead (``--preview``)."""
        from flink_notebook.cells.preview import preview_in_code

        self._previewed = True
        return preview_in_code(self, owner, operations)

    def original(self, owner: str, method: str) -> Callable:
        """PyFlink's own method (``owner`` a class name), while the cell's calls are routed."""
        return self._originals[(owner, method)]

    def environment(self, owner: Any) -> Any:
        """The Java environment that submits ``owner``'s jobs when the code made it itself;
        None for the session's own (``env``, ``t_env``), to which the cell's options apply."""
        if owner is None:
            return None
        known = self._environments.get(id(owner))
        if known is None or known[0] is not owner:  # asked per call: its name, then its job
            j_env = self.session.routing.environment_of(owner)
            if j_env.equals(java_stream_env(self.session.env)):
                j_env = None
            known = self._environments[id(owner)] = (owner, j_env)
        return known[1]

    def configured_name(self, owner: Any) -> str | None:
        """``pipeline.name`` as the environment that submits ``owner``'s job has it."""
        j_env = self.environment(owner)
        if j_env is None:
            return self.configuration.get("pipeline.name")
        t_env = _table_environment(owner)
        if t_env is not None:
            return t_env.get_config().get("pipeline.name", None) or None
        return j_env.getConfiguration().toMap().get("pipeline.name")

    def follow(self, job: JobClient) -> None:
        progress_done()  # the job view takes the progress line's place
        follow(job, self.configuration, self.request.timeout, self.notebook.look_of(job))

    def run(self, code: str, shell: Any) -> Any:
        """Run the code; return the value ``-o`` binds (a DataFrame, a handle or a list)."""
        session = self.session
        session.ensure_started()
        self._resume(code)
        shell.user_ns["env"] = session.env
        shell.user_ns["t_env"] = session.t_env
        filename = shell.compile.cache(code)
        self._source = (filename, code, "the cell")
        return self._run(lambda: _exec_cell(code, filename, shell), show_value=True)

    def _resume(self, text: str) -> None:
        """Know the cell (for --resume) and start from where its last job stopped if asked."""
        self.request = resuming(self.request, text, self.configuration)
        self.configuration = self.request.configuration(self.notebook.configuration)

    def run_program(self, path: str, args: list[str]) -> Any:
        """Run a PyFlink program file as ``flink run -py`` does: as ``__main__`` with
        ``sys.argv`` set, its environments the notebook's. Return the handles."""
        self.session.ensure_started()
        self._resume(f"program {Path(path).expanduser().resolve()}")
        program = Path(path).expanduser()
        if program.is_file():
            self._source = (str(program), _program_text(program), path)
        exit_code: dict[str, Any] = {}
        value = self._run(lambda: exit_code.update(code=_exec_program(path, args)),
                          show_value=False)
        code = exit_code.get("code")
        if code not in (None, 0):
            jobs = ", ".join(f"{job.name} ({job.job_id}) {job.status()}" for job in self.jobs)
            raise UsageError(f"{path} exited with code {code}"
                             + (f" after submitting {len(self.jobs)} job(s): {jobs}."
                                if self.jobs else ", submitting no job."))
        return value

    def _run(self, execute: Callable[[], Any], show_value: bool) -> Any:
        session = self.session
        if self.previewing and not self.attached:
            from flink_notebook.cells.preview import DETACHED

            raise UsageError(DETACHED)
        with session.context_environments(self.configuration), \
                routed_calls(self) as originals:
            self._originals = originals
            try:
                value = execute()
            except BaseException as exc:
                self._cancel_attached()
                if isinstance(exc, java_errors()):
                    self._raise_short(exc)
                if isinstance(exc, SubmissionFailed):  # the cluster's, not the code's
                    verbose = bool(self.configuration.get("notebook.verbose-errors"))
                    raise exc.shown(verbose) from None
                filename, code, place = self._source or ("", "", "the cell")
                later = later_api_error(exc, filename, code, place)
                if later is not None:  # newer PyFlink than the kernel's
                    raise UsageError(later) from None
                raise
            if _is_table(value):
                return self._show_table(value)
        if self.attached:
            # Query results the code holds are read by the code itself; other jobs are
            # followed here, at the end of the cell, in the order they were submitted.
            failed: list[UsageError] = []
            for job in self.jobs:
                if self._kinds[job.job_id] not in _READ_BY_THE_CODE and not job.is_terminal:
                    try:
                        self.follow(job)
                    except UsageError as exc:  # its view says why; the others are followed
                        failed.append(exc)
            if failed:
                raise failed[0]
        else:
            progress_done()
            for job in self.jobs:
                show(job, self.configuration, self.notebook.look_of(job))
        if self.previewing and not self._previewed:
            from flink_notebook.cells.preview import FOR_CODE

            raise UsageError(FOR_CODE)
        if wants_look(self.request):  # said, not raised: the cell's jobs and value stay
            print("flink-notebook: --chart and --mode single draw the Table a %%flink cell "
                  "ends with, and this cell ended with none; job.chart(...) charts a "
                  "query's handle.", file=sys.stderr)
        if self.jobs:  # the handles stand for what the calls returned
            return self.jobs[0] if len(self.jobs) == 1 else list(self.jobs)
        if value is not None and show_value:
            display(value)
        return value

    def _raise_short(self, exc: BaseException) -> None:
        """A Java error as a SQL cell's is shown: its cause and the code's line, masked."""
        filename, code, place = self._source or ("", "", "the cell")
        verbose = bool(self.configuration.get("notebook.verbose-errors"))
        raise UsageError(format_code_error(exc, filename, code, place, verbose,
                                           self.secrets)) from None

    def _cancel_attached(self) -> None:
        """The code raised: attached jobs it started go with it (detached ones are kept, as
        their handles were the point)."""
        if not self.attached:
            return
        for job in self.jobs:
            try:
                if not job.is_terminal:
                    job.cancel()
                    print(f"flink-notebook: cancelled {job.name} ({job.job_id}), started by "
                          "the code that raised.", file=sys.stderr)
            except Exception:  # noqa: BLE001 - the code's own error is the one to show
                log.debug("cancelling %s failed", job.job_id, exc_info=True)

    # -- submitting ---------------------------------------------------------

    def submit(
        self, name: str, kind: str, send: Callable[[], Any], owner: Any = None,
        result_mode: ResultMode | None = None, max_rows: int = query_plan.UNLIMITED,
        drawn: bool = False, stop_after: int = 0,
    ) -> tuple[JobClient, Any]:
        """Run ``send`` (PyFlink's own call on ``owner``: an environment, table environment,
        table, stream...) through the executor; return the handle and what PyFlink returned
        (for queries with ``result_mode``, rows kept in the JVM). ``drawn``: the job's views
        draw the cell's chart or card (the Table the cell ends with). ``stop_after``: a
        preview's row bound (``QueryResult``)."""
        native: dict[str, Any] = {}
        session, configuration = self.session, self.configuration
        j_env = self.environment(owner)
        named = configuration.with_cell({"pipeline.name": name})

        def to_cluster(address: ClusterAddress) -> Submission:
            if kind == "analyze":  # its job ran inside the call, which returns no client
                job_id = run_analyze(session, address, named,
                                     lambda: native.__setitem__("value", send()), j_env)
                return Submission(job_id)
            with session.routed(address, named, j_env):
                native["value"] = send()
                zone = session.local_zone() if j_env is None else _local_zone(owner)
            result = None
            if result_mode is not None:
                result = QueryResult(session.gateway, native["value"], result_mode, max_rows,
                                     zone, session.runs_here(address), stop_after)
            return Submission(job_id_of(native["value"]), result)

        parallelism = (session.parallelism(configuration) if j_env is None
                       else _parallelism(j_env, owner))
        pipeline = Pipeline(name, kind, parallelism, to_cluster, session)
        job = self.notebook.executor_for(configuration).execute(pipeline, configuration)
        self.jobs.append(self.notebook.register(job, self.request, configuration, drawn))
        self._kinds[job.job_id] = kind
        return job, native["value"]

    def _show_table(self, table: Any) -> Any:
        """The cell's last expression is a Table: run it like a ``%%flink_sql`` SELECT."""
        check_look(self.request, table)
        with step("Planning"):
            mode, kept = query_plan.result_mode(
                table_env_of(table), table, self.request.mode,
                int(self.configuration.get("notebook.max-rows")),
            )
            job, _ = self.submit(
                self.configuration.get("pipeline.name") or "table query", "query",
                lambda: java_table(table).execute(), owner=table, result_mode=mode,
                max_rows=kept, drawn=True,
            )
        if mode is ResultMode.UPDATE and job.query_result is not None:
            job.query_result.order = query_plan.row_order(table)  # drawn in a stable order
        if not self.attached:
            progress_done()
            show(job, self.configuration, self.notebook.look_of(job))
            return job
        self.follow(job)
        return job.to_pandas()


def _exec_cell(code: str, filename: str, shell: Any) -> Any:
    """Run the cell like IPython does (tracebacks point at the cell's lines, ``filename``
    its name in the shell's cache) and return the value of its last expression."""
    tree = ast.parse(code, filename=filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), shell.user_ns)
    if last is None:
        return None
    return eval(compile(last, filename, "eval"), shell.user_ns)


def _table_environment(owner: Any) -> Any:
    """The TableEnvironment of a table-API object (None for DataStream ones)."""
    from pyflink.table import TableEnvironment

    t_env = table_env_of(owner)
    return t_env if isinstance(t_env, TableEnvironment) else None


def _local_zone(owner: Any) -> str:
    t_env = _table_environment(owner)
    return "default" if t_env is None else str(t_env.get_config().get_local_timezone())


def _parallelism(j_env: Any, owner: Any) -> int:
    """The slots a job of an environment the code made needs, as Flink will run it: its
    own parallelism, or its table environment's ``parallelism.default``."""
    parallelism = int(j_env.getParallelism())
    t_env = _table_environment(owner)
    if t_env is not None:
        table_value = t_env.get_config().get("parallelism.default", None)
        if table_value:
            parallelism = int(table_value)
    return max(parallelism, 1)


def _exec_program(path: str, args: list[str]) -> Any:
    """Run the file as ``__main__`` with ``sys.argv`` = [path, *args] (restored after);
    return the code it passed to ``sys.exit``, or None."""
    program = Path(path).expanduser()
    if not program.is_file():
        raise UsageError(f"No PyFlink program at {path} (a .py file to run, relative to "
                         f"{Path.cwd()}).")
    # Bytes: Python decodes them as for `python program.py` (UTF-8 or its coding cookie),
    # a bad byte a SyntaxError naming the line. Tracebacks name its lines.
    code = compile(program.read_bytes(), str(program), "exec")
    namespace = {"__name__": "__main__", "__file__": str(program), "__builtins__": builtins}
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [str(program), *args]
    sys.path.insert(0, str(program.parent))  # as python program.py would
    try:
        exec(code, namespace)
    except SystemExit as exit_:
        return exit_.code
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return None


def _program_text(program: Path) -> str:
    """A program's text as Python reads it (UTF-8 or its coding cookie), for its errors;
    empty when it cannot be read so (running it then raises Python's SyntaxError)."""
    from importlib.util import decode_source

    try:
        return decode_source(program.read_bytes())
    except (SyntaxError, UnicodeDecodeError):
        return ""


def _is_table(value: Any) -> bool:
    from pyflink.table import Table

    return isinstance(value, Table)


def run_python_cell(notebook: Notebook, code: str, request: CellRequest, shell: Any) -> Any:
    """Run a ``%%flink`` cell; return what ``-o`` binds."""
    return PythonCell(notebook, request).run(code, shell)


def run_program(notebook: Notebook, path: str, args: list[str], request: CellRequest
                ) -> Any:
    """``%flink_run``: run a PyFlink program file; return what ``-o`` binds (the handles)."""
    return PythonCell(notebook, request).run_program(path, args)

