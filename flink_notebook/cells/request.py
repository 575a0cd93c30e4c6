"""What a cell asks for besides its text: cell-level options and where results go."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flink_notebook.engine.result_mode import ResultMode

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.display.charts.spec import ChartSpec

_runs = itertools.count(1)


@dataclass(frozen=True)
class Preview:
    """``--preview``: each sink's rows shown instead of written, within these bounds."""

    rows: int = 1000  #: --preview-rows
    seconds: float = 180.0  #: --preview-seconds


@dataclass
class CellRequest:
    """Parsed magic options: the cell configuration layer and the output handling."""

    options: dict[str, Any] = field(default_factory=dict)
    out: str | None = None
    mode: ResultMode | None = None
    timeout: float | None = None
    resume: str | None = None  #: --resume: savepoint or checkpoint (None: notebook.resume)
    cell_key: str | None = None  #: the cell, for --resume (cells.resume.cell_key)
    #: This run of the cell (each magic call its own, its ``-f`` file's statements too): a
    #: re-run's jobs replace the rows of the cell's earlier runs (Notebook.register).
    run: int = field(default_factory=lambda: next(_runs))
    chart: ChartSpec | None = None  #: --chart: a live chart of each query's rows
    template: str | None = None  #: --mode single: a card ('' for the default template)
    preview: Preview | None = None  #: --preview: sinks replaced by live views, bounded

    def configuration(self, notebook: Configuration) -> Configuration:
        """The notebook's configuration with this cell's options on top (read fresh, so a
        ``SET`` earlier in the same cell counts)."""
        return notebook.with_cell(self.options)
