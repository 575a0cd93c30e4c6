"""The options %%flink_sql and %%flink share, and the CellRequest they make."""

from __future__ import annotations

import shlex
from typing import Any, Callable

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from flink_notebook.cells.request import CellRequest, Preview
from flink_notebook.core.config import seconds
from flink_notebook.display.charts.spec import ChartSpec
from flink_notebook.engine.result_mode import ResultMode

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
    argument("--mode", choices=[*(m.value for m in ResultMode if m is not ResultMode.ALL),
                                "single"],
             help="result view for a query; chosen from its changelog when omitted; "
                  "single: one row as a card (--template)"),
    argument("--template", metavar="HTML",
             help="--mode single: HTML with {column} or {column:.1f} for the newest row's "
                  "values (escaped), e.g. \"<h2>{total}</h2> orders\""),
    argument("--chart", nargs="+", metavar="KIND [x=COL y=COL color=COL]",
             help="a live chart of the query's rows: line, bar, area, scatter or heatmap, "
                  "e.g. --chart line x=window_end y=cnt color=user (needs the charts extra)"),
    argument("--timeout", type=seconds, metavar="SECONDS",
             help="cancel an attached job still running after SECONDS"),
    argument("--verbose", action="store_true", help="show the full Java trace on errors"),
    argument("--from-savepoint", metavar="PATH",
             help="start the job from this savepoint (execution.savepoint.path)"),
    argument("--cancel-with-savepoint", action="store_true",
             help="an interrupt, --timeout or Cancel stops the job with a savepoint, "
                  "for --resume (notebook.cancel-with-savepoint)"),
    argument("--preview", action="store_true",
             help="run the INSERTs, statement sets and CREATE TABLE ... AS SELECT with each "
                  "sink replaced by a live view of the rows it would receive: nothing is "
                  "written, no table created"),
    argument("--preview-rows", type=int, metavar="N",
             help="--preview: stop each view (and its job) at N rows (default 1000)"),
    argument("--preview-seconds", type=seconds, metavar="SECONDS",
             help="--preview: stop each view (and its job) after SECONDS (default 180)"),
    argument("--resume", nargs="?", const="savepoint", choices=["savepoint", "checkpoint"],
             help="start the job from the last savepoint of this cell's job (the default), "
                  "or its latest completed checkpoint (notebook.resume)"),
]


def split_line(line: str) -> list[str]:
    """A magic's line as a shell splits it: quotes group words and are removed
    (``--name 'my job'``, ``-D pipeline.name='a b'``); a backslash stays a backslash (a
    Windows path). IPython's own split keeps the quotes in the value."""
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split, lexer.escape, lexer.commenters = True, "", ""
    try:
        return list(lexer)
    except ValueError:
        raise UsageError(f"A quote is not closed in the options: {line.strip()}") from None


def parse_options(magic: Callable, line: str) -> Any:
    """``line`` parsed by ``magic``'s options (its @argument decorators), split as
    :func:`split_line` does; a bad option is a UsageError with the usage."""
    return magic.parser.parse_args(split_line(line))


def cell_arguments(func: Callable) -> Callable:
    """The options shared by %%flink_sql and %%flink."""
    for decorator in reversed(_CELL_ARGUMENTS):
        func = decorator(func)
    return magic_arguments()(func)


def cell_request(args: Any) -> CellRequest:
    """The parsed options as the cell's configuration layer and its output handling."""
    from flink_notebook.core.config import parse_assignments

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
    if args.cancel_with_savepoint:
        options["notebook.cancel-with-savepoint"] = True
    if args.from_savepoint:
        options["execution.savepoint.path"] = args.from_savepoint
    single = args.mode == "single"
    template = args.template
    if template is not None and not single:
        raise UsageError("--template is for a single-value card: add --mode single.")
    mode = ResultMode(args.mode) if args.mode and not single else None
    chart = ChartSpec.parse(args.chart) if args.chart is not None else None
    return CellRequest(options=options, out=args.out, mode=mode, timeout=args.timeout,
                       resume=args.resume, chart=chart,
                       template=(template or "") if single else None, preview=_preview(args))


def _preview(args: Any) -> Preview | None:
    """--preview and its bounds, checked."""
    bounds = {name: value for name, value in (("rows", args.preview_rows),
                                              ("seconds", args.preview_seconds))
              if value is not None}
    if not args.preview:
        if bounds:
            raise UsageError(f"--preview-{next(iter(bounds))} bounds a preview: add --preview.")
        return None
    if args.detached:
        raise UsageError("--preview shows its rows in the cell: it cannot be --detached.")
    if any(value <= 0 for value in bounds.values()):
        raise UsageError("--preview-rows and --preview-seconds must be above 0.")
    return Preview(**bounds)
