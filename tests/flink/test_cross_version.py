"""A kernel and a cluster of different Flink minor versions (issue 31, item 5): a standalone
cluster started from the Flink 1.20 distribution (another environment's ``pyflink``), the
suite's own kernel (the default Flink), and a kernel of Flink 1.20 run as a subprocess; on a
1.20 kernel, the same with the newest Flink as the other.

- A cell that would submit is refused after one REST read, before the kernel's Java starts
  (so within the issue's 5 s), naming both versions and what to do, and nothing reaches the
  cluster.
- A kernel of the cluster's Flink runs the same cell there.
- What goes over REST works across versions: a job started by that kernel is attached from
  this one (``%flink_attach``, ``JobClient.attach``), its state read, a savepoint taken,
  ``SHOW JOBS`` lists it, and it is cancelled.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from IPython.core.error import UsageError
from other_flink import answer, distribution, environment, run_cells, version
from waiting import until

from flink_notebook.clusters.standalone import LocalCluster
from flink_notebook.core.flink_versions import SUPPORTED_MINORS, kernel_version, minor
from flink_notebook.jobs.client import JobClient

pytestmark = pytest.mark.cluster

KERNEL = kernel_version()
#: The other Flink: the LTS, 1.20, or for a 1.20 kernel the newest
#: (``FLINK_VERSION=1.20 bash scripts/test.sh tests/flink/test_cross_version.py``).
OTHER_MINOR = SUPPORTED_MINORS[-1] if minor(KERNEL) == "1.20" else "1.20"

SOURCE = """
CREATE TEMPORARY TABLE cross_ticks (n BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '5');
CREATE TEMPORARY TABLE cross_sink (n BIGINT) WITH ('connector' = 'blackhole')
"""
JOB = "INSERT INTO cross_sink SELECT n FROM cross_ticks"


@pytest.fixture(scope="module")
def other():
    """The other Flink's environment: (its folder, its apache-flink version)."""
    venv = environment(OTHER_MINOR)
    return venv, version(venv)


@pytest.fixture(scope="module")
def cluster(other):
    """A standalone cluster of the other Flink, leased to this process."""
    venv, _ = other
    python = str(venv / "bin" / "python")  # its Python workers, were a job to have any
    with LocalCluster(slots=2, name="cross-version", home=distribution(venv),
                      options={"python.executable": python,
                               "python.client.executable": python}) as started:
        yield started


def remote(cluster: LocalCluster) -> str:
    return f"--target remote -D rest.address=127.0.0.1 -D rest.port={cluster.address.port}"


def jobs_there(cluster: LocalCluster) -> list[dict]:
    return httpx.get(f"{cluster.rest_url}/jobs/overview", timeout=5).json()["jobs"]


def test_a_cell_for_a_cluster_of_another_flink_is_refused_before_java_starts(
        shell, cluster, other, monkeypatch):
    _, cluster_version = other
    assert httpx.get(f"{cluster.rest_url}/config", timeout=5).json()["flink-version"] == \
        cluster_version
    # The bound, 5 s for a new user, holds because the refusal comes from one REST
    # read before anything starts: the kernel's Java (seconds) is never asked for.
    from flink_notebook.engine.session import FlinkSession

    def no_java(self):
        raise AssertionError("the kernel's Java was started before the refusal")

    monkeypatch.setattr(FlinkSession, "ensure_started", no_java)
    with pytest.raises(UsageError) as raised:
        shell.run_cell_magic("flink_sql", f"{remote(cluster)} --name refused-here",
                             "SELECT 1 AS x")
    assert str(raised.value) == (
        f"The cluster at {cluster.rest_url} runs Flink {cluster_version} and this kernel "
        f"PyFlink {KERNEL}: jobs built here cannot run there. Install "
        f"apache-flink=={cluster_version} in the kernel's environment, or use a Flink "
        f"{minor(KERNEL)} cluster.")
    assert jobs_there(cluster) == []  # nothing was submitted


def test_a_kernel_of_the_cluster_s_flink_runs_the_same_cell(cluster, other):
    venv, _ = other
    answers = run_cells(venv, [(remote(cluster), "SELECT 1 AS x")])
    assert answer(answers, 0)["rows"] == [{"x": 1}]


def test_its_jobs_are_attached_read_savepointed_listed_and_cancelled_from_here(
        shell, cluster, other, tmp_path: Path, capsys):
    venv, cluster_version = other
    answers = run_cells(venv, [("", SOURCE),
                               (f"{remote(cluster)} --detached --name cross-job", JOB)])
    job_id = answer(answers, 1)["job_id"]
    url = cluster.rest_url
    try:
        shell.run_line_magic("flink_attach", f"{job_id} --rest {url} -o cross_job")
        attached = shell.user_ns.pop("cross_job")
        assert attached.name == "cross-job"
        assert until(lambda: attached.status() == "RUNNING", "the attached job running")
        # Said on attaching: what works from here, and what does not.
        assert (f"flink-notebook: The cluster at {url} runs Flink {cluster_version} and this "
                f"kernel PyFlink {KERNEL}: its jobs' state, views, cancel and savepoints work "
                "from here") in capsys.readouterr().err

        again = JobClient.attach(job_id, url)  # the API's own handle, as after a restart
        assert (again.name, again.status()) == ("cross-job", "RUNNING")
        again.rest.close()

        savepoint = attached.trigger_savepoint(str(tmp_path / "savepoints"))
        assert Path(savepoint.removeprefix("file:")).is_dir()

        shell.run_cell_magic("flink_sql", f"{remote(cluster)} -o cross_jobs", "SHOW JOBS")
        listed = shell.user_ns.pop("cross_jobs")
        row = listed[listed["job id"] == job_id]
        assert row[["job name", "status"]].values.tolist() == [["cross-job", "RUNNING"]]

        assert attached.cancel() == "CANCELED"
    finally:
        if any(job["jid"] == job_id and job["state"] == "RUNNING" for job in jobs_there(cluster)):
            httpx.patch(f"{url}/jobs/{job_id}", params={"mode": "cancel"}, timeout=5)
    assert {job["jid"]: job["state"] for job in jobs_there(cluster)}[job_id] == "CANCELED"


def test_a_submission_that_fails_names_the_cluster_and_the_cause(shell, cluster, other,
                                                                   monkeypatch):
    """Item 6: with the version check out of the way, what the other cluster answers this
    kernel's submission (its REST API refuses the job) is said as the cluster's refusal,
    not as an error of the cell's SQL at line 1; the Java trace comes with --verbose."""
    from flink_notebook.cells import sql
    from flink_notebook.executors import remote as remote_target

    _, cluster_version = other
    monkeypatch.setattr(remote_target, "check_cluster", lambda *args: None)
    monkeypatch.setattr(sql, "check_versions", lambda *args: None)
    with pytest.raises(UsageError) as raised:
        shell.run_cell_magic("flink_sql", remote(cluster), "SELECT 1 AS x")
    # What a 1.20 cluster's REST API says to a 2.x kernel's submission; a 2.x cluster says
    # something else to a 1.20 kernel's (FLINK_VERSION=1.20 runs this module the other way).
    cause = ("The jobGraphFileName field must not be omitted or be null. "
             if OTHER_MINOR == "1.20" else "")
    message = str(raised.value)
    assert message.startswith(
        f"Could not submit the job to the Flink cluster at {cluster.rest_url}: {cause}")
    assert message.endswith(
        f"The cluster runs Flink {cluster_version} and this kernel PyFlink {KERNEL}: use a "
        f"Flink {minor(KERNEL)} cluster, or install apache-flink=={cluster_version} in the "
        "kernel's environment. (add --verbose to the magic line for the Java trace)")
    assert "SQL error" not in message and "\n" not in message
    with pytest.raises(UsageError) as raised:
        shell.run_cell_magic("flink_sql", f"{remote(cluster)} --verbose", "SELECT 1 AS x")
    head, trace = str(raised.value).split("\n\n", 1)
    assert head.startswith(f"Could not submit the job to the Flink cluster at {cluster.rest_url}")
    # A 1.20 cluster's REST API refuses the submission; a 2.x cluster takes a 1.20 kernel's
    # and fails on its classes: either way Java's trace, behind --verbose.
    assert ("JobSubmissionException" if OTHER_MINOR == "1.20" else "\tat org.apache.flink.") \
        in trace
    assert "SQL error" not in head
    # A %%flink cell's submission: the same, not a Java error at the cell's line.
    with pytest.raises(UsageError) as raised:
        shell.run_cell_magic("flink", remote(cluster),
                             "t_env.execute_sql('SELECT 1 AS x').wait()")
    assert str(raised.value).startswith(
        f"Could not submit the job to the Flink cluster at {cluster.rest_url}: {cause}")
