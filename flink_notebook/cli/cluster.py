"""``flink-notebook cluster start|join|status|stop``: session clusters that outlive the
command.

A cluster started here has no owner lease: it runs until ``cluster stop``.
Point the ``remote`` target at it with ``rest.address`` / ``rest.port``.
Across hosts: ``start --bind ADDRESS`` on the JobManager's host, then
``join --jobmanager HOST:RPCPORT --bind ADDRESS`` on each TaskManager's host.
"""

from __future__ import annotations

import argparse

import httpx
from IPython.core.error import UsageError

from flink_notebook.clusters.standalone import HOST, LocalCluster, probe
from flink_notebook.core.config import parse_assignments, seconds


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``cluster`` sub-command (each action sets ``func(args) -> int``)."""
    cluster = subparsers.add_parser("cluster", help="start, list and stop local Flink clusters")
    actions = cluster.add_subparsers(dest="cluster_action", required=True)

    start = actions.add_parser("start", help="start a standalone cluster (on 127.0.0.1 "
                               "unless --bind)")
    start.add_argument("--slots", type=int, default=1, help="task slots per TaskManager")
    start.add_argument("--taskmanagers", type=int, default=1,
                       help="TaskManagers on this host (0 with --bind: they join from others)")
    start.add_argument("--bind", metavar="ADDRESS", default=HOST,
                       help="this host's address to listen on, for other hosts (default: "
                            "127.0.0.1, this host only)")
    _common(start)
    start.set_defaults(func=start_cluster)

    join = actions.add_parser("join", help="start TaskManagers here that join a JobManager "
                              "on another host")
    join.add_argument("--jobmanager", required=True, metavar="HOST:RPCPORT",
                      help="the JobManager's RPC address, as `cluster start` printed it")
    join.add_argument("--bind", metavar="ADDRESS", required=True,
                      help="this host's address, which the JobManager and the other "
                           "TaskManagers reach")
    join.add_argument("--slots", type=int, default=1, help="task slots per TaskManager")
    join.add_argument("--taskmanagers", type=int, default=1, help="TaskManagers to start")
    _common(join)
    join.set_defaults(func=join_cluster)

    status = actions.add_parser("status", help="list known clusters and their state")
    status.set_defaults(func=show_status)

    stop = actions.add_parser("stop", help="stop a cluster: the only one, --name NAME or --all")
    which = stop.add_mutually_exclusive_group()
    which.add_argument("--name", help="the cluster to stop (default: the only one there is)")
    which.add_argument("--all", action="store_true", help="stop every known cluster")
    stop.set_defaults(func=stop_clusters)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", help="name to find it by later (default: generated)")
    parser.add_argument("--timeout", type=seconds, default=90,
                        help="seconds to wait for start-up")
    parser.add_argument("-D", dest="define", action="append", default=[], metavar="KEY=VALUE",
                        help="a Flink option for its config.yaml (repeatable), such as "
                             "heartbeat.timeout=20000")


def start_cluster(args: argparse.Namespace) -> int:
    cluster = LocalCluster(slots=args.slots, taskmanagers=args.taskmanagers, name=args.name,
                           options=parse_assignments(args.define), bind=args.bind)
    address = cluster.start(timeout=args.timeout)
    print(
        f"Started Flink cluster {cluster.name}: {cluster.taskmanagers} TaskManager(s), "
        f"{cluster.slots} slot(s) each."
    )
    if cluster.bind != HOST:
        print(f"  bound to {cluster.bind}: other hosts reach it, and whoever reaches it can "
              "run code there (Flink's REST API has no login)")
        print(f"  add TaskManagers on another host: flink-notebook cluster join --jobmanager "
              f"{cluster.rpc_address} --bind THAT_HOSTS_ADDRESS")
    print(f"  REST API and web UI: {address.url}")
    print(
        f"  use it:  %flink_config execution.target=remote rest.address={address.host} "
        f"rest.port={address.port}"
    )
    print(f"  stop it: flink-notebook cluster stop --name {cluster.name}")
    return 0


def join_cluster(args: argparse.Namespace) -> int:
    cluster = LocalCluster(slots=args.slots, taskmanagers=args.taskmanagers, name=args.name,
                           options=parse_assignments(args.define), bind=args.bind,
                           jobmanager=args.jobmanager)
    cluster.start(timeout=args.timeout)
    print(f"Started {cluster.taskmanagers} TaskManager(s) ({cluster.slots} slot(s) each) "
          f"bound to {cluster.bind}, registered with the JobManager at {cluster.jobmanager}.")
    print(f"  stop them: flink-notebook cluster stop --name {cluster.name}")
    return 0


def show_status(args: argparse.Namespace) -> int:
    clusters = LocalCluster.known()
    if not clusters:
        print("No clusters.")
    for cluster in clusters:
        lease = " (leased)" if cluster.lease and cluster.lease.alive() else ""
        where = cluster.rest_url or f"TaskManagers of {cluster.jobmanager}"
        print(
            f"{cluster.name}\t{cluster.status()}{lease}\t{where}\t"
            f"pids {' '.join(map(str, cluster.pids))}{_detached_job(cluster)}"
        )
    return 0


def _detached_job(cluster: LocalCluster) -> str:
    """``\tdetached job ID STATE (from NOTEBOOK)`` for a detached job's cluster, else ''."""
    if not cluster.detached or cluster.rest_url is None or cluster.status() != "running":
        return ""
    try:
        jobs = probe(cluster.rest_url, "/jobs/overview")["jobs"]
    except (httpx.HTTPError, ValueError, KeyError):
        return "\tdetached job: not answering"
    where = f" (from {cluster.notebook})" if cluster.notebook else ""
    said = ", ".join(f"{job['jid']} {job['state']}" for job in jobs) or "none yet"
    return f"\tdetached job {said}{where}"


def stop_clusters(args: argparse.Namespace) -> int:
    if args.all:
        clusters = LocalCluster.known()
    elif args.name is not None:
        clusters = [LocalCluster.load(args.name)]
    else:
        clusters = _the_only_cluster()
    for cluster in clusters:
        cluster.stop()
        print(f"Stopped {cluster.name}.")
    return 0


def _the_only_cluster() -> list[LocalCluster]:
    """The one running cluster (stale registry entries of dead ones are cleared); a
    UsageError listing them when there are several, or saying there is none."""
    known = LocalCluster.known()
    running = [c for c in known if c.status() != "stopped"]
    for stale in (c for c in known if c not in running):
        stale.stop()
    if len(running) == 1:
        return running
    if not running:
        raise UsageError("No cluster is running (`flink-notebook cluster start` starts one).")
    names = ", ".join(f"{c.name} ({c.rest_url})" for c in running)
    raise UsageError(f"{len(running)} clusters are running: {names}. Stop one with "
                     "--name NAME, or all of them with --all.")
