"""What a job printed on a cluster's TaskManagers (a print sink, ``ds.print()``, a UDF's
``print``), read back through Flink's REST API so that it can appear in the cell.

On the embedded cluster the TaskManager is the kernel's own JVM, whose output Jupyter
shows. On a remote or per-job cluster it goes to each TaskManager's ``.out`` file. When a
job is submitted, the size of every TaskManager's ``.out`` file is noted
(``/taskmanagers/<id>/logs`` lists them with their sizes, without reading them); when the
job ends, what was added since is read (``/taskmanagers/<id>/logs/<file>``), before a
per-job cluster goes away with its job. On a session cluster shared with others, lines
other jobs printed meanwhile are in it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from IPython.core.error import UsageError

if TYPE_CHECKING:
    from flink_notebook.jobs.rest import RestClient

#: At most this much of what a job printed is kept (the rest is said to be cut).
MAX_OUTPUT_BYTES = 1 << 20


def _out_files(rest: RestClient) -> dict[tuple[str, str], int]:
    """(TaskManager id, .out file name): size, for every TaskManager's stdout file."""
    files = {}
    for manager in rest.taskmanagers():
        tm_id = manager["id"]
        for log in rest.get(f"/taskmanagers/{tm_id}/logs").get("logs", []):
            name = log.get("name", "")
            # Ours is taskmanager.out; a daemon's flink-<user>-taskexecutor-<n>-<host>.out.
            if name.endswith(".out") and ("taskmanager" in name or "taskexecutor" in name):
                files[(tm_id, name)] = int(log.get("size", 0))
    return files


class TaskManagerOutput:
    """The TaskManagers' stdout as it was at submission; :meth:`capture` reads what was
    added since, :attr:`text` holds it."""

    def __init__(self, rest: RestClient) -> None:
        self.rest = rest
        self.text: str | None = None
        try:
            self._marks = _out_files(rest)
        except (UsageError, KeyError, AttributeError):
            self._marks = {}

    def capture(self, _job=None) -> str:  # noqa: ANN001 - a JobClient's end callback
        """What the TaskManagers printed since the submission ("" if nothing or unknown)."""
        if self.text is not None:
            return self.text
        parts: list[str] = []
        size = 0
        try:
            for (tm_id, name), now in sorted(_out_files(self.rest).items()):
                start = self._marks.get((tm_id, name), 0)
                if now <= start:
                    continue
                added = self.rest.raw(f"/taskmanagers/{tm_id}/logs/{name}")[start:]
                size += len(added)
                parts.append(added.decode("utf-8", "replace"))
        except UsageError:
            pass  # the cluster went away first: nothing to show
        text = "".join(parts)
        if size > MAX_OUTPUT_BYTES:
            text = (text[:MAX_OUTPUT_BYTES]
                    + f"\n... ({size - MAX_OUTPUT_BYTES:,} more bytes in the TaskManagers' "
                      ".out files)\n")
        self.text = text
        return text
