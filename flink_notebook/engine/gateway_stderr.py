"""The gateway JVM's stderr, always read. PyFlink launches the kernel's JVM with stderr a
pipe and reads it only if the JVM dies before it answers; once the pipe's 64 KiB are full,
every Java thread that writes to ``System.err`` blocks for good (a job's ``print`` sink to
stderr, a library's warnings), and with it the job, its cancel and the kernel's exit.
Here a daemon thread copies it to the kernel's own stderr, where the JVM's stdout goes
too (ipykernel shows both in the running cell, as Flink's local mode prints them), as it
comes; PyFlink's start-up error still gets its last lines."""

from __future__ import annotations

import os
import threading
from typing import IO, Any

from flink_notebook.engine.internals import gateway_launcher, replace_gateway_launcher

#: What PyFlink's start-up error quotes of a JVM that died before it answered.
TAIL_BYTES = 64 * 1024
_CHUNK = 64 * 1024
#: What Java 17 says of the ``--add-opens`` PyFlink's launcher always passes: nothing a
#: user can act on, and ipykernel would show it in a cell.
_LAUNCHER_WARNING = b"WARNING: Unknown module: jdk.proxy2 specified to --add-opens\n"


class DrainedStderr:
    """Reads a JVM's stderr pipe on a daemon thread from the start, writing each chunk to
    file descriptor ``to`` and keeping the last :data:`TAIL_BYTES`. Stands in for the
    pipe in PyFlink's hands: its ``read()`` gives that tail once the JVM has ended."""

    def __init__(self, pipe: IO[bytes], to: int = 2) -> None:
        self._pipe, self._to = pipe, to
        self._tail = bytearray()
        self._thread = threading.Thread(target=self._drain, name="gateway-stderr", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        passing_on = True
        with self._pipe:
            while chunk := self._pipe.read1(_CHUNK):
                self._tail = (self._tail + chunk)[-TAIL_BYTES:]
                if passing_on:
                    passing_on = _write_all(self._to, chunk.replace(_LAUNCHER_WARNING, b""))

    def read(self, timeout: float = 5.0) -> bytes:
        """The last bytes the JVM wrote, once it has closed its stderr (or ``timeout``
        seconds on)."""
        self._thread.join(timeout)
        return bytes(self._tail)


def _write_all(fd: int, data: bytes) -> bool:
    """Write ``data`` to ``fd``; False if it cannot be written to (closed): the pipe is
    read on regardless, or the JVM would block."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        return False
    return True


def drain_gateway_stderr() -> None:
    """From now on, every gateway JVM PyFlink launches in this process (the session's, or
    one a cell's own PyFlink code starts first) has its stderr drained (see
    :class:`DrainedStderr`). PyFlink keeps the process to itself, so its launcher is
    wrapped, once."""
    launch = gateway_launcher()
    if getattr(launch, "drains_stderr", False):
        return

    def launch_drained(env: dict[str, str], args: list[str]) -> Any:
        process = launch(env, args)
        if process.stderr is not None:
            process.stderr = DrainedStderr(process.stderr)
        return process

    launch_drained.drains_stderr = True  # type: ignore[attr-defined]
    replace_gateway_launcher(launch_drained)
