"""The detached views' monitor while a cluster does not answer, on a scripted cluster: one
request per tick, ticks ever further apart, views that say so and carry on once it answers
again, and views that end after GIVE_UP. The real cuts (links of network-namespace hosts
going down) are in tests/flink/test_multi_host.py."""

from __future__ import annotations

import time

from IPython.core.error import UsageError
from waiting import until

from flink_notebook.core.errors import Unreachable
from flink_notebook.display import monitor as monitor_module
from flink_notebook.display.monitor import ClusterMonitor
from flink_notebook.display.poller import JobPoller
from flink_notebook.display.view import JobView

URL = "http://scripted:8081"
SILENT = (f"Cannot reach the Flink cluster at {URL} (timed out). Is it running? Check "
          "rest.address and rest.port.")


class Cluster:
    """Answers REST, or not (``silent``), counting what it was asked and when."""

    url = URL

    def __init__(self) -> None:
        self.silent = False
        self.asked: list[float] = []

    def _answer(self) -> list[dict]:
        self.asked.append(time.monotonic())
        if self.silent:
            raise Unreachable(SILENT)  # as RestClient raises it
        return [{"jid": "j1", "state": "RUNNING"}]

    def jobs_overview(self) -> list[dict]:
        return self._answer()

    def request(self, method: str, path: str, timeout: float | None = None) -> dict:
        assert (method, path) == ("GET", "/jobs/overview") and timeout is not None
        return {"jobs": self._answer()}

    def vertex_metric_ids(self, job_id, vertex_id):
        return []

    def close(self) -> None:  # a view that ended closes its job's connections
        pass


class Job:
    """A running job on ``Cluster``; its status asks the cluster too."""

    job_id = "j1"
    cluster = None  # not a dedicated cluster of ours
    query_result = None
    duration = 1.0

    def __init__(self, rest: Cluster) -> None:
        self.rest = rest
        self._last_details: dict = {}

    def status(self) -> str:
        try:
            self.rest._answer()
        except UsageError as exc:
            raise Unreachable(f"Lost the connection to the cluster of job j1; its last known "
                              f"state is RUNNING. {exc}") from None
        self._last_details = {"state": "RUNNING", "vertices": []}
        return "RUNNING"


class Renderer:
    def __init__(self) -> None:
        self.updates = self.closed = 0

    def update(self) -> None:
        self.updates += 1

    def close(self) -> None:
        self.closed += 1


def watched(monkeypatch, give_up: float = 60.0):
    monkeypatch.setattr(monitor_module, "BACKOFF_START", 0.02)
    monkeypatch.setattr(monitor_module, "GIVE_UP", give_up)
    cluster = Cluster()
    job = Job(cluster)
    view = JobView(job)
    monitor = ClusterMonitor(URL, 0.01)
    renderer = Renderer()
    monitor.watch(JobPoller(view), renderer)
    return cluster, view, monitor, renderer


def test_a_silent_cluster_is_asked_once_per_tick_ever_more_rarely_and_the_view_carries_on(
        monkeypatch):
    cluster, view, monitor, renderer = watched(monkeypatch)
    until(lambda: len(cluster.asked) > 3, "a few ticks", seconds=10)
    cluster.silent = True
    until(lambda: monitor.failures >= 4, "four silent ticks", seconds=10)
    cluster.asked.clear()  # from here on only silent ticks: one request each
    until(lambda: monitor.failures >= 6, "two more silent ticks", seconds=10)
    silent_ticks = cluster.asked
    assert 2 <= len(silent_ticks) <= 3
    gaps = [b - a for a, b in zip(silent_ticks, silent_ticks[1:])]
    assert all(gap >= 0.02 * 2 ** 3 for gap in gaps)  # backing off: 0.16 s and more
    assert not view.ended and view.note.startswith(f"Cannot reach the Flink cluster at {URL}: "
                                                   "no answer since ")
    assert "last known state is RUNNING" in view.note
    assert renderer.closed == 0

    cluster.silent = False
    until(lambda: monitor.failures == 0 and view.note is None, "the view carrying on",
          seconds=10)
    assert not view.ended and view.state == "RUNNING"
    view.ended = view.final = True  # the job "ends", its last state drawn: the monitor stops
    until(lambda: not monitor.running, "the monitor stopping", seconds=10)


def test_after_give_up_the_views_end_with_the_last_known_state(monkeypatch):
    cluster, view, monitor, renderer = watched(monkeypatch, give_up=0.2)
    cluster.silent = True
    until(lambda: view.ended, "the view ending", seconds=10)
    assert "last known state is RUNNING" in view.note and URL in view.note
    assert renderer.closed == 1
    until(lambda: not monitor.running, "the monitor stopping", seconds=10)


def test_a_view_of_a_stopped_dedicated_cluster_ends_with_its_recorded_state(monkeypatch):
    """A per-job cluster stops with its job: its address goes silent, but the job's end is
    on record (JobClient.status reads it), so its view ends at once, without a note."""

    class Dedicated(Job):
        cluster = object()

        def status(self) -> str:
            self._last_details = {"state": "FINISHED", "vertices": []}
            return "FINISHED"

    monkeypatch.setattr(monitor_module, "BACKOFF_START", 0.02)
    cluster = Cluster()
    cluster.silent = True
    view = JobView(Dedicated(cluster))
    view.state = "RUNNING"
    monitor = ClusterMonitor(URL, 0.01)
    renderer = Renderer()
    monitor.watch(JobPoller(view), renderer)
    until(lambda: not monitor.running, "the monitor stopping", seconds=10)
    assert view.ended and view.state == "FINISHED" and view.note is None
    assert renderer.closed == 1


def test_a_refused_connection_is_unreachable():
    """What the monitor waits out: no answer (a wrong certificate, say, is a plain
    UsageError: test_remote_tls_errors)."""
    import socket

    from flink_notebook.jobs.rest import RestClient

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    try:
        RestClient(f"http://127.0.0.1:{port}", timeout=2).overview()
    except Unreachable as exc:
        assert str(exc).startswith(f"Cannot reach the Flink cluster at http://127.0.0.1:{port}")
    else:
        raise AssertionError("a closed port answered")
