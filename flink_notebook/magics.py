"""The magics: parse options, hand the cell to plain code, bind ``-o``."""

from __future__ import annotations

from typing import Any, Callable

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display
from traitlets import Bool, Float, Int, observe

from flink_notebook.cell import CellRequest
from flink_notebook.results import ResultMode
from flink_notebook.session import FlinkSession

_CELL_ARGUMENTS = [
    argument("-o", "--out", metavar="VAR",
             help="bind the result to VAR: a DataFrame when attached, the job handle when "
                  "detached"),
    argument("--detached", action="store_true",
             help="return the job handle at once instead of waiting (execution.attached=false)"),
    argument("--target", metavar="NAME", help="execution.target for this cell: local, remote, "
                                              "per-job, ..."),
    argument("-p", "--parallelism", type=int, metavar="N", help="parallelism.default"),
    argument("--name", help="job name (pipeline.name)"),
    argument("-D", dest="define", action="append", default=[], metavar="KEY=VALUE",
             help="any configuration option for this cell (repeatable)"),
    argument("--max-rows", type=int, metavar="N", help="rows kept and shown (notebook.max-rows)"),
    argument("--mode", choices=[m.value for m in ResultMode if m is not ResultMode.ALL],
             help="result view for a query; chosen from its changelog when omitted"),
    argument("--timeout", type=float, metavar="SECONDS",
             help="cancel an attached job still running after SECONDS"),
    argument("--verbose", action="store_true", help="show the full Java trace on errors"),
    argument("--from-savepoint", metavar="PATH",
             help="start the job from this savepoint (execution.savepoint.path)"),
]


def cell_arguments(func: Callable) -> Callable:
    """The options shared by %%flink_sql and %%flink."""
    for decorator in reversed(_CELL_ARGUMENTS):
        func = decorator(func)
    return magic_arguments()(func)


def cell_request(args: Any) -> CellRequest:
    from flink_notebook.config import parse_assignments

    options: dict[str, Any] = parse_assignments(args.define)
    if args.target:
        options["execution.target"] = args.target
    if args.detached:
        options["execution.attached"] = False
    if args.parallelism is not None:
        options["parallelism.default"] = args.parallelism
    if args.name:
        options["pipeline.name"] = args.name
    if args.max_rows is not None:
        options["notebook.max-rows"] = args.max_rows
    if args.verbose:
        options["notebook.verbose-errors"] = True
    if args.from_savepoint:
        options["execution.savepoint.path"] = args.from_savepoint
    mode = ResultMode(args.mode) if args.mode else None
    return CellRequest(options=options, out=args.out, mode=mode, timeout=args.timeout)


@magics_class
class FlinkMagics(Magics):
    """``%%flink_sql``, ``%%flink``, ``%flink_config`` and ``%flink_jobs``."""

    max_rows = Int(1000, help="Rows kept and shown per query (notebook.max-rows).").tag(
        config=True
    )
    refresh_interval = Float(
        0.3, help="Seconds between updates of a live view (notebook.refresh-interval)."
    ).tag(config=True)
    verbose_errors = Bool(
        False, help="Show full Java traces on errors (notebook.verbose-errors)."
    ).tag(config=True)
    prewarm = Bool(
        True, help="Start Java and the embedded cluster in the background at %load_ext."
    ).tag(config=True)

    @observe("max_rows", "refresh_interval", "verbose_errors")
    def _to_configuration(self, change: dict[str, Any]) -> None:
        key = "notebook." + change["name"].replace("_", "-")
        FlinkSession.current().configuration.set(key, change["new"])

    @cell_arguments
    @cell_magic
    def flink_sql(self, line: str, cell: str) -> Any:
        """Run Flink SQL statements separated by ``;``. ``{var}`` is replaced by a Python
        variable; write ``{{`` and ``}}`` for literal braces."""
        from flink_notebook.sql_cell import run_sql_cell

        request = cell_request(parse_argstring(self.flink_sql, line))
        return self._bind(request, run_sql_cell(FlinkSession.current(), cell, request,
                                                self.shell.user_ns))

    @cell_arguments
    @cell_magic
    def flink(self, line: str, cell: str) -> Any:
        """Run PyFlink code with ``env`` and ``t_env`` bound; its jobs go through the
        notebook's executor. A Table as the last expression is run and shown."""
        from flink_notebook.python_cell import run_python_cell

        request = cell_request(parse_argstring(self.flink, line))
        return self._bind(request, run_python_cell(FlinkSession.current(), cell, request,
                                                   self.shell))

    @line_magic
    def flink_config(self, line: str) -> Any:
        """``%flink_config`` shows the effective configuration and where each value comes
        from; ``%flink_config key=value ...`` sets notebook-level values."""
        from flink_notebook.config import parse_assignments

        configuration = FlinkSession.current().configuration
        assignments = parse_assignments(line.split())
        for key, value in assignments.items():
            configuration.set(key, value)
        if not assignments and _widgets_here():
            from flink_notebook.display.config_widget import ConfigWidget

            display(ConfigWidget(configuration).box)
        return configuration

    @line_magic
    def flink_jobs(self, line: str) -> Any:
        """The jobs this session started, with their current state."""
        jobs = FlinkSession.current().jobs
        if _widgets_here():
            from flink_notebook.display.jobs_widget import JobsWidget

            return display(JobsWidget(jobs).box)
        from flink_notebook.jobs_table import jobs_table

        return jobs_table(jobs)

    def _bind(self, request: CellRequest, value: Any) -> Any:
        if request.out:
            if not request.out.isidentifier():
                raise UsageError(f"-o needs a Python variable name, got {request.out!r}.")
            self.shell.user_ns[request.out] = value
            return None
        # Results were displayed by the cell already; a bare value would print twice.
        return None


def _widgets_here() -> bool:
    from flink_notebook.display.choose import renderer_name

    setting = FlinkSession.current().configuration.get("notebook.renderer") or "auto"
    return renderer_name(setting) == "widget"


def register(shell: Any) -> None:
    """Register the magics and start Flink in the background."""
    from flink_notebook.cluster_magics import ClusterMagics

    magics = FlinkMagics(shell=shell)
    shell.register_magics(magics)
    shell.register_magics(ClusterMagics(shell=shell))
    if magics.prewarm:
        FlinkSession.current().prewarm()
