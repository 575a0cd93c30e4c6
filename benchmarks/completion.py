"""B10 completion: how long a ``%%flink_sql`` completion takes on a catalog of 1,000 tables,
through IPython's completer as a kernel's ``complete_request`` calls it. Cold is the first
completion after a cell (the catalog is read again: a cell may have changed it); warm
answers from the cache. Plain PyFlink has no completion to compare with."""

from __future__ import annotations

import statistics
import time

from benchmarks.common import Figure, log, quiet, shell

TABLES = 1000
#: (what is completed, the cell with | at the cursor)
PLACES = [
    ("a table after FROM", "%%flink_sql\nSELECT * FROM bench_t99|"),
    ("an alias's columns", "%%flink_sql\nSELECT o.| FROM bench_t500 o"),
    ("a keyword (with Flink's parser hints)", "%%flink_sql\nSELECT * FROM bench_t1 WH|"),
    ("a connector's option key",
     "%%flink_sql\nCREATE TABLE x (a INT) WITH ('connector' = 'datagen', 'fields|"),
]


def _complete(ip, cell: str) -> tuple[float, int]:
    from IPython.core.completer import provisionalcompleter

    cursor = cell.index("|")
    began = time.perf_counter()
    with provisionalcompleter():
        found = list(ip.Completer.completions(cell.replace("|", ""), cursor))
    return time.perf_counter() - began, len(found)


def run(quick: bool) -> list[Figure]:
    repeats = 3 if quick else 30
    ip = shell()
    quiet(lambda: ip.run_cell("%%flink_sql\nSELECT 1"))  # Java and the session are up
    from flink_notebook.engine.session import FlinkSession

    t_env = FlinkSession.current().t_env
    for index in range(TABLES):
        t_env.execute_sql(f"CREATE TEMPORARY TABLE bench_t{index} (a INT, b STRING, c DOUBLE)"
                          " WITH ('connector' = 'datagen')")
    sql = next(m for m in ip.Completer.custom_matchers
               if getattr(m, "matcher_identifier", "") == "flink_notebook.sql").completer
    figures = []
    for what, cell in PLACES:
        cold, warm = [], []
        for _ in range(repeats):
            sql.catalog.drop()  # what a cell does
            seconds, found = _complete(ip, cell)
            assert found, (what, "nothing offered")
            cold.append(seconds)
            warm.append(_complete(ip, cell)[0])
        cold_ms, warm_ms = max(cold) * 1000, statistics.median(warm) * 1000
        log(f"{what}: cold max {cold_ms:.0f} ms, warm median {warm_ms:.0f} ms ({found} offered)")
        figures.append(Figure("B10", f"completion of {what}, {TABLES:,} tables: first after a "
                              "cell (slowest)", cold_ms, None, "ms", "< 200 ms",
                              met=cold_ms < 200, note=f"warm median {warm_ms:.0f} ms"))
    return figures
