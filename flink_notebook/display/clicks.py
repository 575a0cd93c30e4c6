"""Clicks on a view's buttons while its cell still runs (an attached job).

A kernel runs one shell message at a time on its main thread, so a button's click (a
``comm_msg``) waits until the cell that follows the job has returned: too late to cancel
it. ipykernel 7 has kernel subshells (JEP 91): shell messages are received on their own
thread and handed to the main thread or to a subshell's thread, and a comm may say which
(``_reply_subshell_for``). A view being followed routes its buttons' comms to one subshell
of ours; the click then arrives at once, on that subshell's thread, and is queued here for
the following loop, which acts on it on the cell's thread (where Java and the rows are
used) and wakes up for it at once instead of at the next refresh.

Where the kernel has no subshells (ipykernel 6, or no kernel), nothing is routed and a
click is handled when the cell has returned, as before; Ctrl-C cancels in every kernel.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
from typing import Any, Callable

_lock = threading.Lock()
_subshell: dict[int, str] = {}  # id(kernel): our subshell's id


def _kernel() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    if kernel is None or not getattr(kernel, "_supports_kernel_subshells", False):
        return None
    thread = getattr(kernel, "shell_channel_thread", None)
    if thread is None or not thread.is_alive():
        return None
    return kernel


def _our_subshell(kernel: Any) -> str | None:
    """Our subshell's id (made once per kernel, on the shell channel's thread, where the
    kernel makes its subshells), or None where that fails."""
    with _lock:
        if id(kernel) in _subshell:
            return _subshell[id(kernel)]
        thread = kernel.shell_channel_thread
        done: concurrent.futures.Future[str] = concurrent.futures.Future()
        try:
            manager = thread.manager  # made lazily, and on the main thread only
        except Exception:  # noqa: BLE001 - an ipykernel without this: clicks wait
            return None

        def make() -> None:
            try:
                done.set_result(manager._create_subshell())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                done.set_exception(exc)

        try:
            thread.io_loop.add_callback(make)
            subshell_id = done.result(timeout=5)
        except Exception:  # noqa: BLE001 - an ipykernel without this: clicks wait
            return None
        _subshell[id(kernel)] = subshell_id
        return subshell_id


class Clicks:
    """The clicks of one followed view: ``route(widget)`` while it is followed,
    ``wait(seconds)`` in the following loop (returns early with the clicks' actions),
    ``release()`` when the cell returns."""

    def __init__(self) -> None:
        self._actions: queue.Queue[Callable[[], None]] = queue.Queue()
        self._routed: list[Any] = []
        self.live = False  # True while clicks are taken during the cell

    def route(self, *widgets: Any) -> bool:
        """Send these widgets' clicks to our subshell; False where the kernel cannot."""
        kernel = _kernel()
        subshell_id = None if kernel is None else _our_subshell(kernel)
        if subshell_id is None:
            return False
        for widget in widgets:
            comm = getattr(widget, "comm", None)
            if comm is None:
                continue
            comm._reply_subshell_for = lambda data, default, _id=subshell_id: _id
            self._routed.append(comm)
        self.live = True
        return True

    def release(self) -> None:
        """Clicks go to the main thread again (the cell has returned)."""
        for comm in self._routed:
            comm.__dict__.pop("_reply_subshell_for", None)
        self._routed.clear()
        self.live = False

    def put(self, action: Callable[[], None]) -> None:
        """A click's action, for the following loop (called on the subshell's thread)."""
        self._actions.put(action)

    def wait(self, seconds: float) -> list[Callable[[], None]]:
        """Sleep up to ``seconds``, less if a click comes; the clicks' actions."""
        try:
            actions = [self._actions.get(timeout=max(seconds, 0.0))]
        except queue.Empty:
            return []
        while True:
            try:
                actions.append(self._actions.get_nowait())
            except queue.Empty:
                return actions
