// Compiled at run time by Janino (see ResultBuffer.java): no lambdas, explicit casts.
//
// Flink's context environments (FLIP-73), as `flink run` sets them up: while a %%flink cell
// or %flink_run program runs, StreamExecutionEnvironment.getExecutionEnvironment() on the
// cell's thread (and so TableEnvironment.create and StreamTableEnvironment.create, which
// call it) returns an environment whose jobs go through the notebook's executor. Only that
// thread's: the factory is Flink's thread-local one; other threads get Flink's default.
//
// Flink members used here that are not public API are in engine/ledger.py, checked
// against the installed Flink by tests/engine/test_ledger.py (docs/versions.md).
package flink_notebook;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironmentFactory;

public class ContextEnvironments {
    /** Environments made from {@code base} (the cell's options), then the program's own. */
    public static class Factory implements StreamExecutionEnvironmentFactory {
        private final PipelineExecutorServiceLoader executors;
        private final Configuration base;
        private final ClassLoader classLoader;

        public Factory(PipelineExecutorServiceLoader executors, Configuration base,
                       ClassLoader classLoader) {
            this.executors = executors;
            this.base = new Configuration(base);
            this.classLoader = classLoader;
        }

        public StreamExecutionEnvironment createExecutionEnvironment(Configuration given) {
            Configuration configuration = new Configuration(base);
            configuration.addAll(given);
            return new StreamExecutionEnvironment(executors, configuration, classLoader);
        }
    }

    private static ThreadLocal threadLocalFactory() throws Exception {
        Field field = StreamExecutionEnvironment.class.getDeclaredField(
            "threadLocalContextEnvironmentFactory");
        field.setAccessible(true);
        return (ThreadLocal) field.get(null);
    }

    /** The calling thread's getExecutionEnvironment() makes environments that submit through
     *  {@code executors}, configured with {@code base} under the program's own options. */
    public void install(PipelineExecutorServiceLoader executors, Configuration base,
                        ClassLoader classLoader) throws Exception {
        threadLocalFactory().set(new Factory(executors, base, classLoader));
    }

    public void uninstall() throws Exception {
        threadLocalFactory().remove();
    }

    /** The StreamExecutionEnvironment a TableEnvironment submits its jobs with: a
     *  StreamTableEnvironment's own, or its planner Executor's (PyFlink wraps that one in a
     *  ChainingOptimizingExecutor, which keeps it as "executor"). */
    public StreamExecutionEnvironment environmentOf(Object tableEnvironment) throws Exception {
        Object executor = field(tableEnvironment, "execEnv");
        for (int depth = 0; executor != null && depth < 4; depth++) {
            try {
                Method method = executor.getClass().getMethod("getExecutionEnvironment",
                                                              new Class[0]);
                method.setAccessible(true);
                return (StreamExecutionEnvironment) method.invoke(executor, new Object[0]);
            } catch (NoSuchMethodException e) {
                executor = field(executor, "executor");
            }
        }
        throw new IllegalArgumentException("no execution environment in " + tableEnvironment);
    }

    private static Object field(Object object, String name) throws Exception {
        for (Class type = object.getClass(); type != null; type = type.getSuperclass()) {
            try {
                Field field = type.getDeclaredField(name);
                field.setAccessible(true);
                return field.get(object);
            } catch (NoSuchFieldException e) {
                // declared higher up
            }
        }
        return null;
    }

    /** Make {@code environment} submit through {@code executors} (an environment made before,
     *  outside a cell, used its own); true when it did not already. */
    public boolean adopt(StreamExecutionEnvironment environment,
                         PipelineExecutorServiceLoader executors) throws Exception {
        Field field = StreamExecutionEnvironment.class.getDeclaredField("executorServiceLoader");
        field.setAccessible(true);
        if (field.get(environment) == executors) {
            return false;
        }
        field.set(environment, executors);
        return true;
    }
}
