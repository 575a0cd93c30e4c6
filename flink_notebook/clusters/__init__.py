"""Flink clusters on this machine: the embedded one (in the kernel's JVM), standalone ones
from the PyFlink distribution (:class:`LocalCluster`), their on-disk registry, the lease
that stops them when their owner or their jobs are gone, and ``%flink_cluster``'s
commands."""

from flink_notebook.clusters.standalone import LocalCluster

__all__ = ["LocalCluster"]
