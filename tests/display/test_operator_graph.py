"""The operator graph and the vertices' own figures: pure logic on scripted REST answers
(the figures on real jobs are in tests/cells/test_sql_cells.py)."""

from __future__ import annotations

import re
import time

from flink_notebook.display.graph import graph_svg
from flink_notebook.display.poller import JobPoller
from flink_notebook.display.renderers.snapshot import html_snapshot, text_snapshot
from flink_notebook.display.vertex_metrics import figures_of

NOW_MS = int(time.time() * 1000)
# A chained source -> sink vertex: no records cross the network, the operators count them.
CHAINED = {
    "numRecordsIn": {"min": 0, "max": 0, "sum": 0},
    "numRecordsOut": {"min": 0, "max": 0, "sum": 0},
    "Source__t[1].numRecordsOut": {"min": 20, "max": 20, "sum": 40},
    "Calc[2].numRecordsIn": {"min": 20, "max": 20, "sum": 40},
    "Calc[2].numRecordsOut": {"min": 10, "max": 10, "sum": 20},
    "Sink__Collect_table_sink.numRecordsIn": {"min": 10, "max": 10, "sum": 20},
    "Source__t[1].currentOutputWatermark": {"min": -9.2e18, "max": -9.2e18, "sum": -1.8e19},
    "Calc[2].currentOutputWatermark": {"min": NOW_MS - 3000, "max": NOW_MS, "sum": 0},
    "Sink__Collect_table_sink.currentOutputWatermark": {"min": 9.2e18, "max": 9.2e18, "sum": 0},
    "backPressuredTimeMsPerSecond": {"min": 0.0, "max": 600.0, "sum": 600.0},
    "busyTimeMsPerSecond": {"min": "NaN", "max": "NaN", "sum": "NaN"},
}


def test_a_chained_vertex_counts_what_its_source_read_and_its_sink_wrote():
    figures = figures_of(CHAINED, source=True, sink=True)
    assert (figures.records_in, figures.records_out) == (40, 20)
    # The lowest subtask's; "none yet" and "end of input" are not times.
    assert figures.watermark == NOW_MS - 3000
    assert figures.backpressure == 0.6
    assert figures.busy is None  # NaN: not measured
    inner = figures_of(CHAINED, source=False, sink=False)
    assert inner.records_in is None and inner.records_out is None


class _Rest:
    url = "http://scripted"

    def __init__(self):
        self.metric_reads = 0

    def vertex_metric_ids(self, job_id, vertex_id):
        return list(CHAINED) if vertex_id == "src" else ["GroupAggregate[3].numRecordsOut",
                                                         "backPressuredTimeMsPerSecond"]

    def vertex_metrics(self, job_id, vertex_id, ids):
        self.metric_reads += 1
        if vertex_id == "src":
            return {i: CHAINED[i] for i in ids}
        return {"GroupAggregate[3].numRecordsOut": {"min": 5, "max": 5, "sum": 5},
                "backPressuredTimeMsPerSecond": {"min": 0, "max": 0, "sum": 0}}


class _Job:
    job_id = "j<1>"
    name = "SELECT <b>x</b>"
    query_result = None
    duration = 2.0
    web_url = "http://scripted/#/job/running/j/overview"

    def __init__(self, state="RUNNING"):
        self.rest = _Rest()
        self.state = state
        self._last_details = {
            "type": "STREAMING",
            "vertices": [
                {"id": "src", "name": "Source: t[1] -> Calc[2] -> <Sink>", "parallelism": 2,
                 "status": "RUNNING", "tasks": {"RUNNING": 2},
                 "metrics": {"read-records": 0, "write-records": 0}},
                {"id": "agg", "name": "GroupAggregate[3] -> Sink: Collect table sink",
                 "parallelism": 1, "status": "RUNNING", "tasks": {"RUNNING": 1},
                 "metrics": {"read-records": 20, "write-records": 0}},
            ],
            "plan": {"nodes": [
                {"id": "agg", "inputs": [{"id": "src", "ship_strategy": "HASH"}]},
                {"id": "src"},
            ]},
        }

    def status(self):
        return self.state

    def failure(self):
        return None


def test_the_view_has_the_graph_with_each_vertexs_figures():
    job = _Job()
    poller = JobPoller(job, every=60)
    view = poller.poll()
    source, aggregate = view.operators
    assert source.records_in == 40  # its source's own counter, not the network's 0
    assert source.inputs == [] and aggregate.inputs == [("src", "HASH")]
    # A sink's records out are what its sink wrote: not the aggregate's (nor the network's
    # 0); unknown without its sink's metric, and drawn so.
    assert aggregate.records_in == 20 and aggregate.records_out is None
    assert source.backpressure_level == "high"
    assert view.watermark == NOW_MS - 3000

    svg = graph_svg(view)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("class='flink-vertex'") == 2
    assert svg.count("<polyline") == 1 and ">HASH<" in svg
    assert "&lt;Sink&gt;" in svg and "<Sink>" not in svg  # escaped
    assert "back pressure high 60%" in svg and "in 40" in svg
    # Left to right: the aggregate's box lies right of its input's.
    xs = [float(x) for x in re.findall(r"<rect x='([-\d.]+)'", svg)]
    assert xs[1] > xs[0]

    page = html_snapshot(view)
    assert "class='flink-graph'" in page and "s behind the clock" in page
    assert "<b>x</b>" not in page
    assert "watermark" in text_snapshot(view)

    reads = job.rest.metric_reads
    poller.poll()  # within ``every``: the vertices' metrics are not asked again
    assert job.rest.metric_reads == reads


def test_a_bounded_job_shows_its_progress():
    job = _Job()
    job._last_details["type"] = "BATCH"
    job._last_details["vertices"][0].update(status="FINISHED", tasks={"FINISHED": 2})
    view = JobPoller(job).poll()
    assert view.progress == (2, 3)
    assert "tasks finished 2 of 3" in html_snapshot(view)
    assert "<progress value='2' max='3'" in html_snapshot(view)


def test_no_plan_no_graph():
    job = _Job()
    job._last_details = {"vertices": []}
    assert graph_svg(JobPoller(job).poll()) == ""
