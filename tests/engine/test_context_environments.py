"""FLIP-73's context environments in %%flink cells: environments the code creates itself
(PyFlink's get_execution_environment, TableEnvironment.create, StreamTableEnvironment.create)
submit through the notebook's executor, with handles that point where the jobs run; only
the cell's own thread is routed, and nothing is routed outside a cell."""

from __future__ import annotations

import threading

import pytest
from handles import added_since, jobs_now, vertices_of

from flink_notebook.cells.notebook import Notebook
from flink_notebook.engine.session import FlinkSession
from flink_notebook.jobs.client import JobClient
from flink_notebook.jobs.rest import client_for

pytestmark = pytest.mark.cluster


def embedded():
    session = FlinkSession.current()
    session.ensure_started()
    return client_for(session.embedded_cluster().address.url, session.configuration)


def parallelism(job: JobClient) -> int:
    """The highest parallelism of the job's vertices (VALUES, from_collection and the
    collect sink run one task whatever is asked)."""
    return max(vertex["parallelism"] for vertex in vertices_of(job))


def test_a_table_environment_the_code_creates_runs_on_the_notebooks_cluster(shell, flink):
    flink(
        "from pyflink.table import EnvironmentSettings, TableEnvironment\n"
        "te = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())\n"
        "te.get_config().set('parallelism.default', '2')\n"
        "te.get_config().set('pipeline.name', 'own table env')\n"
        "te.execute_sql(\"CREATE TEMPORARY TABLE g (x INT) WITH ('connector' = 'datagen', \"\n"
        "    \"'fields.x.kind' = 'sequence', 'fields.x.start' = '1', 'fields.x.end' = '3')\")\n"
        "rows = sorted(r[0] for r in te.execute_sql('SELECT x FROM g').collect())\n"
        "te.execute_sql(\"CREATE TEMPORARY VIEW only_in_te AS SELECT 1 AS v\")\n",
        "-o job",
    )
    job = shell.user_ns["job"]
    assert shell.user_ns["rows"] == [1, 2, 3]
    assert isinstance(job, JobClient) and job.name == "own table env"
    rest = embedded()
    assert job.rest.url == rest.url
    assert {j["jid"]: j["name"] for j in rest.jobs_overview()}[job.job_id] == "own table env"
    assert parallelism(job) == 2  # its own option counts, as in Flink
    # Its own catalog, as a PyFlink program expects: the notebook's views are not in it,
    # and what it creates stays out of the notebook's.
    assert "only_in_te" not in FlinkSession.current().t_env.list_temporary_views()


def test_a_job_of_the_code_s_own_table_environment_has_flink_s_name(shell, flink):
    """With no pipeline.name, the handle says what Flink named the job, as its web UI does."""
    flink(
        "from pyflink.table import EnvironmentSettings, TableEnvironment\n"
        "te = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())\n"
        "te.execute_sql(\"CREATE TEMPORARY TABLE g (x INT) WITH ('connector' = 'datagen', \"\n"
        "    \"'number-of-rows' = '3')\")\n"
        "te.execute_sql(\"CREATE TEMPORARY TABLE void (x INT) WITH ('connector' = 'blackhole')\")\n"
        "te.execute_sql('INSERT INTO void SELECT x FROM g').wait()\n",
        "-o job",
    )
    job = shell.user_ns["job"]
    assert job.wait(timeout=60) == "FINISHED"
    named = {j["jid"]: j["name"] for j in embedded().jobs_overview()}[job.job_id]
    assert job.name == named and "void" in named
    assert job.name in shell.run_line_magic("flink_jobs", "")["name"].tolist()


def test_get_execution_environment_in_a_cell_is_a_context_environment(shell, flink):
    """The first thing every PyFlink example does."""
    flink(
        "from pyflink.common import Configuration\n"
        "from pyflink.datastream import StreamExecutionEnvironment\n"
        "e2 = StreamExecutionEnvironment.get_execution_environment()\n"
        "e2.from_collection([1, 2, 3]).map(lambda x: x * 10).print()\n"
        "result = e2.execute('example job')\n"
        "conf = Configuration()\n"
        "conf.set_string('pipeline.name', 'named by its configuration')\n"
        "e3 = StreamExecutionEnvironment.get_execution_environment(conf)\n"
        "e3.set_parallelism(2)\n"
        "e3.from_collection([1, 2]).print()\n"
        "e3.execute()\n",
        "-o jobs",
    )
    first, second = shell.user_ns["jobs"]
    result = shell.user_ns["result"]
    assert type(result).__name__ == "JobExecutionResult"
    assert str(result.get_job_id()) == first.job_id
    on_embedded = {j["jid"]: j for j in embedded().jobs_overview()}
    assert on_embedded[first.job_id]["name"] == "example job" == first.name
    assert on_embedded[second.job_id]["name"] == "named by its configuration" == second.name
    assert first.status() == second.status() == "FINISHED"
    assert parallelism(second) == 2


def test_cell_options_reach_the_code_s_own_environments(shell, flink):
    flink(
        "from pyflink.table import EnvironmentSettings, StreamTableEnvironment\n"
        "ste = StreamTableEnvironment.create(\n"
        "    environment_settings=EnvironmentSettings.in_streaming_mode())\n"
        "ste.execute_sql(\"CREATE TEMPORARY TABLE g (x INT) WITH ('connector' = 'datagen', \"\n"
        "    \"'number-of-rows' = '3')\")\n"
        "ste.execute_sql('SELECT x FROM g').collect()\n",
        "-p 2 --name from-the-cell -o job",
    )
    job = shell.user_ns["job"]
    assert job.name == "from-the-cell" and parallelism(job) == 2


@pytest.mark.parametrize("target", ["remote", "per-job"])
def test_context_environments_follow_the_cells_target(shell, flink, target, tmp_path,
                                                      session_cluster):
    code = ("from pyflink.datastream import StreamExecutionEnvironment\n"
            "from pyflink.table import EnvironmentSettings, TableEnvironment\n"
            "e = StreamExecutionEnvironment.get_execution_environment()\n"
            "e.from_collection([1, 2, 3]).print()\n"
            "e.execute('stream on target')\n"
            "te = TableEnvironment.create(EnvironmentSettings.in_batch_mode())\n"
            "n = te.execute_sql('SELECT COUNT(*) FROM (VALUES (1), (2)) AS t(x)').collect()\n"
            "count = [r[0] for r in n]\n")
    if target == "remote":
        cluster = session_cluster
        flink(code, f"--target remote -D rest.address={cluster.rest_url} -o jobs")
        jobs = shell.user_ns["jobs"]
        on_cluster = {j["jid"] for j in client_for(cluster.rest_url, FlinkSession.current()
                                                   .configuration).jobs_overview()}
        assert {job.job_id for job in jobs} <= on_cluster
        assert all(job.rest.url == cluster.rest_url for job in jobs)
        assert [job.status() for job in jobs] == ["FINISHED", "FINISHED"]
    else:
        flink(code, "--target per-job -o jobs")
        jobs = shell.user_ns["jobs"]
        assert len({job.rest.url for job in jobs}) == 2  # a cluster each
        assert all(job.cluster is not None for job in jobs)
        assert [job.status() for job in jobs] == ["FINISHED", "FINISHED"]
    assert shell.user_ns["count"] == [2]
    assert not {job.job_id for job in jobs} & {j["jid"] for j in embedded().jobs_overview()}


STREAM_SUBMISSION = (
    "from pyflink.datastream import StreamExecutionEnvironment\n"
    "def submit(env, into):\n"
    "    try:\n"
    "        env.from_collection([1]).print()\n"
    "        env.execute_async('from a thread')\n"
    "        into.append('submitted')\n"
    "    except Exception as error:\n"
    "        into.append(str(error))\n"
)


def test_a_submission_from_another_thread_is_not_adopted_by_the_cell(shell, flink):
    """The routed calls are the cell thread's: another thread's submission is refused (it
    has no cell to show it, no executor chose its cluster) and the cell gets no handle."""
    before = jobs_now()
    flink(STREAM_SUBMISSION + "import threading\n"
          "seen = []\n"
          "t = threading.Thread(target=submit, args=(env, seen))\n"
          "t.start(); t.join()\n", "-o handles")
    assert shell.user_ns["handles"] is None
    assert added_since(before) == []
    [message] = shell.user_ns["seen"]
    assert "only takes jobs from the code of a %%flink cell or %flink_run" in message


def test_after_a_cell_a_submission_goes_nowhere_it_was_not_sent(shell, flink):
    """Not to the last cluster used (here a per-job cluster, gone with its job)."""
    flink("env.from_collection([1]).print()\nenv.execute('per-job once')", "--target per-job")
    jobs_before = {j["jid"] for j in embedded().jobs_overview()}
    seen: list[str] = []
    shell.run_cell(STREAM_SUBMISSION)
    thread = threading.Thread(target=shell.user_ns["submit"],
                              args=(FlinkSession.current().env, seen))
    thread.start()
    thread.join()
    assert len(seen) == 1 and "submit it from a %%flink cell" in seen[0]
    assert {j["jid"] for j in embedded().jobs_overview()} == jobs_before


def test_an_environment_made_outside_a_cell_is_routed_in_one(shell, flink):
    """Made in a plain Python cell it is Flink's local environment (its own MiniCluster);
    used in a %%flink cell its job goes through the executor, with a true handle."""
    shell.run_cell("from pyflink.datastream import StreamExecutionEnvironment\n"
                   "outside = StreamExecutionEnvironment.get_execution_environment()\n")
    flink("outside.from_collection([1, 2]).print()\noutside.execute('made outside')",
          "-o job")
    job = shell.user_ns["job"]
    assert job.status() == "FINISHED"
    assert job.job_id in {j["jid"] for j in embedded().jobs_overview()}


def test_a_cell_that_raises_cancels_the_attached_jobs_it_started(shell, flink):
    from waiting import until

    with pytest.raises(RuntimeError, match="after the submission"):
        flink("t_env.execute_sql(\"CREATE TEMPORARY TABLE IF NOT EXISTS endless (n INT) "
              "WITH ('connector' = 'datagen', 'rows-per-second' = '5')\")\n"
              "t_env.execute_sql('INSERT INTO endless_sink SELECT n FROM endless') "
              "if False else None\n"
              "from pyflink.datastream import StreamExecutionEnvironment\n"
              "t_env.execute_sql(\"CREATE TEMPORARY TABLE IF NOT EXISTS endless_sink (n INT) "
              "WITH ('connector' = 'blackhole')\")\n"
              "t_env.execute_sql('INSERT INTO endless_sink SELECT n FROM endless')\n"
              "raise RuntimeError('after the submission')\n")
    job = Notebook.current().jobs[-1]
    until(lambda: job.status() == "CANCELED", "the cell's job cancelled")
