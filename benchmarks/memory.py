"""B8 memory: the peak RSS of the kernel and its JVM (PyFlink's gateway, with the embedded
cluster in it) while the shipped notebooks run, and the idle RSS after ``%load_ext``.

Each notebook runs through ``flink-notebook run``'s runner in a fresh kernel, as the
notebook tests run it. A thread samples the RSS of every process below this one (the
kernel, its JVM, any Python worker) every 0.1 s; the peak is of their sum. One cell is
added after ``%load_ext`` (it waits until Flink has started, lets it settle and reports
the idle figures) and one at the end (the JVM's heap then); the notebooks' own cells are
unchanged. Quick mode runs the quickstart's first four cells only (its bounded query)."""

from __future__ import annotations

import io
import json
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks.common import ANSWER, Figure, Sampling, log

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
#: B8's goal for the peak of kernel plus JVM (issue 16), and what Binder gives a container.
GOAL_MB = 1200
SETTLE = 3.0  # seconds of idle time before the idle figures are read

#: A cell that reports the kernel's and its JVM's memory as an ANSWER line.
REPORT = """
import json as _json, time as _time, psutil as _psutil
from flink_notebook.engine.session import FlinkSession as _Session
_session = _Session.current()
_session.ensure_started()
_time.sleep({settle})
_me = _psutil.Process()
_runtime = _session.gateway.jvm.java.lang.Runtime.getRuntime()
_java = [p for p in _me.children(recursive=True) if "java" in p.name()]
print({mark!r} + _json.dumps({{
    "what": {what!r},
    "kernel": _me.memory_info().rss / 2**20,
    "jvm": sum(p.memory_info().rss for p in _java) / 2**20,
    "heap_max": _runtime.maxMemory() / 2**20,
    "heap_committed": _runtime.totalMemory() / 2**20,
    "heap_used": (_runtime.totalMemory() - _runtime.freeMemory()) / 2**20,
    "jvm_args": list(_session.gateway.jvm.java.lang.management.ManagementFactory
                     .getRuntimeMXBean().getInputArguments()),
}}))
"""


class Sampler(Sampling):
    """The peak RSS of this process's descendants (kernel, JVM, workers), summed."""

    def __init__(self, interval: float = 0.1) -> None:
        super().__init__(interval)
        self.peak = self.kernel = self.jvm = 0.0
        self._me = psutil.Process()

    def sample(self) -> None:
        kernel = jvm = 0.0
        for child in self._me.children(recursive=True):
            try:
                rss = child.memory_info().rss / 2**20
                java = "java" in child.name()
            except psutil.Error:  # ended meanwhile
                continue
            if java:
                jvm += rss
            else:
                kernel += rss
        self.kernel, self.jvm = max(self.kernel, kernel), max(self.jvm, jvm)
        self.peak = max(self.peak, kernel + jvm)


def run_with_reports(name: str, cells: int | None = None, solutions: Path | None = None
                     ) -> tuple[Sampler, dict[str, dict]]:
    """Run notebook ``name`` (its first ``cells`` code cells if given; a lesson with its
    ``solutions`` put in) with the two report cells; its peaks and the reports."""
    import nbformat

    from flink_notebook.cli.run import run_notebook
    from flink_notebook.teaching.solutions import inject

    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    if solutions is not None:
        notebook = inject(notebook, solutions)
    if cells is not None:
        code = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
        notebook.cells = notebook.cells[:code[cells - 1] + 1]
    first = next(i for i, c in enumerate(notebook.cells) if "%load_ext" in c.source)
    notebook.cells.insert(first + 1, nbformat.v4.new_code_cell(
        REPORT.format(settle=SETTLE, mark=ANSWER, what="idle")))
    notebook.cells.append(nbformat.v4.new_code_cell(
        REPORT.format(settle=0, mark=ANSWER, what="end")))
    with tempfile.TemporaryDirectory() as folder:
        # The notebooks measured read no files, so they may run elsewhere than in notebooks/.
        source, out, stream = Path(folder) / name, Path(folder) / f"done-{name}", io.StringIO()
        nbformat.write(notebook, source)
        with Sampler() as sampler:
            code = run_notebook(source, output=out, stream=stream)
        if code != 0:
            raise RuntimeError(f"{name} did not run:\n{stream.getvalue()[-3000:]}")
        reports = {}
        for cell in nbformat.read(out, as_version=4).cells:
            for output in cell.get("outputs", []):
                for line in str(output.get("text", "")).splitlines():
                    if line.startswith(ANSWER):
                        report = json.loads(line[len(ANSWER):])
                        reports[report["what"]] = report
    return sampler, reports


def run(quick: bool) -> list[Figure]:
    names = ["01-quickstart.ipynb"] + ([] if quick else ["02-streaming-sql.ipynb"])
    cells = 4 if quick else None
    figures, idle = [], None
    for name in names:
        began = time.monotonic()
        sampler, reports = run_with_reports(name, cells)
        if cells:
            name = f"the first {cells} cells of {name}"
        end = reports["end"]
        idle = idle or reports["idle"]
        log(f"{name}: peak {sampler.peak:.0f} MB (kernel {sampler.kernel:.0f}, JVM "
            f"{sampler.jvm:.0f}); at the end heap used {end['heap_used']:.0f} of "
            f"{end['heap_committed']:.0f} committed, max {end['heap_max']:.0f} MB; "
            f"{time.monotonic() - began:.0f} s; JVM heap options "
            f"{[a for a in end['jvm_args'] if a.startswith('-Xm')]}")
        figures.append(Figure(
            "B8", f"peak RSS of kernel + JVM while {name} runs", sampler.peak, None, "MB",
            f"≤ {GOAL_MB} MB", met=sampler.peak <= GOAL_MB,
            note=f"kernel {sampler.kernel:.0f} MB, JVM {sampler.jvm:.0f} MB at their peaks; "
                 f"heap max {end['heap_max']:.0f} MB"))
    log(f"idle after %load_ext: kernel {idle['kernel']:.0f} MB, JVM {idle['jvm']:.0f} MB, "
        f"heap used {idle['heap_used']:.0f} of {idle['heap_committed']:.0f} MB")
    total = idle["kernel"] + idle["jvm"]
    figures.append(Figure(
        "B8", f"idle RSS {SETTLE:g} s after %load_ext started Flink", total, None, "MB",
        "reported (below the peak)", met=total <= GOAL_MB,
        note=f"kernel {idle['kernel']:.0f} MB, JVM {idle['jvm']:.0f} MB, heap used "
             f"{idle['heap_used']:.0f} MB"))
    return figures
