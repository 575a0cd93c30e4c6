"""Java errors raised by a ``%%flink`` cell's code (or a ``%flink_run`` program), as short as
a SQL cell's: the root cause and the line of the code that called Java, secrets masked. The
Python frames and the Java trace come only with ``--verbose``, masked too."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from pathlib import Path

from flink_notebook.core.errors import java_error_summary
from flink_notebook.core.secrets import mask_text, secret_values

_OURS = str(Path(__file__).parents[1])  # the flink_notebook package


def java_errors() -> tuple[type[BaseException], ...]:
    """What PyFlink raises for a Java exception: py4j's error and PyFlink's own kinds."""
    from py4j.protocol import Py4JJavaError
    from pyflink.util.exceptions import JavaException

    return (JavaException, Py4JJavaError)


def format_code_error(exc: BaseException, filename: str, code: str, place: str = "the cell",
                      verbose: bool = False, secrets: Iterable[str] = ()) -> str:
    """The error of the code compiled as ``filename`` (its text ``code``; ``place`` says
    what it is to a user) at the line that called Java.

    ::

        Java error at line 2 of the cell: Unsupported options found for 'datagen'.
           2 | t_env.execute_sql("CREATE TABLE t ... 'password'='********'")
        (add --verbose to the magic line for the Java trace)

    ``secrets`` are values known to be secret besides those written in ``code`` (the SQL
    the code built and ran): they are masked wherever they appear.
    """
    secrets = {*secrets, *secret_values(code)}
    summary, trace = java_error_summary(exc)
    frames = traceback.extract_tb(exc.__traceback__)
    own = [frame for frame in frames if frame.filename == filename]
    # The trace from the code's first frame on, without the notebook's own routing frames.
    start = frames.index(own[0]) if own else 0
    frames = [frame for frame in frames[start:] if not frame.filename.startswith(_OURS)]
    lines = code.split("\n")
    if own and 0 < (own[-1].lineno or 0) <= len(lines):
        number = own[-1].lineno
        parts = [f"Java error at line {number} of {place}: {summary}",
                 f"{number:>4} | {lines[number - 1].rstrip()}"]
    else:
        parts = [f"Java error: {summary}"]
    if verbose:
        parts += ["", "Traceback (most recent call last):",
                  "".join(traceback.format_list(frames)).rstrip(), trace]
    else:
        parts.append("(add --verbose to the magic line for the Java trace)")
    return mask_text("\n".join(parts), secrets)
