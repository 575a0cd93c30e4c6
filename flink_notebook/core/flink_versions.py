"""Which Flink the kernel runs, which ones this release supports there, and whether a
cluster's Flink can run what the kernel builds.

A job is built in the kernel (planned, its job graph serialized with the kernel's Flink
classes) and run by the cluster's Flink: across minor versions the two do not agree (a
1.20 cluster refuses a 2.3 client's submission; a 2.2 one fails on classes whose
serialized form changed). So a submission to a cluster of another minor version is refused
before anything is sent, naming both versions. What goes over REST only (status, cancel,
savepoints, attach, ``SHOW JOBS``) works across versions and is not refused: attaching to
a job on a cluster of another minor version says what works from here.

A cluster's version is ``flink-version`` of its REST API's GET /config, read on first contact
(``jobs.rest.reached``) and kept per address.
"""

from __future__ import annotations

from importlib import metadata

from IPython.core.error import UsageError

#: The apache-flink minor versions this release runs in the kernel.
SUPPORTED_MINORS = ("1.20", "2.0", "2.1", "2.2", "2.3")
_DISTRIBUTION = "apache-flink"


def minor(version: str) -> str:
    """``2.3`` of ``2.3.0`` (or of ``2.3-SNAPSHOT``)."""
    return ".".join(version.split("-", 1)[0].split(".")[:2])


def minor_tuple(version: str) -> tuple[int, int]:
    """``(2, 3)`` of ``2.3.0``, ``2.3`` or ``2.3-SNAPSHOT``: minors compared as numbers."""
    major, minor_ = minor(version).split(".")
    return int(major), int(minor_)


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
    supported = _supported()
    if version is None:
        raise UsageError(f"flink-notebook needs apache-flink {supported}, and this kernel's "
                         f"Python has none: pip install 'apache-flink=={SUPPORTED_MINORS[-1]}.*'")
    if minor(version) not in SUPPORTED_MINORS:
        raise UsageError(f"flink-notebook supports apache-flink {supported} in the kernel, and "
                         f"this kernel has {version}: pip install "
                         f"'apache-flink=={SUPPORTED_MINORS[-1]}.*', then restart the kernel.")


def _supported() -> str:
    """``1.20.x, 2.0.x, ... or 2.3.x``."""
    each = [f"{supported}.x" for supported in SUPPORTED_MINORS]
    return ", ".join(each[:-1]) + " or " + each[-1] if len(each) > 1 else each[0]


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
        instead = (f"This release of flink-notebook runs Flink {_supported()} only: use a "
                   f"Flink {minor(kernel)} cluster.")
    raise UsageError(f"The cluster at {url} runs Flink {cluster_version} and this kernel "
                     f"PyFlink {kernel}: jobs built here cannot run there. {instead}")


def other_flink_note(url: str, cluster_version: str | None, kernel: str | None = None
                     ) -> str | None:
    """What a handle for a job on the cluster at ``url`` can do from this kernel when the
    cluster runs another Flink minor version (None when it runs the kernel's)."""
    kernel = kernel_version() if kernel is None else kernel
    if kernel is None or not cluster_version or minor(cluster_version) == minor(kernel):
        return None
    return (f"The cluster at {url} runs Flink {cluster_version} and this kernel PyFlink "
            f"{kernel}: its jobs' state, views, cancel and savepoints work from here; "
            f"submitting jobs to it needs apache-flink=={cluster_version} in the kernel.")


#: PyFlink's public API that a notebook's code may call and that older supported Flinks
#: lack: ``Class.member`` → the first minor that has it (read from each supported PyFlink's
#: classes; tests/core/test_flink_versions.py checks it against the installed one). A
#: ``%%flink`` cell or ``%flink_run`` program that calls one on an older kernel is told so.
PYFLINK_SINCE = {
    **dict.fromkeys(["Table.get_resolved_schema", "Table.insert_into", "Table.print_explain",
                     "TableResult.get_resolved_schema", "StatementSet.add",
                     "StatementSet.compile_plan", "StatementSet.print_explain"], "2.1"),
    **{f"{owner}.{member}": "2.1"
       for owner in ("TableEnvironment", "StreamTableEnvironment")
       for member in ("compile_plan_sql", "create_model", "create_temporary_model",
                      "drop_model", "drop_temporary_model", "execute_plan", "list_models",
                      "list_temporary_models", "load_plan")},
    **{f"{owner}.{member}": "2.0"
       for owner in ("TableEnvironment", "StreamTableEnvironment")
       for member in ("create_catalog", "create_view", "drop_table", "drop_view")},
    **{f"{owner}.list_materialized_tables": "2.2"
       for owner in ("TableEnvironment", "StreamTableEnvironment")},
    "Table.from_changelog": "2.3",
    "Table.to_changelog": "2.3",
}


def later_api(owner_names: list[str], member: str, kernel: str | None = None) -> str | None:
    """``Table.insert_into needs Flink 2.1 or later; this kernel has PyFlink 1.20.5`` when
    the member, looked up on the owner's classes (its MRO's names), is newer PyFlink API
    than the kernel's; else None."""
    kernel = kernel_version() if kernel is None else kernel
    if kernel is None:
        return None
    for owner in owner_names:
        since = PYFLINK_SINCE.get(f"{owner}.{member}")
        if since is not None and minor_tuple(kernel) < minor_tuple(since):
            return (f"{owner}.{member} needs Flink {since} or later; this kernel has PyFlink "
                    f"{kernel}")
    return None
