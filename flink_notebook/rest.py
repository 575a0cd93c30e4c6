"""Kept for code written against earlier releases: the Flink REST client now lives in
:mod:`flink_notebook.jobs.rest`. New code imports from there."""

from flink_notebook.jobs.rest import RestClient, client_for

__all__ = ["RestClient", "client_for"]
