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

LINE = 15
MAX_CHAIN_LINES = 4
MAX_NAME = 40  # characters of an operator's name in its box (the whole name is its tooltip)
MIN_BOX_WIDTH = 120
PADDING = 8  # between a box's edge and its text
LAYER_GAP = 70
SIBLING_GAP = 24
MARGIN = 8
#: The graph shrinks with a narrow cell down to this width (px), then scrolls on its own.
MIN_SHOWN_WIDTH = 640
_ENDING_COLOR = "#9a6700"
STATUS_COLORS = {"RUNNING": "#1a7f37", "FINISHED": "#0969da", "FAILED": "#cf222e",
                 "CANCELED": "#6e7781", "CANCELING": "#9a6700", "CREATED": "#9a6700",
                 "SCHEDULED": "#9a6700", "DEPLOYING": "#9a6700", "INITIALIZING": "#9a6700",
                 "FINISHING": _ENDING_COLOR, "FAILING": _ENDING_COLOR, "UNKNOWN": "#6e7781"}
PRESSURE_COLORS = {"ok": "#1a7f37", "low": "#bf8700", "high": "#cf222e"}
_TEXT = "fill:var(--jp-ui-font-color1,#1f2328)"
_MUTED = "fill:var(--jp-ui-font-color2,#57606a)"
FONT_PX = 12


def text_width(text: str, bold: bool = False) -> float:
    """About how wide ``text`` is at 12 px in a sans-serif font (px), erring wide: a box
    is sized to its longest line, as no font can be measured where the SVG is made."""
    width = 0.0
    for char in text:
        if char.isupper() or char in "mwMW@%":
            width += 0.72
        elif char.isdigit() or char.islower() or char in "?=+→<>_":
            width += 0.58
        elif char in " .,:;·|!'ilj[]()-/":
            width += 0.34
        else:
            width += 0.62
    return width * FONT_PX * (1.08 if bold else 1.0)


def _lines(op: Operator) -> list[tuple[str, bool]]:
    """A box's text lines without markup, with whether each is bold: its chained
    operators, status, counts, then back pressure and busy time, then its watermark."""
    chain = op.chain
    shown = chain[:MAX_CHAIN_LINES] + (
        [f"+ {len(chain) - MAX_CHAIN_LINES} more"] if len(chain) > MAX_CHAIN_LINES else [])
    lines = [(("→ " if i else "") + _short(name), i == 0) for i, name in enumerate(shown)]
    lines.append((f"{_status(op)} · p={op.parallelism}", True))
    lines.append((_counts(op), False))
    figures = _figures(op)
    if figures:
        lines.append((" · ".join(text for text, _ in figures), False))
    if op.watermark is not None:
        lines.append((f"watermark {watermark_text(op.watermark)}", False))
    return lines


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[:MAX_NAME - 1] + "…"


def _status(op: Operator) -> str:
    running = op.tasks.get("RUNNING", 0)
    return op.status if running in (0, op.parallelism) else (
        f"{op.status} {running}/{op.parallelism}")


#: What "—" means, in a tooltip.
UNCOUNTED = ("—: Flink has no such count here. A source reads no records from Flink's "
             "network, a sink writes none to it: their operators count what they read and "
             "wrote, and the last reading of those came before the job's end.")


def _counts(op: Operator) -> str:
    """Records in and out; "—" where Flink has no such count (a source's in, a sink's out
    when its operators' metrics were not read)."""
    def count(value: int | None) -> str:
        return "—" if value is None else f"{value:,}"
    return f"in {count(op.records_in)} · out {count(op.records_out)}"


def _figures(op: Operator) -> list[tuple[str, str | None]]:
    """Back pressure (with its colour) and busy time, where the tasks report them."""
    figures: list[tuple[str, str | None]] = []
    if op.backpressure_level is not None:
        figures.append((f"back pressure {op.backpressure_level} {op.backpressure:.0%}",
                        PRESSURE_COLORS[op.backpressure_level]))
    if op.busy is not None:
        figures.append((f"busy {op.busy:.0%}", None))
    return figures


def _box_size(op: Operator) -> tuple[int, int]:
    """A box's width (its longest line's, padded) and height (its lines')."""
    lines = _lines(op)
    width = max(text_width(text, bold) for text, bold in lines) + 2 * PADDING
    return max(MIN_BOX_WIDTH, int(width + 0.999)), 10 + LINE * len(lines) + 6


@lru_cache(maxsize=64)
def _layout(nodes: tuple[tuple[str, int, int], ...], edges: tuple[tuple[str, str], ...]
            ) -> tuple[dict[str, tuple[float, float]], dict[tuple[str, str], list]]:
    """Box centres (left to right) and edge routes for ``nodes`` ((id, box width, box
    height)) and ``edges`` ((from, to)); the same graph is laid out once."""
    from grandalf.graphs import Edge, Graph, Vertex
    from grandalf.layouts import SugiyamaLayout

    class _Box:  # grandalf lays out top to bottom: width and height swap for left to right
        def __init__(self, width: int, height: int) -> None:
            self.w, self.h, self.xy = height, width, (0.0, 0.0)

    class _Route:
        points: list = []

        def setpath(self, points: list) -> None:
            self.points = points

    vertices = {vid: Vertex(vid) for vid, _, _ in nodes}
    for vid, width, height in nodes:
        vertices[vid].view = _Box(width, height)
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
    """The view's operator graph as an ``<svg>`` element; "" when the job has no plan. It
    shrinks with a narrow cell, to ``MIN_SHOWN_WIDTH`` at most (its container scrolls)."""
    operators = [op for op in view.operators if op.id]
    if not operators:
        return ""
    sizes = {op.id: _box_size(op) for op in operators}
    edges = tuple((source, op.id) for op in operators for source, _ in op.inputs)
    try:
        centres, routes = _layout(tuple((vid, w, h) for vid, (w, h) in sizes.items()), edges)
    except Exception:  # noqa: BLE001 - a layout failure must never break the view
        return ""
    left = min(x - sizes[vid][0] / 2 for vid, (x, _) in centres.items()) - MARGIN
    top = min(y - sizes[vid][1] / 2 for vid, (_, y) in centres.items()) - MARGIN
    width = max(x + sizes[vid][0] / 2 for vid, (x, _) in centres.items()) + MARGIN - left
    height = max(y + sizes[vid][1] / 2 for vid, (_, y) in centres.items()) + MARGIN - top
    marker = f"flink-arrow-{html.escape(view.job.job_id or 'job')}"
    parts = [
        f"<svg class='flink-graph' role='img' xmlns='http://www.w3.org/2000/svg' "
        f"width='{width:.0f}' height='{height:.0f}' "
        f"viewBox='{left:.0f} {top:.0f} {width:.0f} {height:.0f}' "
        f"style='font:{FONT_PX}px var(--jp-ui-font-family,sans-serif);max-width:100%;"
        f"height:auto;min-width:{min(width, MIN_SHOWN_WIDTH):.0f}px'>",
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
                parts.append(_edge(centres[source], sizes[source][0], centres[op.id],
                                   sizes[op.id][0], routes.get((source, op.id), []),
                                   strategy, marker))
    for op in operators:
        parts.append(_box(op, centres[op.id], sizes[op.id]))
    parts.append("</svg>")
    return "".join(parts)


def _edge(start: tuple[float, float], start_width: int, end: tuple[float, float],
          end_width: int, route: list, strategy: str, marker: str) -> str:
    points = [(start[0] + start_width / 2, start[1])]
    points += [p for p in route[1:-1]]  # the bends grandalf routed round other boxes
    points.append((end[0] - end_width / 2, end[1]))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    (x1, y1), (x2, y2) = points[-2], points[-1]  # on the last leg, apart from its siblings
    label = (f"<text x='{x1 + (x2 - x1) * 0.55:.1f}' y='{y1 + (y2 - y1) * 0.55 - 5:.1f}' "
             f"text-anchor='middle' style='{_MUTED};font-size:10px'>"
             f"{html.escape(strategy)}</text>") if strategy else ""
    return (f"<polyline points='{path}' fill='none' marker-end='url(#{marker})' "
            "style='stroke:var(--jp-ui-font-color2,#57606a);stroke-width:1.2'/>" + label)


def _box(op: Operator, centre: tuple[float, float], size: tuple[int, int]) -> str:
    esc = html.escape
    width, height = size
    x, y = centre[0] - width / 2, centre[1] - height / 2
    color = STATUS_COLORS.get(op.status, "#6e7781")
    parts = [f"<g class='flink-vertex'><title>{esc(op.name)}</title>",
             f"<rect x='{x:.1f}' y='{y:.1f}' width='{width}' height='{height}' rx='5' "
             f"style='fill:var(--jp-layout-color1,#ffffff);stroke:{color};stroke-width:1.5'/>"]
    line_y = y + 6 + LINE

    def line(content: str, style: str) -> None:
        nonlocal line_y
        parts.append(f"<text x='{x + PADDING:.1f}' y='{line_y:.1f}' style='{style}'>"
                     f"{content}</text>")
        line_y += LINE

    chain = op.chain
    shown = chain[:MAX_CHAIN_LINES] + (
        [f"+ {len(chain) - MAX_CHAIN_LINES} more"] if len(chain) > MAX_CHAIN_LINES else [])
    for i, name in enumerate(shown):
        line(f"{'→ ' if i else ''}{esc(_short(name))}",
             f"{'font-weight:600;' if i == 0 else ''}{_TEXT}")
    line(f"<tspan style='fill:{color};font-weight:600'>{esc(_status(op))}</tspan>"
         f" · p={op.parallelism}", _MUTED)
    unknown = op.records_in is None or op.records_out is None
    line((f"<title>{esc(UNCOUNTED)}</title>" if unknown else "") + esc(_counts(op)), _MUTED)
    figures = _figures(op)
    if figures:
        line(" · ".join(f"<tspan style='fill:{c}'>{esc(t)}</tspan>" if c else esc(t)
                        for t, c in figures), _MUTED)
    if op.watermark is not None:
        line(f"watermark {esc(watermark_text(op.watermark))}", _MUTED)
    parts.append("</g>")
    return "".join(parts)


def watermark_text(millis: int) -> str:
    """A watermark as a UTC time of day (with the date when it is not today)."""
    moment = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    today = datetime.now(tz=timezone.utc).date()
    return moment.strftime("%H:%M:%S" if moment.date() == today else "%Y-%m-%d %H:%M:%S")
