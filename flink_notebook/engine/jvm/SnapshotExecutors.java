// Compiled at run time by Janino (see ResultBuffer.java): no lambdas, explicit casts.
//
// Flink's executors keep the Configuration object they are handed, and build their REST
// clients from it again for every later request of a job (result fetching, status). The
// kernel's one environment changes its configuration for each submission (another
// cluster, other options), so a job submitted before would follow it to the next cluster.
// This loader gives each submission a copy, taken when it is submitted.
package flink_notebook;

import java.util.stream.Stream;

import org.apache.flink.api.dag.Pipeline;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.DefaultExecutorServiceLoader;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;

public class SnapshotExecutors implements PipelineExecutorServiceLoader {
    private final PipelineExecutorServiceLoader delegate = new DefaultExecutorServiceLoader();

    public PipelineExecutorFactory getExecutorFactory(Configuration configuration)
            throws Exception {
        return new SnapshotFactory(delegate.getExecutorFactory(configuration));
    }

    public Stream getExecutorNames() {
        return delegate.getExecutorNames();
    }

    public static class SnapshotFactory implements PipelineExecutorFactory {
        private final PipelineExecutorFactory factory;

        public SnapshotFactory(PipelineExecutorFactory factory) {
            this.factory = factory;
        }

        public String getName() {
            return factory.getName();
        }

        public boolean isCompatibleWith(Configuration configuration) {
            return factory.isCompatibleWith(configuration);
        }

        public PipelineExecutor getExecutor(Configuration configuration) {
            return new SnapshotExecutor(factory.getExecutor(new Configuration(configuration)));
        }
    }

    public static class SnapshotExecutor implements PipelineExecutor {
        private final PipelineExecutor executor;

        public SnapshotExecutor(PipelineExecutor executor) {
            this.executor = executor;
        }

        public java.util.concurrent.CompletableFuture execute(
                Pipeline pipeline, Configuration configuration, ClassLoader userCodeClassloader)
                throws Exception {
            return executor.execute(pipeline, new Configuration(configuration),
                                    userCodeClassloader);
        }
    }
}
