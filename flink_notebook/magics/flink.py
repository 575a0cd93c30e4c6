"""``%%flink_sql``, ``%%flink``, ``%flink_run``, ``%flink_config``, ``%flink_jobs`` and
``%flink_catalog``: parse the options, hand the cell to plain code
(:mod:`flink_notebook.cells`, :mod:`flink_notebook.authoring`), bind ``-o``."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display
from traitlets import Bool, Float, Int, observe

from flink_notebook.cells.notebook import Notebook
from flink_notebook.cells.request import CellRequest
from flink_notebook.magics.options import cell_arguments, cell_request, parse_options, split_line


@magics_class
class FlinkMagics(Magics):
    """``%%flink_sql``, ``%%flink``, ``%flink_config``, ``%flink_jobs`` and
    ``%flink_catalog``."""

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
        Notebook.current().configuration.set(key, change["new"])

    @cell_arguments
    @argument("-f", "--file", metavar="FILE",
              help="run the SQL file FILE first (as sql-client.sh -f), then the cell's SQL")
    @cell_magic
    def flink_sql(self, line: str, cell: str) -> Any:
        """Run Flink SQL statements separated by ``;``. ``{var}`` is replaced by a Python
        variable; write ``{{`` and ``}}`` for literal braces."""
        args = parse_options(self.flink_sql, line)
        request = cell_request(args)
        notebook = Notebook.current()
        with progress_line(notebook):  # from before the first cell's imports (seconds)
            from flink_notebook.cells.scripts import run_init_sql, run_sql_file
            from flink_notebook.cells.sql import run_sql_cell

            run_init_sql(notebook)
            result = None
            if args.file:
                result = run_sql_file(notebook, args.file, request)
            if not args.file or cell.strip():
                result = run_sql_cell(notebook, cell, request, self.shell.user_ns)
        return self._bind(request, result)

    @cell_arguments
    @argument("file", metavar="FILE", help="the SQL file to run")
    @line_magic
    def flink_sql_file(self, line: str) -> Any:
        """Run a SQL file's statements as a %%flink_sql cell's (as sql-client.sh -f does);
        its errors name the file's line."""
        args = parse_options(self.flink_sql_file, line)
        request = cell_request(args)
        notebook = Notebook.current()
        with progress_line(notebook):
            from flink_notebook.cells.scripts import run_init_sql, run_sql_file

            run_init_sql(notebook)
            result = run_sql_file(notebook, args.file, request)
        return self._bind(request, result)

    @cell_arguments
    @cell_magic
    def flink(self, line: str, cell: str) -> Any:
        """Run PyFlink code with ``env`` and ``t_env`` bound; its jobs go through the
        notebook's executor. A Table as the last expression is run and shown."""
        request = cell_request(parse_options(self.flink, line))
        notebook = Notebook.current()
        with progress_line(notebook):
            from flink_notebook.cells.python import run_python_cell
            from flink_notebook.cells.scripts import run_init_sql

            run_init_sql(notebook)
            result = run_python_cell(notebook, cell, request, self.shell)
        return self._bind(request, result)

    @cell_arguments
    @argument("program", metavar="PROGRAM.py", help="the PyFlink program file to run")
    @argument("args", nargs=argparse.REMAINDER, help="its arguments (sys.argv[1:])")
    @line_magic
    def flink_run(self, line: str) -> Any:
        """Run a PyFlink program file as ``flink run -py`` does: ``__name__ == "__main__"``,
        ``sys.argv`` its arguments, and every environment it creates submits through the
        notebook's executor (the cell options count). ``-o`` binds the job handles."""
        args = parse_options(self.flink_run, line)
        request = cell_request(args)
        notebook = Notebook.current()
        with progress_line(notebook):
            from flink_notebook.cells.python import run_program

            result = run_program(notebook, args.program, list(args.args), request)
        return self._bind(request, result)

    @line_magic
    def flink_config(self, line: str) -> Any:
        """``%flink_config`` shows the effective configuration and where each value comes
        from; ``%flink_config key=value ...`` sets notebook-level values and answers with a
        line per key: its new value and the one it replaced (secrets masked). Its value
        reads as the configuration (``config = %flink_config k=v; config.get(k)``)."""
        from flink_notebook.cells.statement_set import describe_open_set
        from flink_notebook.core.config import parse_assignments
        from flink_notebook.display.notes import Answer

        notebook = Notebook.current()
        configuration = notebook.configuration
        assignments = parse_assignments(split_line(line))
        changes = []
        for key, value in assignments.items():
            before, was = configuration.get(key), configuration.shown(key)
            configuration.set(key, value)
            now = configuration.shown(key)
            # Compared as values: a masked secret reads the same before and after.
            said = ("unchanged" if configuration.get(key) == before
                    else f"was {was}" if was else "was not set")
            changes.append(f"set {key} = {now} ({said})")
        if describe_open_set(notebook):
            print(describe_open_set(notebook))
        if assignments:
            return Answer(configuration, *changes)
        if _widgets_here():
            from flink_notebook.display.config_widget import ConfigWidget

            # The form holds the option table too (folded): nothing is shown twice.
            display(ConfigWidget(configuration).box)
            return None
        return configuration

    @line_magic
    def flink_jobs(self, line: str) -> Any:
        """The jobs this session started, and the detached ones earlier kernels left
        running on this host, with their current state."""
        notebook = Notebook.current()
        jobs = notebook.listed_jobs()
        if notebook.dropped_jobs:
            from flink_notebook.display.notes import note

            note(f"{notebook.dropped_jobs} older ended job(s) are no longer listed "
                 f"(notebook.keep-jobs={notebook.configuration.get('notebook.keep-jobs')}).")
        from flink_notebook.display.job_rows import cluster_namer

        target = cluster_namer(notebook.session.runs_here, notebook.clusters)
        if _widgets_here():
            from flink_notebook.display.job_grid import JobsWidget

            return JobsWidget(jobs, target).show()
        from flink_notebook.display.job_list import jobs_table

        return jobs_table(jobs, target)

    @magic_arguments()
    @argument("-D", dest="define", action="append", default=[], metavar="KEY=VALUE",
              help="notebook.renderer=widget|html|text for this call")
    @argument("scope", nargs="*", metavar="CATALOG[.DATABASE]",
              help="show only this catalog or database (backticks around odd names)")
    @line_magic
    def flink_catalog(self, line: str) -> None:
        """The session's catalog as a tree: catalogs, databases, tables and views (columns
        and types, primary key, watermarks, computed columns, time attributes, connector
        and options, secrets masked) and functions. In a widget frontend a node is read when
        it opens, and a table's button puts its name in a new cell."""
        from flink_notebook.authoring.browser import show_catalog
        from flink_notebook.core.config import parse_assignments

        args = parse_options(self.flink_catalog, line)
        options = parse_assignments(args.define)
        notebook = Notebook.current()
        renderer = options.pop("notebook.renderer", None) or \
            notebook.configuration.get("notebook.renderer") or "auto"
        if options:
            raise UsageError(f"%flink_catalog takes -D notebook.renderer=... only, got "
                             f"{', '.join(options)}.")
        show_catalog(notebook.session, " ".join(args.scope), renderer)

    def _bind(self, request: CellRequest, value: Any) -> Any:
        if request.out:
            if not request.out.isidentifier():
                raise UsageError(f"-o needs a Python variable name, got {request.out!r}.")
            self.shell.user_ns[request.out] = value
            return None
        # Results were displayed by the cell already; a bare value would print twice.
        return None


def progress_line(notebook: Notebook) -> Any:
    """The cell's progress line ("Starting Flink… 3 s", "Planning…") until its job view."""
    from flink_notebook.display.progress import cell_progress

    return cell_progress(notebook.configuration.get("notebook.renderer") or "auto",
                         started=notebook.session.ready)


def _widgets_here() -> bool:
    from flink_notebook.display.renderers import renderer_name

    setting = Notebook.current().configuration.get("notebook.renderer") or "auto"
    return renderer_name(setting) == "widget"
