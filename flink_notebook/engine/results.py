"""Rows of a query job, buffered in the JVM and pulled into pandas in pages.

PyFlink's own row iterator makes several py4j round trips per row (a few hundred
rows/s here). Instead a small Java class (``engine/jvm/ResultBuffer.java``, compiled at
run time by Janino, which Flink ships) drains the job's collect iterator on a JVM
thread into a bounded buffer; Python asks for whole pages as Arrow IPC bytes.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from flink_notebook.engine.internals import proxy_client, proxy_on
from flink_notebook.engine.java_classes import java_class, new_instance
from flink_notebook.engine.py4j_threads import client_for_this_thread
from flink_notebook.engine.result_mode import UNLIMITED, ResultMode, RowOrder

#: Rows per Arrow batch when a bounded result is fetched whole.
FETCH_BATCH_ROWS = 200_000
#: How often the collect fetcher of a bounded query on the embedded cluster asks for rows
#: while it finds none (Flink's own pace is 100 ms): a warm cell's answer comes about 80 ms
#: sooner (issue 16's B2; benchmarks/RESULTS.md).
FAST_FETCH_MS = 20

_ROW_KINDS = {0: "+I", 1: "-U", 2: "+U", 3: "-D"}
_WITH_PRECISION = ("TIMESTAMP_WITHOUT_TIME_ZONE", "TIMESTAMP_WITH_LOCAL_TIME_ZONE",
                   "TIMESTAMP_WITH_TIME_ZONE", "TIME_WITHOUT_TIME_ZONE", "DECIMAL")
LOCAL_ZONED = "TIMESTAMP_WITH_LOCAL_TIME_ZONE"


@dataclass(frozen=True)
class ColumnType:
    """What a renderer needs of a column's Flink type: its root (``LogicalTypeRoot``, e.g.
    ``TIMESTAMP_WITHOUT_TIME_ZONE``) and precision (fraction digits of a timestamp)."""

    root: str
    precision: int | None = None


def _column_type(gateway: Any, data_type: Any) -> ColumnType:
    logical = data_type.getLogicalType()
    root = str(logical.getTypeRoot().toString())
    precision = None
    if root in _WITH_PRECISION:
        checks = gateway.jvm.org.apache.flink.table.types.logical.utils.LogicalTypeChecks
        precision = int(checks.getPrecision(logical))
    return ColumnType(root, precision)


@dataclass(frozen=True)
class ResultCounters:
    """What a result has seen so far."""

    received: int = 0
    inserts: int = 0
    updates: int = 0
    deletes: int = 0
    in_view: int = 0
    version: int = 0
    done: bool = False
    truncated: bool = False
    #: The rows (changes) Flink's collect sink took in, by its own count, read from the
    #: job's final accumulator once the rows ended; -1 while unknown (ResultBuffer.java).
    at_sink: int = -1
    #: Reading stopped at the result's row bound (``stop_after``: a preview's).
    stopped: bool = False

    @classmethod
    def parse(cls, text: str) -> ResultCounters:
        v = [int(x) for x in text.split(",")]
        return cls(v[0], v[1], v[2], v[3], v[4], v[5], bool(v[6]), bool(v[7]),
                   v[9] if len(v) > 9 else -1, bool(v[10]) if len(v) > 10 else False)


def arrow_page(text: str | None) -> pa.Table | None:
    """One page of the Java buffer: an Arrow IPC stream as base64 text (see the note in
    ResultBuffer.java on why not bytes), or None."""
    if text is None:
        return None
    return pa.ipc.open_stream(pa.py_buffer(base64.b64decode(text))).read_all()


def _fetch_millis(mode: ResultMode, in_this_jvm: bool) -> int:
    """The fetcher's pace for a result (0: Flink's own). Only a bounded query on the
    embedded cluster is paced: its job ends soon, and each request stays in this JVM. A
    stream's view is redrawn every ``notebook.refresh-interval`` anyway, and on another
    cluster every request is an HTTP call."""
    return FAST_FETCH_MS if in_this_jvm and mode is ResultMode.ALL else 0


class QueryResult:
    """The rows of one query job. ``page()`` while it runs, ``to_pandas()`` at the end."""

    def __init__(
        self,
        gateway: Any,
        j_table_result: Any,
        mode: ResultMode,
        max_rows: int,
        zone: str | None = None,
        in_this_jvm: bool = False,
        stop_after: int = 0,
    ) -> None:
        """``stop_after``: stop reading once that many rows (changes) came, and so end the
        job (its collect iterator, closed, cancels it): a preview's bound; 0 for none."""
        self.mode = mode
        self.stop_after = stop_after
        self.max_rows = max_rows
        #: Every row is kept (a bounded query's whole answer), not only the newest.
        self.whole = mode is ResultMode.ALL or max_rows >= UNLIMITED
        schema = j_table_result.getResolvedSchema()
        self.columns: list[str] = list(schema.getColumnNames())
        self.types = [_column_type(gateway, t) for t in schema.getColumnDataTypes()]
        #: ``table.local-time-zone`` when the query ran: TIMESTAMP_LTZ values are in it.
        self.zone = zone
        row_type = schema.toPhysicalRowDataType().getLogicalType()
        self._gateway = gateway
        self._main_buffer = new_instance(gateway, java_class(gateway, "ResultBuffer"))
        self._background_buffer: Any = None
        self.released = False  # every row is in Python; the Java buffer is gone
        if stop_after > 0:
            self._buffer.stopAfter(stop_after)
        #: Whether its fetcher asks for rows every ``FAST_FETCH_MS`` (``_fetch_millis``).
        self.fetch_paced = bool(self._buffer.open(
            j_table_result.collectInternal(),
            row_type,
            j_table_result.getRowDataToStringConverter(),
            mode.java_code,
            max_rows,
            _fetch_millis(mode, in_this_jvm),
        ))
        self._batches: list[pa.Table] = []
        self._fetched = 0
        self._final: pd.DataFrame | None = None
        self._closed = False  # close() was called
        #: Why its rows were let go (the notebook keeps only so many), once they were:
        #: asking for them then raises this, never answers short.
        self.dropped: str | None = None
        #: An updating result's ORDER BY and key (query_plan.row_order): its views keep
        #: each row in its place (the buffer moves a row to its end when it changes).
        self.order = RowOrder()
        self._nbytes: int | None = None

    @property
    def _buffer(self) -> Any:
        """The Java buffer, reached through the calling thread's py4j client (or what it
        answered last, once the result is final)."""
        main = self._main_buffer
        if self.released:
            return main
        client = client_for_this_thread(self._gateway)
        if client is proxy_client(main):
            return main
        if self._background_buffer is None:
            # Kept as long as the result: a dropped proxy would delete the Java object.
            self._background_buffer = proxy_on(main, client)
        return self._background_buffer

    def counters(self) -> ResultCounters:
        return ResultCounters.parse(self._buffer.counters())

    @property
    def closed(self) -> bool:
        """Reading stopped early (closed, or at its ``stop_after`` bound): done, but not
        the whole answer."""
        return self._closed or self.stopped

    @property
    def stopped(self) -> bool:
        """Reading stopped at the ``stop_after`` bound."""
        return self.stop_after > 0 and self.counters().stopped

    @property
    def done(self) -> bool:
        return bool(self._buffer.isDone())

    def await_done(self, seconds: float) -> bool:
        """Block up to ``seconds``, less once every row has been read; True then."""
        return bool(self._buffer.awaitDone(max(int(seconds * 1000), 0)))

    def error(self) -> str | None:
        """The Java trace if reading rows failed (the job failed or was cancelled)."""
        return self._buffer.getError()

    def page(self, max_rows: int | None = None) -> pd.DataFrame:
        """The rows in view now: the last rows (append), the current table (update), or the
        last changes with an ``op`` column (changelog). At most ``max_rows`` rows."""
        self.check_kept()
        limit = self.max_rows if max_rows is None else max_rows
        buffer = self._buffer
        if self.released:  # the final rows, as the buffer gave them
            final = self._final
            return final.head(limit) if self.mode is ResultMode.UPDATE else final.tail(limit)
        if self.mode is ResultMode.ALL:
            return self._fetched_frame(last_rows=limit)
        table = arrow_page(buffer.snapshot(limit))
        frame = self._frame(table)
        if self.mode is ResultMode.CHANGELOG:
            kinds = base64.b64decode(buffer.lastKinds())
            frame.insert(0, "op", [_ROW_KINDS.get(k, "?") for k in kinds])
        return frame

    def fetch_available(self) -> int:
        """ALL mode: move the rows buffered so far into Python (in Arrow batches)."""
        moved = 0
        while True:
            table = arrow_page(self._buffer.take(FETCH_BATCH_ROWS))
            if table is None:
                return moved
            self._batches.append(table)
            moved += table.num_rows
            self._fetched += table.num_rows

    @property
    def fetched(self) -> int:
        return self._fetched

    def _fetched_frame(self, last_rows: int | None = None, last_use: bool = False
                       ) -> pd.DataFrame:
        """The rows fetched so far (the last ``last_rows`` of them: only the rows shown
        become pandas, not all so far). ``last_use``: they are every row there will be,
        and their Arrow memory goes as the columns convert."""
        if not self._batches:
            return self._frame(arrow_page(self._buffer.snapshot(0)))
        fetched = pa.concat_tables(self._batches)  # the batches' buffers, not copied
        self._batches = [] if last_use else [fetched]
        if last_rows is not None:
            fetched = fetched.slice(max(fetched.num_rows - last_rows, 0))
        return self._frame(fetched, last_use)

    def wait(self, timeout: float = 60.0) -> None:
        """Block until every row has been read (the job has ended), fetching as they come."""
        deadline = time.monotonic() + timeout
        while not self.done and time.monotonic() < deadline:
            if self.mode is ResultMode.ALL:
                self.fetch_available()
            time.sleep(0.02)

    def to_pandas(self) -> pd.DataFrame:
        """The result as a DataFrame: every row of a bounded (ALL) result, else what is in view."""
        self.check_kept()
        if self._final is not None:
            return self._final
        if self.mode is ResultMode.ALL:
            every_row = self.done  # then what is fetched now is all there will be
            self.fetch_available()
            frame = self._fetched_frame(last_use=every_row)
        else:
            frame = self.page()
        if self.done:
            self._final = frame
            self._batches = []
            self._release()
        return frame

    def _release(self) -> None:
        """Drop the Java buffer once every row is in Python: nothing more can come, and the
        session's job list keeps each handle (with its result) for the whole session, so
        each query would keep its buffer, rows and py4j object in the JVM until the kernel
        ends. What is still asked of it is answered from its last counters and error."""
        if not self.released:
            ended = _EndedBuffer(self._buffer.counters(), self._buffer.getError())
            self._main_buffer, self._background_buffer = ended, None
            self.released = True

    def close(self) -> None:
        """Stop reading rows (the job itself is cancelled by its JobClient)."""
        self._closed = True
        self._buffer.close()

    @property
    def nbytes(self) -> int:
        """The memory its final rows hold in Python (0 until every row is in)."""
        if self._final is None:
            return 0
        if self._nbytes is None:  # strings counted too: they are most of a wide result
            self._nbytes = int(self._final.memory_usage(index=True, deep=True).sum())
        return self._nbytes

    def drop(self, why: str) -> None:
        """Let its rows go, in Python and in the JVM (reading stops if it had not);
        asking for them afterwards raises ``why``."""
        if not self.released:
            self._buffer.close()
            self._release()
        self._final, self._batches, self._nbytes = None, [], None
        self.dropped = why

    def check_kept(self) -> None:
        """Raise, saying why, if its rows were let go."""
        if self.dropped is not None:
            from IPython.core.error import UsageError

            raise UsageError(self.dropped)

    def _frame(self, table: pa.Table | None, last_use: bool = False) -> pd.DataFrame:
        return to_pandas(table, self.columns, self.types, self.zone, last_use)


class _EndedBuffer:
    """What a released Java buffer answered last: done, no more rows."""

    def __init__(self, counters: str, error: str | None) -> None:
        self._counters, self._error = counters, error

    def counters(self) -> str:
        return self._counters

    def isDone(self) -> bool:  # noqa: N802 (the Java buffer's names)
        return True

    def getError(self) -> str | None:  # noqa: N802
        return self._error

    def take(self, max_rows: int) -> None:
        return None

    def awaitDone(self, millis: int) -> bool:  # noqa: N802
        return True

    def close(self) -> None:
        pass


_NULLABLE = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
             pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def to_pandas(table: pa.Table | None, columns: list[str], types: list[ColumnType] | None = None,
              zone: str | None = None, last_use: bool = False) -> pd.DataFrame:
    """Arrow rows as pandas with the dtypes Flink's types ask for: integers and booleans with
    NULLs stay integers and booleans (pandas' nullable dtypes, not float NaN or object), and
    TIMESTAMP_LTZ values are instants shown in ``zone`` (Arrow carries them as naive UTC).

    ``last_use``: nothing reads ``table`` afterwards, so each column's Arrow memory is
    freed as it converts and the columns are not copied into pandas' 2-D blocks (a 1M-row
    fetch peaked at 3x its DataFrame in the kernel, B3)."""
    if table is None:
        return pd.DataFrame(columns=columns)
    nullable = {i: column.to_pandas(types_mapper=_NULLABLE.get)
                for i, column in enumerate(table.columns)
                if column.null_count and column.type in _NULLABLE}
    frame = table.to_pandas(self_destruct=last_use, split_blocks=last_use)
    del table  # with last_use, it is gone
    for i, series in nullable.items():
        frame.isetitem(i, series)
    for i in range(frame.shape[1]):
        if types and i < len(types) and types[i].root == LOCAL_ZONED and zone and \
                pd.api.types.is_datetime64_dtype(frame.iloc[:, i]):
            frame.isetitem(i, frame.iloc[:, i].dt.tz_localize("UTC").dt.tz_convert(zone))
    frame.columns = columns
    return frame
