"""A JobView drawn once, as HTML and as text: what every renderer shows (and what stays in
a saved notebook). Every value is HTML-escaped."""

from __future__ import annotations

import html
import time

from IPython.core.error import UsageError

from flink_notebook.display.card import card_html, card_text, default_template
from flink_notebook.display.graph import UNCOUNTED, graph_svg, watermark_text
from flink_notebook.display.rows_table import rows_html, rows_text
from flink_notebook.display.view import JobView

_COLORS = {"RUNNING": "#1a7f37", "FINISHED": "#0969da", "FAILED": "#cf222e",
           "CANCELED": "#6e7781", "CANCELLING": "#9a6700", "UNKNOWN": "#6e7781"}


#: Parts of a view that scroll sideways on their own when the cell is narrower than they
#: are (the operator table, the graph), rather than the whole view: ``contain`` keeps
#: their width out of what their container needs, so it takes the cell's width.
SCROLLS = "overflow-x:auto;max-width:100%;contain:inline-size"
#: Text that wraps at the cell's edge, at spaces (a long word, an id, where it must).
WRAPS = "white-space:normal;overflow-wrap:anywhere"
#: The same for a whole view, whose tables keep their words whole (``anywhere`` would let
#: a table squeeze its headings to a letter a line).
WRAPS_WORDS = "white-space:normal;overflow-wrap:break-word"
#: A failure's text and trace keep their lines, wrapped at the cell's edge at spaces
#: (JupyterLab's output area breaks a ``<pre>`` anywhere, mid-word: ``word-break: break-all``),
#: inside a word only where one is wider than the cell.
_PRE = "white-space:pre-wrap;word-break:normal;overflow-wrap:anywhere"


def status_line(view: JobView) -> str:
    """State · name · seconds · what it received: the text/plain first line that
    ``flink-notebook run`` reads (cli/run.py's _JOB_STATUS)."""
    parts = [view.state, view.job.name or "job", f"{view.elapsed:.1f} s"]
    if view.result is not None:
        parts.append(view.counted)
    return " · ".join(parts)


def tasks_text(view: JobView) -> str | None:
    """"tasks finished 2 of 3", and once the view ended, what the others are (its
    vertices whose end REST did not report: finishing, unknown)."""
    done, total = view.progress
    if not total:
        return None
    text = f"tasks finished {done} of {total}"
    if view.ended and done < total:
        others: dict[str, int] = {}
        for op in view.operators:
            for state, count in op.tasks.items():
                if state != "FINISHED":
                    others[state.lower()] = others.get(state.lower(), 0) + count
        text += "".join(f", {count} {state}" for state, count in others.items())
    return text


def count_text(count: int | None) -> str:
    """A record count; "—" where Flink has none (a source's records in, a sink's out),
    saying why when pointed at."""
    if count is None:
        return f"<span title='{html.escape(UNCOUNTED)}'>—</span>"
    return f"{count:,}"


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
    head = (f"<div class='flink-job-status' style='{WRAPS}'>{badge} "
            f"<b>{esc(view.job.name or 'job')}</b> "
            f"<code>{esc(view.job.job_id)}</code> · {view.elapsed:.1f} s")
    if view.result is not None:
        head += f" · {esc(view.counted)}"
    head += (f" · <a href='{esc(view.job.web_url)}' target='_blank'>Flink web UI</a></div>")
    parts = [head]
    if view.waiting:
        parts.append(f"<div class='flink-waiting'>{esc(view.waiting)}</div>")
    if view.note:
        parts.append(f"<div class='flink-note'>{esc(view.note)}</div>")
    if view.failure:
        parts.append(f"<div class='flink-failure'><b>Failed:</b> <pre style='{_PRE}'>"
                     f"{esc(view.failure)}</pre>")
        if view.failure_trace:
            parts.append(f"<details><summary>Java trace</summary><pre style='{_PRE}'>"
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
    # Its own width: in a narrow cell it scrolls sideways on its own, not the whole view.
    return (f"<div style='{SCROLLS}'><div class='flink-chart'>{drawing.svg()}</div></div>"
            f"{extra}")


def details_html(view: JobView) -> str:
    """The operator graph and table, then the rows (or a single-value card)."""
    parts = []
    if view.operators:
        graph = graph_svg(view)
        if graph:
            parts.append(f"<div class='flink-graph-box' style='{SCROLLS}'>{graph}</div>")
        parts.append(operators_html(view))
    card = _card(view, card_html)
    if card is not None:
        parts.append(card)
    elif view.rows is not None:
        parts.append(rows_html(view))
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
        parts.append(f"<span class='flink-progress'>{html.escape(tasks_text(view) or '')} "
                     f"<progress value='{done}' max='{total}' style='vertical-align:middle'>"
                     f"{done}/{total}</progress></span>")
    mark = view.watermark
    if mark is not None:
        text = f"watermark {html.escape(watermark_text(mark))} UTC"
        if not view.ended:
            text += f", {max(time.time() - mark / 1000, 0.0):,.1f} s behind the clock"
        parts.append(f"<span class='flink-watermark'>{text}</span>")
    return (f"<div class='flink-figures' style='{WRAPS}'>{' · '.join(parts)}</div>"
            if parts else "")


_CELL = ("padding:1px 12px 1px 0;text-align:{};white-space:nowrap;vertical-align:top;"
         "overflow-wrap:normal")
_HEADINGS = ("operator", "parallelism", "tasks", "records in", "records out", "in/s", "out/s")
#: The operator's name wraps (at its arrows); its other columns keep one line each.
_NAME = ("padding:1px 12px 1px 0;text-align:left;vertical-align:top;white-space:normal;"
         "overflow-wrap:break-word;min-width:8em")


def operators_html(view: JobView) -> str:
    """One row per operator; numbers right-aligned, columns apart (notebook styles vary).
    In a narrow cell the names wrap, and the table scrolls sideways on its own."""
    esc = html.escape

    def row(cells: list[str], tag: str = "td") -> str:
        def style(i: int) -> str:
            if i == 0:
                return _NAME
            cell = _CELL.format("left" if i == 2 else "right")
            return cell.replace("nowrap", "normal") if tag == "th" else cell  # "records / in"

        return "<tr>" + "".join(f"<{tag} style='{style(i)}'>{cell}</{tag}>"
                                for i, cell in enumerate(cells)) + "</tr>"

    body = "".join(row([
        esc(_chain(op)), str(op.parallelism),
        esc(", ".join(f"{k.lower()} {v}" for k, v in op.tasks.items())),
        count_text(op.records_in), count_text(op.records_out),
        f"{op.rate_in:,.0f}", f"{op.rate_out:,.0f}",
    ]) for op in view.operators)
    return (f"<div class='flink-operators-box' style='{SCROLLS}'>"
            f"<table class='flink-operators'><thead>{row(list(_HEADINGS), 'th')}</thead>"
            f"<tbody>{body}</tbody></table></div>")


def _chain(op) -> str:
    """An operator's chain as its graph box names it (``A → B``), 160 characters at most
    (it wraps)."""
    name = " → ".join(op.chain)
    return name if len(name) <= 160 else name[:159] + "…"


def text_snapshot(view: JobView) -> str:
    lines = [status_line(view), view.job.web_url]
    if view.waiting:
        lines.append(view.waiting)
    if view.note:
        lines.append(view.note)
    if view.failure:
        lines.append(f"Failed: {view.failure}")
    done, total = view.progress
    if total and (done or view.ended):
        lines.append(tasks_text(view))
    if view.watermark is not None:
        lines.append(f"watermark {watermark_text(view.watermark)} UTC")
    card = _card(view, card_text)
    if card is not None:
        lines.append(card)
    elif view.rows is not None:
        lines.append(rows_text(view))
    from flink_notebook.display.charts.drawing import drawing_for

    drawing = drawing_for(view)
    if drawing is not None:
        lines.append(drawing.summary())
    return "\n".join(lines)


def bundle(view: JobView) -> dict[str, str]:
    return {"text/html": html_snapshot(view), "text/plain": text_snapshot(view)}
