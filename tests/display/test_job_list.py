"""%flink_jobs' live list: its grid asserted on widget state with fake handles (pure logic),
and once with a real job that the list shows running, then cancelled, on its own."""

from __future__ import annotations

import re

import pytest
from IPython.core.error import UsageError
from waiting import until

from flink_notebook.cells.notebook import Notebook
from flink_notebook.core.errors import Unreachable
from flink_notebook.core.states import TERMINAL
from flink_notebook.display.job_cells import duration_text, short_ids, table_html
from flink_notebook.display.job_grid import SAVEPOINT_HINT, JobsWidget
from flink_notebook.display.job_list import jobs_table
from flink_notebook.display.job_rows import cluster_namer, read_rows


class FakeRest:
    """One cluster's REST API as the list reads it: ``/jobs/overview``, counted."""

    def __init__(self, url: str = "http://127.0.0.1:8081") -> None:
        self.url, self.states, self.requests, self.down = url, {}, 0, False

    def jobs_overview(self) -> list[dict]:
        self.requests += 1
        if self.down:
            raise Unreachable(f"Cannot reach the Flink cluster at {self.url} (refused).")
        return [{"jid": jid, "state": state, "duration": 4700,
                 "tasks": {"total": 2, "running": 2}} for jid, state in self.states.items()]


class FakeJob:
    """What the list reads of a JobClient and does with it."""

    def __init__(self, job_id: str, name: str, rest: FakeRest, state: str = "RUNNING",
                 savepoints: str | None = None) -> None:
        self.job_id, self.name, self.rest = job_id, name, rest
        self.cluster, self.query_result = None, None
        self.duration, self.web_url = 4.7, f"{rest.url}/#/job/{job_id}/overview"
        self.savepoints, self.stopped_into = savepoints, None
        rest.states[job_id] = state

    @property
    def has_ended(self) -> bool:
        return self.rest.states[self.job_id] in TERMINAL

    def status(self) -> str:
        if self.rest.down:
            raise Unreachable(f"Cannot reach the Flink cluster at {self.rest.url}.")
        return self.rest.states[self.job_id]

    def failure(self) -> str | None:
        return "ArithmeticException: / by zero\n(in Calc)" if self.status() == "FAILED" \
            else None

    def cancel(self) -> str:
        if self.has_ended:
            raise UsageError(f"Job {self.job_id} already {self.status()}; nothing to cancel.")
        self.rest.states[self.job_id] = "CANCELED"
        return "CANCELED"

    def savepoint_directory(self) -> str | None:
        return self.savepoints

    def stop_with_savepoint(self, directory: str) -> str:
        self.stopped_into = directory
        self.rest.states[self.job_id] = "FINISHED"
        return f"{directory}/savepoint-1"


def _job(n: int, rest: FakeRest, state: str = "RUNNING", name: str | None = None,
         **kwargs) -> FakeJob:
    return FakeJob(f"{n:02x}" * 16, name or f"job {n}", rest, state, **kwargs)


def _buttons(widget: JobsWidget, job: FakeJob) -> list:
    import ipywidgets

    return [w for w in widget._rows[job.job_id].action.children
            if isinstance(w, ipywidgets.Button)]


def _cells(widget: JobsWidget, job: FakeJob) -> list[str]:
    return [cell.value for cell in widget._rows[job.job_id].cells]


def _name(widget: JobsWidget, job: FakeJob) -> str:
    """The name as the row shows it (HTML)."""
    return re.search(r"class='flink-job-name'[^>]*>(.*?)</span>", _cells(widget, job)[1])[1]


def test_running_jobs_have_buttons_and_ended_ones_say_their_state_instead():
    rest = FakeRest()
    running, done = _job(1, rest), _job(2, rest, "FINISHED")
    failed = _job(3, rest, "FAILED")
    widget = JobsWidget([running, done, failed])
    assert [b.description for b in _buttons(widget, running)] == ["Cancel", "Stop"]
    assert not any(b.disabled for b in _buttons(widget, running))
    for ended in (done, failed):
        assert _buttons(widget, ended) == []
        assert "ended" in widget._rows[ended.job_id].action.children[0].value
    state, about, duration = _cells(widget, failed)
    assert ">FAILED<" in state and "white-space:nowrap'>4.7 s<" in duration  # never wrapped
    assert "ArithmeticException: / by zero" in about and "(in Calc)" in about  # its title
    assert "web UI</a>" in about and failed.web_url in about
    assert f">{failed.job_id[:8]}</code>" in about and "127.0.0.1:8081" in about
    assert ">RUNNING<" in _cells(widget, running)[0]


def test_jobs_with_the_same_long_prefix_are_told_apart_and_names_are_escaped():
    rest = FakeRest()
    prefix = "insert-into_default_catalog.default_database." + "x" * 100
    first, second = _job(1, rest, name=prefix + "_orders"), _job(2, rest, name=prefix + "_pay")
    hostile = _job(3, rest, name="<script>alert(1)</script> & co")
    widget = JobsWidget([first, second, hostile])
    names = [_name(widget, job) for job in (first, second)]
    assert names[0] != names[1]
    assert names[0].endswith("_<wbr>orders") and "…" in names[0]
    assert f"title='{prefix}_orders'" in _cells(widget, first)[1]  # the whole, as tooltip
    hostile_name = _name(widget, hostile)
    assert "<script>" not in hostile_name and "&lt;script&gt;" in hostile_name
    assert "<script>" not in table_html(widget.rows)


def test_short_ids_grow_until_they_differ():
    ids = ["abcdef0123" + "0" * 22, "abcdef0199" + "0" * 22, "12345678" + "0" * 24]
    assert short_ids(ids) == {ids[0]: "abcdef012", ids[1]: "abcdef019", ids[2]: "12345678"}
    assert [duration_text(s) for s in (4.66, 725, 10921)] == ["4.7 s", "12m 05s", "3h 02m"]


def test_one_overview_request_per_cluster_and_none_for_ended_jobs():
    rest, other = FakeRest(), FakeRest("http://flink.example:8081")
    jobs = [_job(1, rest), _job(2, rest), _job(3, rest, "FINISHED"), _job(4, other)]
    rows = read_rows(jobs, cluster_namer())
    assert (rest.requests, other.requests) == (1, 1)
    assert [row.target for row in rows] == ["127.0.0.1:8081"] * 3 + ["flink.example:8081"]
    rest.states[jobs[0].job_id] = rest.states[jobs[1].job_id] = "FINISHED"
    other.states[jobs[3].job_id] = "FINISHED"
    read_rows(jobs)
    read_rows(jobs)  # all ended: nothing is asked
    assert (rest.requests, other.requests) == (1, 1)


def test_the_refresh_step_goes_on_while_a_job_runs_and_stops_when_all_ended():
    rest = FakeRest()
    running, done = _job(1, rest), _job(2, rest, "CANCELED")
    widget = JobsWidget([running, done])
    assert widget.step() is True and not widget.ended
    rest.states[running.job_id] = "FINISHED"
    assert widget.step() is False and widget.ended
    assert _buttons(widget, running) == [] and ">FINISHED<" in _cells(widget, running)[0]
    widget.start()  # nothing left to refresh: no thread
    assert not widget.refreshing


def test_the_background_refresh_follows_a_job_to_its_end_and_then_stops():
    rest = FakeRest()
    job = _job(1, rest)
    widget = JobsWidget([job], interval=0.01)
    widget.start()
    until(lambda: widget.reads >= 3, "three reads while the job runs", seconds=30)
    assert widget.refreshing
    rest.states[job.job_id] = "CANCELED"  # cancelled elsewhere
    until(lambda: not widget.refreshing, "the refresh stopping", seconds=30)
    assert ">CANCELED<" in _cells(widget, job)[0] and _buttons(widget, job) == []


def test_closing_the_list_stops_its_refresh():
    widget = JobsWidget([_job(1, FakeRest())], interval=0.01)
    widget.start()
    widget.close()
    until(lambda: not widget.refreshing, "the refresh stopping", seconds=30)
    assert widget.step() is False
    assert widget.box.comm is None and widget._rows[f"{1:02x}" * 16].cancel.comm is None


def test_the_cancel_button_cancels_and_the_row_shows_the_end_at_once():
    rest = FakeRest()
    job = _job(1, rest)
    widget = JobsWidget([job])
    _buttons(widget, job)[0].click()
    assert rest.states[job.job_id] == "CANCELED"
    assert ">CANCELED<" in _cells(widget, job)[0] and _buttons(widget, job) == []
    assert widget.ended and not widget.refreshing


def test_stop_with_savepoint_asks_for_a_directory_then_stops_into_it():
    rest = FakeRest()
    job = _job(1, rest)
    widget = JobsWidget([job])
    _buttons(widget, job)[1].click()
    assert "state.savepoints.dir" in widget.note.value and widget.note.layout.display == ""
    assert SAVEPOINT_HINT.split(":")[0] in widget.note.value
    assert not any(b.disabled for b in _buttons(widget, job))  # still running: try again
    job.savepoints = "/tmp/sp"
    _buttons(widget, job)[1].click()
    assert job.stopped_into == "/tmp/sp" and "/tmp/sp/savepoint-1" in widget.note.value
    assert _buttons(widget, job) == []


def test_a_silent_cluster_keeps_the_last_state_says_so_and_asks_less_often():
    rest = FakeRest()
    job = _job(1, rest)
    widget = JobsWidget([job], interval=1.0)
    rest.down = True
    assert widget.step() is True
    state, detail, _ = _cells(widget, job)
    assert "RUNNING?" in state and "no answer" in detail
    assert _buttons(widget, job) == []  # nothing to click while it does not answer
    widget.step()
    assert widget.pause() == 4.0
    rest.down = False
    widget.step()
    assert widget.pause() == 1.0  # it answers again: its buttons are back
    assert [b.description for b in _buttons(widget, job)] == ["Cancel", "Stop"]
    assert ">RUNNING<" in _cells(widget, job)[0]


def test_without_widgets_the_table_keeps_its_columns():
    rest = FakeRest()
    table = jobs_table([_job(1, rest), _job(2, rest, "FINISHED")], cluster_namer())
    assert list(table.columns)[:5] == ["job_id", "name", "state", "duration_s", "web_ui"]
    assert list(table["state"]) == ["RUNNING", "FINISHED"]
    assert set(table["target"]) == {"127.0.0.1:8081"}


@pytest.mark.cluster
def test_the_list_shows_a_real_job_running_then_cancelled_without_being_asked_again(
        shell, monkeypatch):
    shown: list[JobsWidget] = []
    show = JobsWidget.show
    monkeypatch.setattr(JobsWidget, "show", lambda self: (shown.append(self), show(self)))
    shell.run_cell_magic(
        "flink_sql", "--detached -o jw --name jobs-list-live",
        "CREATE TEMPORARY TABLE IF NOT EXISTS jw_src (n INT) WITH "
        "('connector'='datagen','rows-per-second'='5');"
        "CREATE TEMPORARY TABLE IF NOT EXISTS jw_sink (n INT) WITH ('connector'='blackhole');"
        "INSERT INTO jw_sink SELECT n FROM jw_src",
    )
    job = shell.user_ns["jw"]
    notebook = Notebook.current()
    # The list holds this test's job alone: jobs earlier tests left in this kernel (some
    # on clusters since stopped, so never ending) must not decide when its refresh stops.
    monkeypatch.setattr(notebook, "listed_jobs", lambda: [job])
    configuration = notebook.configuration
    configuration.set("notebook.renderer", "widget")
    try:
        shell.run_line_magic("flink_jobs", "")
    finally:
        configuration.unset("notebook.renderer")
    widget = shown[-1]
    try:
        row = widget._rows[job.job_id]
        until(lambda: ">RUNNING<" in row.cells[0].value, "the list showing the job running")
        assert widget.refreshing and [b.description for b in _buttons(widget, job)] == [
            "Cancel", "Stop"]
        assert "jobs-list-live" in row.cells[1].value and ">local<" in row.cells[1].value
        job.cancel()  # elsewhere: the list finds out on its own
        until(lambda: ">CANCELED<" in row.cells[0].value, "the list showing it cancelled")
        until(lambda: not widget.refreshing, "the list's refresh stopping")
        assert _buttons(widget, job) == []
    finally:
        widget.close()
        if not job.is_terminal:
            job.cancel()


def test_clusters_are_named_local_by_their_name_or_host_and_never_with_a_password():
    from types import SimpleNamespace

    def job(url: str, cluster: object = None) -> SimpleNamespace:
        return SimpleNamespace(cluster=cluster, rest=SimpleNamespace(url=url))

    name = cluster_namer(lambda address: address.port == 5555,
                         [SimpleNamespace(rest_url="http://127.0.0.1:7777", name="big")])
    assert [name(job("http://127.0.0.1:5555")), name(job("http://127.0.0.1:7777")),
            name(job("http://127.0.0.1:7777", cluster=object())),
            name(job("https://alice:hunter2@flink.example")),
            name(job("http://flink.example:8081"))] == [
        "local", "big", "per-job", "flink.example", "flink.example:8081"]
    # A detached job another kernel left running says whose it is.
    left = job("http://127.0.0.1:9999", cluster=object())
    left.origin = "an earlier kernel (pipelines/orders.ipynb)"
    assert name(left) == "per-job, from an earlier kernel (pipelines/orders.ipynb)"


def test_a_newer_list_takes_over_the_refresh_and_the_older_one_says_so():
    """One list refreshes at a time: an earlier one (its output perhaps cleared) stops
    polling its clusters, keeps what it showed and says it is no longer current."""
    rest = FakeRest()
    job = _job(1, rest)
    older = JobsWidget([job], interval=0.05)
    older.start()
    assert older.refreshing
    newer = JobsWidget([job], interval=0.05)
    try:
        newer.start()
        until(lambda: not older.refreshing, "the older list's refresh stopping", seconds=30)
        assert newer.refreshing and not older.box.children[-1].layout.display
        assert "no longer refreshed" in older.note.value
        assert all(b.disabled for b in _buttons(older, job))  # the newer one has them
        assert not any(b.disabled for b in _buttons(newer, job))
        assert older.box.comm is not None  # still shown, not closed
        rest.states[job.job_id] = "FINISHED"
        until(lambda: not newer.refreshing, "the newer list's refresh stopping", seconds=30)
    finally:
        older.close()
        newer.close()
