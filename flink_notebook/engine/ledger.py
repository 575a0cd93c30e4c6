"""The ledger: each member of Flink's, PyFlink's and py4j's internals the notebook uses, which
module of ours uses it and why, and the Flink minors it applies to.

Python reaches them through engine/internals.py only; the Java compiled at run time
(engine/jvm/*.java) through reflection or Flink's non-public classes, and where those
differ between versions, through version blocks (``// @flink >= 2.0 ... // @else ...
// @end``, engine/java_classes.py). tests/engine/test_ledger.py checks every entry that
applies to the installed Flink: a release that drops or renames a member fails there, one
test per member, naming it and the module that needs it. docs/versions.md says how to read
such a failure and how to add the next release.
"""

from __future__ import annotations

from dataclasses import dataclass

from flink_notebook.core.flink_versions import minor_tuple

#: An attribute PyFlink or py4j sets on its instances (``self._j_tenv = ...``): looked for
#: in the source of the owner's module (and of its base classes' modules).
PYTHON_ATTRIBUTE = "python attribute"
#: A function, method or class, got with getattr from the owner (a class or a module).
PYTHON_FUNCTION = "python function"
JAVA_CLASS = "java class"
#: A field the class or one of its superclasses declares (private ones included).
JAVA_FIELD = "java field"
#: A method the class or one of its ancestors declares; ``<init>`` for a constructor.
JAVA_METHOD = "java method"
KINDS = (PYTHON_ATTRIBUTE, PYTHON_FUNCTION, JAVA_CLASS, JAVA_FIELD, JAVA_METHOD)

#: Java classes Flink loads apart from the rest: through the planner's own class loader
#: (flink-table-planner-loader), which the kernel's TableEnvironment's planner has.
PLANNER = "planner"


@dataclass(frozen=True)
class Member:
    """One internal member the notebook uses."""

    #: Python: ``module:Class`` or ``module`` (for a module's function); Java: the class's
    #: full name.
    owner: str
    #: The member's name; for a JAVA_CLASS entry, empty (the owner is the member).
    name: str
    kind: str
    #: Our module that needs it, under flink_notebook/ (``engine/jars.py``,
    #: ``engine/jvm/ResultBuffer.java``).
    used_by: str
    why: str
    #: The first Flink minor that has it (None: every supported one).
    since: str | None = None
    #: The first Flink minor that no longer has it, or where we stop using it (None: none).
    until: str | None = None
    #: JAVA_METHOD: the parameter types' simple names, where one overload is meant.
    params: tuple[str, ...] | None = None
    #: Java: the class loader that finds the owner ("" the gateway's; PLANNER).
    loader: str = ""

    def applies_to(self, version: tuple[int, int]) -> bool:
        """True when the Flink ``version`` (major, minor) should have it."""
        if self.since is not None and version < minor_tuple(self.since):
            return False
        return self.until is None or version < minor_tuple(self.until)

    @property
    def label(self) -> str:
        """``TableEnvironmentImpl.resourceManager``: the owner's short name and the member."""
        short = self.owner.rsplit(":", 1)[-1].rsplit(".", 1)[-1]
        if self.kind == JAVA_CLASS or not self.name:
            return short
        signature = f"({', '.join(self.params)})" if self.params is not None else ""
        return f"{short}.{self.name}{signature}"

    @property
    def versions(self) -> str:
        """``Flink 2.0 and later``, ``Flink before 2.0``, or ``every Flink``."""
        if self.since and self.until:
            return f"Flink {self.since} up to {self.until}"
        if self.since:
            return f"Flink {self.since} and later"
        if self.until:
            return f"Flink before {self.until}"
        return "every Flink"


_p = _j = Member  # short, for the tables below


_TENV = "pyflink.table.table_environment:TableEnvironment"
_TABLE = "pyflink.table.table:Table"
_DATA_STREAM = "pyflink.datastream.data_stream:DataStream"
_STREAM_ENV = "pyflink.datastream.stream_execution_environment:StreamExecutionEnvironment"
_CLIENT = "py4j.java_gateway:GatewayClient"
_INTERNALS = "engine/internals.py"

PYFLINK = (
    _p(_TENV, "_j_tenv", PYTHON_ATTRIBUTE, _INTERNALS,
       "the Java TableEnvironment: its parser, planner and catalog"),
    _p(_TABLE, "_j_table", PYTHON_ATTRIBUTE, _INTERNALS,
       "the Java Table: executed, planned and its schema read by the cells"),
    _p(_TABLE, "_t_env", PYTHON_ATTRIBUTE, _INTERNALS, "a Table's TableEnvironment"),
    _p("pyflink.table.statement_set:StatementSet", "_j_statement_set", PYTHON_ATTRIBUTE,
       _INTERNALS, "%%flink --preview: the INSERTs a statement set would execute"),
    _p("pyflink.table.table_pipeline:TablePipeline", "_j_table_pipeline", PYTHON_ATTRIBUTE,
       _INTERNALS, "%%flink --preview: the INSERT a table pipeline would execute",
       since="2.1"),
    _p("pyflink.table.table_descriptor:TableDescriptor", "_j_table_descriptor",
       PYTHON_ATTRIBUTE, _INTERNALS, "%%flink --preview: execute_insert into a descriptor"),
    _p("pyflink.table.statement_set:StatementSet", "_t_env", PYTHON_ATTRIBUTE, _INTERNALS,
       "a StatementSet's TableEnvironment: where its job is routed"),
    _p("pyflink.table.table_pipeline:TablePipeline", "_t_env", PYTHON_ATTRIBUTE, _INTERNALS,
       "a TablePipeline's TableEnvironment: where its job is routed", since="2.1"),
    _p("pyflink.table.table_result:TableResult", "_j_table_result", PYTHON_ATTRIBUTE,
       _INTERNALS, "the job id of a routed call's TableResult"),
    _p("pyflink.common.job_client:JobClient", "_j_job_client", PYTHON_ATTRIBUTE, _INTERNALS,
       "the job id and result of a routed execute()"),
    _p(_STREAM_ENV, "_j_stream_execution_environment", PYTHON_ATTRIBUTE, _INTERNALS,
       "the session's and a cell's Java environments, for their options and routing"),
    _p(_DATA_STREAM, "_j_data_stream", PYTHON_ATTRIBUTE, _INTERNALS,
       "execute_and_collect routed: the Java stream's environment and collect sink"),
    _p(_DATA_STREAM, "_apply_chaining_optimization", PYTHON_FUNCTION, _INTERNALS,
       "execute_and_collect routed does what PyFlink's does before it collects"),
    _p("pyflink.datastream.data_stream", "CloseableIterator", PYTHON_FUNCTION,
       "cells/routing.py", "execute_and_collect routed returns PyFlink's own iterator"),
    _p("pyflink.common.configuration:Configuration", "_j_configuration", PYTHON_ATTRIBUTE,
       _INTERNALS, "the table environment's Java configuration: the session's options"),
    _p("pyflink.java_gateway", "launch_gateway_server_process", PYTHON_FUNCTION,
       "engine/gateway_stderr.py",
       "wrapped, so the gateway JVM's stderr is read as it comes (a full pipe blocks it)"),
    _p("pyflink.pyflink_gateway_server", "find_java_executable", PYTHON_FUNCTION,
       "engine/class_archive.py", "the java PyFlink launches: the class archive is bound to it"),
)

#: The PyFlink methods a %%flink cell routes (cells/routing.py ROUTES): patched while it runs.
ROUTED = tuple(
    _p(owner, method, PYTHON_FUNCTION, "cells/routing.py",
       "patched while a %%flink cell runs: its job goes through the notebook's executor",
       since=since)
    for owner, method, since in (
        ("pyflink.datastream:StreamExecutionEnvironment", "execute", None),
        ("pyflink.datastream:StreamExecutionEnvironment", "execute_async", None),
        ("pyflink.datastream:DataStream", "execute_and_collect", None),
        ("pyflink.table:TableEnvironment", "execute_sql", None),
        ("pyflink.table:StatementSet", "execute", None),
        ("pyflink.table:Table", "execute", None),
        ("pyflink.table:Table", "execute_insert", None),
        ("pyflink.table:Table", "to_pandas", None),
        ("pyflink.table.table_pipeline:TablePipeline", "execute", "2.1"),  # PyFlink 2.1+
    )
)

PY4J = (
    _p("py4j.java_gateway:JavaGateway", "_gateway_client", PYTHON_ATTRIBUTE,
       "engine/py4j_threads.py", "the kernel's py4j client, its connections pinned and bounded"),
    _p(_CLIENT, "_get_connection", PYTHON_FUNCTION, "engine/py4j_threads.py",
       "the main thread keeps a connection (and Java thread) of its own"),
    _p(_CLIENT, "_give_back_connection", PYTHON_FUNCTION, "engine/py4j_threads.py",
       "idle connections beyond one are closed, so Java threads do not pile up"),
    _p(_CLIENT, "deque", PYTHON_ATTRIBUTE, "engine/py4j_threads.py",
       "the idle connections counted"),
    _p(_CLIENT, "gateway_parameters", PYTHON_ATTRIBUTE, "engine/py4j_threads.py",
       "a second client for background threads, like the main one"),
    _p(_CLIENT, "gateway_property", PYTHON_ATTRIBUTE, "engine/py4j_threads.py",
       "a second client for background threads, like the main one"),
    _p(_CLIENT, "converters", PYTHON_ATTRIBUTE, "engine/py4j_threads.py",
       "a second client for background threads, like the main one"),
    _p("py4j.java_gateway:JavaObject", "_gateway_client", PYTHON_ATTRIBUTE,
       "engine/results.py", "a result buffer read from a background thread"),
    _p("py4j.java_gateway:JavaObject", "_target_id", PYTHON_ATTRIBUTE, "engine/results.py",
       "a second proxy of a result buffer, on the background thread's client"),
)


_API = "org.apache.flink.table.api.internal."
_IMPL = _API + "TableEnvironmentImpl"
_INTERNAL = _API + "TableEnvironmentInternal"
_RESOURCES = "org.apache.flink.table.resource.ResourceManager"
_PARSER = "org.apache.flink.table.delegation.Parser"
_OPERATIONS = "org.apache.flink.table.operations."
_ENV = "org.apache.flink.streaming.api.environment.StreamExecutionEnvironment"
_COLLECT = "org.apache.flink.streaming.api.operators.collect."
_FETCHER = _COLLECT + "CollectResultFetcher"
_ARROW = "org.apache.flink.table.runtime.arrow.ArrowUtils"
_UTILS = "org.apache.flink.client.deployment.executors.PipelineExecutorUtils"
_MINI = "org.apache.flink.runtime.minicluster."
_GRAPH = "org.apache.flink.streaming.api.graph."
_TRANSFORMATIONS = "org.apache.flink.streaming.api.transformations."
_BUFFER = "engine/jvm/ResultBuffer.java"
_CONTEXTS = "engine/jvm/ContextEnvironments.java"
_SNAPSHOT = "engine/jvm/SnapshotExecutors.java"
_CATALOG = "engine/jvm/CatalogReader.java"
_PY4J_THREADS = "engine/py4j_threads.py"
_SINKS = "sql/sinks.py"

JAVA = (
    # The table environment's insides.
    _j(_INTERNAL, "getParser", JAVA_METHOD, _INTERNALS,
       "Flink's parser: statement kinds, completion hints, errors located in a cell"),
    _j(_IMPL, "getPlanner", JAVA_METHOD, _INTERNALS,
       "the planner: a query's plan (bounded? updating?) and its class loader"),
    _j(_PARSER, "parse", JAVA_METHOD, "sql/operations.py",
       "what Flink parses a statement into (CTAS submits a job; a SHOW JOBS)"),
    _j(_PARSER, "getCompletionHints", JAVA_METHOD, "authoring/matcher.py",
       "the keywords Flink's parser expects next, for completion"),
    _j("org.apache.flink.table.delegation.Planner", "translate", JAVA_METHOD,
       "engine/query_plan.py", "a query's transformations: are all its sources bounded?"),
    _j(_OPERATIONS + "CollectModifyOperation", "<init>", JAVA_METHOD, "engine/query_plan.py",
       "the collect sink a query's plan is translated with", params=("QueryOperation",)),
    _j(_TRANSFORMATIONS + "SourceTransformation", "getBoundedness", JAVA_METHOD,
       "engine/query_plan.py", "a source is bounded (the class is matched by simple name)"),
    _j(_TRANSFORMATIONS + "LegacySourceTransformation", "getOperatorFactory", JAVA_METHOD,
       "engine/query_plan.py", "a VALUES source's InputFormat (it ends, though it says not)"),
    _j(_OPERATIONS + "StatementSetOperation", "", JAVA_CLASS, "sql/operations.py",
       "matched by simple name: a statement set submits a job"),
    # --preview: each sink's query, run instead of the sink (sql/sinks.py, cells/preview.py).
    _j(_IMPL, "createTable", JAVA_METHOD, _INTERNALS,
       "--preview: a Table of the query that feeds a sink", params=("QueryOperation",)),
    _j(_OPERATIONS + "StatementSetOperation", "getOperations", JAVA_METHOD, _SINKS,
       "--preview: a statement set's INSERTs"),
    _j(_API + "StatementSetImpl", "getOperations", JAVA_METHOD, _INTERNALS,
       "%%flink --preview: the INSERTs a PyFlink statement set would execute"),
    _j(_API + "TablePipelineImpl", "operation", JAVA_FIELD, _INTERNALS,
       "%%flink --preview: the INSERT execute_insert or a table pipeline would execute"),
    _j(_OPERATIONS + "ModifyOperation", "getChild", JAVA_METHOD, _SINKS,
       "--preview: the query whose rows a sink would receive"),
    _j(_OPERATIONS + "SinkModifyOperation", "getContextResolvedTable", JAVA_METHOD, _SINKS,
       "--preview: an INSERT's table, its name and columns"),
    _j(_OPERATIONS + "CreateTableASOperation", "getCreateTableOperation", JAVA_METHOD, _SINKS,
       "--preview: the table CREATE TABLE ... AS would create, its name and columns"),
    _j(_OPERATIONS + "ReplaceTableAsOperation", "getCreateTableOperation", JAVA_METHOD,
       _SINKS, "--preview: the table REPLACE TABLE ... AS would create"),
    _j(_OPERATIONS + "ddl.CreateTableOperation", "getTableIdentifier", JAVA_METHOD, _SINKS,
       "--preview: a created table's name"),
    _j(_OPERATIONS + "ddl.CreateTableOperation", "getCatalogTable", JAVA_METHOD, _SINKS,
       "--preview: a created table's columns"),
    _j("org.apache.flink.table.catalog.ContextResolvedTable", "getIdentifier", JAVA_METHOD,
       _SINKS, "--preview: an INSERT's table name"),
    _j("org.apache.flink.table.catalog.ContextResolvedTable", "getResolvedSchema",
       JAVA_METHOD, _SINKS, "--preview: an INSERT's table columns"),
    _j(_OPERATIONS + "command.ExecutePlanOperation", "", JAVA_CLASS, "sql/operations.py",
       "matched by simple name: EXECUTE PLAN submits a job"),
    _j(_OPERATIONS + "CompileAndExecutePlanOperation", "", JAVA_CLASS, "sql/operations.py",
       "matched by simple name: COMPILE AND EXECUTE PLAN submits a job"),
    _j(_OPERATIONS + "ddl.AnalyzeTableOperation", "", JAVA_CLASS, "sql/operations.py",
       "matched by simple name: ANALYZE TABLE runs a job"),
    _j(_OPERATIONS + "command.ShowJobsOperation", "", JAVA_CLASS, "cells/job_statements.py",
       "matched by simple name: SHOW JOBS answered from REST"),
    _j(_OPERATIONS + "command.DescribeJobOperation", "getJobId", JAVA_METHOD,
       "cells/job_statements.py", "DESCRIBE JOB answered from REST"),
    _j(_OPERATIONS + "command.StopJobOperation", "isWithSavepoint", JAVA_METHOD,
       "cells/job_statements.py", "STOP JOB ... WITH SAVEPOINT through the job's handle"),
    _j(_OPERATIONS + "command.StopJobOperation", "isWithDrain", JAVA_METHOD,
       "cells/job_statements.py", "STOP JOB ... WITH DRAIN through the job's handle"),
    # Jars (ADD JAR, REMOVE JAR) and the session's class loader.
    _j(_IMPL, "resourceManager", JAVA_FIELD, "engine/jars.py",
       "REMOVE JAR; the class loader that finds ADD JAR's connectors (CatalogReader.java)"),
    _j(_RESOURCES, "resourceInfos", JAVA_FIELD, "engine/jars.py",
       "REMOVE JAR takes the jar out; CREATE FUNCTION ... USING JAR hides them"),
    _j(_RESOURCES, "getUserClassLoader", JAVA_METHOD, _CATALOG,
       "the connectors completion offers, ADD JAR's included"),
    _j(_INTERNAL, "getCatalogManager", JAVA_METHOD, _CATALOG,
       "the catalog's names, tables and views, temporary ones included"),
    # Routing and context environments.
    _j(_ENV, "threadLocalContextEnvironmentFactory", JAVA_FIELD, _CONTEXTS,
       "a cell's thread gets environments that submit through the notebook (FLIP-73)"),
    _j(_ENV, "executorServiceLoader", JAVA_FIELD, _CONTEXTS,
       "an environment made outside a cell adopted by the notebook's executor"),
    _j(_ENV, "<init>", JAVA_METHOD, "engine/environments.py",
       "environments that submit through the notebook's executor service loader",
       params=("PipelineExecutorServiceLoader", "Configuration", "ClassLoader")),
    _j(_IMPL, "execEnv", JAVA_FIELD, _CONTEXTS,
       "the environment a TableEnvironment submits its jobs with"),
    _j("org.apache.flink.table.executor.python.ChainingOptimizingExecutor", "executor",
       JAVA_FIELD, _CONTEXTS, "PyFlink wraps the planner's executor in it"),
    _j("org.apache.flink.table.planner.delegation.DefaultExecutor", "getExecutionEnvironment",
       JAVA_METHOD, _CONTEXTS, "the planner executor's environment", loader=PLANNER),
    _j(_UTILS, "getStreamGraph", JAVA_METHOD, _SNAPSHOT,
       "the embedded target submits a stream graph to the MiniCluster", since="2.0"),
    _j(_GRAPH + "StreamGraph", "serializeUserDefinedInstances", JAVA_METHOD, _SNAPSHOT,
       "a stream graph submitted in the JVM needs its user code serialized first",
       since="2.0"),
    _j(_MINI + "MiniCluster", "submitJob", JAVA_METHOD, _SNAPSHOT,
       "the embedded target submits straight to the MiniCluster", since="2.0",
       params=("ExecutionPlan",)),
    _j(_UTILS, "getJobGraph", JAVA_METHOD, _SNAPSHOT,
       "the embedded target submits a job graph to the MiniCluster", until="2.0",
       params=("Pipeline", "Configuration", "ClassLoader")),
    _j(_MINI + "MiniCluster", "submitJob", JAVA_METHOD, _SNAPSHOT,
       "the embedded target submits straight to the MiniCluster", until="2.0",
       params=("JobGraph",)),
    _j(_GRAPH + "StreamGraph", "setTransformationUID", JAVA_METHOD, _SNAPSHOT,
       "1.20: a query's collect sink gets a fresh uid, so a job resumed from a savepoint "
       "does not restore the old sink's offset (its results would never arrive)",
       until="2.0"),
    _j("org.apache.flink.streaming.api.operators.collect.CollectSinkOperatorFactory", "",
       JAVA_CLASS, _SNAPSHOT, "1.20: how the collect sink's node is told apart",
       until="2.0"),
    _j(_MINI + "MiniClusterJobClient", "<init>", JAVA_METHOD, _SNAPSHOT,
       "the handle of a job submitted to the embedded MiniCluster",
       params=("JobID", "MiniCluster", "ClassLoader", "JobFinalizationBehavior")),
    _j(_GRAPH + "StreamNode", "setOperatorDescription", JAVA_METHOD, _SNAPSHOT,
       "secret option values masked in the web UI's operator descriptions"),
    _j("org.apache.flink.python.util.PythonConfigUtil", "configPythonOperator", JAVA_METHOD,
       "cells/routing.py", "execute_and_collect routed does what PyFlink's does"),
    _j("org.apache.flink.core.execution.DetachedJobExecutionResult", "<init>", JAVA_METHOD,
       "cells/routing.py", "a detached execute() answers as flink run -d does",
       params=("JobID",)),
    # Rows: the collect sink's fetcher, Arrow pages.
    _j(_FETCHER, "", JAVA_CLASS, _BUFFER, "found by name behind the collect iterator"),
    _j(_FETCHER, "retryMillis", JAVA_FIELD, _BUFFER,
       "a bounded query's last rows fetched sooner on the embedded cluster"),
    _j(_FETCHER, "jobClient", JAVA_FIELD, _BUFFER, "the rows at the sink, counted at the end"),
    _j(_FETCHER, "accumulatorName", JAVA_FIELD, _BUFFER,
       "the rows at the sink, counted at the end"),
    _j(_COLLECT + "CollectCoordinationResponse", "serializedResults", JAVA_FIELD, _BUFFER,
       "the rows the sink still held when the job ended"),
    _j(_COLLECT + "CollectSinkFunction", "deserializeAccumulatorResult", JAVA_METHOD, _BUFFER,
       "the sink's final accumulator read"),
    _j(_API + "TableResultInternal", "collectInternal", JAVA_METHOD, "engine/results.py",
       "a query's rows as RowData, drained into the Java buffer"),
    _j(_API + "TableResultInternal", "getRowDataToStringConverter", JAVA_METHOD,
       "engine/results.py", "values Arrow cannot carry, shipped as their text"),
    _j(_ARROW, "toArrowSchema", JAVA_METHOD, _BUFFER, "rows leave the JVM as Arrow pages"),
    _j(_ARROW, "createRowDataArrowWriter", JAVA_METHOD, _BUFFER,
       "rows leave the JVM as Arrow pages"),
    _j(_ARROW, "getRootAllocator", JAVA_METHOD, _BUFFER, "rows leave the JVM as Arrow pages"),
    _j("org.apache.flink.api.python.shaded.org.apache.arrow.vector.ipc.ArrowStreamWriter", "",
       JAVA_CLASS, _BUFFER, "Arrow as flink-python shades it"),
    # An updating result's ORDER BY and key, from its logical plan (query_plan.row_order).
    _j("org.apache.flink.table.api.Table", "getQueryOperation", JAVA_METHOD,
       "engine/query_plan.py", "a query's operation: its logical plan, for its rows' order"),
    _j("org.apache.flink.table.planner.operations.PlannerQueryOperation", "getCalciteTree",
       JAVA_METHOD, "engine/query_plan.py", "a SQL query's Calcite tree: its ORDER BY and key",
       loader=PLANNER),
    _j("org.apache.flink.table.planner.delegation.PlannerBase", "createRelBuilder",
       JAVA_METHOD, "engine/query_plan.py", "a Table API query's Calcite tree",
       loader=PLANNER),
    _j("org.apache.flink.table.planner.calcite.FlinkRelBuilder", "queryOperation",
       JAVA_METHOD, "engine/query_plan.py", "a Table API query's Calcite tree",
       loader=PLANNER),
    _j("org.apache.calcite.rel.RelFieldCollation", "nullDirection", JAVA_FIELD,
       "engine/query_plan.py", "where an ORDER BY puts NULLs", loader=PLANNER),
    _j("org.apache.calcite.rel.metadata.RelMetadataQuery", "getUniqueKeys", JAVA_METHOD,
       "engine/query_plan.py", "the columns unique in a result (a GROUP BY's)",
       loader=PLANNER),
    # The planner's per-thread state (py4j_threads.py).
    _j("org.apache.calcite.rel.metadata.RelMetadataQueryBase", "THREAD_PROVIDERS", JAVA_FIELD,
       _PY4J_THREADS, "the planner's metadata providers, per Java thread", loader=PLANNER),
    _j("org.apache.flink.table.planner.plan.metadata.FlinkDefaultRelMetadataProvider",
       "INSTANCE", JAVA_METHOD, _PY4J_THREADS, "Flink's metadata providers", loader=PLANNER),
    _j("org.apache.calcite.rel.metadata.JaninoRelMetadataProvider", "of", JAVA_METHOD,
       _PY4J_THREADS, "Flink's metadata providers as the planner installs them",
       loader=PLANNER),
    _j("org.apache.flink.table.api.ExplainDetail", "JSON_EXECUTION_PLAN", JAVA_FIELD,
       "engine/jvm/PlannerWarmup.java", "the warm-up plans a query down to its execution plan"),
    # Compiling our Java.
    _j("org.codehaus.janino.SimpleCompiler", "setTargetVersion", JAVA_METHOD,
       "engine/java_classes.py", "our Java compiled at run time by the Janino Flink ships"),
    # The embedded cluster.
    _j(_MINI + "MiniCluster", "requestClusterOverview", JAVA_METHOD, "clusters/embedded.py",
       "the embedded cluster's slots, asked without REST"),
    _j(_MINI + "MiniCluster", "startTaskManager", JAVA_METHOD, "clusters/embedded.py",
       "a TaskManager that stopped is started again"),
)

#: Every entry.
LEDGER: tuple[Member, ...] = PYFLINK + ROUTED + PY4J + JAVA
