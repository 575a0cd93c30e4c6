"""A ChartSpec as a Vega-Lite chart (through altair), and as a static SVG made without a
browser (vl-convert). The rows are a named dataset, ``rows``, inlined in the
specification, with fields ``f0``, ``f1``... (the plotted columns in order)."""

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

    # Vega-Lite reads a field name as a path (a.b, a[0], a backslash) and altair as
    # shorthand (a:b as field a of type b); its escapes are not honoured everywhere (a
    # backslash). So the dataset's fields are plain names of ours, titled with the columns'.
    fields = {column: f"f{n}" for n, column in enumerate(dict.fromkeys(spec.columns()))}

    def field(column: str) -> dict[str, str]:
        return {"field": fields[column], "title": column}

    discrete_x = spec.kind in ("bar", "heatmap")
    encoding: dict[str, Any] = {"x": _x(alt, field(spec.x), roots.get(spec.x), discrete_x)}
    if spec.kind == "heatmap":
        encoding["y"] = alt.Y(**field(spec.y), type="ordinal")
        encoding["color"] = alt.Color(**field(spec.color), type="quantitative")
    else:
        encoding["y"] = alt.Y(**field(spec.y), type="quantitative",
                              stack=True if spec.kind in ("bar", "area") else None)
        if spec.color:
            encoding["color"] = alt.Color(**field(spec.color), type="nominal")
    # A tooltip's title goes into a Vega expression's string, where Vega-Lite escapes quotes
    # but not a backslash.
    encoding["tooltip"] = [alt.Tooltip(field=fields[c], title=c.replace("\\", "\\\\"),
                                       type=_type(roots.get(c))) for c in fields]
    mark = {"type": _MARKS[spec.kind], "tooltip": True}
    if spec.kind == "line":
        mark["point"] = True
    data = [{fields[column]: value for column, value in row.items() if column in fields}
            for row in rows]
    chart = alt.Chart(alt.Data(name=DATASET), mark=mark).encode(**encoding)
    return chart.properties(width=WIDTH, height=HEIGHT, datasets={DATASET: data})


def _x(alt: Any, field: dict[str, str], root: str | None, discrete: bool) -> Any:
    if root in TEMPORAL:
        if discrete:  # a band per time (a window's bar), labelled with its clock time
            return alt.X(**field, type="ordinal", timeUnit=_TIME_UNIT,
                         axis=alt.Axis(labelAngle=-45, format="%H:%M:%S"))
        return alt.X(**field, type="temporal", scale=alt.Scale(type="utc"))
    if root in NUMERIC and not discrete:
        return alt.X(**field, type="quantitative")
    return alt.X(**field, type="ordinal" if root in NUMERIC else "nominal",
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
