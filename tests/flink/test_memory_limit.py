"""Notebook 02 runs within 1.5 GB, as on Binder (a container of 1–2 GB).

The limit is a memory cgroup made for the test, not ``prlimit --as`` / ``ulimit -v``: those
limit virtual memory, which a JVM reserves far beyond what it uses (its heap, code cache
and class space are reserved at start), so they break the JVM, not the notebook. A
cgroup limits what is really used, as a container's limit does: its processes are
reclaimed from and, past the limit, killed by the kernel's OOM killer. cgroup v1 (this
machine: ``memory.limit_in_bytes``, ``memory.max_usage_in_bytes``, ``oom_kill`` in
``memory.oom_control``) and v2 (``memory.max``, ``memory.peak``, ``memory.events``) both
work; without a writable memory cgroup (not root, no delegation) the test is skipped.

The runner (``flink-notebook run``'s, as in test_notebooks_teaching) runs in a child
process that moves itself into the cgroup first, so the kernel and its JVM start inside
it; the test process stays outside. The cgroup is removed (any process left in it
killed) even when the test fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

pytestmark = pytest.mark.cluster

LIMIT = 1536 * 2**20  # 1.5 GB
NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "02-streaming-sql.ipynb"
_V1_ROOT = Path("/sys/fs/cgroup/memory")
_V2_ROOT = Path("/sys/fs/cgroup")

#: The child: join the cgroup, then run the notebook (its kernel and JVM inherit the cgroup).
_CHILD = """
import sys
from pathlib import Path
Path(sys.argv[1]).write_text(str(__import__("os").getpid()))
from flink_notebook.cli.run import run_notebook
sys.exit(run_notebook(sys.argv[2], output=sys.argv[3]))
"""


class MemoryCgroup:
    """A child memory cgroup of this process's own, with a limit; v1 or v2."""

    def __init__(self, limit: int) -> None:
        self.path, self.v2 = self._create()
        (self.path / ("memory.max" if self.v2 else "memory.limit_in_bytes")).write_text(
            str(limit))

    @staticmethod
    def _create() -> tuple[Path, bool]:
        name = f"flink-notebook-test-{uuid.uuid4().hex[:8]}"
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        for line in lines:  # cgroup v1: "4:memory:/some/path"
            _, controllers, where = line.split(":", 2)
            if "memory" in controllers.split(",") and _V1_ROOT.is_dir():
                path = _V1_ROOT / where.lstrip("/") / name
                path.mkdir()
                return path, False
        for line in lines:  # cgroup v2: "0::/some/path", memory delegated to its children
            if line.startswith("0::") and (_V2_ROOT / "cgroup.controllers").is_file():
                parent = _V2_ROOT / line[3:].lstrip("/")
                if "memory" not in (parent / "cgroup.subtree_control").read_text().split():
                    (parent / "cgroup.subtree_control").write_text("+memory")
                path = parent / name
                path.mkdir()
                return path, True
        raise OSError("no memory cgroup controller")

    def pids(self) -> list[int]:
        return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]

    def peak(self) -> int:
        """The most memory charged at once (what it ran, and the page cache it read)."""
        return int((self.path / ("memory.peak" if self.v2 else
                                 "memory.max_usage_in_bytes")).read_text())

    def oom_kills(self) -> int:
        text = (self.path / ("memory.events" if self.v2 else "memory.oom_control")).read_text()
        return next((int(line.split()[1]) for line in text.splitlines()
                     if line.startswith("oom_kill ")), 0)

    def remove(self) -> None:
        for _ in range(50):
            pids = self.pids()
            if not pids:
                break
            for pid in pids:  # only what this test started is in it
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        self.path.rmdir()


@pytest.fixture
def cgroup():
    try:
        group = MemoryCgroup(LIMIT)
    except OSError as exc:
        pytest.skip(f"no writable memory cgroup here ({exc}): cannot limit memory")
    try:
        yield group
    finally:
        group.remove()


def test_streaming_notebook_runs_within_1_5_gb(cgroup, tmp_path):
    joined, done = tmp_path / "joined", tmp_path / "done.ipynb"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        ["sh", "-c", f'echo $$ > "{cgroup.path / "cgroup.procs"}" && exec "$@"', "sh",
         sys.executable, "-c", _CHILD, str(joined), str(NOTEBOOK), str(done)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    peak_rss = [0]
    stop = threading.Event()

    def sample() -> None:  # the summed RSS of the cgroup's processes
        while not stop.wait(0.2):
            total = 0
            for pid in cgroup.pids():
                try:
                    total += psutil.Process(pid).memory_info().rss
                except psutil.Error:
                    pass
            peak_rss[0] = max(peak_rss[0], total)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        log, _ = child.communicate(timeout=600)
    finally:
        stop.set()
        sampler.join()
        if child.poll() is None:
            child.kill()
    report = (f"{log}\nRSS peak {peak_rss[0] / 2**20:.0f} MB, cgroup peak "
              f"{cgroup.peak() / 2**20:.0f} MB (with page cache), OOM kills "
              f"{cgroup.oom_kills()}")
    assert joined.read_text() == str(child.pid), report  # the runner ran inside the cgroup
    assert child.returncode == 0, report
    assert cgroup.oom_kills() == 0, report
    assert 0 < peak_rss[0] < LIMIT, report
    assert cgroup.peak() <= LIMIT, report
    text = "\n".join(str(output.get("text", "")) + "".join(map(str, output.get("data", {})
                                                                .values()))
                     for cell in nbformat.read(done, as_version=4).cells
                     for output in cell.get("outputs", []))
    assert "6 tumbling windows, clicks per window: [10]" in text, report
    assert "5 users, one row each" in text, report
    assert "CANCELED" in text, report  # the live queries ended by --timeout
    print(report.splitlines()[-1])
