"""Teaching with flink-notebook (docs/teaching.md): example data sets
(``%flink_dataset``, :mod:`flink_notebook.teaching.datasets`) and checked exercises
(:func:`check`, and :func:`compare`, its verdict without raising: an answer's rows against
the expected ones, said in a few lines a student reads)."""

from flink_notebook.teaching.check import CheckFailed, check, compare

__all__ = ["CheckFailed", "check", "compare"]
