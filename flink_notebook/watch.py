"""Following an attached job in its cell: status (and rows) updated in place until it ends.

Ctrl-C (or the notebook's interrupt) cancels the job. Updates go through one
``display_id`` per job, at most once per ``notebook.refresh-interval``; terminal
IPython gets a one-line status instead, then the final table.
"""

from __future__ import annotations

import html
import sys
import time
from typing import TYPE_CHECKING

import pandas as pd
from IPython.display import display

from flink_notebook.results import ResultMode

if TYPE_CHECKING:
    from flink_notebook.job import JobClient
    from flink_notebook.results import QueryResult

TERMINAL_STATES = frozenset({"FINISHED", "CANCELED", "FAILED"})
#: Rows drawn while a job runs; the whole result is drawn when it ends.
SHOWN_ROWS = 200


def _is_terminal_shell() -> bool:
    from IPython import get_ipython

    return type(get_ipython()).__name__ == "TerminalInteractiveShell"


def status_line(job: JobClient, state: str, result: QueryResult | None) -> str:
    parts = [f"{state}", f"{job.name or 'job'}", f"{job.duration:.1f} s"]
    if result is not None:
        counters = result.counters()
        what = "changes" if result.mode in (ResultMode.UPDATE, ResultMode.CHANGELOG) else "rows"
        parts.append(f"{counters.received:,} {what} received")
    return " · ".join(parts)


def render(
    job: JobClient, state: str, frame: pd.DataFrame | None, result: QueryResult | None
) -> dict[str, str]:
    """A MIME bundle: the status line with a web UI link, then the rows (escaped)."""
    line = status_line(job, state, result)
    link = f'<a href="{html.escape(job.web_url)}" target="_blank">Flink web UI</a>'
    parts = [f"<div class='flink-job-status'><b>{html.escape(line)}</b> · {link}</div>"]
    text = [line, job.web_url]
    if frame is not None:
        parts.append(frame.to_html(escape=True, max_rows=200, index=False, border=0))
        text.append(frame.to_string(max_rows=60, index=False))
    return {"text/html": "\n".join(parts), "text/plain": "\n".join(text)}


def follow(
    job: JobClient,
    result: QueryResult | None = None,
    *,
    refresh: float = 0.3,
    timeout: float | None = None,
) -> str:
    """Show the job until it ends, is interrupted (then cancelled) or ``timeout`` passes
    (then cancelled). Returns the final state."""
    terminal = _is_terminal_shell()
    handle = None if terminal else display(render(job, "SUBMITTED", None, result), raw=True,
                                           display_id=True)
    started = time.monotonic()
    state = "SUBMITTED"
    try:
        while True:
            if result is not None and result.mode is ResultMode.ALL:
                result.fetch_available()
            state = job.status()
            result_done = result is None or result.done or state in ("FAILED", "CANCELED")
            if state in TERMINAL_STATES and result_done:
                break
            if timeout is not None and time.monotonic() - started > timeout:
                state = _cancel(job)
                break
            frame = None
            if result is not None and result.mode is not ResultMode.ALL:
                frame = result.page(SHOWN_ROWS)
            if terminal:
                sys.stdout.write("\r" + status_line(job, state, result)[:120])
                sys.stdout.flush()
            else:
                handle.update(render(job, state, frame, result), raw=True)
            time.sleep(refresh)
    except KeyboardInterrupt:
        state = _cancel(job)
    frame = None
    if result is not None:
        frame = result.to_pandas()
    bundle = render(job, state, frame, result)
    if terminal:
        sys.stdout.write("\r")
        print(bundle["text/plain"])
    else:
        handle.update(bundle, raw=True)
    return state


def _cancel(job: JobClient) -> str:
    try:
        job.cancel()
    except Exception:  # it may have ended meanwhile; report what REST says
        pass
    return job.status()
