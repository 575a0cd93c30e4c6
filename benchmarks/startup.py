"""B1 cold start and B2 warm cell: time to the first row, ours against plain PyFlink.

``python -m benchmarks.startup ours|plain IDLE``: one fresh process (one fresh JVM) per
measurement. Ours loads the extension, waits IDLE seconds (a user reading or typing the
first cell: pre-warm works in that time), then runs ``SELECT 1``; the figure is what the
user waits for after running the cell. Plain PyFlink has nothing to do in that idle
time: its first row comes after ``TableEnvironment.create`` and ``execute_sql``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from benchmarks.common import Figure, log, median_seconds, plain_table_env, quiet, shell

#: Seconds between ``%load_ext`` and running the first cell: reading the notebook's first
#: lines and typing a query. 0 too: the first cell run right after loading.
IDLE = (5.0, 10.0, 0.0)

SMALL = "SELECT n, n * 2 AS m FROM (VALUES (1), (2), (3)) AS t(n)"


def ours(idle: float) -> dict[str, float]:
    ip = shell()
    time.sleep(idle)
    began = time.perf_counter()
    quiet(lambda: ip.run_cell_magic("flink_sql", "-o first", "SELECT 1 AS x"))
    first = time.perf_counter() - began
    assert list(ip.user_ns["first"]["x"]) == [1]
    warm = median_seconds(lambda: quiet(lambda: ip.run_cell_magic("flink_sql", "-o r", SMALL)), 5)
    return {"first": first, "warm": warm}


def plain(idle: float) -> dict[str, float]:
    time.sleep(idle)  # nothing to use it for
    began = time.perf_counter()
    t_env = plain_table_env()
    with t_env.execute_sql("SELECT 1 AS x").collect() as rows:
        next(rows)
    first = time.perf_counter() - began

    def small() -> None:
        with t_env.execute_sql(SMALL).collect() as rows:
            next(rows)

    return {"first": first, "warm": median_seconds(small, 5)}


def measure(which: str, idle: float) -> dict[str, float]:
    """One fresh process, so one fresh JVM."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup", which, str(idle)],
        capture_output=True, text=True, timeout=600, check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("STARTUP "))
    return json.loads(line[len("STARTUP "):])


def run(quick: bool) -> list[Figure]:
    figures = []
    plain_run = measure("plain", 0.0)
    log(f"plain PyFlink: first row {plain_run['first']:.2f} s, warm {plain_run['warm']:.3f} s")
    for idle in IDLE[:1] if quick else IDLE:
        ours_run = measure("ours", idle)
        log(f"ours after {idle:g} s idle: first row {ours_run['first']:.2f} s, "
            f"warm {ours_run['warm']:.3f} s")
        waited = ours_run["first"]
        figures.append(Figure(
            "B1", f"first row of SELECT 1, {idle:g} s after %load_ext", waited,
            plain_run["first"], "s", "2x faster than plain",
            met=plain_run["first"] >= 2 * waited,
        ))
        if idle == IDLE[0]:
            warm = ours_run["warm"]
            figures.append(Figure(
                "B2", "warm cell, first row of a small query (median of 5)", warm,
                plain_run["warm"], "s", "<= 0.5 s and <= plain",
                met=warm <= 0.5 and warm <= plain_run["warm"] * 1.05,
            ))
    return figures


if __name__ == "__main__":
    which, idle = sys.argv[1], float(sys.argv[2])
    print("STARTUP " + json.dumps((ours if which == "ours" else plain)(idle)), flush=True)
