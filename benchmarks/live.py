"""B4 live view (lag at rising rates, memory over time) and B6 frontend traffic (of the
views, and of a live chart beside one).

A detached query on the embedded cluster is shown through the real live path (a
widget view driven by the cluster monitor). Each row carries ``CURRENT_TIMESTAMP``,
which Flink evaluates per record in streaming mode. The lag is measured when newer rows
first appear in the view: the time since they were made (sampled every 50 ms). (The
source emits each second's rows in a burst, so "now minus the newest row shown" would
count up to a second of waiting for the next burst as lag.) Messages to the frontend
are counted where ipywidgets sends them (``Widget._send``) and, for the HTML renderer
(frontends without widgets), where IPython publishes display data and its updates.
"""

from __future__ import annotations

import json
import statistics
import time

from benchmarks.common import Figure, jvm_pids, log, quiet, rss_mb, shell

SOURCE = """
CREATE TEMPORARY TABLE IF NOT EXISTS live_{rate} (n BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '{rate}')
"""
APPEND = "SELECT n, CURRENT_TIMESTAMP AS ts FROM live_{rate}"
UPDATING = ("SELECT k, COUNT(*) AS c, MAX(ts) AS ts FROM "
            "(SELECT n % 100 AS k, CURRENT_TIMESTAMP AS ts FROM live_{rate}) GROUP BY k")


class _Traffic:
    """Counts what widgets send to the frontend, and the display data IPython publishes."""

    def __init__(self) -> None:
        from IPython.core.displaypub import CapturingDisplayPublisher, DisplayPublisher
        from ipywidgets import Widget

        from flink_notebook.display.charts.widget import CHART_CLASS

        self.messages, self.bytes = 0, 0
        self.chart_messages, self.chart_bytes = 0, 0  # of live charts alone
        original = Widget._send

        def counting(widget, msg, buffers=None):
            size = len(json.dumps(msg, default=str)) + sum(len(b) for b in buffers or ())
            self.messages += 1
            self.bytes += size
            if CHART_CLASS in getattr(widget, "_dom_classes", ()):
                self.chart_messages += 1
                self.chart_bytes += size
            return original(widget, msg, buffers)

        Widget._send = counting
        for publisher in (DisplayPublisher, CapturingDisplayPublisher):
            self._count_publish(publisher)

    def _count_publish(self, publisher) -> None:
        original = publisher.publish

        def counting(pub, data, metadata=None, *args, **kwargs):
            self.messages += 1
            self.bytes += len(json.dumps({"data": data, "metadata": metadata}, default=str))
            return original(pub, data, metadata, *args, **kwargs)

        publisher.publish = counting


class _Views:
    """The view each detached cell shows (the magic's own, with its renderer)."""

    def __init__(self) -> None:
        import flink_notebook.cells.sql as sql_cell

        self.last = None
        original = sql_cell.show

        def recording(job, configuration, look=None):
            self.last = original(job, configuration, look)
            return self.last

        sql_cell.show = recording


_VIEWS: _Views | None = None


def _watch(ip, sql: str, seconds: float, traffic: _Traffic,
           renderer: str = "widget", options: str = "") -> dict[str, float]:
    global _VIEWS
    _VIEWS = _VIEWS or _Views()
    quiet(lambda: ip.run_cell_magic(
        "flink_sql", f"--detached -o live_job -D notebook.renderer={renderer} {options}", sql))
    job, view = ip.user_ns["live_job"], _VIEWS.last
    assert view is not None and view.job is job
    deadline = time.monotonic() + 60
    while view.received == 0 and time.monotonic() < deadline:  # running, rows arriving
        time.sleep(0.1)
    lags, messages, sent, newest = [], traffic.messages, traffic.bytes, 0.0
    chart_messages, chart_sent = traffic.chart_messages, traffic.chart_bytes
    first_received, began = view.received, time.monotonic()
    while time.monotonic() - began < seconds:
        time.sleep(0.05)
        rows = view.rows
        if rows is not None and len(rows):
            shown = rows["ts"].max().timestamp()
            if shown > newest:  # newer rows reached the view: how long after they were made
                newest = shown
                lags.append(time.time() - shown)
    elapsed = time.monotonic() - began
    received = view.received - first_received
    quiet(job.cancel)
    lags.sort()
    return {
        "lag_p95": lags[int(0.95 * (len(lags) - 1))] if lags else float("inf"),
        "lag_median": statistics.median(lags) if lags else float("inf"),
        "received_per_s": received / elapsed,
        "messages_per_s": (traffic.messages - messages) / elapsed,
        "bytes_per_s": (traffic.bytes - sent) / elapsed,
        "chart_messages_per_s": (traffic.chart_messages - chart_messages) / elapsed,
        "chart_bytes_per_s": (traffic.chart_bytes - chart_sent) / elapsed,
    }


def run(quick: bool) -> list[Figure]:
    rates = (50_000,) if quick else (10_000, 25_000, 50_000, 100_000, 200_000)
    seconds = 2.0 if quick else 15.0
    ip = shell()
    traffic = _Traffic()
    figures: list[Figure] = []
    for shape, query in (("append-only", APPEND), ("updating", UPDATING)):
        best, at_50k = 0, None
        for rate in rates:
            quiet(lambda rate=rate: ip.run_cell_magic("flink_sql", "", SOURCE.format(rate=rate)))
            seen = _watch(ip, query.format(rate=rate), seconds, traffic)
            log(f"{shape} at {rate:,} rows/s: lag p95 {seen['lag_p95']:.2f} s, received "
                f"{seen['received_per_s']:,.0f}/s, {seen['messages_per_s']:.1f} msg/s")
            if seen["lag_p95"] < 1.0:
                best = max(best, rate)
            if rate == 50_000:
                at_50k = seen
        figures.append(Figure(
            "B4", f"{shape}: highest source rate the view follows < 1 s behind (p95)", best,
            None, "rows/s", ">= 200,000 rows/s", met=best >= 200_000,
            note=f"rates tried: {', '.join(f'{r:,}' for r in rates)}",
        ))
        if at_50k is not None:
            figures.append(Figure(
                "B4", f"{shape} view of a 50,000 rows/s stream: lag behind the job (p95)",
                at_50k["lag_p95"], None, "s", "< 1 s", met=at_50k["lag_p95"] < 1.0,
                note=f"received {at_50k['received_per_s']:,.0f} rows/s",
            ))
            figures.append(Figure(
                "B6", f"{shape} view of a 50,000 rows/s stream: messages to the frontend",
                at_50k["messages_per_s"], None, "msg/s", "<= 10 msg/s",
                met=at_50k["messages_per_s"] <= 10,
                note=f"{at_50k['bytes_per_s'] / 1024:,.1f} KiB/s",
            ))
    charted = _watch(ip, UPDATING.format(rate=50_000), seconds, traffic,
                     options="--chart bar x=k y=c")
    log(f"live bar chart of an updating 50,000 rows/s stream: "
        f"{charted['chart_messages_per_s']:.1f} msg/s, "
        f"{charted['chart_bytes_per_s'] / 1024:,.1f} KiB/s (with its view: "
        f"{charted['messages_per_s']:.1f} msg/s, {charted['bytes_per_s'] / 1024:,.1f} KiB/s)")
    figures.append(Figure(
        "B6", "live bar chart (100 bars) of an updating 50,000 rows/s stream: messages",
        charted["chart_messages_per_s"], None, "msg/s", "< 10 msg/s",
        met=charted["chart_messages_per_s"] < 10,
        note=f"with its view {charted['messages_per_s']:.1f} msg/s",
    ))
    figures.append(Figure(
        "B6", "live bar chart (100 bars) of an updating 50,000 rows/s stream: traffic",
        charted["chart_bytes_per_s"] / 1024, None, "KiB/s", "< 200 KiB/s",
        met=charted["chart_bytes_per_s"] < 200 * 1024,
        note=f"with its view {charted['bytes_per_s'] / 1024:,.1f} KiB/s",
    ))
    html = _watch(ip, APPEND.format(rate=50_000), seconds, traffic, renderer="html")
    log(f"html renderer at 50,000 rows/s: {html['messages_per_s']:.1f} msg/s, "
        f"{html['bytes_per_s'] / 1024:,.1f} KiB/s")
    figures.append(Figure(
        "B6", "append-only view, HTML renderer (no widgets): display updates",
        html["messages_per_s"], None, "msg/s", "<= 10 msg/s", met=html["messages_per_s"] <= 10,
        note=f"{html['bytes_per_s'] / 1024:,.1f} KiB/s",
    ))
    figures.append(_memory(ip, traffic, 4.0 if quick else 600.0, 1.0 if quick else 5.0))
    return figures


def _memory(ip, traffic: _Traffic, seconds: float, warmup: float) -> Figure:
    """Memory growth while an unbounded 50,000 rows/s stream is on display."""
    quiet(lambda: ip.run_cell_magic("flink_sql", "", SOURCE.format(rate=50_000)))
    jvms = jvm_pids()
    _watch(ip, APPEND.format(rate=50_000), warmup, traffic)  # first run: caches, JIT
    before = rss_mb(), sum(rss_mb(pid) for pid in jvms)
    _watch(ip, APPEND.format(rate=50_000), seconds, traffic)
    after = rss_mb(), sum(rss_mb(pid) for pid in jvms)
    growth = after[0] - before[0]
    log(f"memory over {seconds:g} s: kernel {before[0]:.0f} -> {after[0]:.0f} MB, JVM "
        f"{before[1]:.0f} -> {after[1]:.0f} MB")
    return Figure(
        "B4", f"kernel (Python) memory growth over {seconds:g} s of a 50,000 rows/s stream",
        growth, None, "MB", "< 100 MB", met=growth < 100,
        note=f"JVM (embedded cluster) {after[1] - before[1]:+.0f} MB",
    )
