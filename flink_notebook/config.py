"""Kept for code written against earlier releases: the notebook's Configuration now lives in
:mod:`flink_notebook.core.config`. New code imports from there."""

from flink_notebook.core.config import OPTIONS, ConfigOption, Configuration, parse_assignments

__all__ = ["OPTIONS", "ConfigOption", "Configuration", "parse_assignments"]
