"""The one thing every renderer is: ``show()`` once, ``update()`` on every poll, ``close()``
at the end."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flink_notebook.display.clicks import Clicks
    from flink_notebook.display.view import JobView


class Renderer(ABC):
    """Draws one JobView in one frontend."""

    def __init__(self, view: JobView) -> None:
        self.view = view

    @abstractmethod
    def show(self) -> None:
        """Put the view on screen (once)."""

    @abstractmethod
    def update(self) -> None:
        """Redraw after a poll, if the view changed."""

    def take_clicks(self, clicks: Clicks) -> None:  # noqa: B027 - optional, most have no buttons
        """While a cell follows the job: the view's buttons, if any, are clicked through
        ``clicks`` (acted on by the following loop). Views without buttons ignore it."""

    @abstractmethod
    def close(self) -> None:
        """The final drawing (the job ended, or nobody watches any more)."""
