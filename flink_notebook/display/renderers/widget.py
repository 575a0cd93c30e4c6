"""ipywidgets renderer (JupyterLab, Notebook, VS Code).

One HTML widget carries everything that changes (badge, elapsed time,
operators, rows), so a refresh is at most one message to the frontend; the
Cancel and Stop-with-savepoint buttons sit below it; they act while an attached cell
still runs where the kernel has subshells (:mod:`~flink_notebook.display.clicks`). The
output also carries
an HTML snapshot, updated at the end, so a notebook run headless (nbclient,
papermill) keeps each job's final state instead of a blank widget.
"""

from __future__ import annotations

import threading
from typing import Any

from IPython.display import display

from flink_notebook.display.clicks import Clicks
from flink_notebook.display.poller import JobPoller
from flink_notebook.display.renderers.base import Renderer
from flink_notebook.display.renderers.snapshot import (
    WRAPS_WORDS,
    bundle,
    details_html,
    head_html,
    html_snapshot,
)
from flink_notebook.display.widget_view import widget_view


class WidgetRenderer(Renderer):
    """The view as one HTML widget, with Cancel and Stop-with-savepoint buttons that act
    on the job through ``poller``. Savepoints go to ``savepoint_dir``, else where the job's
    handle says when Stop is clicked (``state.savepoints.dir``)."""

    #: It redraws its output in place, also after its cell returned: the monitor draws
    #: an ended view's last state (follow.py).
    in_place = True

    def __init__(self, poller: JobPoller, savepoint_dir: str | None = None) -> None:
        import ipywidgets as widgets

        super().__init__(poller.view)
        view = self.view
        self.poller = poller
        self.savepoint_dir = savepoint_dir
        # With a chart: the status above it, the graph and rows below (a live widget).
        self.live = _live_chart(view)
        self.body = widgets.HTML(value=_body(view, self.live is not None))
        self.details = widgets.HTML(value=_wrap(details_html(view))) if self.live else None
        self.cancel_button = widgets.Button(description="Cancel", icon="stop",
                                            button_style="danger")
        self.savepoint_button = widgets.Button(description="Stop with savepoint", icon="save",
                                               layout=widgets.Layout(width="auto"))
        # Shown after a Stop click that found no directory, while that holds and the job runs.
        self.hint = widgets.HTML(value=SAVEPOINT_HINT, layout=widgets.Layout(display="none"))
        self._hinted = False
        # ipywidgets keeps every widget until it is closed, and a button its handlers: they
        # go when the job ends, so that the widgets no longer hold the job (its rows).
        self._handlers = [
            (self.cancel_button, lambda _: self._clicked(lambda: self._act(poller.cancel))),
            (self.savepoint_button, lambda _: self._clicked(self._stop_with_savepoint)),
        ]
        for button, handler in self._handlers:
            button.on_click(handler)
        shown = [self.body] if self.live is None else [self.body, self.live.widget,
                                                       self.details]
        self.box = widgets.VBox([*shown, widgets.HBox([self.cancel_button,
                                                       self.savepoint_button]), self.hint])
        self._handle: Any = None
        self._drawn = -1
        self._clicks: Clicks | None = None
        if view.ended:  # a job that ended before its view was made (a failed detached one)
            self._ended()

    def take_clicks(self, clicks: Clicks) -> None:
        """While the cell follows the job, the buttons' clicks arrive at once (a kernel
        subshell, :mod:`~flink_notebook.display.clicks`) and are acted on by its loop."""
        if clicks.route(self.cancel_button, self.savepoint_button):
            self._clicks = clicks

    def _clicked(self, action) -> None:
        clicks = self._clicks
        if clicks is not None and clicks.live and threading.current_thread() is not (
                threading.main_thread()):
            clicks.put(action)  # the following loop acts on it, on the cell's thread
        else:
            action()

    def _act(self, action) -> None:
        for button in (self.cancel_button, self.savepoint_button):
            button.disabled = True
        action()
        self.update()

    def _directory(self) -> str | None:
        return self.savepoint_dir or self.poller.job.savepoint_directory()

    def _stop_with_savepoint(self) -> None:
        directory = self._directory()
        self._hinted = directory is None
        self._show_hint()
        if directory is None:
            return
        self._act(lambda: self.poller.stop_with_savepoint(directory))
        if not self.view.ended and not (self.view.note or "").startswith("savepoint:"):
            self.cancel_button.disabled = False  # it failed (the note says why): Cancel works
            self.savepoint_button.disabled = False

    def show(self) -> None:
        data = {**bundle(self.view), **widget_view(self.box)}
        self._handle = display(data, raw=True, display_id=True)
        self._drawn = self.view.version

    def _show_hint(self) -> None:
        """The hint applies while the job runs and no savepoint directory is set."""
        shown = self._hinted and not self.view.ended and self._directory() is None
        wanted = "" if shown else "none"
        if self.hint.layout.display != wanted:
            self.hint.layout.display = wanted

    def update(self) -> None:
        if self._hinted:
            self._show_hint()
        if self.view.ended:
            self._ended()  # whether or not the view changed since it was last drawn
        if self.view.version == self._drawn:
            return
        self._drawn = self.view.version
        value = _body(self.view, self.live is not None)
        if value != self.body.value:
            self.body.value = value
        if self.live is not None:
            self.live.update()
            details = _wrap(details_html(self.view))
            if details != self.details.value:
                self.details.value = details

    def _ended(self) -> None:
        """Both buttons off, saying why (unchanged traits send nothing: it may run again,
        as the view's last state arrives)."""
        why = f"The job has ended ({self.view.state})."
        for button in (self.cancel_button, self.savepoint_button):
            button.disabled = True
            button.tooltip = why
        self.cancel_button.description = (self.view.state or "ended").capitalize()
        self.cancel_button.button_style = ""
        for button, handler in self._handlers:
            button.on_click(handler, remove=True)
        self._handlers = []

    def close(self) -> None:
        self.update()
        if self.live is not None:
            self.live.update(final=True)  # with its SVG, for the saved widget state
        if self._handle is not None:  # the final state, for frontends without widgets
            self._handle.update({**bundle(self.view), **widget_view(self.box)}, raw=True)


#: What the Stop button says when it has nowhere to write the savepoint.
SAVEPOINT_HINT = ("<div class='flink-note'>To stop with a savepoint, set "
                  "<code>state.savepoints.dir</code>: <code>%flink_config "
                  "state.savepoints.dir=/path/to/savepoints</code>, then click again.</div>")


def _body(view, charted: bool = False) -> str:
    """The snapshot (only its head above a live chart), at a text's line height."""
    return _wrap(head_html(view) if charted else html_snapshot(view))


def _wrap(content: str) -> str:
    """An HTML widget's content has a form field's line height (28 px), which spread
    every table row over two lines' height: a text's instead. Its text wraps at the
    cell's edge rather than run under the next widget."""
    return (f"<div class='flink-view' style='line-height:1.4;{WRAPS_WORDS};max-width:100%'>"
            f"{content}</div>")


def _live_chart(view) -> Any:
    """The view's chart as a live widget, None without a chart."""
    from flink_notebook.display.charts.drawing import drawing_for

    drawing = drawing_for(view)
    if drawing is None:
        return None
    from flink_notebook.display.charts.widget import LiveChart

    return LiveChart(drawing)
