"""``flink-notebook deploy list|show|stop|history``: the deployments ``%%flink_deploy`` made,
as ``%flink_deploy`` shows them (docs/deploy.md). ``upgrade`` needs a cell and ``rollback``
a kernel's session (the plan runs from it), so both are notebook-only."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``deploy`` sub-command (each action sets ``func(args) -> int``)."""
    deploy = subparsers.add_parser("deploy", help="list, show, stop deployments; their history")
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
    history = actions.add_parser("history", help="a deployment's versions, jobs, savepoints "
                                 "and outcomes in time order")
    history.add_argument("name")
    history.set_defaults(func=_history)
    for action in ("upgrade", "rollback"):
        notebook_only = actions.add_parser(action, help="in a notebook only: %%flink_deploy "
                                           "NAME --upgrade, %flink_deploy rollback NAME")
        notebook_only.add_argument("rest", nargs="*")
        notebook_only.set_defaults(func=_notebook_only, deploy_action=action)


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


def _history(args: argparse.Namespace) -> int:
    from flink_notebook.deploy.lifecycle import history

    print(history(args.name))
    return 0


def _notebook_only(args: argparse.Namespace) -> int:
    import sys

    how = ("%%flink_deploy NAME --upgrade on a cell" if args.deploy_action == "upgrade"
           else "%flink_deploy rollback NAME [--to N]")
    print(f"deploy {args.deploy_action} runs in a notebook, as the plan starts from a "
          f"kernel's session: {how}.", file=sys.stderr)
    return 2
