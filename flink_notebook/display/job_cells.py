"""The cells of ``%flink_jobs``' table as HTML, each value escaped: what the widget's grid
shows cell by cell and what a frontend without widgets (a saved notebook) shows as one
table. Short cells never wrap (a duration stays ``4.7 s``); a name wraps anywhere, whole
up to ``NAME_CHARS`` characters and cut in the middle beyond, with the whole in its title."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flink_notebook.display.job_rows import JobRow

#: The columns, in order (the widget's grid and the HTML table): the state; the name, and
#: below it the short id, the cluster, the web UI link and a cause; the duration, and below
#: it what it received (its rows); the buttons.
COLUMNS = ("state", "job", "duration", "")
#: A name longer than this is cut in the middle (its start and its end tell jobs apart).
NAME_CHARS = 90
#: The shortest job id shown (more where two listed ids start alike).
ID_CHARS = 8
#: The job views' colours for each state.
STATE_COLORS = {"RUNNING": "#1a7f37", "FINISHED": "#0969da", "FAILED": "#cf222e",
                "CANCELED": "#6e7781", "CANCELLING": "#9a6700"}
NOWRAP = "white-space:nowrap"
MUTED = "color:var(--jp-ui-font-color2, #6e7781)"
#: A widget's HTML has a form field's line height (28 px): a wrapped name needs a text's.
LINE = "line-height:1.35"

esc = html.escape


def badge(row: JobRow) -> str:
    """The state as a coloured badge; grey with a question mark while unknown."""
    color = STATE_COLORS.get(row.state, "#9a6700") if row.answered else "#8c959f"
    text = row.state if row.answered else f"{row.state}?"
    return (f"<span class='flink-badge' style='background:{color};color:white;"
            f"padding:1px 6px;border-radius:3px;font-size:0.85em;{NOWRAP}'>"
            f"{esc(text)}</span>")


def shown_name(name: str) -> str:
    """``name`` whole, or cut in the middle to ``NAME_CHARS`` characters."""
    if len(name) <= NAME_CHARS:
        return name
    half = (NAME_CHARS - 1) // 2
    return f"{name[:half]}…{name[-(NAME_CHARS - 1 - half):]}"


def name_cell(name: str | None) -> str:
    """The name, breaking after its dots and underscores first (a table's path), anywhere
    if it must; the whole name in its title."""
    whole = name or "job"
    shown = esc(shown_name(whole))
    for mark in "._/":
        shown = shown.replace(mark, f"{mark}<wbr>")
    return (f"<span class='flink-job-name' title='{esc(whole)}' "
            f"style='overflow-wrap:anywhere'>{shown}</span>")


def short_ids(job_ids: list[str]) -> dict[str, str]:
    """Each id's shortest start, at least ``ID_CHARS`` long, that no other listed id has."""
    shown = {}
    for job_id in job_ids:
        length = ID_CHARS
        while length < len(job_id) and any(
                other != job_id and other.startswith(job_id[:length]) for other in job_ids):
            length += 1
        shown[job_id] = job_id[:length]
    return shown


def id_cell(job_id: str, short: str) -> str:
    return f"<code title='{esc(job_id)}' style='{NOWRAP}'>{esc(short)}</code>"


def target_cell(target: str) -> str:
    return f"<span style='{NOWRAP}'>{esc(target)}</span>"


def duration_text(seconds: float) -> str:
    """``4.7 s``, ``12m 05s``, ``3h 02m``: short, for a narrow column."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def duration_cell(row: JobRow) -> str:
    return f"<span style='{NOWRAP}'>{esc(duration_text(row.duration))}</span>"


def detail_cell(row: JobRow) -> str:
    """A cause, or why the state is unknown (wraps; the whole in its title)."""
    if not row.detail or row.counted:
        return ""
    title = f" title='{esc(row.detail_title)}'" if row.detail_title else ""
    color = "#cf222e" if row.state == "FAILED" else "#9a6700"
    return (f"<div style='color:{color};overflow-wrap:anywhere'{title}>"
            f"{esc(row.detail)}</div>")


def link_cell(url: str) -> str:
    return (f"<a href='{esc(url)}' target='_blank' rel='noopener' style='{NOWRAP}'>"
            "web UI</a>")


def job_cell(row: JobRow, short: str) -> str:
    """The name; below it, muted: the short id, the cluster and the web UI link; then a
    cause (a failed job's, or why its state is not known)."""
    job: Any = row.job
    facts = [id_cell(job.job_id, short)]
    if row.target:
        facts.append(target_cell(row.target))
    facts.append(link_cell(job.web_url))
    return (f"<div style='{LINE}'>{name_cell(job.name)}<div style='{MUTED};font-size:0.9em'>"
            f"{' · '.join(facts)}</div>{detail_cell(row)}</div>")


def time_cell(row: JobRow) -> str:
    """The duration; below it, muted, the rows a query received (neither ever wraps)."""
    rows = (f"<div style='{MUTED};font-size:0.9em;{NOWRAP}'>{esc(row.detail)}</div>"
            if row.counted else "")
    return f"<div style='{LINE}'>{duration_cell(row)}{rows}</div>"


def ended_cell(row: JobRow) -> str:
    """What stands in the action column of a job that can no longer be stopped."""
    word = "ended" if row.ended else row.state.lower() if row.answered else "no answer"
    return f"<span style='{MUTED};{NOWRAP}'>{esc(word)}</span>"


def text_cells(row: JobRow, short: str) -> list[str]:
    """The row's cells but its action, in ``COLUMNS`` order."""
    return [badge(row), job_cell(row, short), time_cell(row)]


def table_html(rows: list[JobRow]) -> str:
    """The whole list as one HTML table (no buttons: for frontends without widgets)."""
    if not rows:
        return "<div class='flink-jobs'>No jobs in this session yet.</div>"
    ids = short_ids([row.job.job_id for row in rows])
    head = "".join(f"<th style='text-align:left'>{esc(c)}</th>" for c in COLUMNS[:-1])
    body = []
    for row in rows:
        cells = text_cells(row, ids[row.job.job_id])
        body.append("<tr>" + "".join(f"<td style='text-align:left;vertical-align:top'>{c}"
                                     "</td>" for c in cells) + "</tr>")
    return (f"<table class='flink-jobs'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")
