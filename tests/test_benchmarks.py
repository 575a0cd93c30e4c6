"""The benchmarks keep working: their quick mode runs every scenario, through the same
command a user runs. Numbers are reported, never judged here (benchmarks/RESULTS.md holds
a full run and the goals)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The scenarios that have a plain PyFlink baseline.
BASELINES = {"B1", "B2", "B3", "B5"}


@pytest.mark.cluster
def test_quick_benchmarks_produce_every_scenarios_figures(tmp_path):
    """One quick run of every scenario (they share one process and one JVM, as a quick run
    does), each checked for its figures and, where it has one, its baseline."""
    from benchmarks.__main__ import MODULES

    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    figures = json.loads(out.read_text())
    assert {f["scenario"] for f in figures} == set(MODULES), report
    for figure in figures:
        ours = figure["ours"]
        assert isinstance(ours, (int, float)) and math.isfinite(ours), (figure, report)
        if figure["unit"] in ("s", "msg/s", "req/s"):
            assert ours > 0, figure  # a time or a rate was measured
        elif figure["unit"] != "MB":  # memory growth may be negative; B4's highest rate
            assert ours >= 0, figure  # followed is 0 when the view lags at every rate
        assert figure["goal"] and figure["met"] in (True, False), figure
    for scenario in BASELINES:
        assert any(f["scenario"] == scenario and f["baseline"] and f["baseline"] > 0
                   for f in figures), (scenario, figures)
    assert "plain PyFlink" in done.stdout and "goal" in done.stdout  # the printed table


def test_a_quick_run_orders_every_module():
    """A quick run runs its modules in QUICK_ORDER: one missing there would not run."""
    from benchmarks.__main__ import MODULES, QUICK_ORDER

    assert sorted(QUICK_ORDER) == sorted(set(MODULES.values()))


def test_a_figure_made_of_numpy_values_is_written_as_plain_json():
    """CI32 and the last stop's CI: B3's memory figures were numpy values (a DataFrame's
    size and comparisons of it), and its scenario died writing its line."""
    from dataclasses import asdict

    import numpy as np

    from benchmarks.common import Figure

    figure = Figure("B3", "kernel peak", np.float64(12.5), np.int64(3), "MB", "< 2x",
                    met=np.float64(12.5) < np.float64(20.0))
    written = json.loads(json.dumps([asdict(figure)]))[0]  # as emit() writes it
    assert written["ours"] == 12.5 and written["baseline"] == 3.0
    assert written["met"] is True
