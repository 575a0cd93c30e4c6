"""Executors (FLIP-73): one per execution target, discovered through the
``flink_notebook.executors`` entry-point group. This package's names are public API for
executor plug-ins (see docs/executors.md)."""

from __future__ import annotations

from flink_notebook.executors.base import Executor, ExecutorFactory, submit
from flink_notebook.executors.registry import (
    available_factories,
    executor_for,
    get_executor,
    resolve,
)

__all__ = ["Executor", "ExecutorFactory", "available_factories", "executor_for",
           "get_executor", "resolve", "submit"]
