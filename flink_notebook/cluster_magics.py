"""``%flink_cluster`` and ``%flink_attach``: clusters and jobs outside the kernel."""

from __future__ import annotations

from IPython.core.magic import Magics, magics_class


@magics_class
class ClusterMagics(Magics):
    """Magics for standalone clusters and existing jobs."""
