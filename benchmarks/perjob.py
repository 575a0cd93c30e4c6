"""B5 per-job: from ``execute()`` to RUNNING on a fresh dedicated cluster, and from the
job's end to all its processes gone, against the distribution's own scripts
(``jobmanager.sh start`` and ``taskmanager.sh start``, which ``start-cluster.sh`` runs
for a single machine, then the same job submitted by plain PyFlink). The scripts' run
comes first, in a fresh process (``python -m benchmarks.perjob scripts``); ours then
runs in this one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import psutil

from benchmarks.common import Figure, answer, fresh_process, log, quiet, shell

SOURCE = """
CREATE TEMPORARY TABLE IF NOT EXISTS perjob_ticks (n BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '10');
CREATE TEMPORARY TABLE IF NOT EXISTS perjob_sink (n BIGINT) WITH ('connector' = 'blackhole');
"""
INSERT = "INSERT INTO perjob_sink SELECT n FROM perjob_ticks"


def _until(predicate, seconds: float = 180.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark condition not reached")
        time.sleep(0.05)


def ours() -> tuple[float, float]:
    ip = shell()
    quiet(lambda: ip.run_cell_magic("flink_sql", "", SOURCE))
    from flink_notebook.engine.session import FlinkSession

    # Pre-warm starts the embedded cluster too; let it finish, or it competes for CPU.
    FlinkSession.current().embedded_cluster()
    time.sleep(2)
    began = time.perf_counter()
    quiet(lambda: ip.run_cell_magic("flink_sql", "--target per-job --detached -o job", INSERT))
    job = ip.user_ns["job"]
    _until(lambda: job.status() == "RUNNING")
    to_running = time.perf_counter() - began
    pids = list(job.cluster.pids) + ([job.cluster.lease.pid] if job.cluster.lease else [])
    began = time.perf_counter()
    job.rest.cancel(job.job_id)  # the job ends; the cluster's lease stops it
    _until(lambda: not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"
                           for p in pids))
    return to_running, time.perf_counter() - began


def baseline() -> tuple[float, float]:
    """The distribution's scripts with a generated configuration (127.0.0.1, free ports)."""
    from flink_notebook.clusters.standalone import LocalCluster, flink_home
    from flink_notebook.core.java import ensure_java

    ensure_java()
    cluster = LocalCluster(slots=1, name=f"bench-scripts-{os.getpid()}")
    env = cluster._prepare()  # the same conf/ as ours; only the way of starting differs
    bin_dir = flink_home() / "bin"

    def script(name: str, action: str) -> None:
        subprocess.run(["bash", str(bin_dir / name), action], env=env, capture_output=True,
                       check=action == "start")

    try:
        return _baseline_run(cluster, script)
    finally:  # whatever happened, nothing of it stays
        script("taskmanager.sh", "stop")
        script("jobmanager.sh", "stop")
        shutil.rmtree(cluster.directory, ignore_errors=True)


def _baseline_run(cluster, script) -> tuple[float, float]:
    began = time.perf_counter()
    for name in ("jobmanager.sh", "taskmanager.sh"):
        script(name, "start")
    from flink_notebook.jobs.rest import RestClient

    rest = RestClient(cluster.address.url)

    def ready() -> bool:
        try:
            return rest.overview()["taskmanagers"] >= 1
        except Exception:
            return False

    _until(ready)
    from pyflink.common import Configuration
    from pyflink.table import EnvironmentSettings, TableEnvironment

    conf = Configuration()
    conf.set_string("execution.target", "remote")
    conf.set_string("rest.address", cluster.address.host)
    conf.set_string("rest.port", str(cluster.address.port))
    t_env = TableEnvironment.create(
        EnvironmentSettings.new_instance().in_streaming_mode().with_configuration(conf).build()
    )
    t_env.execute_sql(SOURCE.split(";")[0])
    t_env.execute_sql(SOURCE.split(";")[1])
    job_id = str(t_env.execute_sql(INSERT).get_job_client().get_job_id())
    _until(lambda: rest.job(job_id)["state"] == "RUNNING")
    to_running = time.perf_counter() - began
    pids = [p.pid for p in psutil.process_iter(["cmdline"])
            if str(cluster.directory) in " ".join(p.info["cmdline"] or ())]
    began = time.perf_counter()
    rest.cancel(job_id)
    _until(lambda: rest.job(job_id)["state"] == "CANCELED")
    script("taskmanager.sh", "stop")
    script("jobmanager.sh", "stop")
    _until(lambda: not any(psutil.pid_exists(p) for p in pids))
    return to_running, time.perf_counter() - began


def run(quick: bool) -> list[Figure]:
    base_running, base_gone = fresh_process("perjob", "scripts")
    log(f"scripts: RUNNING after {base_running:.1f} s, processes gone {base_gone:.1f} s")
    ours_running, ours_gone = ours()
    log(f"per-job: RUNNING after {ours_running:.1f} s, processes gone {ours_gone:.1f} s "
        "after the end")
    return [
        Figure("B5", "per-job: execute() to RUNNING on a fresh cluster", ours_running,
               base_running, "s", "no slower than the scripts",
               met=ours_running <= base_running),
        Figure("B5", "per-job: job end to all its processes gone", ours_gone, base_gone, "s",
               "no slower than the scripts (which need someone to run stop)",
               met=ours_gone <= base_gone),
    ]


if __name__ == "__main__":
    if sys.argv[1:] == ["scripts"]:
        answer(baseline())
