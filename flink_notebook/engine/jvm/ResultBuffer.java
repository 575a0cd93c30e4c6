// Compiled at run time by Janino (which Flink ships in flink-table-runtime), so that
// query rows never cross py4j one at a time: a Java thread drains the collect
// iterator into a bounded buffer, and Python pulls whole pages as Arrow IPC bytes.
// Janino accepts Java without generics' type checking: keep casts explicit, no lambdas.
//
// Flink members used here that are not public API are in engine/ledger.py, checked
// against the installed Flink by tests/engine/test_ledger.py (docs/versions.md).
package flink_notebook;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.SerializedListAccumulator;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.python.shaded.org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.flink.api.python.shaded.org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.operators.collect.CollectCoordinationResponse;
import org.apache.flink.streaming.api.operators.collect.CollectSinkFunction;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.runtime.arrow.ArrowUtils;
import org.apache.flink.table.runtime.arrow.ArrowWriter;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.table.utils.print.RowDataToStringConverter;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;

public class ResultBuffer implements Runnable {
    /** Keep the last `limit` rows (insert-only results). */
    public static final int APPEND = 0;
    /** Keep the materialized table: retractions applied, at most `limit` distinct rows. */
    public static final int UPDATE = 1;
    /** Keep the last `limit` changes with their row kinds. */
    public static final int CHANGELOG = 2;
    /** Keep every row until taken (bounded results fetched whole). */
    public static final int ALL = 3;

    private final Object lock = new Object();
    private final ArrayDeque rows = new ArrayDeque();
    private final LinkedHashMap table = new LinkedHashMap();
    // UPDATE mode: -U rows whose +U has not come yet. Flink sends a retraction's -U and +U
    // one after the other, but a snapshot (or a cancel) can fall between them: the -U is only
    // applied when a +U comes, so the table never shows a key missing half-way through an update.
    private final ArrayDeque pendingBefore = new ArrayDeque();
    // UPDATE mode: rows retracted before they were added, with how often. The collect sink
    // merges the streams of several subtasks, and a join's -U for a row can come before that
    // row's +I/+U: the retraction is owed, and cancels the row when it comes (dropping it
    // left the row in the table for good: 4 rows where the answer has 3).
    private final HashMap owed = new HashMap();
    private CloseableIterator iterator;
    private RowType rowType;
    private RowDataToStringConverter stringConverter;
    private int mode;
    private int limit;
    private long received;
    private long inserts;
    private long updates;
    private long deletes;
    private long version;
    private long tableRows;
    private boolean truncated;
    private boolean stringFallback;
    private byte[] lastKinds = new byte[0];
    private volatile boolean done;
    private volatile boolean closed;
    // A preview's row bound: reading stops once this many rows (changes) came (0: none).
    private long stopAfter;
    private volatile boolean stopped;
    private volatile String error;
    // The rows the collect sink took in, by its own count, once the rows ended; -1: unknown.
    private volatile long atSink = -1;
    // Flink's CollectResultFetcher behind the iterator, found once in open(); null if not.
    private Object fetcher;
    private Thread thread;
    private static final String FETCHER =
        "org.apache.flink.streaming.api.operators.collect.CollectResultFetcher";

    /**
     * Starts draining `iterator` on a daemon thread; `fetchMillis` > 0 paces its fetcher.
     * True if it was paced.
     */
    public boolean open(CloseableIterator iterator, RowType rowType,
                        RowDataToStringConverter converter, int mode, int limit, int fetchMillis) {
        this.iterator = iterator;
        this.mode = mode;
        this.limit = Math.max(1, limit);
        this.stringConverter = converter;
        this.rowType = rowType;
        try {
            ArrowUtils.toArrowSchema(rowType);
        } catch (Throwable t) {
            // A type Arrow cannot carry: ship every column as its string form instead.
            this.rowType = stringRowType(rowType);
        }
        try {
            fetcher = findFetcher(iterator);
        } catch (Throwable t) {
            fetcher = null;  // a Flink whose iterator is built otherwise
        }
        boolean paced = fetchMillis > 0 && paceFetcher(fetcher, fetchMillis);
        thread = new Thread(this, "flink-notebook-results");
        thread.setDaemon(true);
        thread.start();
        return paced;
    }

    /**
     * Makes the collect iterator's fetcher ask for rows every `millis` ms while it finds none
     * (Flink's is 100 ms, not configurable): a small query's last rows are then fetched
     * about 80 ms sooner. False if there is no fetcher, or it has no such field, and
     * nothing changed.
     */
    static boolean paceFetcher(Object fetcher, int millis) {
        try {
            if (fetcher == null) {
                return false;
            }
            Field f = fetcher.getClass().getDeclaredField("retryMillis");
            f.setAccessible(true);
            f.setInt(fetcher, millis);
            return true;
        } catch (Throwable t) {
            // A Flink whose fetcher is built otherwise: it keeps its own pace.
            return false;
        }
    }

    /** The collect iterator's CollectResultFetcher (a few wrappers deep), or null. */
    static Object findFetcher(Object iterator) throws IllegalAccessException {
        ArrayDeque todo = new ArrayDeque();
        todo.add(iterator);
        for (int looked = 0; !todo.isEmpty() && looked < 16; looked++) {
            Object o = todo.poll();
            if (o.getClass().getName().equals(FETCHER)) {
                return o;
            }
            for (Class c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                Field[] fields = c.getDeclaredFields();
                for (int i = 0; i < fields.length; i++) {
                    Field f = fields[i];
                    if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                        continue;
                    }
                    f.setAccessible(true);
                    Object value = f.get(o);
                    if (value != null && value.getClass().getName().startsWith("org.apache.flink.")) {
                        todo.add(value);
                    }
                }
            }
        }
        return null;
    }

    static Object field(Object o, String name) throws Exception {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    /**
     * How many rows the collect sink took in, by its own count, after the rows ended: the
     * offset the client had acknowledged plus the rows it still held when the job ended,
     * both in the job's final accumulator (where the fetcher read those last rows from).
     * Independent of the fetcher's own bookkeeping; -1 when it cannot be read.
     */
    static long countAtSink(Object fetcher) {
        try {
            if (fetcher == null) {
                return -1;
            }
            JobClient client = (JobClient) field(fetcher, "jobClient");
            String name = (String) field(fetcher, "accumulatorName");
            JobExecutionResult result =
                (JobExecutionResult) client.getJobExecutionResult().get(10, TimeUnit.SECONDS);
            ArrayList accumulated = (ArrayList) result.getAccumulatorResult(name);
            if (accumulated == null) {
                return -1;
            }
            List serialized =
                SerializedListAccumulator.deserializeList(accumulated, BytePrimitiveArraySerializer.INSTANCE);
            Tuple2 last = CollectSinkFunction.deserializeAccumulatorResult((byte[]) serialized.get(0));
            Field held = CollectCoordinationResponse.class.getDeclaredField("serializedResults");
            held.setAccessible(true);
            return ((Long) last.f0).longValue() + ((List) held.get(last.f1)).size();
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Stop reading once `rows` rows (changes) came, as if closed (call before open). */
    public void stopAfter(long rows) { stopAfter = rows; }

    public void run() {
        try {
            while (!closed && iterator.hasNext()) {
                add((RowData) iterator.next());
                if (stopAfter > 0 && received >= stopAfter) {
                    stopped = true;
                    close();
                }
            }
            if (!closed) {
                atSink = countAtSink(fetcher);
            }
        } catch (Throwable t) {
            if (!closed) {
                StringWriter w = new StringWriter();
                t.printStackTrace(new PrintWriter(w));
                error = w.toString();
            }
        } finally {
            synchronized (lock) {
                done = true;
                lock.notifyAll();
            }
        }
    }

    /** Waits up to millis for the end of the rows (or of reading them); true once done. */
    public boolean awaitDone(long millis) throws InterruptedException {
        long until = System.currentTimeMillis() + millis;
        synchronized (lock) {
            while (!done) {
                long left = until - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                lock.wait(left);
            }
            return done;
        }
    }

    private void add(RowData row) {
        RowKind kind = row.getRowKind();
        if (stringFallback) {
            row = stringify(row, kind);
        }
        synchronized (lock) {
            received++;
            version++;
            if (kind == RowKind.INSERT) inserts++;
            else if (kind == RowKind.UPDATE_AFTER) updates++;
            else if (kind == RowKind.DELETE) deletes++;
            if (mode == UPDATE) {
                row.setRowKind(RowKind.INSERT);
                if (kind == RowKind.UPDATE_BEFORE) {
                    pendingBefore.addLast(row);
                } else if (kind == RowKind.DELETE) {
                    retract(row);
                } else {
                    if (kind == RowKind.UPDATE_AFTER && !pendingBefore.isEmpty()) {
                        retract((RowData) pendingBefore.removeFirst());
                    }
                    insert(row);
                }
            } else {
                rows.addLast(row);
                if (mode != ALL && rows.size() > limit) {
                    rows.removeFirst();
                    truncated = true;
                }
            }
        }
    }

    private void insert(RowData row) {
        Integer due = (Integer) owed.get(row);
        if (due != null) {  // retracted before it came: the two cancel
            if (due.intValue() <= 1) owed.remove(row);
            else owed.put(row, Integer.valueOf(due.intValue() - 1));
            return;
        }
        Integer count = (Integer) table.get(row);
        table.put(row, Integer.valueOf(count == null ? 1 : count.intValue() + 1));
        tableRows++;
        if (table.size() > limit) {
            Iterator it = table.entrySet().iterator();
            Map.Entry eldest = (Map.Entry) it.next();
            tableRows -= ((Integer) eldest.getValue()).intValue();
            it.remove();
            truncated = true;
        }
    }

    private void retract(RowData row) {
        Integer count = (Integer) table.get(row);
        if (count == null) {  // not here (yet): owed until it comes
            Integer due = (Integer) owed.get(row);
            owed.put(row, Integer.valueOf(due == null ? 1 : due.intValue() + 1));
            return;
        }
        tableRows--;
        if (count.intValue() <= 1) table.remove(row);
        else table.put(row, Integer.valueOf(count.intValue() - 1));
    }

    private RowData stringify(RowData row, RowKind kind) {
        String[] values = stringConverter.convert(row);
        GenericRowData out = new GenericRowData(values.length);
        for (int i = 0; i < values.length; i++) {
            out.setField(i, values[i] == null ? null : StringData.fromString(values[i]));
        }
        out.setRowKind(kind);
        return out;
    }

    private RowType stringRowType(RowType original) {
        stringFallback = true;
        LogicalType[] types = new LogicalType[original.getFieldCount()];
        String[] names = new String[original.getFieldCount()];
        for (int i = 0; i < types.length; i++) {
            types[i] = new VarCharType(true, VarCharType.MAX_LENGTH);
            names[i] = (String) original.getFieldNames().get(i);
        }
        return RowType.of(types, names);
    }

    /*
     * Pages and kinds leave as base64 text, not byte[]: py4j decodes a byte[] answer one
     * byte at a time in Python (about 0.35 s per million bytes here), while a string
     * crosses as it is and Python's base64 decodes it in C.
     */

    /** The rows now in view (at most maxRows) as one Arrow IPC stream; kinds via lastKinds(). */
    public String snapshot(int maxRows) {
        List page = new ArrayList();
        synchronized (lock) {
            if (mode == UPDATE) {
                Iterator it = table.entrySet().iterator();
                while (it.hasNext() && page.size() < maxRows) {
                    Map.Entry e = (Map.Entry) it.next();
                    int n = ((Integer) e.getValue()).intValue();
                    for (int i = 0; i < n && page.size() < maxRows; i++) page.add(e.getKey());
                }
            } else {
                int skip = Math.max(0, rows.size() - maxRows);
                Iterator it = rows.iterator();
                for (int i = 0; it.hasNext(); i++) {
                    Object r = it.next();
                    if (i >= skip) page.add(r);
                }
            }
        }
        return toArrow(page);
    }

    /** ALL mode: removes up to maxRows rows from the front and returns them as Arrow, or null. */
    public String take(int maxRows) {
        List page = new ArrayList();
        synchronized (lock) {
            while (!rows.isEmpty() && page.size() < maxRows) page.add(rows.removeFirst());
        }
        return page.isEmpty() ? null : toArrow(page);
    }

    private String toArrow(List page) {
        byte[] kinds = new byte[page.size()];
        VectorSchemaRoot root =
                VectorSchemaRoot.create(ArrowUtils.toArrowSchema(rowType), ArrowUtils.getRootAllocator());
        try {
            ArrowWriter writer = ArrowUtils.createRowDataArrowWriter(root, rowType);
            for (int i = 0; i < page.size(); i++) {
                RowData row = (RowData) page.get(i);
                kinds[i] = row.getRowKind().toByteValue();
                writer.write(row);
            }
            writer.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ArrowStreamWriter stream = new ArrowStreamWriter(root, null, out);
            stream.start();
            stream.writeBatch();
            stream.end();
            stream.close();
            lastKinds = kinds;
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        } finally {
            root.close();
        }
    }

    public String lastKinds() { return Base64.getEncoder().encodeToString(lastKinds); }

    /**
     * "received,inserts,updates,deletes,inView,version,done,truncated,stringMode,atSink,
     * stopped":
     * one py4j call.
     */
    public String counters() {
        synchronized (lock) {
            long inView = mode == UPDATE ? tableRows : rows.size();
            return received + "," + inserts + "," + updates + "," + deletes + "," + inView + ","
                    + version + "," + (done ? 1 : 0) + "," + (truncated ? 1 : 0) + ","
                    + (stringFallback ? 1 : 0) + "," + atSink + "," + (stopped ? 1 : 0);
        }
    }

    public boolean isDone() { return done; }

    public String getError() { return error; }

    public void close() {
        closed = true;
        try {
            iterator.close();
        } catch (Throwable ignored) {
            // The job may already be gone; closing is best effort.
        }
    }
}
