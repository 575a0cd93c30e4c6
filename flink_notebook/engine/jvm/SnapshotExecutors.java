// Compiled at run time by Janino (see ResultBuffer.java): no lambdas, explicit casts.
//
// The executor service loader of every environment the notebook routes: the session's own
// and the ones programs create in a cell (ContextEnvironments.java).
//
// Where a job goes is decided per submission, by the notebook's executor: route() names
// the cluster (rest.address, rest.port, TLS) for submissions made from the calling thread,
// unroute() ends that. A submission from any other thread, or made outside a routed one,
// is refused with a message saying why, so a job never lands on whatever cluster was used
// last (a stopped per-job cluster, say).
//
// Flink's executors keep the Configuration object they are handed, and build their REST
// clients from it again for every later request of a job (result fetching, status), so
// each submission gets a copy, taken when it is submitted: routing the next job elsewhere
// leaves earlier jobs be.
//
// On Flink 1.20, a query's collect sink gets a fresh uid (prepared(): why there).
//
// Each job's operator descriptions (Flink's web UI and REST show them: an OPTIONS hint's
// "options:{csv.password=...}") have the values of secret options masked on the way.
//
// Flink members used here that are not public API are in engine/ledger.py, checked
// against the installed Flink by tests/engine/test_ledger.py (docs/versions.md).
package flink_notebook;

import java.util.stream.Stream;

import org.apache.flink.api.common.JobSubmissionResult;
import org.apache.flink.api.dag.Pipeline;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.DefaultExecutorServiceLoader;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;

public class SnapshotExecutors implements PipelineExecutorServiceLoader {
    /** The execution.target of a submission to the embedded cluster in this JVM. */
    public static final String EMBEDDED = "flink-notebook-embedded";
    public static final String UNROUTED =
        "flink-notebook: this environment submits its jobs through the notebook's executor, "
        + "which only takes jobs from the code of a %%flink cell or %flink_run, on their own "
        + "thread. This submission came from elsewhere (another thread, or a plain Python "
        + "cell): submit it from a %%flink cell.";

    private final PipelineExecutorServiceLoader delegate = new DefaultExecutorServiceLoader();
    private volatile Configuration route;
    private volatile Thread routedThread;
    private volatile MiniCluster embedded;
    private volatile java.util.regex.Pattern secretOption;

    /** The MiniCluster that submissions routed to EMBEDDED go to (null: none runs). */
    public void setEmbedded(MiniCluster cluster) {
        embedded = cluster;
    }

    /** Keys holding one of {@code words} (one a line) are secret: their values are masked
     *  in the operator descriptions of every job submitted through us. */
    public void setSecretWords(String words) {
        StringBuilder any = new StringBuilder();
        String[] each = words.split("\n");
        for (int i = 0; i < each.length; i++) {
            any.append(i > 0 ? "|" : "").append(java.util.regex.Pattern.quote(each[i]));
        }
        secretOption = java.util.regex.Pattern.compile(
            "(?i)([\\w.-]*(?:" + any + ")[\\w.-]*'?\\s*=\\s*)('(?:[^']|'')*'?|[^,}\\]\\s]+)");
    }

    Pipeline prepared(Pipeline pipeline) {
        if (!(pipeline instanceof StreamGraph)) {
            return pipeline;
        }
        StreamGraph graph = (StreamGraph) pipeline;
        java.util.regex.Pattern pattern = secretOption;
        java.util.Iterator nodes = graph.getStreamNodes().iterator();
        while (nodes.hasNext()) {
            StreamNode node = (StreamNode) nodes.next();
            // @flink < 2.0
            // Flink 1.20 gives a query's collect sink the same operator ID in every job of
            // the same query, so a job resumed from a savepoint restores the sink's offset
            // from the earlier job, and its results never reach the new client (it asks
            // from offset 0 and is answered nothing, forever). A fresh uid leaves that
            // state unclaimed, as in 2.x; the operators before it keep theirs.
            if (node.getOperatorFactory() instanceof
                    org.apache.flink.streaming.api.operators.collect.CollectSinkOperatorFactory
                    && node.getTransformationUID() == null) {
                graph.setTransformationUID(node.getId(),
                    "flink-notebook-collect-" + java.util.UUID.randomUUID());
            }
            // @end
            if (pattern == null) {
                continue;
            }
            String description = node.getOperatorDescription();
            if (description != null) {
                node.setOperatorDescription(
                    pattern.matcher(description).replaceAll("$1********"));
            }
        }
        return pipeline;
    }

    /** Submissions from this thread go where {@code overlay} says, until unroute(). */
    public void route(Configuration overlay) {
        routedThread = Thread.currentThread();
        route = new Configuration(overlay);
    }

    public void unroute() {
        route = null;
        routedThread = null;
    }

    Configuration routed(Configuration configuration) {
        Configuration overlay = route;
        if (overlay == null || routedThread != Thread.currentThread()) {
            throw new IllegalStateException(UNROUTED);
        }
        Configuration copy = new Configuration(configuration);
        copy.addAll(overlay);
        return copy;
    }

    public PipelineExecutorFactory getExecutorFactory(Configuration configuration)
            throws Exception {
        Configuration routed = routed(configuration);
        if (EMBEDDED.equals(routed.getString("execution.target", ""))) {
            return new SnapshotFactory(new EmbeddedFactory(this), this);
        }
        return new SnapshotFactory(delegate.getExecutorFactory(routed), this);
    }

    public Stream getExecutorNames() {
        return delegate.getExecutorNames();
    }

    public static class SnapshotFactory implements PipelineExecutorFactory {
        private final PipelineExecutorFactory factory;
        private final SnapshotExecutors owner;

        public SnapshotFactory(PipelineExecutorFactory factory, SnapshotExecutors owner) {
            this.factory = factory;
            this.owner = owner;
        }

        public String getName() {
            return factory.getName();
        }

        public boolean isCompatibleWith(Configuration configuration) {
            return factory.isCompatibleWith(owner.routed(configuration));
        }

        public PipelineExecutor getExecutor(Configuration configuration) {
            return new SnapshotExecutor(factory.getExecutor(owner.routed(configuration)), owner);
        }
    }

    public static class SnapshotExecutor implements PipelineExecutor {
        private final PipelineExecutor executor;
        private final SnapshotExecutors owner;

        public SnapshotExecutor(PipelineExecutor executor, SnapshotExecutors owner) {
            this.executor = executor;
            this.owner = owner;
        }

        public java.util.concurrent.CompletableFuture execute(
                Pipeline pipeline, Configuration configuration, ClassLoader userCodeClassloader)
                throws Exception {
            return executor.execute(owner.prepared(pipeline), owner.routed(configuration),
                                    userCodeClassloader);
        }
    }

    /** Submits straight to the embedded MiniCluster: no REST round trips, no job graph
     *  written to a file and uploaded, results fetched in the JVM. Its REST API still
     *  shows the job, so handles read it as before. */
    public static class EmbeddedFactory implements PipelineExecutorFactory {
        private final SnapshotExecutors owner;

        public EmbeddedFactory(SnapshotExecutors owner) {
            this.owner = owner;
        }

        public String getName() {
            return EMBEDDED;
        }

        public boolean isCompatibleWith(Configuration configuration) {
            return EMBEDDED.equals(configuration.getString("execution.target", ""));
        }

        public PipelineExecutor getExecutor(Configuration configuration) {
            return new EmbeddedExecutor(owner.embedded);
        }
    }

    public static class EmbeddedExecutor implements PipelineExecutor {
        private final MiniCluster cluster;

        public EmbeddedExecutor(MiniCluster cluster) {
            if (cluster == null) {
                throw new IllegalStateException("flink-notebook: the embedded cluster is not running");
            }
            this.cluster = cluster;
        }

        public java.util.concurrent.CompletableFuture execute(
                Pipeline pipeline, Configuration configuration, ClassLoader userCodeClassloader)
                throws Exception {
            // @flink >= 2.0
            StreamGraph graph = PipelineExecutorUtils.getStreamGraph(pipeline, configuration);
            graph.serializeUserDefinedInstances();
            // @else
            org.apache.flink.runtime.jobgraph.JobGraph graph =
                PipelineExecutorUtils.getJobGraph(pipeline, configuration, userCodeClassloader);
            // @end
            return cluster.submitJob(graph).thenApply(new ToJobClient(cluster, userCodeClassloader));
        }
    }

    public static class ToJobClient implements java.util.function.Function {
        private final MiniCluster cluster;
        private final ClassLoader classLoader;

        public ToJobClient(MiniCluster cluster, ClassLoader classLoader) {
            this.cluster = cluster;
            this.classLoader = classLoader;
        }

        public Object apply(Object submitted) {
            return new MiniClusterJobClient(((JobSubmissionResult) submitted).getJobID(), cluster,
                    classLoader, MiniClusterJobClient.JobFinalizationBehavior.NOTHING);
        }
    }
}
