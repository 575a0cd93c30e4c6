"""Python UDFs and Python DataStream functions from %%flink cells run on real clusters:
a session cluster through `remote`, and `per-job` clusters. Their TaskManagers start
Python workers with the kernel's interpreter (python.executable)."""

from __future__ import annotations

import pytest
from handles import added_since, jobs_now

from flink_notebook.clusters.standalone import LocalCluster

pytestmark = pytest.mark.cluster

UDF_CELL = """
from pyflink.table import DataTypes
from pyflink.table.udf import udf

@udf(result_type=DataTypes.BIGINT())
def cubed(x):
    return x * x * x

t_env.drop_temporary_function("cubed")
t_env.create_temporary_function("cubed", cubed)
t_env.sql_query("SELECT n, cubed(n) AS c FROM (VALUES (1), (2), (3)) AS t(n)")
"""

STREAM_CELL = """
from pyflink.common import Types

words = env.from_collection(["flink", "notebook", "py"], type_info=Types.STRING())
lengths = sorted(words.map(lambda w: (w, len(w)),
                           output_type=Types.TUPLE([Types.STRING(), Types.INT()]))
                 .execute_and_collect(limit=3))
"""


def targets(cluster: LocalCluster) -> dict[str, str]:
    return {"remote": f"--target remote -D rest.address={cluster.rest_url}",
            "per-job": "--target per-job"}


@pytest.mark.parametrize("target", ["remote", "per-job"])
def test_a_python_udf_runs_on_the_cluster(shell, session_cluster, target):
    shell.run_cell_magic("flink", f"{targets(session_cluster)[target]} -o cubes", UDF_CELL)
    cubes = shell.user_ns["cubes"].sort_values("n")
    assert list(cubes["c"]) == [1, 8, 27]


@pytest.mark.parametrize("target", ["remote", "per-job"])
def test_a_python_datastream_function_runs_on_the_cluster(shell, session_cluster, target):

    before = jobs_now()
    shell.run_cell_magic("flink", targets(session_cluster)[target], STREAM_CELL)
    assert [tuple(row) for row in shell.user_ns["lengths"]] == [
        ("flink", 5), ("notebook", 8), ("py", 2)]
    job = added_since(before)[0]  # the collect job went through the executor
    assert job.wait(timeout=120) == "FINISHED"
    if target == "remote":
        assert job.rest.url == session_cluster.rest_url


def test_the_kernels_python_stays_the_default_after_a_cell_chose_one(shell):
    """A cell's python.executable lasts for that cell; later cells use the kernel's Python
    again (the embedded cluster has no python.executable of its own)."""
    import sys

    shell.run_cell_magic("flink", f"-D python.executable={sys.executable} -o first", UDF_CELL)
    shell.run_cell_magic("flink", "-o again", UDF_CELL)
    assert list(shell.user_ns["again"].sort_values("n")["c"]) == [1, 8, 27]
