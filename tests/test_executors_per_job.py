"""The per-job executor: a real cluster per job, gone when the job is."""

from __future__ import annotations

import pytest

from flink_notebook.testing.executor import ExecutorConformanceTests


class TestPerJobExecutor(ExecutorConformanceTests):
    target = "per-job"

    @pytest.mark.cluster
    def test_attached_job_cluster_stops_after_the_end(self, session, configuration) -> None:
        job = self._run(
            session, configuration, "INSERT INTO conformance_sink SELECT n FROM conformance_rows"
        )
        processes = list(job.cluster.processes)
        assert job.cluster.slots == 1

        assert job.wait(timeout=120) == "FINISHED"
        assert not [proc for proc in processes if proc.alive()]
        assert job.status() == "FINISHED"  # remembered after the cluster is gone
