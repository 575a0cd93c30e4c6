"""The operator graph of a job view, as an inline SVG picture: one box per job vertex (its
chained operators named in order, parallelism, status, records, back pressure, busy time
and watermark) and one arrow per edge of Flink's plan, labelled with how records are
shipped (FORWARD, HASH, REBALANCE...).

The layout is grandalf's Sugiyama layered layout (pure Python, so it works the same in a
kernel, headless, on Binder and in a saved notebook; docs/libraries.md says why not
Graphviz). This module only places what grandalf computed and writes the SVG. Every
string in it is HTML-escaped; colours use JupyterLab's theme variables (with light
fallbacks) so that a dark theme reads too.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from functools import lru_cache

from flink_notebook.display.view import JobView, Operator

BOX_WIDTH = 270
LINE = 15
MAX_CHAIN_LINES = 4
LAYER_GAP = 70
SIBLING_GAP = 24
MARGIN = 8
STATUS_COLORS = {"RUNNING": "#1a7f37", "FINISHED": "#0969da", "FAILED": "#cf222e",
                 "CANCELED": "#6e7781", "CANCELING": "#9a6700", "CREATED": "#9a6700",
                 "SCHEDULED": "#9a6700", "DEPLOYING": "#9a6700", "INITIALIZING": "#9a6700"}
PRESSURE_COLORS = {"ok": "#1a7f37", "low": "#bf8700", "high": "#cf222e"}
_TEXT = "fill:var(--jp-ui-font-color1,#1f2328)"
_MUTED = "fill:var(--jp-ui-font-color2,#57606a)"


def _box_height(op: Operator) -> int:
    chain = min(len(op.chain), MAX_CHAIN_LINES) + (len(op.chain) > MAX_CHAIN_LINES)
    return 10 + LINE * (chain + 2) + 6


@lru_cache(maxsize=64)
def _layout(nodes: tuple[tuple[str, int], ...], edges: tuple[tuple[str, str], ...]
            ) -> tuple[dict[str, tuple[float, float]], dict[tuple[str, str], list]]:
    """Box centres (left to right) and edge routes for ``nodes`` ((id, box height)) and
    ``edges`` ((from, to)); the same graph is laid out once."""
    from grandalf.graphs import Edge, Graph, Vertex
    from grandalf.layouts import SugiyamaLayout

    class _Box:  # grandalf lays out top to bottom: width and height swap for left to right
        def __init__(self, height: int) -> None:
            self.w, self.h, self.xy = height, BOX_WIDTH, (0.0, 0.0)

    class _Route:
        points: list = []

        def setpath(self, points: list) -> None:
            self.points = points

    vertices = {vid: Vertex(vid) for vid, _ in nodes}
    for vid, height in nodes:
        vertices[vid].view = _Box(height)
    links = []
    for source, target in edges:
        if source in vertices and target in vertices and source != target:
            link = Edge(vertices[source], vertices[target])
            link.view = _Route()
            links.append(link)
    graph = Graph(list(vertices.values()), links)
    offset = 0.0
    centres: dict[str, tuple[float, float]] = {}
    routes: dict[tuple[str, str], list] = {}
    for component in graph.C:  # one below the other
        layout = SugiyamaLayout(component)
        layout.xspace, layout.yspace = SIBLING_GAP, LAYER_GAP
        layout.init_all()
        layout.draw()
        placed = {v.data: (v.view.xy[1], v.view.xy[0]) for v in component.sV}
        top = min(y - vertices[vid].view.w / 2 for vid, (_, y) in placed.items())
        bottom = max(y + vertices[vid].view.w / 2 for vid, (_, y) in placed.items())
        shift = offset - top
        for vid, (x, y) in placed.items():
            centres[vid] = (x, y + shift)
        for link in component.sE:
            routes[(link.v[0].data, link.v[1].data)] = [
                (y, x + shift) for x, y in getattr(link.view, "points", [])]
        offset += bottom - top + SIBLING_GAP
    return centres, routes


def graph_svg(view: JobView) -> str:
    """The view's operator graph as an ``<svg>`` element; "" when the job has no plan."""
    operators = [op for op in view.operators if op.id]
    if not operators:
        return ""
    heights = {op.id: _box_height(op) for op in operators}
    edges = tuple((source, op.id) for op in operators for source, _ in op.inputs)
    try:
        centres, routes = _layout(tuple(heights.items()), edges)
    except Exception:  # noqa: BLE001 - a layout failure must never break the view
        return ""
    left = min(x for x, _ in centres.values()) - BOX_WIDTH / 2 - MARGIN
    top = min(y - heights[vid] / 2 for vid, (_, y) in centres.items()) - MARGIN
    width = max(x for x, _ in centres.values()) + BOX_WIDTH / 2 + MARGIN - left
    height = max(y + heights[vid] / 2 for vid, (_, y) in centres.items()) + MARGIN - top
    marker = f"flink-arrow-{html.escape(view.job.job_id or 'job')}"
    parts = [
        f"<svg class='flink-graph' role='img' xmlns='http://www.w3.org/2000/svg' "
        f"width='{width:.0f}' height='{height:.0f}' "
        f"viewBox='{left:.0f} {top:.0f} {width:.0f} {height:.0f}' "
        "style='font:12px var(--jp-ui-font-family,sans-serif);max-width:100%'>",
        f"<title>operator graph of {html.escape(view.job.name or 'job')}</title>",
        f"<defs><marker id='{marker}' viewBox='0 0 10 10' refX='10' refY='5' "
        "markerWidth='7' markerHeight='7' orient='auto-start-reverse'>"
        "<path d='M 0 0 L 10 5 L 0 10 z' style='fill:var(--jp-ui-font-color2,#57606a)'/>"
        "</marker></defs>",
    ]
    by_id = {op.id: op for op in operators}
    for op in operators:
        for source, strategy in op.inputs:
            if source in by_id:
                parts.append(_edge(centres[source], centres[op.id],
                                   routes.get((source, op.id), []), strategy, marker))
    for op in operators:
        parts.append(_box(op, centres[op.id], heights[op.id]))
    parts.append("</svg>")
    return "".join(parts)


def _edge(start: tuple[float, float], end: tuple[float, float], route: list,
          strategy: str, marker: str) -> str:
    points = [(start[0] + BOX_WIDTH / 2, start[1])]
    points += [p for p in route[1:-1]]  # the bends grandalf routed round other boxes
    points.append((end[0] - BOX_WIDTH / 2, end[1]))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    (x1, y1), (x2, y2) = points[-2], points[-1]  # on the last leg, apart from its siblings
    label = (f"<text x='{x1 + (x2 - x1) * 0.55:.1f}' y='{y1 + (y2 - y1) * 0.55 - 5:.1f}' "
             f"text-anchor='middle' style='{_MUTED};font-size:10px'>"
             f"{html.escape(strategy)}</text>") if strategy else ""
    return (f"<polyline points='{path}' fill='none' marker-end='url(#{marker})' "
            "style='stroke:var(--jp-ui-font-color2,#57606a);stroke-width:1.2'/>" + label)


def _box(op: Operator, centre: tuple[float, float], height: int) -> str:
    esc = html.escape
    x, y = centre[0] - BOX_WIDTH / 2, centre[1] - height / 2
    color = STATUS_COLORS.get(op.status, "#6e7781")
    parts = [f"<g class='flink-vertex'><title>{esc(op.name)}</title>",
             f"<rect x='{x:.1f}' y='{y:.1f}' width='{BOX_WIDTH}' height='{height}' rx='5' "
             f"style='fill:var(--jp-layout-color1,#ffffff);stroke:{color};stroke-width:1.5'/>"]
    line_y = y + 6 + LINE
    chain = op.chain
    shown = chain[:MAX_CHAIN_LINES] + (
        [f"+ {len(chain) - MAX_CHAIN_LINES} more"] if len(chain) > MAX_CHAIN_LINES else [])
    for i, name in enumerate(shown):
        text = name if len(name) <= 40 else name[:39] + "…"
        weight = "font-weight:600;" if i == 0 else ""
        parts.append(f"<text x='{x + 8:.1f}' y='{line_y:.1f}' style='{weight}{_TEXT}'>"
                     f"{'→ ' if i else ''}{esc(text)}</text>")
        line_y += LINE
    running = op.tasks.get("RUNNING", 0)
    status = esc(op.status) if running in (0, op.parallelism) else (
        f"{esc(op.status)} {running}/{op.parallelism}")
    parts.append(f"<text x='{x + 8:.1f}' y='{line_y:.1f}' style='{_MUTED}'>"
                 f"<tspan style='fill:{color};font-weight:600'>{status}</tspan>"
                 f" · p={op.parallelism} · in {op.records_in:,} · out {op.records_out:,}</text>")
    line_y += LINE
    details = []
    if op.backpressure_level is not None:
        details.append(f"<tspan style='fill:{PRESSURE_COLORS[op.backpressure_level]}'>"
                       f"back pressure {op.backpressure_level} {op.backpressure:.0%}</tspan>")
    if op.busy is not None:
        details.append(f"busy {op.busy:.0%}")
    if op.watermark is not None:
        details.append(f"watermark {watermark_text(op.watermark)}")
    if details:
        parts.append(f"<text x='{x + 8:.1f}' y='{line_y:.1f}' style='{_MUTED}'>"
                     + " · ".join(details) + "</text>")
    parts.append("</g>")
    return "".join(parts)


def watermark_text(millis: int) -> str:
    """A watermark as a UTC time of day (with the date when it is not today)."""
    moment = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    today = datetime.now(tz=timezone.utc).date()
    return moment.strftime("%H:%M:%S" if moment.date() == today else "%Y-%m-%d %H:%M:%S")
