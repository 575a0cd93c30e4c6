"""B3 bounded fetch: N rows x 3 columns into pandas, ours against plain PyFlink.

The source is not throttled (datagen emits 10,000 rows/s unless told otherwise).
Plain PyFlink runs first, in a fresh process (``python -m benchmarks.fetch ROWS BUDGET``):
``Table.to_pandas()`` for all N rows, then the row iterator (``collect()``), which
crosses py4j several times per row and is measured on a time budget (the rows it reads
in that time after its first row), not on all N rows.
"""

from __future__ import annotations

import sys
import time

from benchmarks.common import (
    Figure,
    Sampling,
    answer,
    fresh_process,
    log,
    plain_table_env,
    quiet,
    rss_mb,
    shell,
)

SOURCE = """
CREATE TEMPORARY TABLE bench_rows (a BIGINT, b DOUBLE, c STRING) WITH (
  'connector' = 'datagen', 'number-of-rows' = '{rows}', 'rows-per-second' = '100000000',
  'fields.c.length' = '8')
"""
QUERY = "SELECT a, b, c FROM bench_rows"
COLLECT_BUDGET_S = 10.0


def plain(rows: int, budget: float) -> dict[str, float]:
    t_env = plain_table_env()
    t_env.execute_sql(SOURCE.format(rows=rows))
    t_env.execute_sql("SELECT 1").collect().close()  # the first job's start-up, as ours
    began = time.perf_counter()
    frame = t_env.sql_query(QUERY).to_pandas()
    to_pandas = time.perf_counter() - began
    assert len(frame) == rows
    with t_env.execute_sql(QUERY).collect() as result:
        next(result)  # the job runs: its start-up is not the iterator's rate
        read, began = 0, time.perf_counter()
        for _ in result:
            read += 1
            if time.perf_counter() - began > budget:
                break
    return {"to_pandas": to_pandas, "collect_rate": read / (time.perf_counter() - began),
            "collect_read": read}


class PeakRss(Sampling):
    """The highest RSS of this (the kernel's) process while the block runs, sampled."""

    def __init__(self, interval: float = 0.01) -> None:
        super().__init__(interval)
        self.peak = rss_mb()

    def sample(self) -> None:
        self.peak = max(self.peak, rss_mb())


def jvm_heap_used_mb() -> float:
    """The JVM's heap in use after a full collection: what it still holds."""
    from flink_notebook.engine.session import FlinkSession

    jvm = FlinkSession.current().gateway.jvm
    jvm.java.lang.System.gc()
    runtime = jvm.java.lang.Runtime.getRuntime()
    return (runtime.totalMemory() - runtime.freeMemory()) / 2**20


def ours(rows: int) -> dict[str, float]:
    ip = shell()
    quiet(lambda: ip.run_cell_magic("flink_sql", "", SOURCE.format(rows=rows)))
    quiet(lambda: ip.run_cell_magic("flink_sql", "-o warmup", "SELECT 1"))
    heap_before, rss_before = jvm_heap_used_mb(), rss_mb()
    with PeakRss() as peak:
        began = time.perf_counter()
        quiet(lambda: ip.run_cell_magic("flink_sql", "-o frame", QUERY))
        seconds = time.perf_counter() - began
    frame = ip.user_ns["frame"]
    assert len(frame) == rows and list(frame.columns) == list("abc"), (len(frame), rows)
    return {"seconds": seconds, "frame_mb": float(frame.memory_usage(deep=True).sum()) / 2**20,
            "python_peak_mb": peak.peak - rss_before,
            "jvm_kept_mb": jvm_heap_used_mb() - heap_before}


def run(quick: bool) -> list[Figure]:
    rows = 50_000 if quick else 1_000_000
    budget = 1.0 if quick else COLLECT_BUDGET_S
    base = fresh_process("fetch", rows, budget)
    log(f"plain to_pandas(): {rows:,} rows in {base['to_pandas']:.2f} s; plain collect(): "
        f"{base['collect_read']:,} rows in {budget:g} s")
    got = ours(rows)
    ours_rate = rows / got["seconds"]
    log(f"ours: {rows:,} rows in {got['seconds']:.2f} s; DataFrame {got['frame_mb']:.0f} MB, "
        f"kernel peak +{got['python_peak_mb']:.0f} MB, JVM heap kept +{got['jvm_kept_mb']:.0f} MB")
    frame_mb = got["frame_mb"]
    return [
        Figure("B3", f"{rows:,} rows x 3 columns to pandas vs plain to_pandas()", ours_rate,
               rows / base["to_pandas"], "rows/s", ">= 150,000 rows/s",
               met=ours_rate >= 150_000),
        Figure("B3", "the same vs plain collect() (its rate over "
               f"{budget:g} s after its first row)", ours_rate, base["collect_rate"], "rows/s",
               ">= 300x plain collect()", met=ours_rate >= 300 * base["collect_rate"]),
        Figure("B3", f"the same: kernel RSS peak growth during the fetch (DataFrame: "
               f"{frame_mb:.0f} MB with its strings)", got["python_peak_mb"], None, "MB",
               f"< 2x the DataFrame ({2 * frame_mb:.0f} MB)",
               met=got["python_peak_mb"] < 2 * frame_mb),
        Figure("B3", "the same: JVM heap still used after the fetch (after a full GC), "
               "against before", got["jvm_kept_mb"], None, "MB",
               f"no second copy (< {frame_mb / 4:.0f} MB, a quarter of the DataFrame)",
               met=got["jvm_kept_mb"] < frame_mb / 4),
    ]


if __name__ == "__main__":
    answer(plain(int(sys.argv[1]), float(sys.argv[2])))
