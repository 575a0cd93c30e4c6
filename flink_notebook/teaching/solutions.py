"""A lesson's solutions, kept apart from it and put into its exercise cells for a run.

A lesson's exercise cells carry a cell tag ``exercise:ID`` (``ID``: letters, digits, ``_``
or ``-``) and hold what a student starts from. Its solutions live in
``notebooks/solutions/<lesson>.py``, in sections (the "percent" cell format editors know)::

    # %% exercise:ex1
    %%flink_sql -o answer1
    SELECT ...

    # %% wrong:ex1
    %%flink_sql -o answer1
    SELECT ...   -- a typical mistake: its check must fail and say what differs

:func:`inject` gives the lesson with every exercise cell replaced by its solution, or one of
them by its wrong answer (``flink-notebook run LESSON --solutions FILE [--wrong ID]``). The
tests run each lesson both ways; a teacher runs the course the same way (docs/teaching.md).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError

#: A cell tag that marks an exercise cell, and the section line of a solutions file.
TAG = re.compile(r"exercise:(?P<id>[A-Za-z0-9_-]+)\Z")
_SECTION = re.compile(r"^# %% (?P<kind>exercise|wrong):(?P<id>[A-Za-z0-9_-]+)[ \t]*$",
                      re.MULTILINE)


def read_solutions(path: str | Path) -> tuple[dict[str, str], dict[str, str]]:
    """The solutions and the wrong answers of ``path``, each by exercise id."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"Cannot read the solutions {path}: {exc.strerror}.") from None
    found: dict[str, dict[str, str]] = {"exercise": {}, "wrong": {}}
    sections = list(_SECTION.finditer(text))
    if not sections:
        raise UsageError(f"{path} holds no '# %% exercise:ID' section.")
    for section, following in zip(sections, [*sections[1:], None]):
        kind, exercise = section["kind"], section["id"]
        if exercise in found[kind]:
            raise UsageError(f"{path} has two '# %% {kind}:{exercise}' sections.")
        end = following.start() if following is not None else len(text)
        found[kind][exercise] = text[section.end():end].strip("\n") + "\n"
    return found["exercise"], found["wrong"]


def exercise_cells(notebook: Any) -> dict[str, Any]:
    """The notebook's exercise cells, by id (from their ``exercise:ID`` tags)."""
    cells: dict[str, Any] = {}
    for cell in notebook.cells:
        for tag in cell.get("metadata", {}).get("tags", []):
            match = TAG.match(tag)
            if match:
                if match["id"] in cells:
                    raise UsageError(f"Two cells are tagged exercise:{match['id']}.")
                cells[match["id"]] = cell
    return cells


#: ``wrong=ALL``: every wrong answer, each checked after its exercise's check.
ALL = "all"
#: What marks a check cell: the first code cell after an exercise cell that holds one.
_CHECK = re.compile(r"(?m)^\s*(?:%flink_check\b|.*\bcheck\()")


def inject(notebook: Any, solutions: str | Path, wrong: str | None = None) -> Any:
    """A copy of ``notebook`` with each exercise cell's source replaced by its solution, and
    the one of exercise ``wrong`` (if given) by its wrong answer. Every exercise needs a
    solution, and every section an exercise: a lesson and its solutions that drifted apart
    are said, not run half.

    ``wrong=ALL`` (``--wrong all``): the solutions, and after each exercise's check cell,
    its wrong answer and that check again (which must fail, and prints its verdict:
    :func:`~flink_notebook.teaching.check.expect_wrong`), then the solution again for the
    cells after it. One run proves every check passes the solution and catches its
    mistake."""
    answers, mistakes = read_solutions(solutions)
    notebook = copy.deepcopy(notebook)
    cells = exercise_cells(notebook)
    if not cells:
        raise UsageError("The notebook has no exercise cell (a cell tagged exercise:ID).")
    unknown = sorted((set(answers) | set(mistakes)) - set(cells))
    if unknown:
        raise UsageError(f"{solutions} has sections for no exercise of the notebook: "
                         f"{', '.join(unknown)} (its exercises: {', '.join(cells)}).")
    unsolved = [exercise for exercise in cells if exercise not in answers]
    if unsolved:
        raise UsageError(f"{solutions} has no solution for {', '.join(unsolved)}.")
    if wrong == ALL:
        return _with_wrong_answers(notebook, cells, answers, mistakes, solutions)
    if wrong is not None and wrong not in mistakes:
        raise UsageError(f"{solutions} has no wrong answer for {wrong!r} "
                         f"(it has: {', '.join(mistakes) or 'none'}).")
    for exercise, cell in cells.items():
        cell.source = (mistakes if exercise == wrong else answers)[exercise].rstrip("\n")
    return notebook


def _with_wrong_answers(notebook: Any, cells: dict[str, Any], answers: dict[str, str],
                        mistakes: dict[str, str], solutions: str | Path) -> Any:
    import nbformat

    new_cell = nbformat.v4.new_code_cell
    if not mistakes:
        raise UsageError(f"{solutions} has no '# %% wrong:ID' section.")
    for exercise, cell in cells.items():
        cell.source = answers[exercise].rstrip("\n")
    for exercise in mistakes:
        at = notebook.cells.index(cells[exercise])
        check = next((c for c in notebook.cells[at + 1:]
                      if c.cell_type == "code" and _CHECK.search(c.source)), None)
        if check is None:
            raise UsageError(f"No check cell after exercise {exercise} (a code cell calling "
                             "check(...) or %flink_check).")
        after = notebook.cells.index(check) + 1
        notebook.cells[after:after] = [
            new_cell(f"from flink_notebook.teaching.check import expect_wrong\n"
                     f"expect_wrong({exercise!r})"),
            new_cell(mistakes[exercise].rstrip("\n")),
            new_cell(check.source),
            new_cell("expect_wrong(None)"),
            new_cell(answers[exercise].rstrip("\n")),  # the solution again, for what follows
        ]
    return notebook
