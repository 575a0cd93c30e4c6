"""Kept for code written against earlier releases: what executors submit now lives in
:mod:`flink_notebook.jobs.pipeline`. New code imports from there."""

from flink_notebook.jobs.pipeline import ClusterAddress, Pipeline, Submission

__all__ = ["ClusterAddress", "Pipeline", "Submission"]
