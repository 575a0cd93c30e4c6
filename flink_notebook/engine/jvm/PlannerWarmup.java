// Compiled at run time by Janino (see ResultBuffer.java): no lambdas, raw types, casts.
//
// Plans one query on the calling Java thread, so that the first cell's planning does not pay
// for loading and compiling the planner (Calcite's rules and metadata handlers, Flink's code
// generation): about 2 s on two CPUs. It runs in the background while the embedded cluster
// starts. The planner needs Calcite's metadata providers in a thread-local of the thread that
// plans (see py4j_threads.py); this thread gets them for the call only, as one py4j call is
// served by one Java thread.
package flink_notebook;

import org.apache.flink.table.api.ExplainDetail;
import org.apache.flink.table.api.TableEnvironment;

public class PlannerWarmup {
    /** Plans {@code sql} down to its execution plan (no job is submitted). */
    public String plan(TableEnvironment tEnv, ThreadLocal providers, Object flinkProviders,
                       String sql) {
        Object before = providers.get();
        providers.set(flinkProviders);
        try {
            return tEnv.explainSql(sql, new ExplainDetail[] {ExplainDetail.JSON_EXECUTION_PLAN});
        } finally {
            providers.set(before);
        }
    }
}
