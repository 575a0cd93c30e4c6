"""What a long session keeps of its jobs (issue 29, items 10 and 11): at most
``notebook.keep-jobs`` handles, their connections released with them; a re-run cell's
earlier rows and rows beyond ``notebook.results-memory`` let go; a handle whose rows went
refuses to give them, never answers short."""

from __future__ import annotations

import gc
import weakref
from types import SimpleNamespace

import psutil
import pytest
from handles import added_since, jobs_now
from IPython.core.error import UsageError
from waiting import until

from flink_notebook.cells.notebook import Notebook
from flink_notebook.cells.request import CellRequest
from flink_notebook.engine.session import FlinkSession


@pytest.fixture
def keep_three():
    configuration = FlinkSession.current().configuration
    configuration.set("notebook.keep-jobs", 3)
    yield
    configuration.unset("notebook.keep-jobs")


def _new_handles(run) -> list[weakref.ref]:
    """Weak references to the handles ``run()`` registered (the test holds none itself)."""
    mark = jobs_now()
    run()
    return [weakref.ref(job) for job in added_since(mark)]


def _alive(refs: list[weakref.ref]) -> list:
    gc.collect()
    return [ref() for ref in refs if ref() is not None]


@pytest.mark.cluster
@pytest.mark.parametrize("renderer", ["html", "widget"])
def test_cells_leave_at_most_keep_jobs_handles_and_their_descriptors_go(
        shell, keep_three, renderer):
    """1,300 cells kept 872 handles and 853 open descriptors (a socket each, to the
    cluster's REST API): "Too many open files". A widget view's buttons held its handle."""
    def cell(i: int) -> None:
        shell.run_cell_magic("flink_sql", f"-o kept_x -D notebook.renderer={renderer}",
                             f"SELECT {i} AS x")

    for i in range(3):  # the session holds three handles (and their sockets) from here on
        cell(i)
    gc.collect()
    descriptors = psutil.Process().num_fds()
    handles = [ref for i in range(10) for ref in _new_handles(lambda i=i: cell(i))]
    assert len(handles) == 10
    assert len(Notebook.current().jobs) <= 3
    # Nothing else holds the dropped ones, once each view has drawn its job's end (the
    # cluster's monitor reads REST for it after the cell returned, for seconds at most).
    until(lambda: len(_alive(handles)) <= 3, "the dropped handles let go", 60)
    until(lambda: psutil.Process().num_fds() <= descriptors, "their sockets closed", 60)
    shell.user_ns.pop("kept_x", None)


@pytest.mark.cluster
def test_a_dropped_handle_refuses_its_rows_and_still_answers(shell, keep_three):
    mark = jobs_now()
    shell.run_cell_magic("flink_sql", "-o first", "SELECT 7 AS x")
    [first] = added_since(mark)
    for i in range(3):
        shell.run_cell_magic("flink_sql", "", f"SELECT {i} AS y")
    assert first not in Notebook.current().jobs
    with pytest.raises(UsageError, match=r"were let go: .*notebook.keep-jobs"):
        first.to_pandas()
    with pytest.raises(UsageError, match="were let go"):
        first.result()
    assert list(shell.user_ns.pop("first")["x"]) == [7]  # the user's DataFrame stays
    assert first.wait(timeout=60) == "FINISHED"  # its connection opens again when asked


#: About 6 MB in pandas: 40,000 rows with a 100-character string each.
SIZEABLE = "SELECT n, s FROM kept_rows"


@pytest.fixture(scope="module")
def kept_rows(shell):
    shell.run_cell_magic("flink_sql", "", """
        CREATE TEMPORARY TABLE kept_rows (n BIGINT, s STRING) WITH ('connector' = 'datagen',
          'number-of-rows' = '40000', 'fields.s.length' = '100')""")
    yield
    shell.run_cell_magic("flink_sql", "", "DROP TEMPORARY TABLE kept_rows")


@pytest.mark.cluster
def test_a_rerun_cell_keeps_only_its_newest_rows(shell, kept_rows):
    """Eight runs of a 26 MiB result took the kernel from 195 to 417 MiB: each earlier
    run's handle kept its rows."""
    frames, handles = [], []
    for _ in range(4):
        mark = jobs_now()
        shell.run_cell_magic("flink_sql", "-o rerun", SIZEABLE)
        [job] = added_since(mark)
        handles.append(job)
        frames.append(weakref.ref(shell.user_ns["rerun"]))
    assert len(shell.user_ns["rerun"]) == 40_000
    assert [job.query_result.nbytes > 4_000_000 for job in handles] == [False] * 3 + [True]
    assert _alive(frames) == [shell.user_ns["rerun"]]  # the earlier runs' rows are gone
    with pytest.raises(UsageError, match="let go when its cell ran again"):
        handles[0].to_pandas()
    assert len(handles[-1].to_pandas()) == 40_000
    del shell.user_ns["rerun"]


@pytest.mark.cluster
def test_rows_beyond_results_memory_go_oldest_first(shell, kept_rows):
    """The newest result is always kept; the older ones' rows fit the budget, or go."""
    configuration = FlinkSession.current().configuration
    configuration.set("notebook.results-memory", "8m")
    try:
        handles = []
        for i in range(3):  # three cells (each its own text), about 6 MB each
            mark = jobs_now()
            shell.run_cell_magic("flink_sql", "", f"{SIZEABLE} WHERE n <> {i}")
            handles += added_since(mark)
        assert [job.query_result.dropped is None for job in handles] == [False, True, True]
        with pytest.raises(UsageError, match="notebook.results-memory"):
            handles[0].to_pandas()
    finally:
        configuration.unset("notebook.results-memory")


class _Rows:
    """What the notebook reads of a result: its size and whether its rows went."""

    def __init__(self, nbytes: int) -> None:
        self.nbytes, self.dropped = nbytes, None


class _Handle:
    """A job handle as the notebook sees it (pure logic, no cluster)."""

    def __init__(self, job_id: str, nbytes: int = 0) -> None:
        self.job_id, self.name, self.is_over = job_id, None, True
        self.label = job_id
        self.query_result = _Rows(nbytes)
        self.rest = SimpleNamespace(url="http://127.0.0.1:1")

    def let_go(self, why: str) -> None:
        self.query_result.dropped = why

    def on_chart(self, shower) -> None:
        pass

    def on_savepoint(self, callback) -> None:
        pass

    def savepoints_from(self, directory) -> None:
        pass


def _from_cell(job_id: str, cell: str, run: int) -> tuple[_Handle, CellRequest]:
    """A handle, and the request of the cell run that made it."""
    return _Handle(job_id), CellRequest(cell_key=cell, run=run)


@pytest.fixture
def bare_notebook():
    """A notebook of its own (no jobs yet) on the process's engine session."""
    return Notebook(FlinkSession.current())


def test_a_rerun_lets_go_of_the_earlier_runs_rows_not_of_its_own(bare_notebook):
    """A cell running two queries keeps both; its next run lets both go."""
    made = [_from_cell("a", "cell", 1), _from_cell("b", "cell", 1),
            _from_cell("c", "another cell", 2)]
    for handle, request in made:
        bare_notebook.register(handle, request)
    (first, _), (second, _), (other, _) = made
    assert [h.query_result.dropped for h in (first, second, other)] == [None] * 3
    bare_notebook.register(*_from_cell("d", "cell", 3))
    assert "when its cell ran again" in first.query_result.dropped
    assert "when its cell ran again" in second.query_result.dropped
    assert other.query_result.dropped is None
    assert len(bare_notebook.jobs) == 4  # the handles stay listed; their rows went


def test_results_memory_lets_the_oldest_rows_go_first(bare_notebook):
    configuration = bare_notebook.configuration
    configuration.set("notebook.results-memory", "3m")
    try:
        handles = [_Handle(str(i), nbytes=2**20) for i in range(5)]
        for handle in handles:
            bare_notebook.register(handle)
        went = [h.job_id for h in handles if h.query_result.dropped]
        assert went == ["0"]  # 1, 2 and 3 fit in 3m; the newest (4) always stays
        assert "notebook.results-memory" in handles[0].query_result.dropped
    finally:
        configuration.unset("notebook.results-memory")


@pytest.fixture
def rest_api(tmp_path):
    """A stand-in for a cluster's REST API in another process (its sockets are not ours),
    keeping connections open as Flink's does: ``/overview`` answers JSON."""
    import subprocess
    import sys

    import httpx
    from waiting import until

    from flink_notebook.core.ports import free_port

    (tmp_path / "overview").write_text('{"flink-version": "2.3.0"}')
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--protocol", "HTTP/1.1",
         "--directory", str(tmp_path), str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{url}/overview", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        until(answers, "the stand-in REST API", seconds=30)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_closed_rest_client_frees_its_socket_and_opens_one_when_asked(rest_api):
    from flink_notebook.jobs.rest import RestClient

    process = psutil.Process()
    before = process.num_fds()
    rest = RestClient(rest_api)
    assert rest.overview()["flink-version"] == "2.3.0"
    assert process.num_fds() == before + 1  # the kept-alive connection
    rest.close()
    assert process.num_fds() == before
    assert rest.overview()["flink-version"] == "2.3.0"  # asked again: a new connection
    rest.close()
    assert process.num_fds() == before
