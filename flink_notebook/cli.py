"""``flink-notebook``: run a notebook headless, manage local clusters."""

from __future__ import annotations

import argparse
import sys

from IPython.core.error import UsageError

from flink_notebook import __version__, cluster_cli


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="flink-notebook", description="Apache Flink in notebooks."
    )
    main.add_argument("--version", action="version", version=f"flink-notebook {__version__}")
    commands = main.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="execute a notebook headless and say what each "
                                          "cell did")
    run.add_argument("notebook")
    run.add_argument("--timeout", type=int, default=600, help="seconds per cell (600)")
    run.add_argument("--output", help="save the executed notebook here")
    run.set_defaults(func=_run)
    cluster_cli.add_parser(commands)
    return main


def _run(args: argparse.Namespace) -> int:
    from flink_notebook.runner import run_notebook

    return run_notebook(args.notebook, timeout=args.timeout, output=args.output)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"flink-notebook: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
