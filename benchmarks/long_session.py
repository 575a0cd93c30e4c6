"""B9 long session: 2,000 cells in one kernel, mixing bounded queries, detached streams
that are cancelled, DDL, a Python cell and errors (a SQL one, a Java one from a ``%%flink``
cell). Kernel and JVM RSS, thread counts, open file descriptors and py4j objects after a
warm-up cycle and at the end: a long session must not keep what its cells left behind.
Then two bounds of issue 29: one cell with a 26 MB result run 20 times (the kernel keeps
one run's rows, not twenty), and 100 ``%flink_config`` forms (their widgets go).

The cells run through ``InteractiveShell.run_cell``, as a kernel runs them, without
storing their results in IPython's output history (``Out`` keeps up to 1,000 results:
the user's cache, not ours). Before each measurement both sides collect garbage
(Python's ``gc``, the JVM's ``System.gc()``), every job has ended, and two seconds pass.
Quick mode runs 20 cells, a 2.6 MB result 3 times and 10 forms."""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

from benchmarks.common import Figure, jvm_pids, log, quiet, shell

SETUP = """%%flink_sql
CREATE TEMPORARY TABLE long_ticks (n BIGINT) WITH ('connector' = 'datagen',
  'rows-per-second' = '20');
CREATE TEMPORARY TABLE long_sink (n BIGINT) WITH ('connector' = 'blackhole')
"""

#: One cycle of ten cells; {i} makes each cycle's table its own.
CYCLE = [
    "%%flink_sql\nCREATE TEMPORARY TABLE long_src_{i} (n BIGINT, s STRING) WITH (\n"
    "  'connector' = 'datagen', 'number-of-rows' = '200',\n"
    "  'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '200')",
    "%%flink_sql -o small\nSELECT n % 10 AS k, COUNT(*) AS c FROM long_src_{i} GROUP BY n % 10",
    "assert len(small) == 10, small",
    "%%flink_sql -o pairs\nSELECT x, y FROM (VALUES (1, 'a'), (2, 'b'), ({i}, 'c')) AS t(x, y)",
    "%%flink_sql\nSELECT no_such_column FROM long_src_{i}",  # a SQL error
    "%%flink_sql --detached -o stream\nINSERT INTO long_sink SELECT n FROM long_ticks",
    "stream.cancel()",
    "%%flink\nt_env.from_path('no_such_table_{i}')",  # a Java error from Python
    "%%flink_sql\nSHOW TABLES",
    "%%flink_sql\nDROP TEMPORARY TABLE long_src_{i}",
]


#: The JIT's own threads (Linux names them "C2 CompilerThre"): the JVM starts and stops
#: them as compiling needs (at most -XX:CICompilerCount), so they are not counted.
COMPILER_THREADS = ("C1 Compiler", "C2 Compiler")


def jvm_thread_names(pid: int) -> list[str]:
    """The names of a process's threads, as Linux has them (15 characters)."""
    names = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            names.append((task / "comm").read_text().strip())
        except OSError:  # it ended meanwhile
            continue
    return sorted(names)


def private_temp() -> str:
    """Give this process (its Python, and the JVM it is about to start) a temp directory of
    its own, so what is in it is what the session made: in the shared /tmp, whatever else
    runs on the machine meanwhile would count. Called before Flink starts."""
    root = tempfile.mkdtemp(prefix="flink-notebook-b9-")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    os.environ["TMPDIR"] = root
    tempfile.tempdir = None  # Python reads TMPDIR again
    # The JVM's java.io.tmpdir (Flink's io.tmp.dirs defaults to it); Java ignores TMPDIR.
    os.environ["JVM_ARGS"] = " ".join(filter(None, [f"-Djava.io.tmpdir={root}",
                                                     os.environ.get("JVM_ARGS")]))
    return root


def temp_entries(root: str) -> set[str]:
    """The files and directories under ``root``, made there by this process."""
    found: set[str] = set()
    for folder, dirs, files in os.walk(root):
        found.update(os.path.join(folder, name) for name in dirs + files)
    return found


def py4j_connections(gateway) -> int:
    """The py4j connections Python keeps open to the JVM (each one a Java thread there,
    "Thread-N" in py4j's GatewayConnection): one per thread calling at the same moment."""
    from flink_notebook.engine import py4j_threads

    clients = (gateway._gateway_client, py4j_threads._background_client)
    return sum(len(getattr(client, "deque", ())) for client in clients if client is not None)


class State:
    """Kernel and JVM memory, threads and py4j objects at one moment."""

    def __init__(self, session, temp: str) -> None:
        from py4j.java_gateway import JavaObject

        gateway = session.gateway
        gc.collect()
        gateway.jvm.System.gc()
        time.sleep(2.0)
        gc.collect()
        [jvm] = [psutil.Process(pid) for pid in jvm_pids()]
        self.kernel = psutil.Process().memory_info().rss / 2**20
        self.jvm = jvm.memory_info().rss / 2**20
        self.descriptors = psutil.Process().num_fds()
        self.python_threads = threading.active_count()
        self.thread_names = sorted(t.name for t in threading.enumerate())
        self.jvm_thread_names = jvm_thread_names(jvm.pid)
        self.temp = temp_entries(temp)
        self.connections = py4j_connections(gateway)
        self.jvm_threads = sum(1 for name in self.jvm_thread_names
                               if not name.startswith(COMPILER_THREADS))
        self.java_objects = sum(isinstance(o, JavaObject) for o in gc.get_objects())
        # The Java side's table of objects handed to Python (py4j's Gateway bindings);
        # this look itself holds two (the Gateway and its map) while it counts.
        bindings = gateway.java_gateway_server.getGateway().getBindings()
        self.bindings = bindings.size() - 2
        del bindings
        runtime = gateway.jvm.java.lang.Runtime.getRuntime()
        self.heap_used = (runtime.totalMemory() - runtime.freeMemory()) / 2**20

    def __str__(self) -> str:
        return (f"kernel {self.kernel:.0f} MB, JVM {self.jvm:.0f} MB (heap used "
                f"{self.heap_used:.0f} MB), {self.python_threads} Python threads, "
                f"{self.jvm_threads} JVM threads, {self.java_objects} JavaObjects in Python, "
                f"{self.bindings} py4j bindings, {self.connections} py4j connections, "
                f"{self.descriptors} open file descriptors")


def _all_jobs_ended(session, timeout: float = 60.0) -> None:
    from flink_notebook.core.states import TERMINAL
    from flink_notebook.jobs.rest import RestClient

    rest = RestClient(session.embedded_cluster().address.url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(job["state"] in TERMINAL for job in rest.jobs_overview()):
            return
        time.sleep(0.2)


def _java_stacks(session, names: list[str]) -> dict[str, list[str]]:
    """The top and bottom frames of the Java threads with these names (Linux cuts a name to 15
    characters), to tell a leak from a pool's thread."""
    stacks = {}
    traces = session.gateway.jvm.java.lang.Thread.getAllStackTraces()
    for thread in traces.keySet():
        name = thread.getName()
        if name[:15] in names:
            frames = [str(frame) for frame in list(traces.get(thread))]
            stacks[name] = frames[:2] + ["..."] + frames[-4:]  # what waits, what runs it
    return stacks


#: One result of about 26 MB in pandas (issue 29's): 160,000 rows of a number and a
#: 100-character string.
BIG_ROWS = 160_000
BIG_SETUP = """%%flink_sql
CREATE TEMPORARY TABLE long_big (n BIGINT, s STRING) WITH ('connector' = 'datagen',
  'number-of-rows' = '{rows}', 'fields.s.length' = '100')"""
BIG_CELL = "%%flink_sql -o big\nSELECT n, s FROM long_big"


def rerun_big_result(cell, notebook, temp: str, rows: int, runs: int) -> list[Figure]:
    """The same cell with a sizeable result, run ``runs`` times after a first run: what the
    kernel holds afterwards (issue 29, item 11: eight runs of 26 MiB took 195 → 417 MiB)."""
    import pandas as pd
    from IPython import get_ipython

    cell(BIG_SETUP.format(rows=rows))
    cell(BIG_CELL)
    frame = get_ipython().user_ns["big"]
    size = frame.memory_usage(index=True, deep=True).sum() / 2**20
    del frame
    start = State(notebook.session, temp)
    for _ in range(runs):
        cell(BIG_CELL)
    end = State(notebook.session, temp)
    kept = [job for job in notebook.jobs if job.query_result is not None
            and job.query_result.nbytes]
    held = sum(job.query_result.nbytes for job in kept) / 2**20
    frames = sum(isinstance(o, pd.DataFrame) and len(o) == rows for o in gc.get_objects())
    growth = end.kernel - start.kernel
    log(f"{runs} re-runs of a {size:.0f} MB result: kernel {start.kernel:.0f} → "
        f"{end.kernel:.0f} MB; handles keep {held:.0f} MB of rows in {len(kept)} results")
    cell("del big")
    return [Figure("B9", f"one cell with a {size:.0f} MB result run {runs + 1} times: kernel "
                   f"RSS growth over the last {runs}", growth, None, "MB", "< 60 MB",
                   met=growth < 60,
                   note=f"{start.kernel:.0f} → {end.kernel:.0f} MB; rows kept by the "
                        f"notebook's handles {held:.0f} MB; {frames} DataFrame(s) of that "
                        f"size alive")]


def config_forms(cell, forms: int) -> list[Figure]:
    """``%flink_config``'s form displayed ``forms`` times (issue 29, item 12: 100 displays
    left 3,300 widgets alive, and each SET then took 108 ms)."""
    import ipywidgets

    def alive() -> int:
        gc.collect()
        return len(ipywidgets.Widget.widgets)

    cell("%flink_config notebook.renderer=widget")
    cell("%flink_config")  # the first form: what importing and building it once leaves
    start = alive()
    for _ in range(forms):
        cell("%flink_config")
    end = alive()
    began = time.monotonic()
    cell("%%flink_sql\nSET 'pipeline.name' = 'b9'")
    setting = time.monotonic() - began
    cell("%%flink_sql\nRESET 'pipeline.name';\nRESET 'notebook.renderer'")
    log(f"{forms} %flink_config forms: widgets alive {start} → {end}; a SET then "
        f"{setting * 1000:.0f} ms")
    return [Figure("B9", f"{forms} %flink_config forms: widgets alive at the end", end, None,
                   "widgets", "back to the start", met=end <= start,
                   note=f"{start} after the first form; a SET then took "
                        f"{setting * 1000:.0f} ms")]


def run(quick: bool, cells: int | None = None) -> list[Figure]:
    """``cells``: the long session's length (2,000; quick 20)."""
    cells = cells or (20 if quick else 2000)
    temp = private_temp()
    from flink_notebook.cells.notebook import Notebook

    ip = shell()
    notebook = Notebook.current()
    session = notebook.session
    session.ensure_started()
    failures = []

    def cell(source: str) -> None:
        result = quiet(lambda: ip.run_cell(source, store_history=False))
        failed = not result.success
        expected = "no_such" in source
        if failed != expected:
            failures.append((source.splitlines()[-1][:60], result.error_in_exec
                             or result.error_before_exec))

    cell(SETUP)
    for source in CYCLE:  # warm-up: every kind of cell once, so lazy starts are behind
        cell(source.format(i=0))
    _all_jobs_ended(session)
    start = State(session, temp)
    log(f"after warm-up: {start}")
    began = time.monotonic()
    for n in range(cells):
        cell(CYCLE[n % len(CYCLE)].format(i=1 + n // len(CYCLE)))
    elapsed = time.monotonic() - began
    _all_jobs_ended(session)
    end = State(session, temp)
    log(f"after {cells} cells in {elapsed:.0f} s: {end}")
    if failures:
        log(f"{len(failures)} cells did not do what they should: {failures[:3]}")
    gone = sorted(set(end.thread_names) - set(start.thread_names))
    if gone:
        log(f"Python threads new since the warm-up: {gone}")
    jvm_new = sorted((Counter(end.jvm_thread_names) - Counter(start.jvm_thread_names))
                     .elements())
    if jvm_new:
        log(f"JVM threads new since the warm-up (compiler threads not counted): {jvm_new}; "
            f"where they are: {_java_stacks(session, jvm_new)}")
    left = sorted(end.temp - start.temp)
    if left:
        log(f"{len(left)} temp entries made by the cells and still there: {left[:5]}")
    kernel, jvm = end.kernel - start.kernel, end.jvm - start.jvm
    note = f"{cells} cells in {elapsed:.0f} s" + (f", {len(failures)} went wrong"
                                                    if failures else "")
    went_wrong = len(failures)
    bounds = [*rerun_big_result(cell, notebook, temp, BIG_ROWS // 10 if quick else BIG_ROWS,
                                3 if quick else 20),
              *config_forms(cell, 10 if quick else 100)]
    if len(failures) > went_wrong:
        log(f"cells of the bounds that did not do what they should: {failures[went_wrong:]}")
    return [
        Figure("B9", f"{cells} cells in one kernel: kernel RSS growth", kernel, None, "MB",
               "< 50 MB", met=kernel < 50 and not went_wrong,
               note=f"{start.kernel:.0f} → {end.kernel:.0f} MB; {note}"),
        Figure("B9", f"{cells} cells in one kernel: JVM RSS growth", jvm, None, "MB",
               "< 100 MB", met=jvm < 100,
               note=f"{start.jvm:.0f} → {end.jvm:.0f} MB, heap used {start.heap_used:.0f} → "
                    f"{end.heap_used:.0f} MB"),
        Figure("B9", f"{cells} cells in one kernel: Python threads at the end",
               end.python_threads, None, "threads", "back to the start",
               met=end.python_threads <= start.python_threads,
               note=f"{start.python_threads} after the warm-up"),
        Figure("B9", f"{cells} cells in one kernel: JVM threads at the end",
               end.jvm_threads, None, "threads", "back to the start",
               met=end.jvm_threads <= start.jvm_threads,
               note=f"{start.jvm_threads} after the warm-up; the JIT's compiler threads "
                    f"not counted; py4j connections {start.connections} → {end.connections}"),
        Figure("B9", f"{cells} cells in one kernel: files and folders they left in temp "
               "directories", len(left), None, "entries", "none", met=not left,
               note=(f"first: {left[0]}" if left else
                     f"the kernel's and its JVM's own temp directory; {len(start.temp)} "
                     f"entries there after the warm-up")),
        Figure("B9", f"{cells} cells in one kernel: py4j objects (Java side) at the end",
               end.bindings, None, "objects", "back to the start",
               met=end.bindings <= start.bindings,
               note=f"{start.bindings} after the warm-up; JavaObjects in Python "
                    f"{start.java_objects} → {end.java_objects}"),
        Figure("B9", f"{cells} cells in one kernel: open file descriptors at the end",
               end.descriptors, None, "descriptors", "back to the start",
               met=end.descriptors <= start.descriptors,
               note=f"{start.descriptors} after the warm-up; job handles kept "
                    f"{len(notebook.jobs)} (notebook.keep-jobs "
                    f"{session.configuration.get('notebook.keep-jobs')})"),
        *bounds,
    ]
