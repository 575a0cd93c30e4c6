"""%%flink cells: PyFlink code whose jobs go through the notebook's executor."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from handles import added_since, jobs_now
from IPython.core.error import UsageError

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("py_nums")]


@pytest.fixture(scope="module")
def py_nums(shell):
    """Ten numbers, the table every test of this file reads."""
    shell.run_cell_magic(
        "flink_sql", "",
        "CREATE TEMPORARY TABLE IF NOT EXISTS py_nums (n INT) WITH "
        "('connector'='datagen','number-of-rows'='10')",
    )


def test_env_and_t_env_are_bound_and_share_the_catalog(shell, flink):
    flink(
        "from pyflink.datastream import StreamExecutionEnvironment\n"
        "from pyflink.table import StreamTableEnvironment\n"
        "kinds = (isinstance(env, StreamExecutionEnvironment),"
        " isinstance(t_env, StreamTableEnvironment))\n"
        "t_env.create_temporary_view('from_python', t_env.from_path('py_nums'))"
    )
    assert shell.user_ns["kinds"] == (True, True)
    shell.run_cell_magic("flink_sql", "-o seen", "SELECT COUNT(*) AS c FROM from_python")
    assert shell.user_ns["seen"]["c"].tolist() == [10]


def test_last_expression_table_is_run_like_a_select(shell, flink):
    flink("t_env.from_elements([(1, 'a'), (2, '<b>')], ['id', 'tag'])", "-o rows")
    df = shell.user_ns["rows"]
    assert isinstance(df, pd.DataFrame)
    assert df.sort_values("id")["tag"].tolist() == ["a", "<b>"]


def test_several_submissions_give_several_handles(shell, flink):
    from flink_notebook.jobs.client import JobClient

    flink(
        "t_env.execute_sql(\"CREATE TEMPORARY TABLE IF NOT EXISTS py_sink (n INT) "
        "WITH ('connector'='blackhole')\")\n"
        "t_env.execute_sql('INSERT INTO py_sink SELECT n FROM py_nums')\n"
        "t_env.execute_sql('INSERT INTO py_sink SELECT n + 1 FROM py_nums')\n",
        "-o handles",
    )
    handles = shell.user_ns["handles"]
    assert isinstance(handles, list) and len(handles) == 2
    assert all(isinstance(h, JobClient) for h in handles)
    assert len({h.job_id for h in handles}) == 2
    assert [h.status() for h in handles] == ["FINISHED", "FINISHED"]


def test_datastream_execute_goes_through_the_executor(shell, flink):
    before = jobs_now()
    flink(
        "ds = env.from_collection([1, 2, 3])\n"
        "ds.map(lambda x: x * 2).print()\n"
        "outcome = env.execute('doubling')\n"
    )
    [job] = added_since(before)
    assert job.name == "doubling"
    assert job.status() == "FINISHED"
    assert shell.user_ns["outcome"].get_job_id() is not None


def test_to_pandas_is_fetched_in_bulk(shell, flink):
    from flink_notebook.engine.session import FlinkSession
    from flink_notebook.jobs.rest import RestClient

    session = FlinkSession.current()
    before = jobs_now()
    flink("frame = t_env.from_path('py_nums').to_pandas()")
    assert len(shell.user_ns["frame"]) == 10
    # Through the executor: a handle, and the job on the embedded cluster (plain PyFlink
    # would give the same rows from a MiniCluster of its own).
    [job] = added_since(before)
    embedded = session.embedded_cluster().address.url
    assert job.rest.url == embedded
    assert job.job_id in {j["jid"] for j in RestClient(embedded).jobs_overview()}


def test_detached_cell_returns_handles_at_once(shell, flink):
    flink(
        "t_env.execute_sql(\"CREATE TEMPORARY TABLE IF NOT EXISTS py_endless (n INT) "
        "WITH ('connector'='datagen','rows-per-second'='10')\")\n"
        "t_env.execute_sql(\"CREATE TEMPORARY TABLE IF NOT EXISTS py_sink (n INT) "
        "WITH ('connector'='blackhole')\")\n"
        "t_env.execute_sql('INSERT INTO py_sink SELECT n FROM py_endless')",
        "--detached -o endless",
    )
    job = shell.user_ns["endless"]
    assert job.status() in {"INITIALIZING", "CREATED", "RUNNING"}
    job.cancel()
    assert job.status() == "CANCELED"


def test_a_detached_env_execute_returns_what_flink_run_d_returns(shell, flink):
    """As under ``flink run -d``: the result knows its job id and says it was detached for
    the rest; the cell's handle is the JobClient."""
    flink(
        "from pyflink.datastream import StreamExecutionEnvironment\n"
        "from pyflink.common.typeinfo import Types\n"
        "from pyflink.datastream.connectors.number_seq import NumberSequenceSource\n"
        "from pyflink.common import WatermarkStrategy\n"
        "e = StreamExecutionEnvironment.get_execution_environment()\n"
        "e.from_source(NumberSequenceSource(0, 10 ** 12), WatermarkStrategy"
        ".no_watermarks(), 'numbers').map(lambda n: n, Types.LONG()).print()\n"
        "detached_result = e.execute('detached program')\n"
        "detached_id = str(detached_result.get_job_id())\n",
        "--detached -o detached_handles",
    )
    job = shell.user_ns["detached_handles"]
    try:
        assert shell.user_ns["detached_id"] == job.job_id
        with pytest.raises(Exception, match="detached"):
            shell.user_ns["detached_result"].get_net_runtime()
        assert job.status() in {"INITIALIZING", "CREATED", "RUNNING"}
    finally:
        job.cancel()


def test_python_errors_are_python_tracebacks(shell, flink):
    with pytest.raises(NameError):
        flink("x = 1\nundefined_name + x")
    result = shell.run_cell("%%flink\nraise ValueError('boom')")
    assert isinstance(result.error_in_exec, ValueError)
    flink("ok = t_env.from_path('py_nums').to_pandas()")  # the session still works
    assert len(shell.user_ns["ok"]) == 10


def test_pyflink_api_newer_than_the_kernels_is_said_in_one_line(shell, flink):
    """Issue 31, item 4: Table.print_explain came with PyFlink 2.1. On 1.20 and 2.0 the cell
    says so, at its line, instead of Python's bare AttributeError; on 2.1 and later it runs."""
    from pyflink.version import __version__

    from flink_notebook.engine.java_classes import kernel_flink

    code = "t = t_env.from_path('py_nums')\nt.print_explain()"
    if kernel_flink() >= (2, 1):
        flink(code)  # prints the plan, submits nothing
        return
    with pytest.raises(UsageError) as raised:
        flink(code)
    head, quoted = str(raised.value).rsplit("\n", 1)
    assert " ".join(head.split()) == (  # wrapped at words
        f"Table.print_explain needs Flink 2.1 or later; this kernel has PyFlink {__version__} "
        "(line 2 of the cell).")
    assert quoted == "   2 | t.print_explain()"


def test_java_errors_are_short_like_a_sql_cells_and_the_trace_is_asked_for(flink):
    """The cause and the code's line, masked; no Java frames unless --verbose."""
    code = ("x = 1\n"
            "t_env.execute_sql(\"CREATE TABLE j (a INT) WITH ('token'='tok-8191',)\")\n")
    with pytest.raises(UsageError) as short:
        flink(code)
    with pytest.raises(UsageError) as verbose:
        flink(code, "--verbose")
    lines = str(short.value).splitlines()
    assert lines[0] == 'Java error at line 2 of the cell: Syntax error at ")"'
    assert lines[1] == "   2 | t_env.execute_sql(\"CREATE TABLE j (a INT) WITH " \
                       "('token'='********',)\")"
    assert lines[2].startswith("Expected: ")  # under the code's line, as in a SQL cell
    assert lines[-1] == "(add --verbose to the magic line for the Java trace)"
    assert len(lines) == 4 and "org.apache" not in str(short.value)
    assert "\tat org.apache.flink" in str(verbose.value) and "in <module>" in str(verbose.value)
    assert "tok-8191" not in str(short.value) + str(verbose.value)


def test_patches_are_removed_after_the_cell(flink):
    from pyflink.table import TableEnvironment

    original = TableEnvironment.execute_sql
    with pytest.raises(ZeroDivisionError):
        flink("1 / 0")
    assert TableEnvironment.execute_sql is original


def test_failed_job_reports_its_root_cause_once(flink):
    """Its view says why; the cell's error points there (issue 32: it said it twice)."""
    from IPython.utils.capture import capture_output

    with capture_output() as captured, pytest.raises(UsageError) as error:
        flink(
            "def boom(x):\n"
            "    raise RuntimeError('exploded in a UDF')\n"
            "env.from_collection([1]).map(boom).print()\n"
            "env.execute('failing')\n"
        )
    assert "exploded in a UDF" not in str(error.value)
    assert re.match(r"Job failing \([0-9a-f]{32}\) failed: see its view above", str(error.value))
    final = captured.outputs[-1].data["text/plain"]  # the view, when the job had ended
    assert final.startswith("FAILED") and "exploded in a UDF" in final


#: Every PyFlink call that submits a job, as user code makes it.
ROUTED_CALLS = {
    "StreamExecutionEnvironment.execute":
        "env.from_collection([1, 2, 3], type_info=Types.INT()).print()\n"
        "env.execute('routed execute')",
    "StreamExecutionEnvironment.execute_async":
        "env.from_collection([1, 2, 3], type_info=Types.INT()).print()\n"
        "env.execute_async('routed async').get_job_execution_result().result()",
    "DataStream.execute_and_collect":
        "got = list(env.from_collection([1, 2, 3], type_info=Types.INT())"
        ".execute_and_collect())\nassert sorted(got) == [1, 2, 3], got",
    "TableEnvironment.execute_sql":
        "t_env.execute_sql('INSERT INTO py_sink SELECT n FROM py_nums').wait()",
    "TableEnvironment.execute_sql (CREATE TABLE AS SELECT)":
        "t_env.execute_sql(\"CREATE TABLE py_ctas WITH ('connector'='blackhole') "
        "AS SELECT n FROM py_nums\").wait()\nt_env.execute_sql('DROP TABLE py_ctas')",
    "StatementSet.execute":
        "s = t_env.create_statement_set()\n"
        "s.add_insert_sql('INSERT INTO py_sink SELECT n FROM py_nums')\ns.execute().wait()",
    "Table.execute":
        "got = list(t_env.from_path('py_nums').execute().collect())\nassert len(got) == 10",
    "Table.execute_insert": "t_env.from_path('py_nums').execute_insert('py_sink').wait()",
    "Table.to_pandas": "assert len(t_env.from_path('py_nums').to_pandas()) == 10",
    "TablePipeline.execute":
        "t_env.from_path('py_nums').insert_into('py_sink').execute().wait()",
}


@pytest.fixture(scope="module")
def routing_cluster(shell, session_cluster):
    shell.run_cell_magic(
        "flink_sql", "",
        "CREATE TEMPORARY TABLE IF NOT EXISTS py_nums (n INT) WITH "
        "('connector'='datagen','number-of-rows'='10');"
        "CREATE TEMPORARY TABLE IF NOT EXISTS py_sink (n INT) WITH ('connector'='blackhole')",
    )
    return session_cluster


def _kernel_calls() -> list[str]:
    """The routed calls the kernel's PyFlink has (TablePipeline came with 2.1)."""
    from flink_notebook.cells.routing import ROUTES, routes

    def method(call: str) -> str:
        return call.split(" ")[0]

    assert {f"{r.owner.split(':')[1]}.{r.method}" for r in ROUTES} == \
        {method(call) for call in ROUTED_CALLS}
    present = {f"{r.owner.split(':')[1]}.{r.method}" for r in routes()}
    return sorted(call for call in ROUTED_CALLS if method(call) in present)


@pytest.mark.parametrize("call", _kernel_calls())
def test_every_submitting_call_is_routed_to_the_configured_cluster(shell, flink, call,
                                                                  routing_cluster):
    from flink_notebook.jobs.rest import RestClient

    before = jobs_now()
    flink("from pyflink.common import Types\n" + ROUTED_CALLS[call],
          f"--target remote -D rest.address={routing_cluster.rest_url}")
    [job] = added_since(before)  # one handle for the one job
    assert job.rest.url == routing_cluster.rest_url
    on_cluster = {j["jid"]: j["state"] for j in RestClient(routing_cluster.rest_url)
                  .jobs_overview()}
    assert job.job_id in on_cluster  # the job ran there, not on a cluster of its own
    assert job.wait(timeout=120) == "FINISHED"


def test_arrow_keeps_direct_buffers_after_rows_were_read(shell, flink):
    """Rows read through Arrow (our result pages) load flink-python's relocated netty first;
    it must still find DirectByteBuffer's constructor, or Flink's ArrowUtils refuses every
    later pandas UDF ("Arrow depends on DirectByteBuffer.<init>(long, int)")."""
    from flink_notebook.engine.session import FlinkSession

    flink("frame = t_env.from_path('py_nums').to_pandas()")
    jvm = FlinkSession.current().gateway.jvm
    netty = jvm.org.apache.flink.api.python.shaded.io.netty.util.internal.PlatformDependent
    assert netty.hasDirectBufferNoCleanerConstructor()
    jvm.org.apache.flink.table.runtime.arrow.ArrowUtils.checkArrowUsable()  # twice: the
    jvm.org.apache.flink.table.runtime.arrow.ArrowUtils.checkArrowUsable()  # second checks
