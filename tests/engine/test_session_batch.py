"""A batch session: the kernel starts with ``FLINK_NOTEBOOK_OPTS=execution.runtime-mode=batch``
(the runtime mode is fixed when the session starts), as the README says to do it."""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest

pytestmark = pytest.mark.cluster


def test_a_kernel_started_in_batch_mode_runs_batch_jobs(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "%load_ext flink_notebook",
        "%%flink_sql\nCREATE TEMPORARY TABLE b_rows (k INT, v INT) WITH ("
        "'connector'='datagen', 'number-of-rows'='300', 'fields.k.min'='1', 'fields.k.max'='3',"
        "'fields.v.min'='1', 'fields.v.max'='1')",
        "%%flink_sql -o totals\nSELECT k, SUM(v) AS total FROM b_rows GROUP BY k",
        "%%flink_sql -o plan\nEXPLAIN SELECT k, SUM(v) AS total FROM b_rows GROUP BY k",
        "from flink_notebook.engine.session import FlinkSession\n"
        "print('runtime mode:', FlinkSession.current().runtime_mode)\n"
        "print('total rows:', int(totals['total'].sum()), 'keys:', sorted(totals['k']))\n"
        "print('batch plan:', 'HashAggregate' in plan.iloc[0, 0] or 'SortAggregate' in "
        "plan.iloc[0, 0])",
        "%%flink_sql\nSELECT k FROM b_rows -- streaming-only options are not needed",
        # ANALYZE TABLE (batch only) runs a job inside Flink: routed like any job, with a handle
        "%%flink_sql\nCREATE TABLE b_stats (k INT, v INT) WITH ('connector'='datagen', "
        "'number-of-rows'='300')",
        "%%flink_sql -o analyzed\nANALYZE TABLE b_stats COMPUTE STATISTICS FOR ALL COLUMNS",
        "%%flink_sql --target per-job -o elsewhere\nANALYZE TABLE b_stats COMPUTE STATISTICS",
        "from flink_notebook.jobs.rest import client_for\n"
        "s = FlinkSession.current()\n"
        "embedded = client_for(s.embedded_cluster().address.url, s.configuration)\n"
        "on_embedded = {j['jid'] for j in embedded.jobs_overview()}\n"
        "stats = s.t_env._j_tenv.getCatalog('default_catalog').get().getTableStatistics(\n"
        "    s.gateway.jvm.org.apache.flink.table.catalog.ObjectPath('default_database', "
        "'b_stats'))\n"
        "print('analyzed:', analyzed.status(), analyzed.job_id in on_embedded, "
        "stats.getRowCount())\n"
        "print('per-job:', elsewhere.status(), elsewhere.job_id in on_embedded, "
        "elsewhere.rest.url != embedded.url)",
        "%%flink_sql -D execution.runtime-mode=streaming\nSELECT 1",
    )])
    path = tmp_path / "batch.ipynb"
    nbformat.write(notebook, path)
    env = {**os.environ, "FLINK_NOTEBOOK_OPTS": "execution.runtime-mode=batch"}
    executed = tmp_path / "executed.ipynb"
    done = subprocess.run([sys.executable, "-m", "flink_notebook", "run", str(path),
                           "--output", str(executed)],
                          env=env, capture_output=True, text=True, timeout=600)
    log = done.stdout + done.stderr
    printed = "".join(output.get("text", "") for cell in nbformat.read(executed, 4).cells
                      for output in cell.get("outputs", []))
    assert "runtime mode: batch" in printed, log
    assert "total rows: 300 keys: [1, 2, 3]" in printed  # one final row per key
    assert "batch plan: True" in printed  # a batch aggregate, not a streaming GroupAggregate
    # A cell asking for streaming in a batch session is refused with what to do.
    assert "UsageError: execution.runtime-mode is batch" in log
    assert "analyzed: FINISHED True 300" in printed
    assert "per-job: FINISHED False True" in printed
    assert done.returncode == 1 and "stopped at cell 11 of 11" in log
