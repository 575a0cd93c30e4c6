"""Kept for code written against earlier releases: the job handle now lives in
:mod:`flink_notebook.jobs.client`. New code imports from there."""

from flink_notebook.jobs.client import JobClient

__all__ = ["JobClient"]
