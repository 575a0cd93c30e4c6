"""Job views and their renderers, asserted on widget state and on what is sent."""

from __future__ import annotations

import html
import io
import re
from types import SimpleNamespace

import pandas as pd
import pytest
from IPython.core.error import UsageError
from waiting import until

from flink_notebook.cells.notebook import Notebook
from flink_notebook.display.monitor import ClusterMonitor
from flink_notebook.display.poller import JobPoller
from flink_notebook.display.renderers import renderer_name
from flink_notebook.display.renderers.snapshot import html_snapshot, text_snapshot
from flink_notebook.display.renderers.text import TextRenderer
from flink_notebook.display.renderers.zeppelin import ZeppelinRenderer, in_zeppelin, table_text
from flink_notebook.display.view import JobView
from flink_notebook.engine.results import ResultMode

STREAM = """
CREATE TEMPORARY TABLE IF NOT EXISTS view_ticks (k INT, s STRING) WITH (
  'connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.k.min' = '1', 'fields.k.max' = '5', 'fields.s.length' = '3');
"""


@pytest.fixture(scope="module")
def detached(shell):
    shell.run_cell_magic("flink_sql", "", STREAM)

    def start(sql: str = "SELECT k, s FROM view_ticks", name: str = "view-test"):
        shell.run_cell_magic("flink_sql", f"--detached -o v --name {name}", sql)
        return shell.user_ns["v"]

    return start


@pytest.mark.cluster
def test_widget_view_counts_rows_and_cancels_through_its_button(detached):
    from flink_notebook.display.renderers.widget import WidgetRenderer

    job = detached()
    poller = JobPoller(job)
    view = poller.view
    renderer = WidgetRenderer(poller)
    sent = []
    renderer.body.comm.send = lambda *a, **k: sent.append(k or a)
    renderer.show()
    until(lambda: (poller.poll().received > 0) and (renderer.update() or True), "rows")
    first, ticks = view.received, 0

    def tick() -> bool:
        nonlocal ticks
        poller.poll()
        renderer.update()
        ticks += 1
        shown = renderer.body.value
        return (view.received > first and ticks >= 3
                and "RUNNING" in shown and "records in" in shown)

    # REST keeps a job's details for a second (standalone.WEB_REFRESH_INTERVAL): its first
    # read, at submission, may have found the job still initializing, with no operators.
    until(tick, "the count growing while the running job and its operators are shown",
          every=0.3)
    assert len(sent) <= ticks + 1  # at most one message per refresh
    renderer.cancel_button.click()
    until(lambda: poller.poll().ended, "the view ending")
    assert view.state == "CANCELED" and job.rest.job(job.job_id)["state"] == "CANCELED"
    assert renderer.cancel_button.disabled and renderer.savepoint_button.disabled
    assert renderer.cancel_button.description == "Canceled"  # says why it is off
    assert renderer.savepoint_button.tooltip == "The job has ended (CANCELED)."
    renderer.close()
    assert "CANCELED" in renderer.body.value


@pytest.mark.cluster
def test_the_view_draws_the_operator_graph_with_each_vertexs_own_figures(detached):
    """On real jobs: a chained Source -> Sink counts its rows (the network counters are 0),
    and a GROUP BY's two vertices are joined by a HASH edge, each with its figures."""
    from flink_notebook.display.renderers.widget import WidgetRenderer

    chained = detached(name="graph-chained")
    grouped = detached("SELECT k, COUNT(*) AS n FROM view_ticks GROUP BY k", "graph-grouped")
    try:
        for job in (chained, grouped):
            poller = JobPoller(job, every=0.2)
            renderer = WidgetRenderer(poller)
            until(lambda p=poller: p.poll().operators and all(
                (op.records_in or 0) > 0 and (op.records_out or 0) > 0
                for op in p.view.operators),
                f"every vertex of {job.name} counting records", every=0.3)
            renderer.update()
            view, body = poller.view, renderer.body.value
            assert "class='flink-graph'" in body
            assert body.count("class='flink-vertex'") == len(view.operators)
            for op in view.operators:
                assert f"in {op.records_in:,}" in body
                assert op.busy is not None or op.backpressure is not None
        source, aggregate = view.operators
        assert source.chain[0].startswith("Source: view_ticks")
        assert aggregate.inputs == [(source.id, "HASH")] and ">HASH<" in body
        assert source.backpressure_level in ("ok", "low", "high")
    finally:
        chained.cancel()
        grouped.cancel()


@pytest.mark.cluster
def test_an_event_time_jobs_view_shows_its_watermark_and_lag(shell, detached):
    import time

    shell.run_cell_magic("flink_sql", "", """
CREATE TEMPORARY TABLE IF NOT EXISTS wm_ticks (k INT, ts AS CURRENT_TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
WITH ('connector' = 'datagen', 'rows-per-second' = '50')""")
    job = detached("SELECT k, ts FROM wm_ticks", "graph-watermark")
    try:
        poller = JobPoller(job, every=0.2)
        until(lambda: poller.poll().watermark is not None, "a watermark", every=0.3)
        lag = time.time() - poller.view.watermark / 1000  # TIMESTAMP_LTZ: epoch time
        assert 0 < lag < 120, lag  # two seconds behind, plus the metric store's age
        page = html_snapshot(poller.view)
        assert "s behind the clock" in page and "watermark " in page
    finally:
        job.cancel()


@pytest.mark.cluster
def test_detached_view_keeps_updating_and_the_monitor_stops_on_its_own(shell, detached):
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        job = detached("SELECT k, COUNT(*) AS n FROM view_ticks GROUP BY k", "agg")
        monitor = ClusterMonitor.for_url(job.rest.url, 0.3)
        assert monitor.running
        until(lambda: len([o for o in captured.outputs if o.update]) >= 2,
              "two updates of the detached view")
        job.cancel()
        until(lambda: not monitor.running, "the monitor stopping")
    updates = [o for o in captured.outputs if o.update]
    assert len(updates) >= 2
    assert "CANCELED" in updates[-1].data["text/html"]
    assert monitor.requests > 0


@pytest.mark.cluster
def test_failed_job_shows_root_cause_with_trace_behind_details(shell):
    with pytest.raises(Exception):  # noqa: B017 - the cell itself fails; the view is checked
        shell.run_cell(
            "%%flink\n"
            "def boom(x):\n    raise ValueError('bad row <x>')\n"
            "env.from_collection([1]).map(boom).print()\nenv.execute('boom')",
        ).raise_error()

    job = Notebook.current().jobs[-1]
    poller = JobPoller(job)
    view = poller.poll()
    page = html_snapshot(view)
    assert view.state == "FAILED"
    assert "ValueError: bad row &lt;x&gt;" in page
    assert "<details><summary>Java trace</summary>" in page
    # The user's cause leads, with the operator it failed in; Flink's restart-strategy
    # wrapper ("Recovery is suppressed by NoRestartBackoffTimeStrategy") is in the trace.
    assert not view.failure.startswith("Recovery is suppressed"), view.failure
    assert "Recovery is suppressed" in view.failure_trace
    assert re.search(r"\n\(in Source: Collection Source -> Map.* \(1/1\)\)$", view.failure), \
        view.failure


@pytest.mark.cluster
def test_a_finished_bounded_group_by_limit_view_says_finished_everywhere(shell):
    """The quickstart's bounded GROUP BY ... ORDER BY ... LIMIT (issue 32): its view ends
    with its last row, while Flink winds the job down; drawn once more when REST reports
    the end, it says FINISHED everywhere, every task finished, and its sink's count is
    the header's."""
    from IPython.utils.capture import capture_output

    shell.run_cell_magic("flink_sql", "", """
CREATE TEMPORARY TABLE IF NOT EXISTS final_orders (order_id BIGINT, product STRING,
  amount DOUBLE) WITH ('connector' = 'datagen', 'number-of-rows' = '1000',
  'fields.order_id.kind' = 'sequence', 'fields.order_id.start' = '1',
  'fields.order_id.end' = '1000', 'fields.product.length' = '1',
  'fields.amount.min' = '1', 'fields.amount.max' = '100')""")
    with capture_output() as captured:
        shell.run_cell_magic("flink_sql", "-o final_top", """
SELECT product, COUNT(*) AS orders, ROUND(SUM(amount), 2) AS revenue
FROM final_orders GROUP BY product ORDER BY revenue DESC LIMIT 5""")
        assert len(shell.user_ns["final_top"]) == 5

        def last() -> dict[str, str]:
            return [o for o in captured.outputs if "text/html" in o.data][-1].data

        until(lambda: "tasks finished 3 of 3" in last()["text/html"],
              "the view drawn once more with every task finished", seconds=30)
    page, text = last()["text/html"], last()["text/plain"]
    assert text.startswith("FINISHED · ") and "RUNNING" not in text
    graph = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    states = re.findall(r"font-weight:600'>([A-Z]+)", graph)
    assert states == ["FINISHED"] * 3, states
    table = page.split("class='flink-operators'", 1)[1].split("</table>", 1)[0]
    assert table.count("finished 1") == 3
    for part in (page, text, table):  # the table's tasks are lower case
        for word in ("RUNNING", "FINISHING", "UNKNOWN") if part is not table else (
                "running", "finishing", "unknown"):
            assert word not in part, word
    changes = re.search(r"5 rows, from ([\d,]+) changes", page)
    assert changes, page[:600]
    outs = re.findall(r"out ([\d,]+|—)</text>", graph)
    assert outs[-1] == changes.group(1), (outs, changes.group(1))  # the collect sink's


class _FakeJob(SimpleNamespace):
    """Pure-logic stand-in for drawing tests (no Flink needed to draw a view)."""


def drawn_view(rows: pd.DataFrame | None = None, state: str = "FINISHED") -> JobView:
    job = _FakeJob(name="<script>alert(1)</script>", job_id="a" * 32,
                   web_url="http://127.0.0.1:1/#/job/running/x/overview", duration=1.5,
                   query_result=None)
    view = JobView(job)
    view.state, view.rows, view.ended = state, rows, True
    return view


def test_html_escapes_every_value():
    rows = pd.DataFrame({"s": ["<img src=x onerror=alert(1)>", "<script>x</script>"]})
    page = html_snapshot(drawn_view(rows))
    assert "<img src=x" not in page and "<script>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_text_renderer_prints_a_status_line_then_the_table():
    out = io.StringIO()
    view = drawn_view(pd.DataFrame({"a": [1, 2]}))
    renderer = TextRenderer(view, out)
    renderer.show()
    renderer.close()
    text = out.getvalue()
    assert text.startswith("\r\x1b[KFINISHED · <script>alert(1)</script> · 1.5 s")
    assert text.rstrip().endswith("2")


def test_zeppelin_output_is_html_then_a_tab_separated_table():
    out = io.StringIO()
    view = drawn_view(pd.DataFrame({"user": ["a\tb", "c"], "n": [1, 2]}))
    ZeppelinRenderer(view, out).close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("%html ") and "&lt;script&gt;" in lines[0]
    assert lines[1:4] == ["%table user\tn", "a b\t1", "c\t2"]
    assert table_text(pd.DataFrame({"x": []})) == "%table x"


def test_zeppelin_is_detected_from_its_environment_or_context():
    assert in_zeppelin({}, {"ZEPPELIN_HOME": "/opt/zeppelin"})
    assert not in_zeppelin({}, {"HOME": "/root"})

    class PyZeppelinContext:
        pass

    assert in_zeppelin({"z": PyZeppelinContext()}, {})


def test_renderer_choice():
    class TerminalInteractiveShell:
        user_ns: dict = {}

    kernel_shell = SimpleNamespace(user_ns={}, kernel=object())
    plain_shell = SimpleNamespace(user_ns={})
    assert renderer_name("auto", TerminalInteractiveShell()) == "text"
    assert renderer_name("auto", kernel_shell) == "widget"
    assert renderer_name("auto", plain_shell) == "html"
    assert renderer_name("zeppelin", plain_shell) == "zeppelin"


@pytest.mark.cluster
def test_a_job_waiting_for_slots_says_what_it_needs(shell, detached):
    from flink_notebook.engine.session import FlinkSession

    cluster = FlinkSession.current().embedded_cluster()
    slots = cluster.slots

    from flink_notebook.jobs.rest import client_for

    rest = client_for(cluster.address.url, FlinkSession.current().configuration)

    def idle() -> bool:  # every slot free: jobs of earlier tests have ended and let go
        overview = rest.overview()
        return overview["slots-available"] == overview["slots-total"] == slots

    until(idle, "the embedded cluster idle (an earlier test left a job running?)")

    jobs = []
    try:
        for i in range(slots + 1):
            shell.run_cell_magic(
                "flink_sql", f"--detached -o w{i} --name filler-{i}",
                "CREATE TEMPORARY TABLE IF NOT EXISTS slot_sink (k INT, s STRING) WITH "
                "('connector'='blackhole');"
                "INSERT INTO slot_sink SELECT k, s FROM view_ticks",
            )
            jobs.append(shell.user_ns[f"w{i}"])
        poller = JobPoller(jobs[-1])
        view = poller.view
        # It waits; or Flink's adaptive scheduler gives up on it at once ("Could not acquire
        # the minimum required resources", seen once in CI): then the failure says it.
        until(lambda: poller.poll().waiting is not None or view.ended,
              "the last job waiting for a slot")
        said = view.waiting if view.waiting is not None else view.failure
        assert said and "1 task slot;" in said, said
        assert f"0 free of {slots}" in said
        assert "1 task slot;" in html_snapshot(view)
    finally:
        # The waiting job goes first: with a slot freed under it, Flink may start it or
        # fail it ("Could not acquire the minimum required resources", seen in CI), and
        # a cancel of a job that has just ended is refused.
        for job in reversed(jobs):
            try:
                job.cancel()
            except UsageError:
                if not job.is_terminal:
                    raise


class _NoVertexMetrics:
    """A REST endpoint whose vertices report no metrics of their own."""

    def vertex_metric_ids(self, job_id, vertex_id):
        return []

    def close(self):  # a view that ended closes its job's connections
        pass


class _ScriptedJob:
    """A job whose REST answers are scripted: pure view logic, no Flink."""

    rest = _NoVertexMetrics()
    job_id = "scripted"
    failure_trace = None

    def __init__(self, answers):
        self.answers = list(answers)
        self.query_result = None
        self.duration = 1.0
        self._last_details: dict = {}

    def status(self):
        state, read, written = self.answers.pop(0)
        vertex = {"id": "v1", "name": "Source", "parallelism": 1, "status": state,
                  "tasks": {}, "metrics": {"read-records": read, "write-records": written}}
        # Between two vertices of the plan (not drawn): its counts are the network's.
        plan = {"nodes": [{"id": "v1", "inputs": [{"id": "v0"}]},
                          {"id": "v2", "inputs": [{"id": "v1"}]}]}
        self._last_details = {"state": state, "vertices": [vertex], "plan": plan}
        return state

    def failure(self):
        return None


def test_operator_counts_never_go_back_and_a_cancelled_job_keeps_its_last_counts():
    job = _ScriptedJob([("RUNNING", 0, 100), ("RUNNING", 0, 300), ("CANCELED", 0, 0)])
    poller = JobPoller(job)
    view = poller.view
    poller.poll()
    poller.poll()
    assert view.operators[0].records_out == 300 and view.operators[0].rate_out > 0
    poller.poll()
    assert view.state == "CANCELED" and view.ended
    assert view.operators[0].records_out == 300
    assert view.operators[0].rate_out == 0.0


class _CountingRenderer:
    """A renderer that only counts how often its view was closed."""

    closed = 0

    def update(self):
        pass

    def close(self):
        self.closed += 1


def test_the_monitor_drops_ended_views_and_stops_after_the_last():
    """Views that hold rows (DataFrames) are told apart by identity, not by value."""

    class Rest(_NoVertexMetrics):
        url = "http://scripted"
        ticks = 0

        def jobs_overview(self):  # once per monitor tick
            Rest.ticks += 1
            return []

    class Job(_ScriptedJob):
        rest = Rest()
        job_id = "scripted"

        def status(self):  # every view of the job sees the same state in a tick
            self.answers.insert(0, self.answers[min(Rest.ticks, len(self.answers) - 1)])
            return super().status()

    # Two views of one job (a detached cell's and %flink_jobs'), both holding rows.
    job = Job([("RUNNING", 0, 1)] * 3 + [("FINISHED", 0, 9)])
    views = [JobView(job), JobView(job)]
    for view in views:
        view.rows = pd.DataFrame({"a": [1, 2]})
    monitor = ClusterMonitor("http://scripted", 0.05)
    renderers = [_CountingRenderer(), _CountingRenderer()]
    for view, renderer in zip(views, renderers):
        monitor.watch(JobPoller(view), renderer)
    until(lambda: not monitor.running, "the monitor stopping", seconds=10)
    assert [r.closed for r in renderers] == [1, 1]
    assert monitor._watched == []


def test_the_monitor_keeps_polling_a_view_whose_job_ended_before_its_last_rows_were_read():
    """CI41: a detached view was left watched for good (and its monitor running): its job
    had FINISHED while its rows were still being read, and the monitor skipped a view
    whose state matched the cluster's overview."""

    class Rest(_NoVertexMetrics):
        url = "http://scripted-end"

        def jobs_overview(self):
            return [{"jid": "scripted", "state": "FINISHED"}]

    class Rows:  # a bounded result whose last rows arrive over three polls
        mode, closed, reads_left = ResultMode.ALL, False, 3
        dropped = None  # the session kept its rows

        @property
        def done(self):
            return self.reads_left <= 0

        def fetch_available(self):
            self.reads_left -= 1

        def counters(self):
            return SimpleNamespace(received=5, in_view=5, truncated=False, at_sink=5,
                                   stopped=False)

        def wait(self):
            pass

        def to_pandas(self):
            return pd.DataFrame({"a": range(5)})

        def error(self):
            return None

    class Job(_ScriptedJob):
        rest = Rest()

    job = Job([("FINISHED", 0, 5)] * 20)
    job.query_result = Rows()
    monitor = ClusterMonitor("http://scripted-end", 0.05)
    renderer = _CountingRenderer()
    monitor.watch(JobPoller(JobView(job)), renderer)
    until(lambda: not monitor.running, "the monitor stopping", seconds=10)
    assert renderer.closed == 1 and job.query_result.done


@pytest.mark.cluster
def test_the_stop_with_savepoint_button_stops_the_job_with_a_savepoint(shell, detached,
                                                                     tmp_path):
    from flink_notebook.display.renderers.widget import WidgetRenderer

    job = detached("SELECT k, COUNT(*) AS n FROM view_ticks GROUP BY k", "savepoint-button")
    poller = JobPoller(job)
    view = poller.view
    renderer = WidgetRenderer(poller, savepoint_dir=str(tmp_path / "savepoints"))
    renderer.show()
    # Savepoints need every task running.
    until(lambda: poller.poll().state == "RUNNING" and view.operators
          and all(op.status == "RUNNING" for op in view.operators), "the job running")
    failing = WidgetRenderer(poller)  # no savepoint directory: it says how to set one
    failing.savepoint_button.click()
    assert failing.hint.layout.display != "none" and job.status() == "RUNNING"
    assert not failing.cancel_button.disabled and not failing.savepoint_button.disabled
    renderer.savepoint_button.click()
    assert view.note.startswith("savepoint: file:"), view.note
    assert (tmp_path / "savepoints").is_dir() and any((tmp_path / "savepoints").iterdir())
    until(lambda: poller.poll().ended, "the view ending")
    assert job.status() == "FINISHED"  # stopped, not cancelled
    assert renderer.savepoint_button.disabled and renderer.cancel_button.disabled
    assert "savepoint: file:" in renderer.body.value



def test_the_stop_buttons_hint_shows_only_while_it_applies():
    """Clicked without a savepoint directory, the Stop button says how to set one (HTML);
    the hint goes once a directory is set or the job ends (issue 32)."""
    from flink_notebook.display.renderers.widget import WidgetRenderer

    job = _ScriptedJob([("RUNNING", 0, 1), ("RUNNING", 0, 2), ("RUNNING", 0, 3),
                        ("CANCELED", 0, 3)])
    job.name, job.web_url = "scripted", "http://flink/#/job/scripted"
    directory: dict[str, str | None] = {"now": None}
    job.savepoint_directory = lambda: directory["now"]
    poller = JobPoller(job)
    poller.poll()
    renderer = WidgetRenderer(poller)
    assert renderer.hint.layout.display == "none"  # nothing to say before a click
    renderer.savepoint_button.click()
    assert renderer.hint.layout.display != "none"
    assert "<code>state.savepoints.dir</code>" in renderer.hint.value
    assert not renderer.savepoint_button.disabled and not renderer.cancel_button.disabled
    assert not poller.view.note  # not a plain-text note that outlives the job
    directory["now"] = "file:///sp"
    poller.poll()
    renderer.update()
    assert renderer.hint.layout.display == "none"  # set: the next click will do
    directory["now"] = None
    renderer.savepoint_button.click()
    assert renderer.hint.layout.display != "none"
    poller.poll()
    poller.poll()
    renderer.update()
    assert poller.view.ended and renderer.hint.layout.display == "none"


def test_a_view_whose_rows_the_session_let_go_ends_saying_why():
    """A job's handle can be dropped (notebook.keep-jobs) between its end and its view's
    last poll: the view ends with the reason, rather than failing every monitor tick."""

    class Dropped:
        mode = ResultMode.ALL
        dropped = "The rows of job scripted were let go: ... (notebook.keep-jobs)."
        released = closed = done = True

        def to_pandas(self):
            raise AssertionError("a dropped result is not read")

    job = _ScriptedJob([("FINISHED", 0, 1)])
    job.query_result = Dropped()
    job.rows_complete = lambda: True
    view = JobPoller(job).poll()
    assert view.ended and view.rows is None and "notebook.keep-jobs" in view.note


# -- one final state, counts a reader can check (issue 32) ----------------------------

GROUPED = "SELECT product, COUNT(*) AS orders FROM orders GROUP BY product ORDER BY 2 LIMIT 5"


class _DoneRows:
    """An updating query's result whose every row is in: 5 rows from 1,371 changes, as
    many as the collect sink counted."""

    mode, closed, done, dropped, max_rows = ResultMode.UPDATE, False, True, None, 1000

    def counters(self):
        return SimpleNamespace(received=1371, in_view=5, truncated=False, at_sink=1371,
                               stopped=False)

    def page(self, max_rows=None):
        return self.to_pandas()

    def wait(self):
        pass

    def to_pandas(self):
        return pd.DataFrame({"product": list("abcde"), "orders": [9, 8, 7, 6, 5]})

    def error(self):
        return None


class _WindingDownRest(_NoVertexMetrics):
    """REST of a three-vertex job (source -> aggregate -> collect sink): the state it
    reports is the job's ``reported``; ``gone`` means the cluster no longer answers."""

    def __init__(self):
        self.reported, self.gone = "RUNNING", False

    def job(self, job_id):
        if self.gone:
            raise UsageError("Cannot reach the cluster at http://flink.")
        state, ended = self.reported, self.reported != "RUNNING"
        metrics = {"read-records-complete": ended, "write-records-complete": ended}
        return {
            "state": state, "type": "STREAMING",
            "vertices": [
                {"id": "src", "name": "Source: orders[1] -> Calc[2]", "parallelism": 1,
                 "status": state, "tasks": {state: 1},
                 "metrics": {**metrics, "read-records": 0, "write-records": 1000}},
                {"id": "agg", "name": "GroupAggregate[4]", "parallelism": 1,
                 "status": state, "tasks": {state: 1},
                 "metrics": {**metrics, "read-records": 1000, "write-records": 1984}},
                {"id": "snk", "name": "SortLimit[6] -> Sink: Collect table sink",
                 "parallelism": 1, "status": "RUNNING" if state == "RUNNING" else state,
                 "tasks": {state: 1},
                 "metrics": {**metrics, "read-records": 1984, "write-records": 0}},
            ],
            "plan": {"nodes": [{"id": "src"}, {"id": "agg", "inputs": [{"id": "src"}]},
                               {"id": "snk", "inputs": [{"id": "agg"}]}]},
        }


class _WindingDownJob:
    """A bounded query's job whose last row is in while REST still lists it RUNNING."""

    job_id, name, web_url, duration = "wind", GROUPED, "http://flink/#/job/wind", 1.0
    failure_trace = None

    def __init__(self):
        self.rest = _WindingDownRest()
        self.query_result = _DoneRows()
        self._last_details: dict = {}

    def status(self):
        self._last_details = self.rest.job(self.job_id)
        return self._last_details["state"]

    def rows_complete(self):
        return True

    def failure(self):
        return None

    def savepoint_directory(self):
        return None


def _drawn(poller) -> dict[str, str]:
    """The view as each renderer draws it: HTML, text, and the widget's HTML."""
    from flink_notebook.display.renderers.widget import WidgetRenderer

    view = poller.view
    widget = WidgetRenderer(poller)
    widget.update()
    return {"html": html_snapshot(view), "text": text_snapshot(view),
            "widget": widget.body.value}


def test_an_ended_view_never_shows_running_and_draws_the_end_once_rest_reports_it():
    job = _WindingDownJob()
    poller = JobPoller(job)
    view = poller.poll()
    # The answer is complete: the view ended, while REST still lists the job as running.
    assert view.ended and not view.final and view.state == "FINISHED"
    assert job.rest.job("wind")["state"] == "RUNNING"
    for kind, page in _drawn(poller).items():
        assert "RUNNING" not in page and "running" not in page, kind
    assert all(op.status == "FINISHING" for op in view.operators)
    assert "tasks finished 0 of 3, 3 finishing" in text_snapshot(view)

    job.rest.reported = "FINISHED"
    poller.poll()
    assert view.final and view.state == "FINISHED"
    assert [op.status for op in view.operators] == ["FINISHED"] * 3
    for kind, page in _drawn(poller).items():
        assert "RUNNING" not in page and "FINISHING" not in page, kind
        assert "tasks finished 3 of 3" in page, kind
    version = view.version
    assert poller.poll().version == version  # drawn for good: nothing more to read


def test_a_view_whose_job_rest_never_reports_ended_says_what_is_unknown(monkeypatch):
    from flink_notebook.display import poller as poller_module

    for gone in (False, True):  # REST lags for good; the cluster is gone
        job = _WindingDownJob()
        poller = JobPoller(job)
        poller.poll()
        monkeypatch.setattr(poller_module, "FINAL_STATE_WAIT", 0.0 if not gone else 60.0)
        job.rest.gone = gone
        view = poller.poll()
        assert view.final and view.state == "FINISHED"
        assert [op.status for op in view.operators] == ["UNKNOWN"] * 3
        for kind, page in _drawn(poller).items():
            assert "RUNNING" not in page and "running" not in page, (gone, kind)
            assert "UNKNOWN" in page or "unknown" in page, (gone, kind)
        assert "did not report every operator's end" in view.note


def test_a_view_ends_unknown_not_running_when_its_cluster_goes_away():
    job = _WindingDownJob()
    job.query_result = None
    poller = JobPoller(job)
    poller.poll()
    job.rest.gone = True
    view = poller.poll()
    assert view.ended and view.final and view.state == "UNKNOWN"
    assert "Cannot reach the cluster" in view.note
    assert "RUNNING" not in html_snapshot(view) + text_snapshot(view)


def test_counts_say_rows_and_changes_and_the_sink_agrees_with_the_header():
    job = _WindingDownJob()
    job.rest.reported = "FINISHED"  # REST already reports the end
    poller = JobPoller(job)
    view = poller.poll()
    assert view.final
    assert view.counted == "5 rows, from 1,371 changes"
    assert text_snapshot(view).splitlines()[0] == f"FINISHED · {GROUPED} · 1.0 s · " \
        "5 rows, from 1,371 changes"
    source, aggregate, sink = view.operators
    # The source reads no records from Flink's network: its records in are what it read,
    # which only its operators' metrics say (none here): "—", not 0.
    assert source.records_in is None and source.records_out == 1000
    assert (aggregate.records_in, aggregate.records_out) == (1000, 1984)
    # The collect sink's own count: the changes the header counts.
    assert sink.records_in == 1984 and sink.records_out == 1371
    page = html_snapshot(view)
    assert "in — · out 1,000" in page and "in 1,984 · out 1,371" in page
    assert page.count("Flink has no such count here") == 2  # what "—" means, when pointed at
    assert " 0 · " not in page.split("<svg", 1)[1].split("</svg>")[0]


def test_a_finished_vertex_shows_its_sources_count_only_if_the_metrics_saw_its_end():
    from flink_notebook.display.poller import _counts
    from flink_notebook.display.vertex_metrics import VertexFigures

    vertex = {"status": "FINISHED", "metrics": {
        "read-records": 0, "write-records": 1000, "read-records-complete": True,
        "write-records-complete": True}}
    current = VertexFigures(records_in=1000, task_in=0, task_out=1000)
    stale = VertexFigures(records_in=450, task_in=0, task_out=550)  # read before its end
    assert _counts(vertex, current, source=True, sink=False) == (1000, 1000, True)
    assert _counts(vertex, stale, source=True, sink=False) == (None, 1000, True)
    # A cancelled source whose metrics went with its tasks: its last reading is older.
    cancelled = {**vertex, "status": "CANCELED"}
    assert _counts(cancelled, stale, source=True, sink=False) == (None, 1000, True)
    running = {"status": "RUNNING", "metrics": {"read-records": 0, "write-records": 1550}}
    # While it runs, both of a vertex's counts come from one reading of its metrics.
    assert _counts(running, stale, source=True, sink=False) == (450, 550, False)


def test_counts_are_said_with_proper_plurals():
    from flink_notebook.display.words import plural

    assert plural(1, "row") == "1 row" and plural(0, "row") == "0 rows"
    assert plural(1371, "change") == "1,371 changes"
    assert plural(2, "task slot") == "2 task slots"
    view = JobView(_WindingDownJob())
    view.received = view.in_view = 1
    assert view.counted == "1 row, from 1 change"
    for mode, said in ((ResultMode.ALL, "1 row"), (ResultMode.APPEND, "1 row"),
                       (ResultMode.CHANGELOG, "1 change")):
        view.job.query_result.mode = mode
        assert view.counted == said
        assert "1 rows" not in html_snapshot(view) + text_snapshot(view)


def test_a_view_that_ended_before_it_was_drawn_has_its_buttons_off():
    """A detached job that failed at once: its view is made ended, its buttons off."""
    from flink_notebook.display.renderers.widget import WidgetRenderer

    job = _ScriptedJob([("FAILED", 0, 1)])
    job.name, job.web_url = "scripted", "http://flink/#/job/scripted"
    poller = JobPoller(job)
    assert poller.poll().ended
    renderer = WidgetRenderer(poller)
    for button in (renderer.cancel_button, renderer.savepoint_button):
        assert button.disabled and button.tooltip == "The job has ended (FAILED)."
    assert renderer.cancel_button.button_style == ""
    assert renderer.cancel_button.description == "Failed"


def test_the_view_fits_a_narrow_cell():
    """The status line wraps at spaces; the operator table and the graph scroll inside
    their own boxes (never the whole view); graph boxes are as wide as their text."""
    from flink_notebook.display.graph import text_width

    job = _WindingDownJob()
    job.rest.reported = "FINISHED"
    poller = JobPoller(job)
    view = poller.poll()
    view.operators[1].watermark = 1_700_000_000_000
    view.operators[1].backpressure, view.operators[1].busy = 0.6, 0.9
    page = html_snapshot(view)
    status = page.split("class='flink-job-status'", 1)[1].split(">", 1)[0]
    assert "white-space:normal" in status and "overflow-wrap:anywhere" in status
    for box in ("flink-operators-box", "flink-graph-box"):
        style = page.split(f"class='{box}' style='", 1)[1].split("'", 1)[0]
        assert "overflow-x:auto" in style and "contain:inline-size" in style
    svg = page.split("<svg", 1)[1].split(">", 1)[0]
    assert "max-width:100%" in svg and "height:auto" in svg and "min-width:" in svg
    for box in re.findall(r"<g class='flink-vertex'>.*?</g>", page):
        width = float(re.search(r"<rect [^>]*width='([\d.]+)'", box).group(1))
        for start, line in re.findall(r"(<text [^>]*>)(.*?)</text>", box):
            text = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<title>.*?</title>", "",
                                                                 line)))
            bold = "font-weight" in start + line
            assert text_width(text, bold) + 16 <= width + 0.5, (text, width)
    drawn = re.sub(r"<[^>]+>", "", page)
    assert "watermark 2023-11-14 22:13:20" in drawn
    assert "back pressure high 60% · busy 90%" in drawn
    from flink_notebook.display.renderers.widget import WidgetRenderer

    body = WidgetRenderer(poller).body.value
    assert body.startswith("<div class='flink-view' style='") and "white-space:normal" in \
        body.split(">", 1)[0]
