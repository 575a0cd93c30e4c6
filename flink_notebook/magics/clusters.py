"""``%flink_cluster`` and ``%flink_attach``: clusters and jobs outside the kernel."""

from __future__ import annotations

import html
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display

from flink_notebook.cells.notebook import Notebook
from flink_notebook.magics.options import parse_options


@magics_class
class ClusterMagics(Magics):
    """Magics for standalone clusters and existing jobs."""

    @magic_arguments()
    @argument("action", choices=["start", "status", "stop"])
    @argument("name", nargs="?", help="stop: the cluster to stop (default: this notebook's)")
    @argument("--slots", type=int, default=2, help="start: task slots per TaskManager (2)")
    @argument("--taskmanagers", type=int, default=1,
              help="start: TaskManagers (1; 0 with --bind: they join from other hosts)")
    @argument("--bind", metavar="ADDRESS", default="127.0.0.1",
              help="start: this host's address to listen on, so that other hosts reach it "
                   "(default 127.0.0.1: this host only)")
    @argument("--name", dest="start_name", metavar="NAME", help="start: the cluster's name")
    @argument("--use", action="store_true",
              help="start: also make remote the notebook's target (execution.target=remote)")
    @argument("--all", action="store_true", help="stop: every known cluster")
    @line_magic
    def flink_cluster(self, line: str) -> Any:
        """Start, list and stop standalone Flink session clusters (on 127.0.0.1 unless
        ``--bind`` names another address of this host; TaskManagers on other hosts join
        it with ``flink-notebook cluster join``).

        ``start`` leases the cluster to this kernel (it stops with the kernel) and points
        the ``remote`` target at it: ``--target remote`` on a cell, or ``--use``.
        """
        from flink_notebook.cells import clusters as notebook_clusters

        args = parse_options(self.flink_cluster, line)
        notebook = Notebook.current()
        if args.action == "start":
            cluster = notebook_clusters.start_cluster(
                notebook, args.slots, args.taskmanagers, args.start_name, args.use, args.bind
            )
            _say_started(cluster, args.use)
        elif args.action == "status":
            return notebook_clusters.cluster_table(notebook)
        else:
            for line in notebook_clusters.stop_clusters(notebook, args.name, args.all):
                print(line)
        return None

    @magic_arguments()
    @argument("job_id", help="the job's id (32 hexadecimal characters)")
    @argument("--rest", metavar="URL",
              help="the cluster's REST URL (default: the remote target's, else the embedded)")
    @argument("-o", "--out", metavar="VAR", help="bind the handle to VAR")
    @line_magic
    def flink_attach(self, line: str) -> Any:
        """A live handle for a job already running on a cluster: status, view, cancel and
        savepoints, as for jobs started here."""
        from flink_notebook.display.monitor import show
        from flink_notebook.jobs.attach import attach

        args = parse_options(self.flink_attach, line)
        if args.out and not args.out.isidentifier():
            raise UsageError(f"-o needs a Python variable name, got {args.out!r}.")
        notebook = Notebook.current()
        job = notebook.register(attach(notebook.session, args.job_id, args.rest))
        show(job, notebook.configuration)
        if args.out:
            self.shell.user_ns[args.out] = job
        return None  # the view is on display already


def _say_started(cluster: Any, used: bool) -> None:
    url = cluster.rest_url
    how = ("the notebook's target is now remote" if used
           else "run a cell on it with --target remote")
    esc = html.escape
    bound = ""
    if cluster.bind != "127.0.0.1":  # said each time: other hosts reach it, and run code
        bound = (f" Bound to {cluster.bind}: other hosts reach it (and whoever reaches it "
                 "can run code there). TaskManagers on other hosts join it with: "
                 f"flink-notebook cluster join --jobmanager {cluster.rpc_address} "
                 "--bind THAT_HOSTS_ADDRESS.")
    text = (f"Started Flink cluster {cluster.name} ({cluster.taskmanagers} TaskManager(s), "
            f"{cluster.slots} slot(s) each) at {url}: {how}. It stops with this kernel or "
            f"with %flink_cluster stop.{bound}")
    page = (f"<div>Started Flink cluster <b>{esc(cluster.name)}</b> ({cluster.taskmanagers} "
            f"TaskManager(s), {cluster.slots} slot(s) each) at "
            f"<a href='{esc(url)}' target='_blank'>{esc(url)}</a>: {esc(how)}. It stops with "
            f"this kernel or with <code>%flink_cluster stop</code>.{esc(bound)}</div>")
    display({"text/plain": text, "text/html": page}, raw=True)
