"""Which renderer draws a job view here: a small decision, kept apart from drawing."""

from __future__ import annotations

from typing import Any

from flink_notebook.display.view import JobView

RENDERERS = ("auto", "widget", "html", "text", "zeppelin")


def renderer_name(setting: str = "auto", shell: Any = None) -> str:
    """``notebook.renderer`` if set, else: Zeppelin, terminal (text), a kernel with
    ipywidgets (widget), anything else (html)."""
    from flink_notebook.display.zeppelin import in_zeppelin

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


def make_renderer(view: JobView, setting: str = "auto", savepoint_dir: str | None = None):
    name = renderer_name(setting)
    if name == "widget":
        from flink_notebook.display.widget import WidgetRenderer

        return WidgetRenderer(view, savepoint_dir)
    if name == "text":
        from flink_notebook.display.text import TextRenderer

        return TextRenderer(view)
    if name == "zeppelin":
        from flink_notebook.display.zeppelin import ZeppelinRenderer

        return ZeppelinRenderer(view)
    from flink_notebook.display.html import HtmlRenderer

    return HtmlRenderer(view)
