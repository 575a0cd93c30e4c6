"""The executor contract (FLIP-73): one Executor per execution target.

An ``Executor`` takes a :class:`~flink_notebook.pipeline.Pipeline` and the
effective :class:`~flink_notebook.config.Configuration` and returns a
:class:`~flink_notebook.job.JobClient`. It decides *where* a job runs (which
cluster, started how, stopped when); the pipeline knows *how* to submit itself
to a cluster's REST address.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flink_notebook.config import Configuration
    from flink_notebook.job import JobClient
    from flink_notebook.pipeline import Pipeline


class Executor(ABC):
    """Runs pipelines on one kind of target."""

    @abstractmethod
    def execute(self, pipeline: Pipeline, configuration: Configuration) -> JobClient:
        """Submit ``pipeline`` and return its job handle at once (never waits for the end)."""

    def close(self) -> None:  # noqa: B027 - most executors hold nothing
        """Release what the executor holds (clusters it started). Idempotent."""


class ExecutorFactory(ABC):
    """Discovered through the ``flink_notebook.executors`` entry-point group."""

    #: The ``execution.target`` value this factory serves, e.g. ``"local"``.
    name: str = ""
    #: One line shown in target lists and the configuration widget.
    description: str = ""

    def is_compatible_with(self, configuration: Configuration) -> bool:
        """True when this factory serves the configuration's ``execution.target``."""
        return configuration.get("execution.target") == self.name

    @abstractmethod
    def get_executor(self, configuration: Configuration) -> Executor:
        """Return an executor (may be cached by the factory) for ``configuration``."""
