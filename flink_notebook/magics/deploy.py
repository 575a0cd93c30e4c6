"""``%%flink_deploy NAME [--upgrade]`` (deploy the cell's pipeline, or upgrade to it) and
``%flink_deploy list|show|stop|rollback|history`` (what ``flink-notebook deploy`` does):
parse, call :mod:`flink_notebook.deploy`."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from flink_notebook.cells.notebook import Notebook
from flink_notebook.magics.options import parse_options

ACTIONS = ("list", "show", "stop", "rollback", "history")
_USAGE = ("%flink_deploy list | show NAME | stop NAME [--savepoint] | rollback NAME [--to N] "
          "| history NAME; %%flink_deploy NAME [--upgrade] on a cell deploys it.")


@magics_class
class DeployMagics(Magics):
    """Deployments: pipelines that run detached, named and versioned."""

    @magic_arguments()
    @argument("words", nargs="+",
              metavar="NAME | list | show NAME | stop NAME | rollback NAME | history NAME",
              help="as a cell magic: the deployment's name; as a line magic: what to do")
    @argument("--target", choices=["per-job", "remote"],
              help="cell: where it runs (default: remote when the notebook's target is "
                   "remote, else per-job, its own cluster)")
    @argument("-p", "--parallelism", type=int, metavar="N", help="cell: parallelism.default")
    @argument("-D", dest="define", action="append", default=[], metavar="KEY=VALUE",
              help="cell: a configuration option for the deployment (repeatable)")
    @argument("-o", "--out", metavar="VAR", help="cell, rollback: bind the job handle to VAR")
    @argument("--savepoint", action="store_true", help="stop: stop with a savepoint")
    @argument("--upgrade", action="store_true",
              help="cell: the running version's successor, started from its savepoint")
    @argument("--allow-state-loss", action="store_true",
              help="cell, with --upgrade: upgrade although stateful operators change")
    @argument("--to", type=int, metavar="N", help="rollback: the version (default: previous)")
    @line_cell_magic
    def flink_deploy(self, line: str, cell: str | None = None) -> Any:
        """``%%flink_deploy NAME``: the cell's INSERT or statement set (after the CREATE and
        SET statements it needs) becomes deployment NAME's next version: its artifact
        (compiled plan, DDL, options) in the state directory, its job ``NAME vN`` detached
        on per-job or remote, outliving the kernel. With ``--upgrade``: the running version
        is stopped with a savepoint and the new one starts from it, after a report of each
        stateful operator's state (refused when state would be lost, unless
        ``--allow-state-loss``). ``%flink_deploy list``, ``show NAME``, ``stop NAME
        [--savepoint]``, ``rollback NAME [--to N]``, ``history NAME``."""
        args = parse_options(self.flink_deploy, line)
        if cell is not None:
            return self._deploy(args, cell)
        from flink_notebook.deploy import lifecycle

        action, *names = args.words
        if action not in ACTIONS or (action == "list") != (not names) or len(names) > 1:
            raise UsageError(_USAGE)
        if action == "list":  # a table (the command line's is text)
            listed = lifecycle.table()
            if listed.empty:
                print(lifecycle.listing())  # says how to make one
                return None
            return listed
        if action == "show":
            print(lifecycle.shown(names[0]))
        elif action == "history":
            print(lifecycle.history(names[0]))
        elif action == "rollback":
            from flink_notebook.deploy.upgrade import rollback

            job = rollback(Notebook.current(), names[0], args.to)
            if args.out:
                self.shell.user_ns[args.out] = job
        else:
            print(lifecycle.stop(names[0], args.savepoint))
        return None

    def _deploy(self, args: Any, cell: str) -> Any:
        from flink_notebook.cells.request import CellRequest
        from flink_notebook.core.config import parse_assignments
        from flink_notebook.deploy.run import deploy

        if len(args.words) != 1:
            raise UsageError("%%flink_deploy NAME [--target per-job|remote]: one name.")
        notebook = Notebook.current()
        options: dict[str, Any] = parse_assignments(args.define)
        remote = notebook.configuration.get("execution.target") == "remote"
        if args.allow_state_loss and not args.upgrade:
            raise UsageError("--allow-state-loss goes with --upgrade.")
        if args.target or not args.upgrade:  # an upgrade keeps the running version's kind
            options["execution.target"] = args.target or ("remote" if remote else "per-job")
        if args.parallelism is not None:
            options["parallelism.default"] = args.parallelism
        from flink_notebook.cells.scripts import run_init_sql
        from flink_notebook.display.progress import cell_progress

        with cell_progress(notebook.configuration.get("notebook.renderer") or "auto",
                           started=notebook.session.ready):  # "Starting Flink… 3 s"
            run_init_sql(notebook)  # its tables are the session's, as for %%flink_sql
            request = CellRequest(options=options, out=args.out)
            if args.upgrade:
                from flink_notebook.deploy.upgrade import upgrade

                job = upgrade(notebook, args.words[0], cell, request, self.shell.user_ns,
                              args.allow_state_loss)
            else:
                job = deploy(notebook, args.words[0], cell, request, self.shell.user_ns)
        if args.out:
            if not args.out.isidentifier():
                raise UsageError(f"-o needs a Python variable name, got {args.out!r}.")
            self.shell.user_ns[args.out] = job
        return None
