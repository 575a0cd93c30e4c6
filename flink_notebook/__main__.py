"""``python -m flink_notebook``: the ``flink-notebook`` command."""

from __future__ import annotations

import sys

from flink_notebook.cli import main

sys.exit(main())
