"""``%flink_check``: a checked exercise's line, handed to
:func:`flink_notebook.teaching.check`; ``%flink_dataset``: an example data set's
tables, made by :mod:`flink_notebook.teaching.loading`."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from flink_notebook.cells.notebook import Notebook
from flink_notebook.magics.flink import progress_line
from flink_notebook.magics.options import parse_options


@magics_class
class TeachingMagics(Magics):
    """Magics for teaching notebooks: %flink_check and %flink_dataset."""

    @magic_arguments()
    @argument("result", metavar="RESULT",
              help="the answer: a DataFrame (-o) or a query's job handle (--detached -o)")
    @argument("expected", metavar="EXPECTED",
              help="the expected rows: a DataFrame, or a list of tuples or dicts")
    @argument("--name", metavar="NAME", help="what the check is called (default: RESULT)")
    @argument("--ordered", action="store_true", default=None,
              help="rows must come in the expected order (default: when the query's "
                   "ORDER BY is known)")
    @argument("--unordered", dest="ordered", action="store_false", default=None,
              help="rows may come in any order")
    @argument("--decimals", type=int, metavar="N", help="compare floats rounded to N places")
    @argument("--tolerance", type=float, default=1e-6, metavar="T",
              help="floats within T (relative or absolute) are equal (default 1e-6)")
    @argument("--timeout", type=float, default=60.0, metavar="SECONDS",
              help="how long to wait for a running query's end (default 60)")
    @line_magic
    def flink_check(self, line: str) -> None:
        """Check an exercise: ``RESULT`` and ``EXPECTED`` name variables of the notebook.
        Says "✓ NAME: N rows, as expected", or fails the cell saying which rows are
        missing, extra or different (in any order unless --ordered)."""
        from flink_notebook.teaching import check

        args = parse_options(self.flink_check, line)
        check(self._variable(args.result), self._variable(args.expected),
              name=args.name or args.result, ordered=args.ordered,
              tolerance=args.tolerance, decimals=args.decimals, timeout=args.timeout)

    def _variable(self, name: str) -> Any:
        if name not in self.shell.user_ns:
            raise UsageError(f"No variable {name} in the notebook: run the cell that makes "
                             "it first (a query's -o NAME).")
        return self.shell.user_ns[name]

    @magic_arguments()
    @argument("name", nargs="?", metavar="NAME",
              help="taxi, sensors, shop or clicks; without it, the sets are listed")
    @argument("--speed", default="fast", metavar="X",
              help="replay event time X times faster than real time (fast, the default: "
                   "as fast as Flink reads)")
    @argument("--seed", type=int, default=1, metavar="N",
              help="the same seed gives the same rows (default 1)")
    @argument("--rows", type=int, metavar="N",
              help="how many rides, readings, orders or page view slots")
    @line_magic
    def flink_dataset(self, line: str) -> Any:
        """Create an example data set's temporary tables, with event time and watermarks,
        for ``%%flink_sql`` cells: the same seed gives the same rows every run."""
        from flink_notebook.teaching.loading import create_dataset, dataset_list

        args = parse_options(self.flink_dataset, line)
        if not args.name:
            return dataset_list()
        notebook = Notebook.current()
        with progress_line(notebook):
            from flink_notebook.cells.scripts import run_init_sql

            run_init_sql(notebook)
            create_dataset(notebook.session, args.name, args.seed, args.rows, args.speed)
        return None
