"""A cell's progress line: what it waits for, shown until its job view comes, emptied
whichever way the cell ends; in a cold kernel, before anything else of the cell."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import nbformat
import pytest
from kernels import kernel_client, run_timed
from waiting import until

from flink_notebook.cli.run import summarize, without_emptied
from flink_notebook.core import progress
from flink_notebook.display import progress as shown
from flink_notebook.display.progress import EMPTY, SHOWN_AFTER, ProgressLine, bundle, frontend


class Screen:
    """Where a line draws in these tests: every text it showed, in order ("" emptied)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.handles = 0

    def show(self, data: dict[str, str]) -> str:
        self.handles += 1
        self.texts.append(data["text/plain"])
        return "the line"

    def update(self, handle: str, data: dict[str, str]) -> None:
        assert handle == "the line"
        self.texts.append(data["text/plain"])


def clocked_line(how: str = "display") -> tuple[ProgressLine, Screen, list[float]]:
    """A line drawn when its test calls ``tick()``, at the time the test sets."""
    screen, now = Screen(), [100.0]
    line = ProgressLine(how, clock=lambda: now[0], show=screen.show, update=screen.update,
                        ticking=False)
    return line, screen, now


def test_a_step_shorter_than_the_delay_shows_nothing():
    line, screen, now = clocked_line()
    with progress.shown_by(line), progress.step("Planning"):
        now[0] += SHOWN_AFTER / 2
        assert line.tick() == pytest.approx(SHOWN_AFTER / 2)
    now[0] += 5
    assert line.tick() is None
    line.close()
    assert screen.texts == []  # a warm cell's output stays its own


def test_starting_flink_counts_the_seconds_then_the_next_step_takes_its_place():
    line, screen, now = clocked_line()
    with progress.shown_by(line):
        line.say(progress.STARTING_FLINK, counting=True)  # the cell, before its imports
        now[0] += SHOWN_AFTER
        assert line.tick() == pytest.approx(1 - SHOWN_AFTER)  # the next second
        with progress.step(progress.STARTING_FLINK, counting=True):  # the engine's wait
            now[0] += 1.0
            line.tick()
            now[0] += 2.0
            line.tick()
        with progress.step("Planning"):
            line.tick()
            with progress.step("Submitting to the embedded cluster"):
                line.tick()
        line.done()  # the job view comes
    line.close()
    assert screen.texts == ["Starting Flink…", "Starting Flink… 1 s", "Starting Flink… 3 s",
                            "Planning…", "Submitting to the embedded cluster…", ""]
    assert screen.handles == 1  # one output, updated in place


def test_a_line_whose_step_ended_is_emptied_after_the_delay_unless_a_step_follows():
    line, screen, now = clocked_line()
    with progress.shown_by(line):
        with progress.step("Reaching http://flink:8081"):
            now[0] += 1
            line.tick()
        now[0] += SHOWN_AFTER / 2
        assert line.tick() == pytest.approx(SHOWN_AFTER / 2)  # no blank between steps
        assert screen.texts == ["Reaching http://flink:8081…"]
        now[0] += SHOWN_AFTER
        line.tick()
        assert screen.texts[-1] == ""  # nothing follows: no stale line
        with progress.step("Planning"):  # a later step: the same output again, once due
            assert line.tick() == pytest.approx(SHOWN_AFTER)
            now[0] += SHOWN_AFTER
            line.tick()
    assert screen.texts == ["Reaching http://flink:8081…", "", "Planning…"]
    assert screen.handles == 1


def test_the_engine_ends_the_cells_first_step_when_it_was_already_started():
    line, screen, now = clocked_line()
    with progress.shown_by(line):
        line.say(progress.STARTING_FLINK, counting=True)
        progress.over(progress.STARTING_FLINK)  # ensure_started on a started session
        progress.over("Planning")  # another step's end changes nothing
        now[0] += 10  # a long DDL statement after it
        assert line.tick() is None
    assert screen.texts == []


def test_a_kernel_whose_java_is_not_up_says_so_at_once():
    line, screen, _ = clocked_line()
    line.say(progress.STARTING_FLINK, counting=True, at_once=True)  # known to take seconds
    line.tick()
    assert screen.texts == ["Starting Flink…"]


def test_a_terminal_prints_a_line_per_step_without_seconds(capsys):
    line, _, now = clocked_line("print")
    with progress.shown_by(line):
        with progress.step(progress.STARTING_FLINK, counting=True):
            for _ in range(3):
                now[0] += 1
                line.tick()
        with progress.step("Planning"):
            now[0] += 1
            line.tick()
    line.close()
    assert capsys.readouterr().err == "Starting Flink…\nPlanning…\n"


def test_steps_say_nothing_without_a_line_or_on_another_thread():
    line, screen, now = clocked_line()
    with progress.step("Planning"):  # no line here: a no-op
        pass
    seen: list[Any] = []
    with progress.shown_by(line):
        thread = threading.Thread(target=lambda: seen.append(progress.current()))
        thread.start()
        thread.join()
        assert progress.current() is line
    assert seen == [None] and progress.current() is None


def test_the_line_is_escaped_in_html():
    data = bundle("Submitting to <b>x</b> & co")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; co" in data["text/html"]
    assert data["text/plain"] == "Submitting to <b>x</b> & co"


def test_frontends(monkeypatch):
    monkeypatch.delenv("ZEPPELIN_HOME", raising=False)
    for key in [k for k in __import__("os").environ if k.startswith("ZEPPELIN_")]:
        monkeypatch.delenv(key)
    kernel_shell = SimpleNamespace(kernel=object())
    terminal = type("TerminalInteractiveShell", (), {})()
    assert frontend("auto", kernel_shell) == "display"
    assert frontend("auto", terminal) == "print"
    assert frontend("auto", SimpleNamespace()) == "none"  # no kernel, no terminal: a script
    assert frontend("zeppelin", kernel_shell) == "none"
    monkeypatch.setenv("ZEPPELIN_HOME", "/opt/zeppelin")
    assert frontend("auto", kernel_shell) == "none"  # its output must start with %html


@contextmanager
def real_ticking(monkeypatch) -> Iterator[Screen]:
    """cell_progress with its ticker thread, drawing on a Screen as in a kernel."""
    screen = Screen()
    monkeypatch.setattr(shown, "frontend", lambda setting: "display")
    monkeypatch.setattr(shown, "_display", screen.show)
    monkeypatch.setattr(shown, "_update_display", screen.update)
    yield screen


def progress_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "flink-notebook-progress"]


@pytest.mark.parametrize("ending", [None, RuntimeError, KeyboardInterrupt])
def test_the_ticker_counts_while_the_cell_is_blocked_and_stops_with_the_cell(monkeypatch,
                                                                              ending):
    with real_ticking(monkeypatch) as screen:
        try:
            with shown.cell_progress():
                # Blocked as in Java's start: the ticker draws meanwhile, on its own.
                until(lambda: any(" s" in text for text in screen.texts),
                      "the seconds counted", seconds=30, every=0.05)
                if ending is not None:
                    raise ending()
        except (RuntimeError, KeyboardInterrupt):
            pass
    assert screen.texts[0] == "Starting Flink…"
    assert screen.texts[-1] == ""  # emptied, whichever way the cell ended
    assert progress_threads() == [] and progress.current() is None


def test_a_job_view_takes_the_lines_place_at_once(monkeypatch):
    with real_ticking(monkeypatch) as screen, shown.cell_progress(starting=False):
        with progress.step("Submitting to the embedded cluster"):
            until(lambda: screen.texts, "the line shown", seconds=30, every=0.05)
        shown.done()  # what cells call just before the job view
        assert screen.texts == ["Submitting to the embedded cluster…", ""]


def test_flink_notebook_run_drops_emptied_lines_and_its_summary_skips_them():
    emptied = {"output_type": "display_data", "data": dict(EMPTY), "metadata": {}}
    printed = {"output_type": "stream", "name": "stdout", "text": "hello\n"}
    assert summarize([emptied, printed]) == "stdout: 'hello'"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x", outputs=[
        nbformat.from_dict(emptied), nbformat.from_dict(printed)])]
    assert [o["output_type"] for o in without_emptied(notebook).cells[0].outputs] == ["stream"]


# -- a real kernel ----------------------------------------------------------------------

READY_AT = """import threading, time
from flink_notebook.engine.session import FlinkSession
ready_at = []
threading.Thread(target=lambda: (FlinkSession.current().wait_started(),
                                 ready_at.append(time.time())), daemon=True).start()"""


def run(client: Any, code: str, timeout: float = 300) -> tuple[str, list[tuple[float, dict]]]:
    return run_timed(client, code, timeout)


def is_progress(message: dict, display_ids: set[str]) -> bool:
    kind, content = message["msg_type"], message["content"]
    if kind not in ("display_data", "update_display_data"):
        return False
    if "flink-cell-progress" in str(content["data"].get("text/html", "")):
        display_ids.add(content.get("transient", {}).get("display_id", ""))
        return True
    return content.get("transient", {}).get("display_id") in display_ids


@pytest.mark.cluster
def test_a_cold_kernels_first_query_says_it_starts_flink_before_anything_else():
    with kernel_client() as client:
        run(client, "%load_ext flink_notebook")  # Flink starts in the background
        run(client, READY_AT)  # notes when it has started
        sent = time.monotonic()
        msg_id, messages = run(client, "%%flink_sql\nSELECT 1 AS x")
        _, ready = run(client, "print(ready_at[0])")
    ids: set[str] = set()
    ours = [(at, m) for at, m in messages if m["parent_header"].get("msg_id") == msg_id]
    errors = [m for _, m in ours if m["msg_type"] == "error"]
    assert not errors, errors
    lines = [(at, m) for at, m in ours if is_progress(m, ids)]
    others = [(at, m) for at, m in ours
              if m["msg_type"] in ("display_data", "update_display_data", "stream",
                                   "execute_result") and not is_progress(m, ids)]
    assert lines, "the cell said nothing while Flink started"
    first_at, first = lines[0]
    assert first["msg_type"] == "display_data"
    assert first["content"]["data"]["text/plain"].startswith(progress.STARTING_FLINK)
    assert others, "no job view"
    assert messages.index((first_at, first)) < messages.index(others[0])  # before the view
    # Said while Flink was still starting (the kernel's clock for both).
    ready_at = float(next(m["content"]["text"] for _, m in ready if m["msg_type"] == "stream"))
    assert first["header"]["date"].timestamp() < ready_at
    assert lines[-1][1]["content"]["data"] == EMPTY  # no stale line left in the notebook
    busy = next(m for _, m in ours if m["msg_type"] == "status")
    print(f"\nfirst progress line {first_at - sent:.2f} s after execute_request (kernel: "
          f"{(first['header']['date'] - busy['header']['date']).total_seconds():.2f} s after "
          f"busy); Flink ready {ready_at - first['header']['date'].timestamp():.2f} s later; "
          f"first job view/result {others[0][0] - sent:.2f} s; "
          f"texts: {[m['content']['data']['text/plain'] for _, m in lines]}")
