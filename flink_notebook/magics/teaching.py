"""``%flink_dataset``: parse the line, hand it to :mod:`flink_notebook.teaching`."""

from __future__ import annotations

from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from flink_notebook.cells.notebook import Notebook
from flink_notebook.magics.flink import progress_line
from flink_notebook.magics.options import parse_options


@magics_class
class TeachingMagics(Magics):
    """``%flink_dataset``."""

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
