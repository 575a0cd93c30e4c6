"""Teaching with flink-notebook: checked exercises (:func:`check`, and :func:`compare`, its
verdict without raising: an answer's rows against the expected ones, said in a few lines a
student reads). docs/teaching.md."""

from flink_notebook.teaching.check import CheckFailed, check, compare

__all__ = ["CheckFailed", "check", "compare"]
