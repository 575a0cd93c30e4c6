"""``flink-notebook cluster start|status|stop`` (filled in by the clusters work)."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``cluster`` sub-command."""
