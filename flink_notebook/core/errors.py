"""Short messages from Java exceptions: the most useful cause in a line or two, without
Java class names, "Caused by" chains or secret option values. The Java trace is there only
on request (``--verbose`` / ``notebook.verbose-errors``). And :class:`Unreachable`, the
one kind of error that callers tell apart (it may go away on its own)."""

from __future__ import annotations

import difflib
import re
import textwrap
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from IPython.core.error import UsageError

from flink_notebook.core import flink_versions
from flink_notebook.core.secrets import HTTP_DUMP, mask_http_headers, mask_text


class Unreachable(UsageError):
    """The cluster did not answer (refused, timed out, no route, dropped): unlike a wrong
    address or certificate, it may answer again (a cut link, a JobManager restarting)."""


class RestRefused(UsageError):
    """Flink's REST API answered a request with an error ``status`` (409: the job is in a
    state that does not allow it, e.g. it has ended)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class PortTaken(UsageError):
    """A Flink process could not listen on its port: another process took it meanwhile
    (a start may try again on other free ports)."""


# "org.apache.flink.table.api.ValidationException: message", at the start of a
# line, possibly after "Caused by: " or py4j's ": ". Suppressed exceptions are
# indented and are not part of the cause chain.
_HEADER = re.compile(
    r"^(?:Caused by: |: )?(?P<cls>(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*"
    r"(?:Exception|Error|Throwable))(?:: (?P<message>.*))?$"
)
_FRAME = re.compile(r"^\s+(?:at |\.\.\. \d+ more)")
_JAVA_CLASS = re.compile(
    r"\b(?:org|java|javax|jdk|sun|scala|com|io)\.(?:[a-z_$][\w$]*\.)+([A-Z][\w$]*)"
)
_FLINK_POSITION = re.compile(r"[Ll]ine (\d+), column (\d+)")
_PREFIXES = re.compile(
    r"^(?:(?:SQL validation failed|SQL parse failed)\.\s*)+"
    r"|^(?:From line \d+, column \d+ to line \d+, column \d+|At line \d+, column \d+): "
)
_AT_POSITION = re.compile(r" at line \d+, column \d+\.?")
# Wrappers that only say an error happened; the cause beneath says which.
_GENERIC = re.compile(
    r"^(?:Job execution failed|Could not execute \w+|Internal server error"
    r"|Failed to execute|Program execution failed|Recovery is suppressed by)\b"
)
_ENCOUNTERED = re.compile(r'^Encountered (".*")\s*$', re.M)
_MAX_LINES = 4
_MAX_ITEMS = 10
# A printed HTTP message after a message's colon, and what the REST client says of an
# answer over its limit.
_HTTP_DUMP = re.compile(r":?[ \t]*" + HTTP_DUMP.pattern)
_TOO_LARGE = "Response entity too large"
_TOO_LARGE_HINT = ("the cluster's answer is over rest.client.max-content-length "
                   "(raise it, e.g. -D rest.client.max-content-length=209715200)")


@dataclass(frozen=True)
class _Cause:
    cls: str  # the Java class's simple name
    jdk: bool  # a java.* / javax.* class, whose name says what happened
    message: str


def java_error_summary(exc: BaseException) -> tuple[str, str]:
    """(short message, full trace) of an error.

    For a Java exception seen through py4j or PyFlink (or a Java trace from the
    REST API), the message is the most useful cause in a few lines, without
    Java class names, "Caused by" chains, or option values that may be
    secret. For a Python exception: its message and its Python traceback.
    """
    summary, trace, _ = position_in_statement(exc)
    return summary, trace


def _summarize(exc: BaseException) -> tuple[str, str, tuple[int, int] | None]:
    """(summary, trace, (line, column) Flink reported in the statement or None)."""
    text = _text(exc)
    causes = _causes(text)
    if not causes:
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return mask_text(text.strip()) or type(exc).__name__, mask_text(trace), None
    trace = mask_http_headers(mask_text(text))
    position = next(
        (
            (int(found.group(1)), int(found.group(2)))
            for cause in causes
            if (found := _FLINK_POSITION.search(cause.message))
        ),
        None,
    )
    return mask_text(_choose(causes, _python_error(text))), trace, position


def _text(exc: BaseException) -> str:
    # py4j's Py4JJavaError and PyFlink's JavaException both print the Java trace.
    try:
        return str(exc)
    except Exception:  # py4j asks the JVM for the trace; the JVM may be gone
        return repr(exc)


def _causes(text: str) -> list[_Cause]:
    """The cause chain, outermost first, each with its full (multi-line) message."""
    causes: list[_Cause] = []
    lines: list[str] | None = None
    for line in text.splitlines():
        header = _HEADER.match(line.rstrip())
        if header:
            lines = [header.group("message") or ""]
            cls = header.group("cls")
            causes.append(_Cause(cls.rsplit(".", 1)[-1], cls.startswith(("java.", "javax.")), ""))
        elif lines is not None and _FRAME.match(line):
            lines = None
        elif lines is not None:
            lines.append(line.rstrip())
        if lines is not None:
            last = causes[-1]
            causes[-1] = _Cause(last.cls, last.jdk, "\n".join(lines).strip())
    return causes


def _choose(causes: list[_Cause], python_error: str | None) -> str:
    """The root cause, with the outermost message as context when it adds some."""
    messages: list[str] = []
    for cause in causes:
        message = _clean(cause.message)
        if cause.jdk or not message:
            message = f"{cause.cls}: {message}" if message else cause.cls
        messages.append(message)
    root = python_error or messages[-1]
    top = messages[0]
    if top == root or top in root or root in top or _GENERIC.match(top):
        return root
    return f"{top}\n{root}"


#: How many expected tokens a syntax error names; "…" says there were more.
HINTED = 5
_EXPECTING = re.compile(r"^\s*Was expecting[^:\n]*:[ \t]*\n", re.M)
_WORD = re.compile(r"[A-Za-z_]+\Z")


def expected_tokens(text: str) -> list[str]:
    """The tokens of a Java message's first "Was expecting one of" listing, as Calcite
    writes them (``"FROM"``, ``<IDENTIFIER>``, ``<EOF>``); none without one."""
    found = _EXPECTING.search(text)
    if not found:
        return []
    tokens: list[str] = []
    for line in text[found.end():].split("\n"):
        token = line.strip().removesuffix("...").strip()
        if not token or token.startswith(("at ", "Caused by")):
            if tokens or token:
                break
            continue
        if token not in tokens:
            tokens.append(token)
    return tokens


def expected_line(tokens: list[str], rank: Callable[[str], int] | None = None) -> str:
    """``Expected: an identifier, FROM, ORDER, LIMIT, UNION, …``: the most useful few of
    Calcite's ``tokens`` (its many kinds of identifier as one, named first; then keywords,
    in ``rank``'s order when given; then other literals, the end of the statement and
    symbols), "…" when there were more; the last after "or" when they are all there."""
    identifier = any(token.endswith("IDENTIFIER>") for token in tokens)
    keywords = [token.strip('"') for token in tokens
                if token.startswith('"') and _WORD.match(token.strip('"'))]
    if rank is not None:
        keywords.sort(key=rank)
    others = list(dict.fromkeys(
        _literal(token) for token in tokens
        if token.startswith("<") and not token.endswith("IDENTIFIER>") and token != "<EOF>"))
    symbols = [token for token in tokens
               if token.startswith('"') and not _WORD.match(token.strip('"'))]
    named = ((["an identifier"] if identifier else []) + keywords + others
             + (["the end of the statement"] if "<EOF>" in tokens else []) + symbols)
    if not named:
        return ""
    if len(named) > HINTED:
        return "Expected: " + ", ".join(named[:HINTED]) + ", …"
    return "Expected: " + ", ".join(named[:-1]) + (" or " if len(named) > 1 else "") + named[-1]


def _literal(token: str) -> str:
    """A kind of literal Calcite expects, as one of a few: its many kinds of string (quoted,
    Unicode, C-style...) are "a string", of number "a number"."""
    if "STRING" in token:
        return "a string"
    if "NUMERIC" in token or "INTEGER" in token:
        return "a number"
    return token.strip("<>").lower().replace("_", " ")


def _clean(message: str) -> str:
    """A Java message without position prefixes, class names, long lists and
    table options (they may hold secrets)."""
    message = _JAVA_CLASS.sub(r"\1", _PREFIXES.sub("", message.strip()))
    message = _AT_POSITION.sub("", message)
    tokens = expected_tokens(message)
    if tokens:  # every token the parser could take: the hint names the likely ones
        message = _EXPECTING.split(message, maxsplit=1)[0].rstrip() + "\n" + expected_line(tokens)
    message = _ENCOUNTERED.sub(_syntax_error, message)
    message = _HTTP_DUMP.sub("", message)  # its headers say nothing a user needs
    if message.startswith(_TOO_LARGE):  # the REST client's limit on an answer
        message = f"{_TOO_LARGE}: {_TOO_LARGE_HINT}{message[len(_TOO_LARGE):]}"
    blocks = re.split(r"\n\s*\n", message)
    kept: list[str] = []
    index = 0
    while index < len(blocks):
        block = blocks[index].strip()
        items = blocks[index + 1].split("\n") if index + 1 < len(blocks) else []
        if block == "Table options are:":
            index += 2
            continue
        if block == "Supported options:" and kept and kept[-1].startswith("Unsupported options:"):
            kept[-1] += _suggestions(kept[-1], items)
            index += 2
            continue
        if block.endswith(":") and items:
            kept.append(f"{block} {_listing(items)}")
            index += 2
            continue
        kept.append(block)
        index += 1
    lines = [line for line in "\n".join(kept).split("\n") if line.strip()]
    return "\n".join(lines[:_MAX_LINES]).strip()


def _syntax_error(match: re.Match) -> str:
    token = match.group(1)
    if token == '"<EOF>"':
        return "Unexpected end of the statement"
    return f"Syntax error at {shorten(token, _SHOWN_TOKEN)}"  # Calcite quotes a literal whole


_SHOWN_TOKEN = 40


def _listing(items: list[str]) -> str:
    items = [item.strip() for item in items if item.strip()]
    shown = ", ".join(items[:_MAX_ITEMS])
    more = len(items) - _MAX_ITEMS
    return f"{shown}, and {more} more" if more > 0 else shown


def _suggestions(unsupported: str, supported: list[str]) -> str:
    """Close matches for each unsupported option, to catch typos."""
    supported = [item.strip() for item in supported if item.strip()]
    wrong = unsupported.split(":", 1)[1].split(",")
    matches = {
        match
        for key in wrong
        for match in difflib.get_close_matches(key.strip(), supported, 1, 0.8)
    }
    return f" (did you mean {', '.join(sorted(matches))}?)" if matches else ""


_PY_ERROR = re.compile(r"^\s*((?:\w+\.)*\w*(?:Error|Exception|Exit)): (.+)$", re.M)


def _python_error(text: str) -> str | None:
    """The last exception of a Python traceback inside a Java message (a Python UDF failed)."""
    if "Traceback (most recent call last)" not in text:
        return None
    tail = text[text.rindex("Traceback (most recent call last)") :]
    matches = _PY_ERROR.findall(tail)
    return f"{matches[-1][0]}: {matches[-1][1].strip()}" if matches else None


def summarize_trace(trace: str) -> str:
    """A Java trace as text (from the REST API) as a short message."""
    summary, _ = java_error_summary(_TraceText(trace))
    return summary


def position_in_statement(exc: BaseException) -> tuple[str, str, tuple[int, int] | None]:
    """(summary, trace, (line, column) Flink reported in the statement, or None), each
    cut to a readable size (Flink's messages quote a statement of megabytes whole)."""
    summary, trace, position = _summarize(exc)
    if _CODE_TOO_LARGE.search(trace):
        summary = CODE_TOO_LARGE
    lines = [shorten(line, MAX_MESSAGE_LINE) for line in summary.split("\n")]
    if len(lines) > MAX_MESSAGE_LINES:
        lines[MAX_MESSAGE_LINES:] = [f"… ({len(lines) - MAX_MESSAGE_LINES:,} more lines)"]
    return "\n".join(lines), _cut_trace(trace), position


#: A short message is cut after so many lines of so many characters; a trace's lines
#: after :data:`MAX_TRACE_LINE` characters, and the whole trace after :data:`MAX_TRACE`.
MAX_MESSAGE_LINES = 12
MAX_MESSAGE_LINE = 300
MAX_TRACE_LINE = 2_000
MAX_TRACE = 100_000


def shorten(line: str, limit: int) -> str:
    """``line``, or its first ``limit`` characters and how many more there were."""
    if len(line) <= limit:
        return line
    return f"{line[:limit]}… ({len(line) - limit:,} more characters)"


def _cut_trace(trace: str) -> str:
    trace = "\n".join(shorten(line, MAX_TRACE_LINE) for line in trace.split("\n"))
    if len(trace) <= MAX_TRACE:
        return trace
    return f"{trace[:MAX_TRACE]}\n… ({len(trace) - MAX_TRACE:,} more characters of the trace cut)"


# What Flink's code generator says of a statement whose generated code is too large for it:
# its splitter ran out of memory ("JavaCodeSplitter failed. This is a bug"), or Janino
# refused a method over the JVM's 64 KB.
_CODE_TOO_LARGE = re.compile(r"JavaCodeSplitter failed|grows beyond 64 KB")
CODE_TOO_LARGE = ("The statement is too large for Flink's code generator (a long VALUES "
                  "list, say): put its rows in a file or a table and read them from there "
                  "(e.g. a 'filesystem' table with 'format'='csv').")


class _TraceText(Exception):
    """A Java trace string from REST, read like a py4j error."""

    def __init__(self, trace: str) -> None:
        super().__init__(trace)
        self.trace = trace

    def __str__(self) -> str:
        return self.trace


class SubmissionFailed(UsageError):
    """A job that did not get onto its cluster: the cluster's REST API refused the
    submission, or the cluster could not read the job's classes. It names the cluster and
    the cause, never a statement (the SQL was fine); ``trace`` is Java's, for --verbose."""

    def __init__(self, message: str, trace: str) -> None:
        super().__init__(f"{message} (add --verbose to the magic line for the Java trace)")
        self.message = message
        self.trace = trace

    def shown(self, verbose: bool) -> UsageError:
        """This error as a cell shows it: with the Java trace when ``verbose``."""
        return UsageError(f"{self.message}\n\n{self.trace}") if verbose else self


# What Flink's client says when a submission did not get through (REST refused it, or the
# retries ran out), and what a cluster says of a job's classes serialized by another Flink
# (a 2.3 job on a 2.2 cluster). A 2.x client's submission read by a 1.x cluster names no
# job graph file ("jobGraphFileName field must not be omitted").
_SUBMISSION = re.compile(r"\b(?:JobSubmissionException|RestClientException)\b")
_OTHER_FLINK = re.compile(r"\bInvalidClassException\b|local class incompatible"
                          r"|jobGraphFileName field must not be omitted")
_SERIAL_IDS = re.compile(r"(local class incompatible):.*$", re.M)


def submission_failure(exc: BaseException, url: str, cluster_version: str | None = None,
                       kernel_version: str | None = None) -> SubmissionFailed | None:
    """``exc`` raised while submitting a job to the cluster at ``url``, as a
    :class:`SubmissionFailed` naming the cluster and the cause; None when it is no failure
    to submit (a statement's own error, raised while Flink planned the job)."""
    if isinstance(exc, UsageError):
        return None
    text = _text(exc)
    other_flink = _OTHER_FLINK.search(text) is not None
    if not (other_flink or _SUBMISSION.search(text)):
        return None
    summary, trace = java_error_summary(exc)
    cause = " ".join(line.strip() for line in summary.split("\n") if line.strip())
    cause = re.sub(r"^\[(?:RestHandlerException: )?", "", _SERIAL_IDS.sub(r"\1", cause))
    message = f"Could not submit the job to the Flink cluster at {url}: {cause.rstrip('].')}."
    if other_flink:
        kernel = kernel_version or flink_versions.kernel_version() or "?"
        same = flink_versions.minor(kernel)
        if cluster_version:
            message += (f" The cluster runs Flink {cluster_version} and this kernel PyFlink "
                        f"{kernel}: use a Flink {same} cluster, or install "
                        f"apache-flink=={cluster_version} in the kernel's environment.")
        else:
            message += (f" Does the cluster run another Flink than this kernel's PyFlink "
                        f"{kernel}? Jobs built here run on a cluster of Flink {same}.")
    return SubmissionFailed(message, trace)


#: The widest line of our messages. JupyterLab shows an error (IPython prints a UsageError
#: on stderr; other errors are an error output) in a ``<pre>`` that breaks a longer line
#: anywhere, mid-word (``word-break: break-all``): a line this short fits its default width.
MESSAGE_WIDTH = 100
#: What IPython puts before a UsageError's first line.
_USAGE_PREFIX = len("UsageError: ")
# A line of the cell quoted under an error (`   3 | SELECT x`) and its caret line
# (`     |        ^`): their columns matter, they are never wrapped.
_QUOTED = re.compile(r"^ *\d* \| ")


def wrap_message(text: str, width: int = MESSAGE_WIDTH) -> str:
    """``text`` with each line longer than ``width`` wrapped at word boundaries (never
    inside a word, a hyphenated one or a path; a word longer than a line stays whole), its
    continuation lines indented by two; the first line leaves room for "UsageError: ".
    Quoted lines of the cell and caret lines are kept as they are."""
    lines: list[str] = []
    for number, line in enumerate(text.split("\n")):
        before = _USAGE_PREFIX if number == 0 else 0
        if _QUOTED.match(line) or before + len(line) <= width:
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        wrapped = textwrap.wrap(
            line.strip(), width, initial_indent=" " * before + indent,
            subsequent_indent=indent + "  ", break_long_words=False, break_on_hyphens=False)
        wrapped[0] = wrapped[0][before:]
        lines += wrapped
    return "\n".join(lines)


def first_line(message: str) -> str:
    """A message's first line as it was before :func:`wrap_message` wrapped it (its
    continuation lines, indented by two, joined back)."""
    lines = message.strip().split("\n")
    head = lines[0]
    for line in lines[1:]:
        if not line.startswith("  ") or line.startswith("   ") or _QUOTED.match(line):
            break
        head += " " + line.strip()
    return head


#: What the error of a cell whose job failed says in place of why (its view says why).
SEE_THE_VIEW = "see its view above"


def job_failed(label: str, trace: str | None, verbose: bool = False) -> UsageError:
    """The cell's error for an attached job that failed, when its view (shown above the
    error) says why: it points there instead of saying it again; with ``verbose``, Java's
    ``trace`` follows. A plain UsageError: IPython shows a subclass's Python traceback."""
    head = f"Job {label} failed: {SEE_THE_VIEW}"
    if verbose and trace:
        return UsageError(f"{wrap_message(head + '.')}\n\n{trace}")
    return UsageError(wrap_message(f"{head} (add --verbose to the magic line for the Java "
                                   "trace)."))
