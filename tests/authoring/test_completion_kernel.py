"""Completion through a real kernel: Jupyter's ``complete_request`` on a ``%%flink_sql``
cell with a cursor, answered from the kernel's live catalog and Flink's connector
factories, with each match's kind (and type or description) in the reply."""

from __future__ import annotations

import pytest

from tests.flink.test_kernel import kernel_client, run

pytestmark = pytest.mark.cluster

SETUP = """%load_ext flink_notebook"""
TABLES = """%%flink_sql
CREATE TEMPORARY TABLE orders (
  order_id BIGINT, amount DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts
) WITH ('connector' = 'datagen');
CREATE TEMPORARY TABLE customers (customer_id BIGINT, name STRING)
  WITH ('connector' = 'datagen')"""


@pytest.fixture(scope="module")
def kernel():
    with kernel_client() as client:
        run(client, SETUP)
        run(client, TABLES)
        yield client


def complete(client, cell: str) -> tuple[list[str], list[dict], str]:
    """Complete where ``|`` stands: (matches, the typed completions, the replaced text)."""
    cursor = cell.index("|")
    code = cell.replace("|", "")
    reply = client.complete(code, cursor, reply=True, timeout=60)["content"]
    assert reply["status"] == "ok", reply
    typed = reply["metadata"].get("_jupyter_types_experimental", [])
    return reply["matches"], typed, code[reply["cursor_start"]:reply["cursor_end"]]


def test_a_table_is_offered_after_from_with_its_kind(kernel):
    matches, typed, replaced = complete(kernel, "%%flink_sql\nSELECT * FROM ord|")
    assert matches == ["orders"] and replaced == "ord"
    assert [(t["text"], t["type"]) for t in typed] == [("orders", "table")]
    assert typed[0]["signature"] == "table in default_catalog.default_database"


def test_an_aliass_columns_come_with_their_types(kernel):
    matches, typed, replaced = complete(
        kernel, "%%flink_sql\nSELECT o.| FROM orders o JOIN customers c ON 1 = 1")
    assert matches == ["order_id", "amount", "ts"] and replaced == ""
    assert [(t["type"], t["signature"]) for t in typed] == [
        ("column", "BIGINT"), ("column", "DOUBLE"), ("column", "TIMESTAMP(3) *ROWTIME*")]


def test_connector_names_and_options_come_from_flinks_factories(kernel):
    create = "%%flink_sql\nCREATE TABLE t (id INT) WITH ("
    matches, typed, _ = complete(kernel, create + "'connector' = '|")
    assert {"datagen", "filesystem", "print", "blackhole"} <= set(matches)
    assert {t["type"] for t in typed} == {"connector"}
    matches, typed, replaced = complete(kernel, create + "'connector' = 'datagen', 'rows|")
    assert matches == ["rows-per-second"] and replaced == "rows"
    assert typed[0]["type"] == "option" and "optional" in typed[0]["signature"]
    matches, typed, _ = complete(kernel, create + "'connector' = 'filesystem', '|")
    assert matches[0] == "path" and typed[0]["signature"].startswith("required")


def test_keywords_and_functions(kernel):
    matches, typed, _ = complete(kernel, "%%flink_sql\nSELECT * FROM orders WH|")
    assert matches[0] == "WHERE" and typed[0]["type"] == "keyword"
    matches, typed, _ = complete(kernel, "%%flink_sql\nSELECT TUMB| FROM orders")
    kinds = {t["text"]: t["type"] for t in typed}
    assert kinds.get("TUMBLE") in ("keyword", "function")


def test_a_table_made_by_a_cell_is_offered_after_it(kernel):
    assert complete(kernel, "%%flink_sql\nSELECT * FROM late|")[0] == []
    run(kernel, "%%flink_sql\nCREATE TEMPORARY VIEW late_orders AS SELECT * FROM orders")
    matches, typed, _ = complete(kernel, "%%flink_sql\nSELECT * FROM late|")
    assert matches == ["late_orders"] and typed[0]["type"] == "view"


def test_sql_that_does_not_parse_still_offers_names(kernel):
    matches, _, _ = complete(kernel, "%%flink_sql\nSELEC FROM WHERE ((; SELECT c.| FROM "
                                     "customers c WHERE )")
    assert matches == ["customer_id", "name"]


def test_python_cells_complete_as_python(kernel):
    run(kernel, "flink_completion_probe = 1")
    matches, _, _ = complete(kernel, "flink_completion_pr|")
    assert matches == ["flink_completion_probe"]
    matches, _, _ = complete(kernel, '%%flink\nt_env.execute_sql("SELECT * FROM cus|")')
    assert matches == ["customers"]
