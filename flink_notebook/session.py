"""Kept for code written against earlier releases: the kernel's Flink session now lives in
:mod:`flink_notebook.engine.session`. New code imports from there."""

from flink_notebook.engine.session import FlinkSession

__all__ = ["FlinkSession"]
