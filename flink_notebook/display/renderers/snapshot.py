"""A JobView drawn once, as HTML and as text: what every renderer shows (and what stays in
a saved notebook). Every value is HTML-escaped."""

from __future__ import annotations

import html
import time

import pandas as pd
from IPython.core.error import UsageError

from flink_notebook.display.card import card_html, card_text, default_template
from flink_notebook.display.graph import graph_svg, watermark_text
from flink_notebook.display.values import shown
from flink_notebook.display.view import JobView

SHOWN_HTML_ROWS = 200
_COLORS = {"RUNNING": "#1a7f37", "FINISHED": "#0969da", "FAILED": "#cf222e",
           "CANCELED": "#6e7781", "CANCELLING": "#9a6700"}


def status_line(view: JobView) -> str:
    parts = [view.state, view.job.name or "job", f"{view.elapsed:.1f} s"]
    if view.result is not None:
        parts.append(f"{view.received:,} {view.rows_word} received")
    return " · ".join(parts)


def html_snapshot(view: JobView, chart: bool = True) -> str:
    """The whole view as HTML; its chart as a static SVG unless ``chart`` is False (a live
    chart widget draws it instead)."""
    parts = [head_html(view)]
    if chart:
        parts.append(chart_html(view))
    parts.append(details_html(view))
    return "\n".join(part for part in parts if part)


def head_html(view: JobView) -> str:
    """Status, waiting, note, failure and figures: the part above a chart."""
    esc = html.escape
    color = _COLORS.get(view.state, "#9a6700")
    badge = (f"<span class='flink-badge' style='background:{color};color:white;"
             f"padding:1px 6px;border-radius:3px'>{esc(view.state)}</span>")
    head = (f"<div class='flink-job-status'>{badge} <b>{esc(view.job.name or 'job')}</b> "
            f"<code>{esc(view.job.job_id)}</code> · {view.elapsed:.1f} s")
    if view.result is not None:
        head += f" · {view.received:,} {esc(view.rows_word)} received"
    head += (f" · <a href='{esc(view.job.web_url)}' target='_blank'>Flink web UI</a></div>")
    parts = [head]
    if view.waiting:
        parts.append(f"<div class='flink-waiting'>{esc(view.waiting)}</div>")
    if view.note:
        parts.append(f"<div class='flink-note'>{esc(view.note)}</div>")
    if view.failure:
        parts.append(f"<div class='flink-failure'><b>Failed:</b> <pre>{esc(view.failure)}</pre>")
        if view.failure_trace:
            parts.append(f"<details><summary>Java trace</summary><pre>"
                         f"{esc(view.failure_trace)}</pre></details>")
        parts.append("</div>")
    figures = figures_html(view)
    if figures:
        parts.append(figures)
    return "\n".join(parts)


def chart_html(view: JobView) -> str:
    """The view's chart as inline SVG (made without a browser), or '' without one."""
    from flink_notebook.display.charts.drawing import drawing_for

    drawing = drawing_for(view)
    if drawing is None:
        return ""
    note = drawing.note()
    extra = f"<div class='flink-note'>({html.escape(note)})</div>" if note else ""
    return f"<div class='flink-chart'>{drawing.svg()}</div>{extra}"


def details_html(view: JobView) -> str:
    """The operator graph and table, then the rows (or a single-value card)."""
    parts = []
    if view.operators:
        parts.append(graph_svg(view))
        parts.append(operators_html(view))
    card = _card(view, card_html)
    if card is not None:
        parts.append(card)
    elif view.rows is not None:
        parts.append(_shown(view, SHOWN_HTML_ROWS).to_html(
            escape=True, max_rows=SHOWN_HTML_ROWS, index=False, border=0))
        if view.truncated:
            parts.append("<div class='flink-note'>(older rows dropped: notebook.max-rows)</div>")
    return "\n".join(parts)


def _card(view: JobView, draw) -> str | None:
    """``--mode single``: the newest row put into the user's template by ``draw``
    (card_html or card_text); None without a template."""
    look = getattr(view, "look", None)
    if look is None or look.template is None or view.rows is None:
        return None
    columns = list(view.rows.columns)
    template = look.template or default_template(columns)
    if not len(view.rows):
        return draw("no row yet", {})
    try:
        return draw(template, view.rows.iloc[-1].to_dict())
    except UsageError as exc:  # a value the template's format does not take: say so
        return draw(html.escape(str(exc)).replace("{", "{{").replace("}", "}}"), {})


def figures_html(view: JobView) -> str:
    """A bounded job's progress bar (finished tasks of all), and an event-time job's
    newest watermark with how far it is behind the wall clock."""
    parts = []
    done, total = view.progress
    batch = (getattr(view.job, "_last_details", None) or {}).get("type") == "BATCH"
    if total and (batch or done):
        parts.append(f"<span class='flink-progress'>tasks finished {done} of {total} "
                     f"<progress value='{done}' max='{total}' style='vertical-align:middle'>"
                     f"{done}/{total}</progress></span>")
    mark = view.watermark
    if mark is not None:
        text = f"watermark {html.escape(watermark_text(mark))} UTC"
        if not view.ended:
            text += f", {max(time.time() - mark / 1000, 0.0):,.1f} s behind the clock"
        parts.append(f"<span class='flink-watermark'>{text}</span>")
    return f"<div class='flink-figures'>{' · '.join(parts)}</div>" if parts else ""


_CELL = "padding:1px 12px 1px 0;text-align:{};white-space:nowrap"
_HEADINGS = ("operator", "parallelism", "tasks", "records in", "records out", "in/s", "out/s")


def operators_html(view: JobView) -> str:
    """One row per operator; numbers right-aligned, columns apart (notebook styles vary)."""
    esc = html.escape

    def row(cells: list[str], tag: str = "td") -> str:
        return "<tr>" + "".join(
            f"<{tag} style='{_CELL.format('left' if i in (0, 2) else 'right')}'>{cell}</{tag}>"
            for i, cell in enumerate(cells)) + "</tr>"

    body = "".join(row([
        esc(op.name[:80]), str(op.parallelism),
        esc(", ".join(f"{k.lower()} {v}" for k, v in op.tasks.items())),
        f"{op.records_in:,}", f"{op.records_out:,}", f"{op.rate_in:,.0f}", f"{op.rate_out:,.0f}",
    ]) for op in view.operators)
    return (f"<table class='flink-operators'><thead>{row(list(_HEADINGS), 'th')}</thead>"
            f"<tbody>{body}</tbody></table>")


def text_snapshot(view: JobView) -> str:
    lines = [status_line(view), view.job.web_url]
    if view.waiting:
        lines.append(view.waiting)
    if view.note:
        lines.append(view.note)
    if view.failure:
        lines.append(f"Failed: {view.failure}")
    done, total = view.progress
    if total and done:
        lines.append(f"tasks finished {done} of {total}")
    if view.watermark is not None:
        lines.append(f"watermark {watermark_text(view.watermark)} UTC")
    card = _card(view, card_text)
    if card is not None:
        lines.append(card)
    elif view.rows is not None:
        lines.append(_shown(view, 60).to_string(max_rows=60, index=False))
    from flink_notebook.display.charts.drawing import drawing_for

    drawing = drawing_for(view)
    if drawing is not None:
        lines.append(drawing.summary())
    return "\n".join(lines)


def _shown(view: JobView, max_rows: int) -> pd.DataFrame:
    """Values as Flink prints them (the view's DataFrame keeps the typed values)."""
    return shown(view.rows, getattr(view.result, "types", None), max_rows)


def bundle(view: JobView) -> dict[str, str]:
    return {"text/html": html_snapshot(view), "text/plain": text_snapshot(view)}
