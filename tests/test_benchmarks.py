"""The benchmarks keep working: their quick mode runs every scenario. Numbers are reported,
never judged here (benchmarks/RESULTS.md holds a full run and the goals)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.cluster
def test_quick_benchmarks_measure_every_scenario(tmp_path):
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(out.read_text())
    assert {f["scenario"] for f in figures} == {"B1", "B2", "B3", "B4", "B5", "B6", "B7"}, \
        done.stdout + done.stderr
    for figure in figures:
        assert figure["ours"] is not None and figure["ours"] >= 0, figure
        assert figure["goal"] and figure["met"] in (True, False), figure
    baselines = {f["scenario"] for f in figures if f["baseline"]}
    assert {"B1", "B2", "B3", "B5"} <= baselines  # measured against plain PyFlink
    table = done.stdout
    assert "plain PyFlink" in table and "goal" in table
