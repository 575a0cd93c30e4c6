"""Executors (FLIP-73): one per execution target, discovered through entry points."""

from __future__ import annotations

from flink_notebook.executors.base import Executor, ExecutorFactory
from flink_notebook.executors.registry import available_factories, get_executor, resolve

__all__ = ["Executor", "ExecutorFactory", "available_factories", "get_executor", "resolve"]
