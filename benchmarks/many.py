"""B7 many jobs: detached jobs with live views at once on the embedded cluster. Kernel CPU
while the user does nothing, REST requests per second, and whether every view is
current (its state and counts at most a few refresh intervals old)."""

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
        from flink_notebook.rest import RestClient

        self.count = 0
        original = RestClient.request

        def counting(client, method, path, **kwargs):
            self.count += 1
            return original(client, method, path, **kwargs)

        RestClient.request = counting


def run(quick: bool) -> list[Figure]:
    jobs = 5 if quick else 20
    window = 10.0 if quick else 30.0
    from flink_notebook.session import FlinkSession

    ip = shell()
    ip.run_line_magic("flink_config", f"notebook.slots={jobs} notebook.renderer=widget")
    quiet(lambda: ip.run_cell_magic("flink_sql", "", SOURCE))
    requests = _Requests()
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
    me = psutil.Process()
    cpu_before, counted, began = me.cpu_times(), requests.count, time.monotonic()
    time.sleep(window)  # the user reads; only the monitor works
    elapsed = time.monotonic() - began
    cpu_after = me.cpu_times()
    cpu = ((cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)) / elapsed
    per_second = (requests.count - counted) / elapsed
    from flink_notebook.display.monitor import ClusterMonitor

    monitors = list(ClusterMonitor._monitors.values())
    views = sum(len(monitor._watched) for monitor in monitors)
    refresh = float(FlinkSession.current().configuration.get("notebook.refresh-interval"))
    # Each view's state was asked within the last ticks: its handle knows it RUNNING and
    # its counts moved during the window.
    stale = sum(1 for h in handles if h._last_state != "RUNNING")
    log(f"{jobs} jobs: kernel CPU {cpu:.1%} while idle, {per_second:.1f} REST requests/s, "
        f"{len(monitors)} monitor(s), {stale} handle(s) not current")
    for handle in handles:
        quiet(handle.cancel)
    return [
        Figure("B7", f"{jobs} detached live views: kernel CPU while idle", cpu * 100, None, "%",
               "low (one monitor, not a thread per job)", met=len(monitors) <= 1,
               note=f"{len(monitors)} monitor thread(s) for {views} views"),
        Figure("B7", f"{jobs} detached live views: REST requests per second", per_second, None,
               "req/s", f"bounded by 1 + jobs per refresh ({refresh:g} s)",
               met=per_second <= (1 + jobs) / refresh * 1.2),
        Figure("B7", f"{jobs} detached live views: views not current", stale, None, "views",
               "0", met=stale == 0),
    ]
