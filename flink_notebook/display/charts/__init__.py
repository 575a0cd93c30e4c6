"""Live charts of a query's result (``--chart``, ``job.chart()``), specified with altair
and drawn by Vega-Lite: live by the frontend's own Vega renderer, redrawn when the rows
changed, and as a static SVG made without a browser (vl-convert) for saved and headless
notebooks.

altair and vl-convert are the ``charts`` extra; :func:`require_altair` says what to
install when they are missing. Which columns a chart plots is checked without them
(:mod:`~flink_notebook.display.charts.spec`).
"""

from __future__ import annotations

from IPython.core.error import UsageError

INSTALL_HINT = "pip install 'flink-notebook[charts]'"


def require_altair() -> None:
    """Raise a UsageError naming the extra to install if altair or vl-convert is missing."""
    try:
        import altair  # noqa: F401 - only checking it is there
        import vl_convert  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"Charts need altair and vl-convert-python ({exc.name} is missing): "
                         f"{INSTALL_HINT}") from None
