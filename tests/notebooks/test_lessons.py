"""The course's lessons (06 on) run headless with their solutions put in, and every check
passes; with a wrong answer put in, its check fails and says what differs.

Each headless run starts a kernel and Flink (about half a minute here), so each lesson runs
once, with its solutions and every wrong answer (``--wrong all``: after each exercise's
check, its wrong answer and the check again, which must fail and print what differs). The
lessons as a student gets them are not run: their exercise cells are checked to hold a
placeholder that is not the solution (the quick test below)."""

from __future__ import annotations

import io
from pathlib import Path

import nbformat
import pytest

from flink_notebook.cli.run import run_notebook
from flink_notebook.teaching.solutions import exercise_cells, read_solutions

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"
LESSONS = ["06-lesson-time-and-watermarks", "07-lesson-joins", "08-lesson-changelogs",
           "09-lesson-top-n-and-dedup"]


def run(stem: str, tmp_path: Path, wrong: str | None = None) -> tuple[int, str]:
    """Run the lesson with its solutions (and exercise ``wrong``'s wrong answer); return the
    runner's exit code and the text of the log and all outputs."""
    log, done = io.StringIO(), tmp_path / f"{stem}.ipynb"
    code = run_notebook(NOTEBOOKS / f"{stem}.ipynb", output=done, stream=log,
                        solutions=NOTEBOOKS / "solutions" / f"{stem}.py", wrong=wrong)
    parts = [log.getvalue()]
    if done.exists():
        for cell in nbformat.read(done, as_version=4).cells:
            for output in cell.get("outputs", []):
                parts.append(str(output.get("text", "")) + str(output.get("evalue", "")))
                parts.extend(str(v) for v in output.get("data", {}).values())
    return code, "\n".join(parts)


def solved(stem: str, tmp_path: Path, checks: dict[str, int]) -> str:
    """Every check passes its solution and catches its wrong answer (one run)."""
    code, text = run(stem, tmp_path, wrong="all")
    assert code == 0, text
    for name, rows in checks.items():
        assert f"✓ {name}: {rows} rows, as expected" in text, text
    _, wrong = read_solutions(NOTEBOOKS / "solutions" / f"{stem}.py")
    for exercise in wrong:
        assert f"wrong answer to {exercise}, as its check says:\n✗ " in text, exercise
    return text


@pytest.mark.parametrize("stem", LESSONS)
def test_a_students_lesson_does_not_hold_the_solutions(stem):
    """Every exercise cell starts from a placeholder (``EXERCISE``) that is not its solution,
    and every exercise has a wrong answer."""
    notebook = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
    answers, wrong = read_solutions(NOTEBOOKS / "solutions" / f"{stem}.py")
    cells = exercise_cells(notebook)
    assert set(cells) == set(answers) == set(wrong), (set(cells), set(answers), set(wrong))
    for exercise, cell in cells.items():
        assert "EXERCISE" in cell.source, exercise
        assert cell.source.strip() != answers[exercise].strip(), exercise


@pytest.mark.cluster
def test_lesson_time_and_watermarks(tmp_path):
    text = solved("06-lesson-time-and-watermarks", tmp_path,
                  {"exercise 1": 69, "exercise 2": 29, "exercise 3": 28})
    assert "69 readings are late; the windows dropped 28 of them" in text
    assert "✗ every reading counted: " in text  # the lesson's wrong-answer example
    # The wrong answer: a regular GROUP BY counts the late readings too; the window check
    # says which counts differ.
    assert "✗ exercise 2: " in text and "(expected 29 rows, your result has 30)" in text
    assert "different: (window_start=2023-12-31 23:59:00, sensor_id=1) has readings=3, " \
           "expected 2" in text


@pytest.mark.cluster
def test_lesson_joins(tmp_path):
    text = solved("07-lesson-joins", tmp_path,
                  {"exercise 1": 3, "exercise 2": 14, "exercise 3": 613})
    assert "240 orders, 613 lines, 213 shipments, 24 price changes" in text
    assert "✗ priced at the latest prices: 277 rows different" in text  # the lesson's example
    # The wrong answer: a regular join prices every line at its product's latest price;
    # the temporal join's check says which lines' prices differ.
    assert "✗ exercise 3: 277 rows different (expected 613 rows, your result has 613)" in text
    assert "different: (order_id=" in text


@pytest.mark.cluster
def test_lesson_changelogs(tmp_path):
    text = solved("08-lesson-changelogs", tmp_path, {"exercise 1": 7, "exercise 2": 5})
    assert "9 changes for 6 orders; row kinds: ['+I', '+U', '-U']" in text
    assert "✗ retractions ignored: 4 rows different" in text  # the lesson's example
    # The wrong answer: a changelog predicted without its retractions; the check lists
    # the missing -U rows.
    assert "✗ exercise 1: 2 rows missing (expected 7 rows, your result has 5)" in text
    assert "missing: (op='-U', channel='web', orders=1), (op='-U', channel='web', " \
           "orders=2)" in text


@pytest.mark.cluster
def test_lesson_top_n_and_dedup(tmp_path):
    text = solved("09-lesson-top-n-and-dedup", tmp_path, {"exercise 1": 3, "exercise 2": 190})
    # No tie in the top 3: the ranking is exact.
    assert "units sold per product: {2: 128, 9: 121, 6: 117, 11: 109," in text
    assert "✗ last orders: 41 rows missing, 41 extra rows" in text  # the lesson's example
    # The wrong answer: each customer's last order kept instead of the first; the check
    # names the rows.
    assert "✗ exercise 2: 41 rows missing, 41 extra rows (expected 190 rows, your result " \
           "has 190)" in text
    assert "missing: (customer_id=21, order_id=15, order_time=2024-01-01 00:03:52)" in text
