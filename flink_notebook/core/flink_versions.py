"""Which Flink the kernel runs, which ones this release supports there, and whether a
cluster's Flink can run what the kernel builds.

A job is built in the kernel (planned, its job graph serialized with the kernel's Flink
classes) and run by the cluster's Flink: across minor versions the two do not agree (a
1.20 cluster refuses a 2.3 client's submission; a 2.2 one fails on classes whose
serialized form changed). So a submission to a cluster of another minor version is refused
before anything is sent, naming both versions. What goes over REST only (status, cancel,
savepoints, attach, ``SHOW JOBS``) works across versions and is not checked.
"""

from __future__ import annotations

from importlib import metadata

from IPython.core.error import UsageError

#: The apache-flink minor versions this release runs in the kernel.
SUPPORTED_MINORS = ("2.3",)
_DISTRIBUTION = "apache-flink"


def minor(version: str) -> str:
    """``2.3`` of ``2.3.0`` (or of ``2.3-SNAPSHOT``)."""
    return ".".join(version.split("-", 1)[0].split(".")[:2])


def kernel_version() -> str | None:
    """The kernel's apache-flink version, from its installed metadata (PyFlink itself is
    not imported: that takes a second, and the magics load before it, B1); None when it is
    not installed."""
    try:
        return metadata.version(_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def check_kernel(version: str | None = None) -> None:
    """A one-line UsageError when the kernel's apache-flink is missing or not one this
    release supports."""
    version = kernel_version() if version is None else version
    supported = " or ".join(f"{supported}.x" for supported in SUPPORTED_MINORS)
    if version is None:
        raise UsageError(f"flink-notebook needs apache-flink {supported}, and this kernel's "
                         f"Python has none: pip install 'apache-flink=={SUPPORTED_MINORS[-1]}.*'")
    if minor(version) not in SUPPORTED_MINORS:
        raise UsageError(f"flink-notebook supports apache-flink {supported} in the kernel, and "
                         f"this kernel has {version}: pip install "
                         f"'apache-flink=={SUPPORTED_MINORS[-1]}.*', then restart the kernel.")


def check_cluster(url: str, cluster_version: str, kernel: str | None = None) -> None:
    """A one-line UsageError when the cluster at ``url`` runs a Flink minor version other
    than the kernel's: jobs built here would not run there."""
    kernel = kernel_version() if kernel is None else kernel
    if kernel is None or not cluster_version or minor(cluster_version) == minor(kernel):
        return
    if minor(cluster_version) in SUPPORTED_MINORS:
        instead = (f"Install apache-flink=={cluster_version} in the kernel's environment, or "
                   f"use a Flink {minor(kernel)} cluster.")
    else:
        instead = (f"This release of flink-notebook runs Flink "
                   f"{', '.join(SUPPORTED_MINORS)} only: use a Flink {minor(kernel)} cluster.")
    raise UsageError(f"The cluster at {url} runs Flink {cluster_version} and this kernel "
                     f"PyFlink {kernel}: jobs built here cannot run there. {instead}")
