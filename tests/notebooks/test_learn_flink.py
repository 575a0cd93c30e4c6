"""The Learn Flink lessons (10-12) run headless with their solutions put in, and every
check passes; each wrong answer put in, its check fails and says what differs.

Each run starts a kernel and Flink (about 30-60 s): one run per lesson, with its solutions
and every wrong answer (``--wrong all``: each checked after its exercise's check).
"""

from __future__ import annotations

import io
from pathlib import Path

import nbformat
import pytest

from flink_notebook.cli.run import run_notebook

pytestmark = pytest.mark.cluster

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"


def run(stem: str, tmp_path: Path, wrong: str | None = None) -> tuple[int, str, str]:
    """Run lesson ``stem`` with its solutions (and the wrong answer ``wrong``): the return
    code, the runner's log, and the text of all the saved outputs."""
    log, done = io.StringIO(), tmp_path / f"{stem}.ipynb"
    code = run_notebook(NOTEBOOKS / f"{stem}.ipynb", output=done, stream=log,
                        solutions=NOTEBOOKS / "solutions" / f"{stem}.py", wrong=wrong)
    parts = []
    for cell in nbformat.read(done, as_version=4).cells:
        for output in cell.get("outputs", []):
            parts.append(str(output.get("text", "")))
            parts.append(str(output.get("evalue", "")))
            parts.extend(str(v) for v in output.get("data", {}).values())
    return code, log.getvalue(), "\n".join(parts)


def lesson(stem: str, tmp_path: Path, checks: list[str], wrong: list[str]) -> str:
    """Run lesson ``stem`` with its solutions and, after each check, its wrong answer
    (``--wrong all``): every check passes its solution and catches its wrong answer."""
    code, log, text = run(stem, tmp_path, wrong="all")
    assert code == 0, log
    for name in checks:
        assert f"✓ {name}, as expected" in text, log
    for exercise in wrong:
        assert f"wrong answer to {exercise}, as its check says:\n✗ " in text, log
    return text


def test_rides_and_fares(tmp_path):
    text = lesson("10-learn-flink-rides-and-fares", tmp_path, [
        "exercise 1 (cleansing, SQL): 94 rows",
        "exercise 2 (cleansing, Python UDF): 94 rows",  # the UDF ran in a Python worker
        "exercise 3 (rides and fares, SQL): 720 rows",
        "exercise 4 (rides and fares, Table API): 720 rows",
    ], ["cleanse-sql", "cleanse-udf", "join-sql", "join-table"])
    assert "47 of 720 rides start and end in the box" in text
    assert "✗ rides joined twice: 2 extra rows (expected 720 rows, your result has 722)" in text
    # Only the start tested: the rides that leave the box are extra rows, by ride.
    wrong = text.split("wrong answer to cleanse-sql, as its check says:\n", 1)[1]
    assert wrong.startswith("✗ exercise 1 (cleansing, SQL): ")
    assert "extra rows (expected 94 rows, your result has " in wrong.splitlines()[0]
    assert "  extra: (ride_id=" in wrong


def test_hourly_tips(tmp_path):
    lesson("11-learn-flink-hourly-tips", tmp_path, [
        "exercise 1 (hourly tips, SQL): 3 rows",
        "exercise 2 (hourly tips, Table API): 3 rows",
    ], ["tips-sql", "tips-table"])


def test_long_ride_alerts(tmp_path):
    text = lesson("12-learn-flink-long-ride-alerts", tmp_path, [
        "exercise 1 (KeyedProcessFunction): 58 rows",  # event-time timers in a Python worker
        "exercise 2 (MATCH_RECOGNIZE): 58 rows",
    ], ["alerts-datastream", "alerts-sql"])
    assert "1440 events of 720 rides; 58 rides last more than two hours" in text
    # Which rides a timer-only function gets wrong depends on when watermarks come; that
    # it gets some wrong, and says which, does not.
    wrong = text.split("wrong answer to alerts-datastream, as its check says:\n", 1)[1]
    assert wrong.startswith("✗ exercise 1 (KeyedProcessFunction): ")
    assert "(expected 58 rows, your result has " in wrong.splitlines()[0]
