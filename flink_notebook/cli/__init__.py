"""``flink-notebook``: run a notebook headless, start JupyterLab, manage local clusters and
deployments."""

from __future__ import annotations

import argparse
import sys

from IPython.core.error import UsageError

from flink_notebook import __version__
from flink_notebook.cli import cluster, deploy, lab


def parser() -> argparse.ArgumentParser:
    """The ``flink-notebook`` argument parser; each sub-command sets ``func(args) -> int``."""
    main = argparse.ArgumentParser(prog="flink-notebook", description="Apache Flink in notebooks.")
    main.add_argument("--version", action="version", version=f"flink-notebook {__version__}")
    commands = main.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="execute a notebook headless, printing what each cell did"
    )
    run.add_argument("notebook", help="path of the .ipynb file")
    run.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (600)")
    run.add_argument("--output", help="save the executed notebook (with outputs) here")
    run.add_argument("--solutions", metavar="FILE",
                     help="a lesson's solutions (notebooks/solutions/<lesson>.py): put into its "
                          "exercise cells for this run (docs/teaching.md)")
    run.add_argument("--wrong", metavar="ID",
                     help="with --solutions: exercise ID gets its wrong answer instead; all: "
                          "each wrong answer is checked after its solution's check")
    run.set_defaults(func=_run)
    lab.add_parser(commands)
    cluster.add_parser(commands)
    deploy.add_parser(commands)
    archive = commands.add_parser(
        "class-archive", help="write the class-data-sharing archive that makes a kernel's "
        "Java start faster (once per PyFlink and Java; kernels use it when it is there)")
    archive.add_argument("--force", action="store_true", help="write it again")
    archive.set_defaults(func=_class_archive)
    return main


def _class_archive(args: argparse.Namespace) -> int:
    from flink_notebook.cli.class_archive import build

    try:
        build(force=args.force)
    except RuntimeError as exc:
        print(f"flink-notebook: could not write the class archive: {exc}", file=sys.stderr)
        return 1
    return 0


def _run(args: argparse.Namespace) -> int:
    from flink_notebook.cli.run import run_notebook

    if args.wrong and not args.solutions:
        raise UsageError("--wrong ID needs --solutions FILE (where the wrong answers are).")
    return run_notebook(args.notebook, timeout=args.timeout, output=args.output,
                        solutions=args.solutions, wrong=args.wrong)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for a usage error, like argparse's)."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"flink-notebook: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
