"""B3 bounded fetch: N rows x 3 columns into pandas, ours against plain PyFlink.

The source is not throttled (datagen emits 10,000 rows/s unless told otherwise).
Plain PyFlink's row iterator (``collect()``) crosses py4j several times per row; it is
measured on a time budget (the rows it reads in that time), not on all N rows.
"""

from __future__ import annotations

import time

from benchmarks.common import Figure, log, plain_table_env, quiet, shell

SOURCE = """
CREATE TEMPORARY TABLE bench_rows (a BIGINT, b DOUBLE, c STRING) WITH (
  'connector' = 'datagen', 'number-of-rows' = '{rows}', 'rows-per-second' = '100000000',
  'fields.c.length' = '8')
"""
QUERY = "SELECT a, b, c FROM bench_rows"
COLLECT_BUDGET_S = 10.0


def run(quick: bool) -> list[Figure]:
    rows = 100_000 if quick else 1_000_000
    ip = shell()
    quiet(lambda: ip.run_cell_magic("flink_sql", "", SOURCE.format(rows=rows)))
    quiet(lambda: ip.run_cell_magic("flink_sql", "-o warmup", "SELECT 1"))
    began = time.perf_counter()
    quiet(lambda: ip.run_cell_magic("flink_sql", "-o frame", QUERY))
    ours = time.perf_counter() - began
    assert len(ip.user_ns["frame"]) == rows and list(ip.user_ns["frame"].columns) == list("abc")
    ours_rate = rows / ours
    log(f"ours: {rows:,} rows in {ours:.2f} s")

    t_env = plain_table_env()
    t_env.execute_sql(SOURCE.format(rows=rows))
    began = time.perf_counter()
    frame = t_env.sql_query(QUERY).to_pandas()
    plain_pandas = time.perf_counter() - began
    assert len(frame) == rows
    log(f"plain to_pandas(): {rows:,} rows in {plain_pandas:.2f} s")

    budget = 2.0 if quick else COLLECT_BUDGET_S
    with t_env.execute_sql(QUERY).collect() as result:
        next(result)  # the job runs: its start-up is not the iterator's rate
        read, began = 0, time.perf_counter()
        for _ in result:
            read += 1
            if time.perf_counter() - began > budget:
                break
    collect_rate = read / (time.perf_counter() - began)
    log(f"plain collect(): {read:,} rows in {budget:g} s")
    return [
        Figure("B3", f"{rows:,} rows x 3 columns to pandas vs plain to_pandas()", ours_rate,
               rows / plain_pandas, "rows/s", ">= 100,000 rows/s", met=ours_rate >= 100_000),
        Figure("B3", "the same vs plain collect() (its rate over "
               f"{budget:g} s after its first row)", ours_rate, collect_rate, "rows/s",
               ">= 300x plain collect()", met=ours_rate >= 300 * collect_rate),
    ]
