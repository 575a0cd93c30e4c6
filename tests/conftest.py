"""Shared fixtures: one IPython shell with the extension loaded, one Flink session.

Every Flink process the tests start carries the suite's state directory in its
command line (clusters keep their conf and logs there), so the end of the run
can check that none is left behind. A test that starts Flink (a JVM, a cluster) must be
marked ``cluster``: ``-m "not cluster"`` runs none, and a test that does so unmarked fails.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import psutil
import pytest

STATE_DIR = tempfile.mkdtemp(prefix="flink-notebook-tests-")
os.environ.setdefault("FLINK_NOTEBOOK_STATE_DIR", STATE_DIR)
# Under pytest-xdist (scripts/test.sh runs the cluster tests on two workers) each worker
# inherits the controller's environment: give it a state directory of its own, so that
# its clusters, leases and resume memory are its own ("cluster stop --all" stops only its
# clusters) and the leftover-process check at its end sees only its processes.
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get(
        "FLINK_NOTEBOOK_TESTS_WORKER") != os.environ["PYTEST_XDIST_WORKER"]:  # once
    os.environ["FLINK_NOTEBOOK_TESTS_WORKER"] = os.environ["PYTEST_XDIST_WORKER"]
    os.environ["FLINK_NOTEBOOK_STATE_DIR"] = tempfile.mkdtemp(
        prefix=f"{os.environ['PYTEST_XDIST_WORKER']}-", dir=os.environ["FLINK_NOTEBOOK_STATE_DIR"])
# Every REST call of the suite carries this header, Flink's own client's too (it reads the
# variable when the JVM starts): tests/flink/test_remote_proxy.py puts a proxy that demands it
# in front of a cluster.
SUITE_HEADER = ("X-Suite-Token", "suite-secret-4d2f")
os.environ["FLINK_REST_CLIENT_HEADERS"] = f"{SUITE_HEADER[0]}:{SUITE_HEADER[1]}"


def _drain_every_gateway() -> None:
    """Tests that make a TableEnvironment of their own may start this process's JVM before
    any FlinkSession exists: its stderr is drained as a kernel's is, whichever test (in
    whichever order) comes first."""
    from flink_notebook.engine.gateway_stderr import drain_gateway_stderr

    drain_gateway_stderr()


_drain_every_gateway()


@pytest.fixture(scope="session")
def shell():
    """An in-process IPython shell with ``%load_ext flink_notebook`` done. Flink is not
    pre-warmed: it starts with the first cell that needs it (a test marked ``cluster``)."""
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.config.FlinkMagics.prewarm = False
    ip.run_line_magic("load_ext", "flink_notebook")
    yield ip
    from flink_notebook.cells.notebook import Notebook

    Notebook.current().close()


@pytest.fixture(scope="module")
def flink(shell):
    """Run a ``%%flink`` cell: ``flink(cell, line)``."""

    def run(cell: str, line: str = ""):
        return shell.run_cell_magic("flink", line, cell)

    return run


def _flink_started() -> bool:
    """A JVM in this process (PyFlink's gateway), a cluster of the suite's, or a JVM
    among this process's children (a kernel's)."""
    gateway = sys.modules.get("pyflink.java_gateway")
    if gateway is not None and getattr(gateway, "_gateway", None) is not None:
        return True
    if (Path(os.environ["FLINK_NOTEBOOK_STATE_DIR"]) / "clusters").exists():
        return True
    try:
        children = psutil.Process().children(recursive=True)
        return any(child.name() == "java" for child in children)
    except psutil.Error:
        return False


@pytest.fixture(autouse=True)
def _flink_only_when_marked(request):
    """A test not marked ``cluster`` must start no Flink (so ``-m "not cluster"`` is quick
    and needs no Java)."""
    marked = request.node.get_closest_marker("cluster") is not None
    before = marked or _flink_started()
    yield
    if not before and _flink_started():
        pytest.fail("this test started Flink (a JVM or a cluster) but is not marked cluster",
                    pytrace=False)


def _embedded_slots() -> dict | None:
    """The embedded cluster's slots (``total``, ``available``) and the ``configured``
    number it was started with; None if it is not up."""
    from flink_notebook.engine.session import FlinkSession

    embedded = getattr(FlinkSession._current, "_embedded", None)
    if embedded is None or embedded.address is None:
        return None
    import httpx

    try:
        overview = httpx.get(f"{embedded.address.url}/overview", timeout=5).json()
    except (httpx.HTTPError, ValueError):
        return None
    return {"total": overview.get("slots-total", 0),
            "available": overview.get("slots-available", 0), "configured": embedded.slots}


def _all_slots_free(slots: dict | None) -> bool:
    return slots is None or slots["total"] == slots["available"] == slots["configured"]


def _running_on_the_embedded_cluster() -> list[dict]:
    from flink_notebook.core.states import TERMINAL
    from flink_notebook.engine.session import FlinkSession

    session = FlinkSession._current
    embedded = getattr(session, "_embedded", None)
    if embedded is None or embedded.address is None:
        return []
    import httpx

    try:
        jobs = httpx.get(f"{embedded.address.url}/jobs/overview", timeout=5).json()["jobs"]
    except (httpx.HTTPError, ValueError, KeyError):
        return []
    return [job for job in jobs if job["state"] not in TERMINAL]


@pytest.fixture(autouse=True)
def _no_notebook_setting_left(request):
    """A test that changes the session's notebook-level settings puts them back."""
    from flink_notebook.engine.session import FlinkSession

    def settings() -> dict:
        session = FlinkSession._current
        return {} if session is None else dict(session.configuration._layers["notebook"])

    def effective(layer: dict) -> dict:  # a default set again counts as unchanged
        from flink_notebook.core.config import OPTIONS

        return {k: v for k, v in layer.items() if k not in OPTIONS or OPTIONS[k].default != v}

    before = settings()
    yield
    after = settings()
    if effective(after) != effective(before):
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        layer = FlinkSession._current.configuration._layers["notebook"]
        layer.clear()
        layer.update(before)
        pytest.fail(f"this test left notebook settings changed: {changed}", pytrace=False)


#: What PyFlink and flink-notebook put in os.environ once, when Java starts (where Flink and
#: the JDK are): not a test's leftovers.
_SET_WHEN_JAVA_STARTS = {"FLINK_HOME", "FLINK_LIB_DIR", "FLINK_OPT_DIR", "FLINK_PLUGINS_DIR",
                         "JAVA_HOME"}


@pytest.fixture(autouse=True)
def _environment_unchanged():
    """A test leaves the process environment as it found it: every later subprocess (a
    kernel, a cluster) inherits it. PyFlink's in-process ("loopback") Python worker rewrites
    os.environ, PYFLINK_GATEWAY_DISABLED among others, after which no kernel could start
    Java; a routed job must never run its Python functions here."""
    before = dict(os.environ)
    yield
    changed = sorted(k for k in set(before) | set(os.environ)
                     if before.get(k) != os.environ.get(k) and not k.startswith("PYTEST_")
                     and k not in _SET_WHEN_JAVA_STARTS)
    if changed:
        os.environ.clear()
        os.environ.update(before)
        pytest.fail(f"this test left the process environment changed: {changed}",
                    pytrace=False)


@pytest.fixture(autouse=True)
def _no_job_left_running(request):
    """A test leaves no job running on the embedded cluster for the next one (a job being
    cancelled gets a while to end)."""
    yield
    if request.node.get_closest_marker("cluster") is None:
        return
    deadline = time.monotonic() + 60
    left = _running_on_the_embedded_cluster()
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _running_on_the_embedded_cluster()
    if left:
        import httpx

        from flink_notebook.engine.session import FlinkSession

        url = FlinkSession._current._embedded.address.url
        for job in left:
            httpx.patch(f"{url}/jobs/{job['jid']}", params={"mode": "cancel"}, timeout=5)
        names = ", ".join(f"{job['name']!r} ({job['state']})" for job in left)
        pytest.fail(f"this test left jobs running on the embedded cluster: {names}",
                    pytrace=False)
    slots = _embedded_slots()
    # Slots being freed come back within seconds; a lost TaskManager never comes back by
    # itself (waiting for it cost a minute), so it is repaired at once.
    while (not _all_slots_free(slots) and slots["total"] >= slots["configured"]
           and time.monotonic() < deadline):
        time.sleep(0.5)
        slots = _embedded_slots()
    if slots and slots["total"] < slots["configured"]:
        # Its TaskManager is gone (seen twice in full runs, cause not found yet: see the
        # README's Development section). The next local job gets a new one; so does the
        # next test, and the run says it happened.
        from flink_notebook.engine.session import FlinkSession

        FlinkSession._current._embedded.repair()
        warnings.warn(f"the embedded cluster lost its TaskManager during {request.node.nodeid}",
                      stacklevel=1)
        slots = _embedded_slots()
    if not _all_slots_free(slots):
        pytest.fail(f"after this test the embedded cluster has {slots['available']} free of "
                    f"{slots['total']} task slots (started with {slots['configured']}) and no "
                    "job running", pytrace=False)


#: The shared session cluster's slots: as many as a test of its needs at once.
SESSION_CLUSTER_SLOTS = 2


@pytest.fixture(scope="session")
def session_cluster():
    """A standalone session cluster (127.0.0.1, ``SESSION_CLUSTER_SLOTS`` slots, default
    options) for the tests that need some remote cluster, started once per worker and
    stopped at its end. Each test leaves it idle for the next (checked after every test
    that used it): no job running, every slot free. Its record, conf and logs are in a
    state directory of its own beside the worker's, so the clusters a test counts (``cluster
    status``, ``stop --all``) are only its own, while the leftover check still finds its
    processes (their command lines carry the worker's directory's path)."""
    from flink_notebook.clusters.standalone import LocalCluster

    own = os.environ["FLINK_NOTEBOOK_STATE_DIR"].rstrip("/") + "-session-cluster"
    cluster = LocalCluster(slots=SESSION_CLUSTER_SLOTS, name="session")
    with _state_dir(own):
        cluster.start(owner_pid=os.getpid())
    try:
        yield cluster
    finally:
        with _state_dir(own):
            cluster.stop()
        shutil.rmtree(own, ignore_errors=True)


class _state_dir:
    """``FLINK_NOTEBOOK_STATE_DIR`` set to ``path`` within the block (the cluster's paths
    and its lease's follow it), the worker's again after."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> None:
        self.before = os.environ["FLINK_NOTEBOOK_STATE_DIR"]
        os.environ["FLINK_NOTEBOOK_STATE_DIR"] = self.path

    def __exit__(self, *exc: object) -> None:
        os.environ["FLINK_NOTEBOOK_STATE_DIR"] = self.before


@pytest.fixture(autouse=True)
def _session_cluster_left_idle(request):
    """A test that used the shared session cluster leaves it as it found it: a job still
    running there after a while is cancelled and the test fails (the next test may count
    its slots or its jobs)."""
    yield
    if "session_cluster" not in request.fixturenames:
        return
    from flink_notebook.core.states import TERMINAL
    from flink_notebook.jobs.rest import RestClient

    rest = RestClient(request.getfixturevalue("session_cluster").rest_url)

    def running() -> list[dict]:
        return [job for job in rest.jobs_overview() if job["state"] not in TERMINAL]

    def idle() -> bool:
        overview = rest.overview()
        return not running() and overview["slots-available"] == overview["slots-total"] \
            == SESSION_CLUSTER_SLOTS

    try:
        deadline = time.monotonic() + 60
        while not idle() and time.monotonic() < deadline:
            time.sleep(0.5)
        left = running()
        for job in left:
            rest.cancel(job["jid"])
        overview = rest.overview()
    finally:
        rest.close()
    if left:
        names = ", ".join(f"{job['name']!r} ({job['state']})" for job in left)
        pytest.fail(f"this test left jobs running on the session cluster: {names}",
                    pytrace=False)
    if overview["slots-available"] != overview["slots-total"] or \
            overview["slots-total"] != SESSION_CLUSTER_SLOTS:
        pytest.fail(f"after this test the session cluster has {overview['slots-available']} "
                    f"free of {overview['slots-total']} task slots (started with "
                    f"{SESSION_CLUSTER_SLOTS}) and no job running", pytrace=False)


def _leftover_flink_processes() -> list[psutil.Process]:
    marker = os.environ["FLINK_NOTEBOOK_STATE_DIR"]
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if any(marker in part for part in proc.info["cmdline"] or ()):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a Flink process started by the tests outlives them."""
    from flink_notebook.engine.session import FlinkSession

    if FlinkSession._current is not None:
        FlinkSession._current.close()
    deadline = time.monotonic() + 60  # leases stop orphaned clusters within 60 s
    leftovers = _leftover_flink_processes()
    while leftovers and time.monotonic() < deadline:
        time.sleep(2)
        leftovers = _leftover_flink_processes()
    if leftovers:
        for proc in leftovers:
            proc.kill()
        session.exitstatus = 1
        names = ", ".join(f"pid {p.pid}" for p in leftovers)
        print(f"\nFlink processes left behind by the tests (killed now): {names}")


#: The compatibility suite (``-m compat``): the contract every supported Flink must keep,
#: run by scripts/test.sh in each other minor's environment (docs/versions.md). Each entry
#: is a test module, a test, or one parametrized case of it (``test[id]``); every test
#: it names is marked ``compat`` below. An entry that matches no collected test fails the
#: run, so a renamed test cannot drop out of the contract unnoticed (a case of an example
#: that Flink version does not ship is left out, not an error).
COMPAT_SUITE = (
    # The versions and the version layer: every internal member, our Java compiled.
    "tests/core/test_flink_versions.py",
    "tests/engine/test_ledger.py",
    # The three targets, and a detached handle.
    "tests/executors/test_executors_local.py::test_the_embedded_cluster_listens_on_loopback_only",
    "tests/executors/test_executors_per_job.py::"
    "test_attached_query_returns_its_rows_and_its_cluster_still_goes",
    "tests/executors/test_executors_per_job.py::"
    "test_detached_cell_cluster_ends_itself_and_the_handle_knows_how",
    "tests/jobs/test_job_client.py::test_attach_to_an_existing_job",
    "tests/jobs/test_job_client.py::test_query_result_and_plain_result",
    # A live view, its Cancel button.
    "tests/display/test_job_views.py::test_widget_view_counts_rows_and_cancels_through_its_button",
    # Savepoints and resume: embedded, and a session cluster through an attached handle.
    "tests/flink/test_savepoints.py::test_counts_continue_from_a_savepoint_on_the_embedded_cluster",
    "tests/flink/test_savepoints.py::"
    "test_counts_continue_on_a_session_cluster_stopped_through_an_attached_handle",
    # PyFlink API newer than the kernel's, said in one line.
    "tests/cells/test_python_cells.py::test_pyflink_api_newer_than_the_kernels_is_said_in_one_line",
    # The SQL client's parity scripts.
    "tests/sql/test_sql_scripts.py",
    # Shipped examples on each target.
    "tests/cells/test_flink_run.py::test_an_example_runs_unmodified_on_local"
    "[datastream/word_count.py-flink_run]",
    "tests/cells/test_flink_run.py::test_an_example_runs_unmodified_on_local"
    "[table/multi_sink.py-cell]",
    "tests/cells/test_flink_run.py::test_an_example_runs_unmodified_on_a_remote_session_cluster"
    "[table/word_count.py]",
    "tests/cells/test_flink_run.py::test_an_example_runs_unmodified_on_per_job"
    "[table/pandas/conversion_from_dataframe.py]",
)


#: The test files that take longest (minutes of one worker: --durations of CI runs), run
#: first. pytest-xdist's loadfile hands out files in collection order, and collection order
#: put the longest two (the benchmarks, the teaching notebooks) last: one worker ran them
#: for minutes while the other had nothing left. Longest first, the short files fill in.
LONGEST_FIRST = (
    "tests/notebooks/test_notebooks_teaching.py",
    "tests/notebooks/test_learn_flink.py",
    "tests/notebooks/test_lessons.py",
    "tests/test_benchmarks.py",
    "tests/cells/test_flink_run.py",
    "tests/flink/test_multi_host.py",
    "tests/browser/test_views_in_lab.py",
    "tests/engine/test_context_environments.py",
    "tests/executors/test_executors_per_job.py",
    "tests/browser/test_jupyterlab.py",
)


def _longest_first(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


def _compat_entry(entry: str, nodeid: str) -> bool:
    return nodeid == entry or nodeid.startswith((entry + "::", entry + "["))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests COMPAT_SUITE names ``compat``; fail on an entry that names none. Put
    the longest files first (LONGEST_FIRST; a stable sort keeps each file's tests together
    and in order)."""
    root = Path(__file__).parents[1]
    gone = [path for path in LONGEST_FIRST if not (root / path).is_file()]
    if gone:
        raise pytest.UsageError(f"tests/conftest.py LONGEST_FIRST names no file: {gone}")
    items.sort(key=_longest_first)
    for item in items:
        if any(_compat_entry(entry, item.nodeid) for entry in COMPAT_SUITE):
            item.add_marker(pytest.mark.compat)
    whole = all(Path(arg).resolve() in (Path(__file__).parent, Path(__file__).parents[1])
                for arg in config.args)
    if config.getoption("markexpr", "") != "compat" or not whole:
        return  # only the whole suite's collection can tell a stale entry
    ids = {item.nodeid.split("[")[0] for item in items}
    stale = [entry for entry in COMPAT_SUITE if entry.split("[")[0] not in ids
             and not any(i.startswith(entry + "::") for i in ids)]
    if stale:
        raise pytest.UsageError("tests/conftest.py COMPAT_SUITE names tests that do not "
                                f"exist: {', '.join(stale)}")
