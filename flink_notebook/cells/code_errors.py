"""Java errors raised by a ``%%flink`` cell's code (or a ``%flink_run`` program), as short as
a SQL cell's: the root cause and the line of the code that called Java, secrets masked. The
Python frames and the Java trace come only with ``--verbose``, masked too."""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable
from pathlib import Path

from flink_notebook.core.errors import java_error_summary, wrap_message
from flink_notebook.core.flink_versions import later_api
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
    at = _code_line(own, code)
    # What a SQL statement's parser expected goes under the code's line, as in a SQL cell.
    below = [line for line in summary.split("\n") if line.startswith("Expected: ")]
    summary = "\n".join(line for line in summary.split("\n") if line not in below)
    if at is not None:
        number, line = at
        parts = [f"Java error at line {number} of {place}: {summary}", f"{number:>4} | {line}"]
    else:
        parts = [f"Java error: {summary}"]
    parts += below
    if not verbose:
        parts.append("(add --verbose to the magic line for the Java trace)")
    message = wrap_message("\n".join(parts))  # at words; the code's line kept whole
    if verbose:
        message += "\n\n" + "\n".join(["Traceback (most recent call last):",
                                       "".join(traceback.format_list(frames)).rstrip(), trace])
    return mask_text(message, secrets)


_NO_ATTRIBUTE = re.compile(r"'(\w+)' object has no attribute '(\w+)'")


def later_api_error(exc: BaseException, filename: str, code: str,
                    place: str = "the cell") -> str | None:
    """The code called PyFlink API that the kernel's Flink is too old for (an
    AttributeError on one of core/flink_versions.PYFLINK_SINCE's members): that, in one line,
    with the code's line. None for any other error::

        Table.insert_into needs Flink 2.1 or later; this kernel has PyFlink 1.20.5 (line 3 of
        the cell).
           3 | t.insert_into("sink").execute()
    """
    if not isinstance(exc, AttributeError):
        return None
    found = _NO_ATTRIBUTE.search(str(exc))
    member = getattr(exc, "name", None) or (found.group(2) if found else None)
    owner = getattr(exc, "obj", None)
    owners = ([cls.__name__ for cls in type(owner).__mro__] if owner is not None
              else [found.group(1)] if found else [])
    said = later_api(owners, member) if member else None
    if said is None:
        return None
    at = _code_line([frame for frame in traceback.extract_tb(exc.__traceback__)
                     if frame.filename == filename], code)
    if at is not None:
        number, line = at
        return wrap_message(f"{said} (line {number} of {place}).\n{number:>4} | {line}")
    return wrap_message(f"{said}.")


def _code_line(own: list[traceback.FrameSummary], code: str) -> tuple[int, str] | None:
    """Where the code's last frame of ``own`` (its frames in a traceback) stands: its line
    number and text; None when there is none."""
    lines = code.split("\n")
    if own and 0 < (own[-1].lineno or 0) <= len(lines):
        number = own[-1].lineno
        return number, lines[number - 1].rstrip()
    return None
