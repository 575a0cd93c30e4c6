"""Renderers draw a JobView; each frontend gets one. All of them implement
:class:`Renderer`: ``show()`` once, ``update()`` on every poll (drawing only what changed),
``close()`` at the end. Which one a frontend gets is a small decision, kept apart from
drawing (:func:`renderer_name`); ipywidgets is imported only by the widget renderer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flink_notebook.display.renderers.base import Renderer

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration
    from flink_notebook.display.poller import JobPoller

__all__ = ["RENDERERS", "Renderer", "make_renderer", "renderer_for", "renderer_name"]

RENDERERS = ("auto", "widget", "html", "text", "zeppelin")


def renderer_name(setting: str = "auto", shell: Any = None) -> str:
    """``notebook.renderer`` if set, else: Zeppelin, terminal (text), a kernel with
    ipywidgets (widget), anything else (html)."""
    from flink_notebook.display.renderers.zeppelin import in_zeppelin

    if setting != "auto":
        return setting
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if in_zeppelin(getattr(shell, "user_ns", None)):
        return "zeppelin"
    if shell is None or type(shell).__name__ == "TerminalInteractiveShell":
        return "text"
    if getattr(shell, "kernel", None) is not None:
        try:
            import ipywidgets  # noqa: F401 - only checking it is there
        except ImportError:
            return "html"
        return "widget"
    return "html"


def make_renderer(poller: JobPoller, setting: str = "auto") -> Renderer:
    """The renderer for this frontend, drawing ``poller``'s view (the widget's buttons act
    through the poller)."""
    name = renderer_name(setting)
    if name == "widget":
        from flink_notebook.display.renderers.widget import WidgetRenderer

        return WidgetRenderer(poller)
    if name == "text":
        from flink_notebook.display.renderers.text import TextRenderer

        return TextRenderer(poller.view)
    if name == "zeppelin":
        from flink_notebook.display.renderers.zeppelin import ZeppelinRenderer

        return ZeppelinRenderer(poller.view)
    from flink_notebook.display.renderers.html import HtmlRenderer

    return HtmlRenderer(poller.view)


def renderer_for(poller: JobPoller, configuration: Configuration) -> Renderer:
    """The renderer ``notebook.renderer`` asks for (savepoints go where the job's handle
    says: ``state.savepoints.dir`` as it is when the Stop button is clicked)."""
    return make_renderer(poller, configuration.get("notebook.renderer") or "auto")
