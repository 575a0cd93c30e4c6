"""B7 many jobs: detached jobs with live views at once on the embedded cluster. Kernel CPU
while the user does nothing, REST requests per second, and whether every view is
current: at the end of the window each view was refreshed at most a few refresh
intervals ago, shows the state the cluster reports, and drew at least every other tick
during the window."""

from __future__ import annotations

import time

import psutil

from benchmarks.common import Figure, log, quiet, shell

SOURCE = """
CREATE TEMPORARY TABLE IF NOT EXISTS many_ticks (n BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '5');
CREATE TEMPORARY TABLE IF NOT EXISTS many_sink (n BIGINT) WITH ('connector' = 'blackhole');
"""


class _Requests:
    def __init__(self) -> None:
        from flink_notebook.jobs.rest import RestClient

        self.count = 0
        original = RestClient.request

        def counting(client, method, path, **kwargs):
            self.count += 1
            return original(client, method, path, **kwargs)

        RestClient.request = counting


class _Refreshes:
    """When each view was last refreshed, and how often it was drawn."""

    def __init__(self) -> None:
        from flink_notebook.display.poller import JobPoller

        self.last: dict[int, float] = {}
        original = JobPoller.poll

        def recording(poller, **kwargs):
            result = original(poller, **kwargs)
            self.last[id(poller.view)] = time.monotonic()
            return result

        JobPoller.poll = recording


def run(quick: bool) -> list[Figure]:
    jobs = 5 if quick else 20
    window = 3.0 if quick else 30.0
    from flink_notebook.engine.session import FlinkSession

    ip = shell()
    ip.run_line_magic("flink_config", f"notebook.slots={jobs} notebook.renderer=widget")
    quiet(lambda: ip.run_cell_magic("flink_sql", "", SOURCE))
    requests = _Requests()
    refreshes = _Refreshes()
    handles = []
    for i in range(jobs):
        quiet(lambda i=i: ip.run_cell_magic(
            "flink_sql", f"--detached -o j{i} --name many-{i}",
            "INSERT INTO many_sink SELECT n FROM many_ticks"))
        handles.append(ip.user_ns[f"j{i}"])
    deadline = time.monotonic() + 120
    while any(h.status() != "RUNNING" for h in handles) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(3)  # views settled
    from flink_notebook.display.monitor import ClusterMonitor

    monitors = list(ClusterMonitor._monitors.values())
    watched = [item.poller.view for monitor in monitors for item in monitor._watched]
    drawn_before = {id(view): view.version for view in watched}
    me = psutil.Process()
    cpu_before, counted, began = me.cpu_times(), requests.count, time.monotonic()
    time.sleep(window)  # the user reads; only the monitor works
    elapsed = time.monotonic() - began
    cpu_after = me.cpu_times()
    cpu = ((cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)) / elapsed
    per_second = (requests.count - counted) / elapsed
    refresh = float(FlinkSession.current().configuration.get("notebook.refresh-interval"))
    truth = {job["jid"]: job["state"] for job in handles[0].rest.jobs_overview()}
    now = time.monotonic()
    ages = {id(view): now - refreshes.last.get(id(view), 0.0) for view in watched}
    ticks = elapsed / refresh
    stale = [view for view in watched
             if ages[id(view)] > 3 * refresh + 1.0  # a tick of 20 views takes a while
             or view.state != truth.get(view.job.job_id)
             or view.version - drawn_before[id(view)] < ticks / 2]
    missing = len({h.job_id for h in handles} - {view.job.job_id for view in watched})
    not_current = len(stale) + missing
    oldest = max(ages.values(), default=float("inf"))
    log(f"{jobs} jobs: kernel CPU {cpu:.1%} while idle, {per_second:.1f} REST requests/s, "
        f"{len(monitors)} monitor(s), {len(watched)} views watched, {not_current} not "
        f"current, oldest refresh {oldest:.2f} s ago")
    for handle in handles:
        quiet(handle.cancel)
    return [
        Figure("B7", f"{jobs} detached live views: kernel CPU while idle", cpu * 100, None, "%",
               "low (one monitor, not a thread per job)", met=len(monitors) <= 1,
               note=f"{len(monitors)} monitor thread(s) for {len(watched)} views"),
        Figure("B7", f"{jobs} detached live views: REST requests per second", per_second, None,
               "req/s", f"bounded by 1 + jobs per refresh ({refresh:g} s)",
               met=per_second <= (1 + jobs) / refresh * 1.2),
        Figure("B7", f"{jobs} detached live views: views not current", not_current, None,
               "views", "0", met=not_current == 0,
               note=f"oldest refresh {oldest:.2f} s ago; refresh interval {refresh:g} s"),
    ]
