"""The output that shows a widget, beside the HTML and text frontends without widgets get:
built in one place, as ipywidgets' own ``Widget._repr_mimebundle_`` does."""

from __future__ import annotations

from typing import Any

#: The MIME type of a widget's view in an output.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def widget_view(widget: Any) -> dict[str, dict[str, Any]]:
    """The bundle entry that shows ``widget`` (ipywidgets 8's protocol, version 2.0)."""
    return {WIDGET_VIEW: {"model_id": widget.model_id, "version_major": 2, "version_minor": 0}}
