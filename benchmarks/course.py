"""B12 the course on Binder: each lesson's peak RSS (kernel, JVM and Python workers) and
its running time, run headless with its solutions put in, as its tests run it. Binder
gives a container 1-2 GB; issue 34 asks for under 1.2 GB per lesson. Quick mode runs one
lesson (the shortest): it proves the scenario works."""

from __future__ import annotations

import time

from benchmarks.common import Figure, log
from benchmarks.memory import NOTEBOOKS, run_with_reports

GOAL_MB = 1200
#: The course, in order; quick runs the first of QUICK.
LESSONS = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")
                 if "lesson" in path.name or "learn-flink" in path.name)
QUICK = ["06-lesson-time-and-watermarks.ipynb"]


def run(quick: bool) -> list[Figure]:
    figures = []
    for name in QUICK if quick else LESSONS:
        solutions = NOTEBOOKS / "solutions" / name.replace(".ipynb", ".py")
        began = time.monotonic()
        sampler, _ = run_with_reports(name, solutions=solutions if solutions.is_file()
                                      else None)
        took = time.monotonic() - began
        log(f"{name}: peak {sampler.peak:.0f} MB (kernel {sampler.kernel:.0f}, JVM "
            f"{sampler.jvm:.0f}), {took:.0f} s")
        figures.append(Figure(
            "B12", f"{name} with its solutions: peak RSS of kernel + JVM + workers",
            sampler.peak, None, "MB", f"≤ {GOAL_MB} MB", met=sampler.peak <= GOAL_MB,
            note=f"{took:.0f} s headless; kernel {sampler.kernel:.0f} MB, JVM "
                 f"{sampler.jvm:.0f} MB at their peaks"))
    return figures
