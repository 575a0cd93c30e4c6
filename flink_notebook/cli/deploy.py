"""``flink-notebook deploy list|show|stop``: the deployments ``%%flink_deploy`` made, as
``%flink_deploy`` shows them (docs/deploy.md)."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``deploy`` sub-command (each action sets ``func(args) -> int``)."""
    deploy = subparsers.add_parser("deploy", help="list, show and stop deployments")
    actions = deploy.add_subparsers(dest="deploy_action", required=True)
    listing = actions.add_parser("list", help="each deployment: version, job, state, cluster, "
                                 "savepoint, notebook and cell")
    listing.set_defaults(func=_list)
    show = actions.add_parser("show", help="a deployment's SQL, DDL, options and plan "
                              "(secrets masked)")
    show.add_argument("name")
    show.set_defaults(func=_show)
    stop = actions.add_parser("stop", help="stop a deployment's job (and its per-job cluster)")
    stop.add_argument("name")
    stop.add_argument("--savepoint", action="store_true", help="stop with a savepoint")
    stop.set_defaults(func=_stop)


def _list(args: argparse.Namespace) -> int:
    from flink_notebook.deploy.lifecycle import listing

    print(listing())
    return 0


def _show(args: argparse.Namespace) -> int:
    from flink_notebook.deploy.lifecycle import shown

    print(shown(args.name))
    return 0


def _stop(args: argparse.Namespace) -> int:
    from flink_notebook.deploy.lifecycle import stop

    print(stop(args.name, args.savepoint))
    return 0
