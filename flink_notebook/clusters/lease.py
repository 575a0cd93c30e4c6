"""A cluster's watchdog: it stops the cluster when its owner or its jobs are gone (a
detached job's cluster: when its jobs are, or its owner before any job ran there).

Started detached by :meth:`LocalCluster.start` (its own session, so it
survives the kernel it watches)::

    python -m flink_notebook.clusters.lease <registry.json> [--owner-pid PID
        --owner-create-time T] [--until-job-ends]

It exits once the cluster's processes are gone, whoever stopped them.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import httpx

from flink_notebook.clusters.standalone import ClusterProcess, LocalCluster, probe
from flink_notebook.core.shared_files import write_whole
from flink_notebook.core.states import TERMINAL

POLL_SECONDS = 1.0
#: How long a detached job's cluster whose kernel died may not answer REST before the lease
#: stops it (it cannot tell whether a job runs there).
OWNER_GONE_GRACE = 15.0


def job_states(rest_url: str) -> dict[str, str] | None:
    """Each job's state by id (empty before the first job); None when REST does not answer."""
    try:
        return {job["jid"]: job["state"] for job in probe(rest_url, "/jobs/overview")["jobs"]}
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None  # not answering right now; the process check covers a dead cluster


def record_outcome(cluster: LocalCluster, ended: dict[str, str]) -> None:
    """Write each job's final state (and a failure's root cause) where its handle finds it
    once the cluster is gone (``LocalCluster.ended_jobs``)."""
    outcome = {}
    for jid, state in ended.items():
        failure = None
        if state == "FAILED":
            try:
                failure = probe(cluster.rest_url, f"/jobs/{jid}/exceptions").get("root-exception")
            except (httpx.HTTPError, ValueError):
                failure = None
        outcome[jid] = {"state": state, "failure": failure}
    write_whole(cluster.outcome_file, json.dumps(outcome))  # read while it is written


def watch(cluster: LocalCluster, owner: ClusterProcess | None, until_job_ends: bool) -> str:
    """Block until the cluster is gone; stop it first if its owner or jobs end. Says why.

    With ``until_job_ends`` (a detached job's cluster) the owner matters only until a job
    runs there: a kernel that dies before Flink accepted its job leaves nothing behind, and
    a detached job runs on after its kernel, until it ends."""
    unanswered = 0.0  # seconds REST has not answered since the owner went
    while True:
        if not any(p.alive() for p in cluster.processes):
            return "cluster gone"
        states = job_states(cluster.rest_url) if until_job_ends and cluster.rest_url else None
        if owner is not None and not owner.alive():
            if until_job_ends and states:
                print(f"owner {owner.pid} gone; its detached job runs on: "
                      + ", ".join(states), flush=True)
                owner = None
            elif states is None and until_job_ends and unanswered < OWNER_GONE_GRACE:
                unanswered += POLL_SECONDS  # a job may run there: ask again before stopping
            else:
                cluster.stop()
                return f"owner {owner.pid} gone"
        if states and all(state in TERMINAL for state in states.values()):
            # Nobody waits for a detached job: keep its outcome and the logs for its handle.
            record_outcome(cluster, states)
            cluster.stop(remove_logs=False)
            return "jobs ended: " + ", ".join(f"{jid} {state}" for jid, state in states.items())
        time.sleep(POLL_SECONDS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flink_notebook.clusters.lease")
    parser.add_argument("registry", type=Path, help="the cluster's registry file")
    parser.add_argument("--owner-pid", type=int)
    parser.add_argument("--owner-create-time", type=float)
    parser.add_argument("--until-job-ends", action="store_true")
    args = parser.parse_args(argv)
    cluster = LocalCluster.from_record(json.loads(args.registry.read_text()))
    owner = None
    if args.owner_pid is not None:
        owner = ClusterProcess("owner", args.owner_pid, args.owner_create_time)
    print(f"lease of {cluster.name}: {watch(cluster, owner, args.until_job_ends)}", flush=True)


if __name__ == "__main__":
    main()
