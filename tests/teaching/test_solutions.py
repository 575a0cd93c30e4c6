"""A lesson's solutions are kept apart and put into its exercise cells for a run: every
exercise needs one, the wrong answers replace one exercise at a time, and a lesson and its
solutions that drifted apart are said in one line."""

from __future__ import annotations

import io

import nbformat
import pytest
from IPython.core.error import UsageError

from flink_notebook.cli import main
from flink_notebook.cli.run import run_notebook
from flink_notebook.teaching.solutions import exercise_cells, inject, read_solutions

SOLUTIONS = """\
# Lesson: tiny. Solutions, kept apart from the lesson.

# %% exercise:ex1
answer1 = 6 * 7

# %% exercise:ex-2
answer2 = "forty-two"
print(answer2)

# %% wrong:ex1
answer1 = 6 * 9
"""


CHECK = ("from flink_notebook.teaching import check\n"
         "check([(answer1,)], [(42,)], name='the answer')")


def lesson(tmp_path, *, tags=("exercise:ex1", "exercise:ex-2")):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# tiny"),
                      nbformat.v4.new_code_cell("# EXERCISE: make answer1 the answer\n..."),
                      nbformat.v4.new_code_cell(CHECK),
                      nbformat.v4.new_code_cell("# EXERCISE: answer2\n..."),
                      nbformat.v4.new_code_cell("print('ok', answer1)")]
    for cell, tag in zip((notebook.cells[1], notebook.cells[3]), tags):
        cell.metadata["tags"] = [tag]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(notebook, path)
    solutions = tmp_path / "tiny.py"
    solutions.write_text(SOLUTIONS)
    return path, solutions


def test_sections_are_read_by_kind_and_id(tmp_path):
    _, solutions = lesson(tmp_path)
    answers, wrong = read_solutions(solutions)
    assert answers == {"ex1": "answer1 = 6 * 7\n",
                       "ex-2": 'answer2 = "forty-two"\nprint(answer2)\n'}
    assert wrong == {"ex1": "answer1 = 6 * 9\n"}


def test_solutions_or_one_wrong_answer_go_into_the_exercise_cells(tmp_path):
    path, solutions = lesson(tmp_path)
    notebook = nbformat.read(path, as_version=4)
    solved = inject(notebook, solutions)
    assert [c.source for c in solved.cells[1:4]] == [
        "answer1 = 6 * 7", CHECK, 'answer2 = "forty-two"\nprint(answer2)']
    assert notebook.cells[1].source.startswith("# EXERCISE")  # the lesson is untouched
    mistaken = inject(notebook, solutions, wrong="ex1")
    assert [c.source for c in mistaken.cells[1:4]] == [
        "answer1 = 6 * 9", CHECK, 'answer2 = "forty-two"\nprint(answer2)']
    # all: after each check, its wrong answer checked again, then the solution again.
    every = inject(notebook, solutions, wrong="all")
    assert [c.source for c in every.cells[1:9]] == [
        "answer1 = 6 * 7", CHECK,
        "from flink_notebook.teaching.check import expect_wrong\nexpect_wrong('ex1')",
        "answer1 = 6 * 9", CHECK, "expect_wrong(None)", "answer1 = 6 * 7",
        'answer2 = "forty-two"\nprint(answer2)']
    assert list(exercise_cells(solved)) == ["ex1", "ex-2"]


@pytest.mark.parametrize(("tags", "solutions", "said"), [
    (("exercise:ex1", "exercise:ex3"), SOLUTIONS, "has sections for no exercise of the "
     "notebook: ex-2 (its exercises: ex1, ex3)"),
    (("exercise:ex1", "exercise:ex-2"), "# %% exercise:ex1\nx = 1\n",
     "has no solution for ex-2"),
    (("exercise:ex1", "exercise:ex-2"), "x = 1\n", "holds no '# %% exercise:ID' section"),
    (("exercise:ex1", "exercise:ex-2"), SOLUTIONS + "\n# %% exercise:ex1\nx = 2\n",
     "has two '# %% exercise:ex1' sections"),
    (("exercise:ex1", "exercise:ex1"), SOLUTIONS, "Two cells are tagged exercise:ex1"),
    (("other", "more"), SOLUTIONS, "The notebook has no exercise cell"),
])
def test_a_lesson_and_solutions_that_drifted_apart_are_said_in_one_line(tmp_path, tags,
                                                                       solutions, said):
    path, file = lesson(tmp_path, tags=tags)
    file.write_text(solutions)
    with pytest.raises(UsageError) as raised:
        inject(nbformat.read(path, as_version=4), file)
    assert said in str(raised.value) and "\n" not in str(raised.value)


def test_a_wrong_answer_that_is_not_there_lists_those_that_are(tmp_path):
    path, solutions = lesson(tmp_path)
    with pytest.raises(UsageError, match=r"no wrong answer for 'ex-2' \(it has: ex1\)"):
        inject(nbformat.read(path, as_version=4), solutions, wrong="ex-2")


def test_the_runner_runs_the_lesson_with_its_solutions_or_a_wrong_answer(tmp_path, capsys):
    """``flink-notebook run LESSON --solutions FILE [--wrong ID]``: solved, the lesson's own
    check passes; with the wrong answer it fails at that check."""
    path, solutions = lesson(tmp_path)
    out = io.StringIO()
    assert run_notebook(path, stream=out, solutions=solutions) == 0, out.getvalue()
    assert "stdout: 'ok 42'" in out.getvalue()
    out = io.StringIO()
    assert run_notebook(path, stream=out, solutions=solutions, wrong="ex1") == 1
    assert "CheckFailed: ✗ the answer: 1 row missing, 1 extra row" in out.getvalue()
    # Every wrong answer in one run: each check catches its mistake, the rest still runs.
    out, done = io.StringIO(), tmp_path / "done.ipynb"
    assert run_notebook(path, stream=out, solutions=solutions, wrong="all",
                        output=done) == 0, out.getvalue()
    printed = [o.get("text", "") for c in nbformat.read(done, as_version=4).cells
               if c.cell_type == "code" for o in c.outputs]
    assert "wrong answer to ex1, as its check says:\n✗ the answer: 1 row missing, " \
           "1 extra row (expected 1 row, your result has 1)\n  missing: (42)\n" \
           "  extra: (54)\n" in printed
    assert printed[-1] == "ok 42\n"  # the solution again after the wrong answer
    assert main(["run", str(path), "--wrong", "ex1"]) == 2
    assert "--wrong ID needs --solutions FILE" in capsys.readouterr().err
