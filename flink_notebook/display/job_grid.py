"""``%flink_jobs`` in a widget frontend: one grid row per job (an ipywidgets GridBox, so
the buttons line up in their column), kept current by :class:`~flink_notebook.display.
job_list.JobList`. A running job has Cancel and Stop-with-savepoint buttons; an ended one
says so instead. A refresh sends only the cells that changed. The output also carries the
list as an HTML table, updated when every job has ended, for frontends without widgets."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.display import display

from flink_notebook.display.job_cells import (
    COLUMNS,
    MUTED,
    NOWRAP,
    ended_cell,
    short_ids,
    table_html,
    text_cells,
)
from flink_notebook.display.job_list import LIST_REFRESH, JobList
from flink_notebook.display.widget_view import widget_view

if TYPE_CHECKING:
    from flink_notebook.display.job_rows import JobRow
    from flink_notebook.jobs.client import JobClient

#: The grid's columns: the state, the job (takes what is left; its name wraps), the
#: duration and rows, the buttons.
GRID_COLUMNS = "max-content minmax(7em, 1fr) max-content max-content"
SAVEPOINT_HINT = ("To stop with a savepoint, set state.savepoints.dir: %flink_config "
                  "state.savepoints.dir=/path/to/savepoints, then click again.")


class _Row:
    """One job's widgets: its text cells and its action cell (buttons, or a word)."""

    def __init__(self, widgets: Any, job: Any, act: Callable[[Any, str], None]) -> None:
        self.cells = [widgets.HTML() for _ in COLUMNS[:-1]]
        small = widgets.Layout(width="auto", height="26px", margin="0 2px 0 0")
        self.cancel = widgets.Button(description="Cancel", icon="stop", layout=small,
                                     button_style="danger", tooltip="Cancel the job")
        self.stop = widgets.Button(description="Stop", icon="save", layout=small,
                                   tooltip="Stop the job with a savepoint")
        self._handlers = [(self.cancel, lambda _: act(job, "cancel")),
                          (self.stop, lambda _: act(job, "stop"))]
        for button, handler in self._handlers:
            button.on_click(handler)
        self.word = widgets.HTML()
        self.action = widgets.HBox([self.cancel, self.stop],
                                   layout=widgets.Layout(flex_flow="row nowrap"))
        self.buttons_shown = True

    def set_buttons(self, enabled: bool) -> None:
        """The buttons in the action cell, clickable or not."""
        if not self.buttons_shown and self._handlers:
            self.buttons_shown = True
            self.action.children = (self.cancel, self.stop)
        for button in (self.cancel, self.stop):
            if button.disabled == enabled:
                button.disabled = not enabled

    def to_word(self, value: str, ended: bool) -> None:
        """A word instead of the buttons: the job cannot be stopped (now, or ``ended``:
        ever; the buttons then let go of the job, as ipywidgets keeps a widget and its
        handlers until it is closed)."""
        if self.word.value != value:
            self.word.value = value
        if self.buttons_shown:
            self.buttons_shown = False
            self.action.children = (self.word,)
        if ended and self._handlers:
            for button, handler in self._handlers:
                button.on_click(handler, remove=True)
                button.close()
            self._handlers = []


    def close(self) -> None:
        for widget in (*self.cells, self.cancel, self.stop, self.word, self.action):
            widget.close()
        self._handlers = []


class JobsWidget(JobList):
    """The jobs as a grid of widgets; :meth:`show` displays it and starts refreshing."""

    def __init__(self, jobs: list[JobClient], target: Callable[[Any], str] = lambda j: "",
                 interval: float = LIST_REFRESH) -> None:
        import ipywidgets as widgets

        super().__init__(jobs, target, interval)
        self._rows = {job.job_id: _Row(widgets, job, self._act) for job in self.jobs}
        self._busy: set[str] = set()  # jobs whose cancel or stop is under way
        header = [widgets.HTML(f"<span style='{MUTED};{NOWRAP}'>{name}</span>")
                  for name in COLUMNS]
        cells: list[Any] = list(header)
        for row in self._rows.values():
            cells += [*row.cells, row.action]
        self.grid = widgets.GridBox(cells, layout=widgets.Layout(
            grid_template_columns=GRID_COLUMNS, grid_gap="4px 10px", align_items="center",
            overflow_x="auto", width="100%"))
        self.note = widgets.HTML(layout=widgets.Layout(display="none"))
        self.box = widgets.VBox([self.grid if self.jobs else
                                 widgets.HTML("No jobs in this session yet."), self.note])
        self._handle: Any = None
        self.step()

    # -- showing -------------------------------------------------------------

    def show(self) -> None:
        """Display the list and keep it current while any job runs. Its buttons' clicks
        go to a kernel subshell where the kernel has them (display/clicks.py): they act
        at once, while another cell keeps the main thread busy (cancelling and stopping
        are REST requests, safe on any thread)."""
        from flink_notebook.display.clicks import Clicks

        self._handle = display(self._bundle(), raw=True, display_id=True)
        Clicks().route(*(button for row in self._rows.values()
                         for button in (row.cancel, row.stop)))
        self.start()

    def _bundle(self) -> dict[str, Any]:
        states = ", ".join(f"{row.job.job_id[:8]} {row.state}" for row in self.rows)
        return {"text/plain": f"Flink jobs: {states or 'none'}",
                "text/html": table_html(self.rows), **widget_view(self.box)}

    def draw(self, rows: list[JobRow]) -> None:
        ids = short_ids([row.job.job_id for row in rows])
        for row in rows:
            shown = self._rows[row.job.job_id]
            for cell, value in zip(shown.cells, text_cells(row, ids[row.job.job_id])):
                if cell.value != value:
                    cell.value = value
            if row.running:
                shown.set_buttons(row.job.job_id not in self._busy)
            elif row.answered and not row.ended:  # on its way out (CANCELLING)
                shown.set_buttons(False)
            else:
                shown.to_word(ended_cell(row), row.ended)

    def superseded(self) -> None:
        """A newer list refreshes instead: this one's states are no longer current, and its
        buttons go (the newer list has them)."""
        with self._lock:
            for row in self.rows:
                if row.running:
                    self._rows[row.job.job_id].set_buttons(False)
            self._say("This list is no longer refreshed: a newer %flink_jobs list is.")

    def finish(self) -> None:
        """The final state, also for frontends without widgets (a saved notebook)."""
        if self._handle is not None:
            self._handle.update(self._bundle(), raw=True)

    def close(self) -> None:
        """Stop refreshing and close the list's widgets."""
        super().close()
        for row in self._rows.values():
            row.close()
        for widget in (*self.grid.children, *self.box.children, self.box):
            widget.close()

    @property
    def closed(self) -> bool:
        return super().closed or getattr(self, "box", None) is not None and (
            self.box.comm is None)

    # -- buttons -------------------------------------------------------------

    def _act(self, job: Any, what: str) -> None:
        """A click: cancel the job, or stop it with a savepoint; then draw at once."""
        self._busy.add(job.job_id)
        self._rows[job.job_id].set_buttons(False)
        try:
            if what == "cancel":
                job.cancel()
            else:
                self._stop_with_savepoint(job)
        except UsageError as exc:
            self._say(str(exc))
        finally:
            self._busy.discard(job.job_id)
        if not self.closed:
            self.step()
            self.start()  # a list that had stopped (no answer) goes on

    def _stop_with_savepoint(self, job: Any) -> None:
        directory = job.savepoint_directory()
        if directory is None:
            self._say(SAVEPOINT_HINT)
            return
        location = job.stop_with_savepoint(directory)
        self._say(f"{job.name or job.job_id}: savepoint {location}")

    def _say(self, text: str) -> None:
        self.note.value = f"<div class='flink-note'>{html.escape(text)}</div>"
        self.note.layout.display = ""
