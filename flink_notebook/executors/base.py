"""The executor contract (FLIP-73): one Executor per execution target.

An ``Executor`` takes a :class:`~flink_notebook.jobs.pipeline.Pipeline` and the
effective :class:`~flink_notebook.core.config.Configuration` and returns a
:class:`~flink_notebook.jobs.client.JobClient`. It decides *where* a job runs (which
cluster, started how, stopped when); the pipeline knows *how* to submit itself
to a cluster's REST address. :func:`submit` is the tail every executor shares.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from flink_notebook.core.errors import submission_failure
from flink_notebook.core.progress import step
from flink_notebook.core.secrets import mask_text

if TYPE_CHECKING:
    from flink_notebook.core.address import ClusterAddress
    from flink_notebook.core.config import Configuration
    from flink_notebook.jobs.client import JobClient
    from flink_notebook.jobs.pipeline import Pipeline
    from flink_notebook.jobs.rest import RestClient


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


def submit(pipeline: Pipeline, address: ClusterAddress, rest: RestClient,
           cluster: Any = None, output: bool = True, target: str | None = None) -> JobClient:
    """Submit ``pipeline`` to the cluster at ``address``; return the job's handle, which
    watches and steers it through ``rest``. ``cluster`` is one the executor started for this
    job: the handle stops it once the job has ended. ``output``: what the job prints on the
    cluster's TaskManagers is read back at its end (not for the embedded cluster, whose
    TaskManager prints into the kernel's own output). ``target``: the cluster as the cell's
    progress line names it meanwhile ("Submitting to <target>"; its URL if not given)."""
    from flink_notebook.jobs.client import JobClient
    from flink_notebook.jobs.output import TaskManagerOutput

    printed = TaskManagerOutput(rest) if output else None
    try:
        with step(f"Submitting to {target or mask_text(address.url)}"):
            submission = pipeline.submit(address)
    except Exception as exc:
        # REST refused the job, or the cluster could not read its classes: that names the
        # cluster and the cause, and is no error of the cell's SQL or code.
        failed = submission_failure(exc, address.url, getattr(rest, "cluster_version", None))
        if failed is None:
            raise
        raise failed from None
    job = JobClient(submission.job_id, rest, name=pipeline.name, result=submission.result,
                    cluster=cluster)
    if printed is not None:
        job.printed = printed
        job.on_terminal(printed.capture)  # before a per-job cluster goes with the job
    return job
