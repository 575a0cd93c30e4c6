"""``flink-notebook cluster start|status|stop``: session clusters that outlive the command.

A cluster started here has no owner lease: it runs until ``cluster stop``.
Point the ``remote`` target at it with ``rest.address`` / ``rest.port``.
"""

from __future__ import annotations

import argparse

from IPython.core.error import UsageError

from flink_notebook.clusters.standalone import LocalCluster


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``cluster`` sub-command (each action sets ``func(args) -> int``)."""
    cluster = subparsers.add_parser("cluster", help="start, list and stop local Flink clusters")
    actions = cluster.add_subparsers(dest="cluster_action", required=True)

    start = actions.add_parser("start", help="start a standalone cluster on 127.0.0.1")
    start.add_argument("--slots", type=int, default=1, help="task slots per TaskManager")
    start.add_argument("--taskmanagers", type=int, default=1, help="number of TaskManagers")
    start.add_argument("--name", help="name to find it by later (default: generated)")
    start.add_argument("--timeout", type=float, default=90, help="seconds to wait for start-up")
    start.set_defaults(func=start_cluster)

    status = actions.add_parser("status", help="list known clusters and their state")
    status.set_defaults(func=show_status)

    stop = actions.add_parser("stop", help="stop a cluster: the only one, --name NAME or --all")
    which = stop.add_mutually_exclusive_group()
    which.add_argument("--name", help="the cluster to stop (default: the only one there is)")
    which.add_argument("--all", action="store_true", help="stop every known cluster")
    stop.set_defaults(func=stop_clusters)


def start_cluster(args: argparse.Namespace) -> int:
    cluster = LocalCluster(slots=args.slots, taskmanagers=args.taskmanagers, name=args.name)
    address = cluster.start(timeout=args.timeout)
    print(
        f"Started Flink cluster {cluster.name}: {cluster.taskmanagers} TaskManager(s), "
        f"{cluster.slots} slot(s) each."
    )
    print(f"  REST API and web UI: {address.url}")
    print(
        f"  use it:  %flink_config execution.target=remote rest.address={address.host} "
        f"rest.port={address.port}"
    )
    print(f"  stop it: flink-notebook cluster stop --name {cluster.name}")
    return 0


def show_status(args: argparse.Namespace) -> int:
    clusters = LocalCluster.known()
    if not clusters:
        print("No clusters.")
    for cluster in clusters:
        lease = " (leased)" if cluster.lease and cluster.lease.alive() else ""
        print(
            f"{cluster.name}\t{cluster.status()}{lease}\t{cluster.rest_url}\t"
            f"pids {' '.join(map(str, cluster.pids))}"
        )
    return 0


def stop_clusters(args: argparse.Namespace) -> int:
    if args.all:
        clusters = LocalCluster.known()
    elif args.name:
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
