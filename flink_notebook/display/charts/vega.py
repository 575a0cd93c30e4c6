"""A ChartSpec as a Vega-Lite chart (through altair), and as a static SVG made without a
browser (vl-convert). The rows are a named dataset, ``rows``, inlined in the
specification."""

from __future__ import annotations

from typing import Any

from flink_notebook.display.charts.spec import NUMERIC, TEMPORAL, ChartSpec

DATASET = "rows"
#: The Vega-Lite major version the frontends render natively (JupyterLab 4 and VS Code).
MIMETYPE = "application/vnd.vegalite.v5+json"
_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
_VL_VERSION = "5.21"  # vl-convert's Vega-Lite for the static SVG, the same major version
WIDTH, HEIGHT = 560, 260
_MARKS = {"line": "line", "bar": "bar", "area": "area", "scatter": "point", "heatmap": "rect"}
_TIME_UNIT = "utcyearmonthdatehoursminutesseconds"


def vega_lite(spec: ChartSpec, roots: dict[str, str], rows: list[dict[str, Any]]) -> Any:
    """The altair chart of ``rows`` (:func:`~flink_notebook.display.charts.data.records`).
    Times are drawn on a UTC scale: the records carry the table's wall clock as UTC."""
    import altair as alt

    discrete_x = spec.kind in ("bar", "heatmap")
    encoding: dict[str, Any] = {"x": _x(alt, spec.x, roots.get(spec.x), discrete_x)}
    if spec.kind == "heatmap":
        encoding["y"] = alt.Y(spec.y, type="ordinal")
        encoding["color"] = alt.Color(spec.color, type="quantitative")
    else:
        encoding["y"] = alt.Y(spec.y, type="quantitative",
                              stack=True if spec.kind in ("bar", "area") else None)
        if spec.color:
            encoding["color"] = alt.Color(spec.color, type="nominal")
    encoding["tooltip"] = [alt.Tooltip(c, type=_type(roots.get(c))) for c in spec.columns()]
    mark = {"type": _MARKS[spec.kind], "tooltip": True}
    if spec.kind == "line":
        mark["point"] = True
    chart = alt.Chart(alt.Data(name=DATASET), mark=mark).encode(**encoding)
    return chart.properties(width=WIDTH, height=HEIGHT, datasets={DATASET: rows})


def _x(alt: Any, column: str, root: str | None, discrete: bool) -> Any:
    if root in TEMPORAL:
        if discrete:  # a band per time (a window's bar), labelled with its clock time
            return alt.X(column, type="ordinal", timeUnit=_TIME_UNIT, title=column,
                         axis=alt.Axis(labelAngle=-45, format="%H:%M:%S"))
        return alt.X(column, type="temporal", scale=alt.Scale(type="utc"))
    if root in NUMERIC and not discrete:
        return alt.X(column, type="quantitative")
    return alt.X(column, type="ordinal" if root in NUMERIC else "nominal",
                 axis=alt.Axis(labelAngle=0, labelOverlap=True))


def _type(root: str | None) -> str:
    return "temporal" if root in TEMPORAL else "quantitative" if root in NUMERIC else "nominal"


def spec_dict(chart: Any) -> dict[str, Any]:
    """The chart's Vega-Lite specification, as version 5 (what frontends render)."""
    spec = chart.to_dict()
    spec["$schema"] = _SCHEMA
    return spec


def svg(chart: Any) -> str:
    """The chart drawn as SVG by vl-convert (no browser). Text in it is escaped by Vega."""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec_dict(chart), vl_version=_VL_VERSION)
