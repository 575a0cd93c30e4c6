"""The local (embedded) executor passes the shared conformance tests."""

from __future__ import annotations

from flink_notebook.testing.executor import ExecutorConformanceTests


class TestLocalExecutor(ExecutorConformanceTests):
    target = "local"
