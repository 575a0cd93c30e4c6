"""The remote executor: conformance against a real session cluster, and its checks."""

from __future__ import annotations

import time

import pytest
from IPython.core.error import UsageError

from flink_notebook.core.config import Configuration
from flink_notebook.core.ports import free_port
from flink_notebook.executors.remote import RemoteExecutor, remote_address
from flink_notebook.jobs.pipeline import Pipeline
from flink_notebook.testing.executor import ExecutorConformanceTests


def never_submitted(address):
    raise AssertionError(f"submitted to {address} although the checks should refuse")


def remote_configuration(**options) -> Configuration:
    return Configuration.load(environ={}).with_cell({"execution.target": "remote", **options})


class TestRemoteExecutor(ExecutorConformanceTests):
    target = "remote"

    @pytest.fixture
    def configuration(self, base_configuration, session_cluster):
        return base_configuration.with_cell(
            {"rest.address": "127.0.0.1", "rest.port": session_cluster.address.port}
        )


def test_address_comes_from_rest_options():
    configuration = remote_configuration(**{"rest.address": "flink.example", "rest.port": "9081"})

    assert remote_address(configuration).url == "http://flink.example:9081"
    assert remote_address(remote_configuration(**{"rest.address": "h"})).port == 8081


def test_address_may_be_a_url():
    https = remote_address(remote_configuration(**{"rest.address": "https://flink.example:443"}))
    assert (https.host, https.port, https.url) == ("flink.example", 443, "https://flink.example:443")
    plain = remote_address(remote_configuration(**{"rest.address": "http://h/", "rest.port": 9}))
    assert plain.url == "http://h:9"
    with pytest.raises(UsageError, match="not a cluster URL.*rest.path"):
        remote_address(remote_configuration(**{"rest.address": "http://h:1/flink"}))


def test_missing_address_says_how_to_set_it():
    with pytest.raises(UsageError, match="rest.address=HOST"):
        remote_address(remote_configuration())


def test_unreachable_cluster_is_a_short_usage_error():
    port = free_port()
    configuration = remote_configuration(**{"rest.address": "127.0.0.1", "rest.port": port})
    pipeline = Pipeline("nothing", "insert", 1, never_submitted)

    started = time.monotonic()
    with pytest.raises(
        UsageError, match=f"Cannot reach the Flink cluster at http://127.0.0.1:{port}"
    ):
        RemoteExecutor().execute(pipeline, configuration)
    assert time.monotonic() - started < 30  # bounded by the REST timeout, not Flink's minutes


@pytest.mark.cluster
def test_more_parallelism_than_free_slots_is_refused_before_submitting(session_cluster):
    configuration = remote_configuration(
        **{"rest.address": "127.0.0.1", "rest.port": session_cluster.address.port}
    )
    pipeline = Pipeline("too wide", "insert", 3, never_submitted)

    with pytest.raises(UsageError) as raised:
        RemoteExecutor().execute(pipeline, configuration)

    assert type(raised.value) is UsageError
    assert str(raised.value).startswith(
        f"The job needs 3 slots but the cluster at {session_cluster.rest_url} has 2 free"
    )


@pytest.mark.cluster
def test_a_live_query_keeps_its_cluster_when_the_next_cell_runs_elsewhere(shell,
                                                                         session_cluster):
    """Flink's executors keep the configuration they were given and read it again for each
    later request of the job: the session hands each submission a copy of its own."""
    from waiting import until

    shell.run_cell_magic("flink_sql", "", "CREATE TEMPORARY TABLE IF NOT EXISTS switch_ticks "
                         "(n BIGINT) WITH ('connector'='datagen', 'rows-per-second'='50')")
    shell.run_cell_magic("flink_sql", "--detached -o on_local", "SELECT n FROM switch_ticks")
    local = shell.user_ns["on_local"]
    try:
        until(lambda: local.query_result.counters().received > 0, "rows on the embedded cluster")
        shell.run_cell_magic("flink_sql", f"--target remote -D rest.address="
                             f"{session_cluster.rest_url} -o elsewhere", "SELECT 7 AS x")
        assert shell.user_ns["elsewhere"]["x"].tolist() == [7]
        seen = local.query_result.counters().received
        until(lambda: local.query_result.counters().received > seen + 50,
              "rows still arriving from the embedded cluster")
        assert local.query_result.error() is None
    finally:
        local.cancel()
