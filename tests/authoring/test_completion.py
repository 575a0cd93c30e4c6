"""Completion's logic: where the cursor is in a cell's SQL, and what is offered there, on a
catalog given as data (the reads from the live session are tested in
test_completion_kernel.py)."""

from __future__ import annotations

import pytest

from flink_notebook.authoring.catalog import (
    CatalogCache,
    CatalogNames,
    Column,
    Connector,
    Database,
    OptionInfo,
    TableInfo,
)
from flink_notebook.authoring.completion import suggest
from flink_notebook.authoring.sql_context import cell_sql, sql_at

CURRENT = ("default_catalog", "default_database")


class Catalog:
    """The four reads of authoring.catalog.CatalogCache, from data."""

    def __init__(self) -> None:
        self.read: list[tuple[str, str, str]] = []
        self.tables = {
            ("default_catalog", "default_database", "orders"): TableInfo(
                ("default_catalog", "default_database", "orders"),
                columns=(Column("order_id", "BIGINT"), Column("amount", "DOUBLE"),
                         Column("ts", "TIMESTAMP(3) *ROWTIME*", time="rowtime"))),
            ("default_catalog", "default_database", "customers"): TableInfo(
                ("default_catalog", "default_database", "customers"),
                columns=(Column("customer_id", "BIGINT"), Column("name", "STRING"))),
            ("lake", "sales", "order items"): TableInfo(
                ("lake", "sales", "order items"), columns=(Column("sku", "STRING"),)),
        }

    def names(self) -> CatalogNames:
        return CatalogNames(CURRENT, {
            "default_catalog": (Database("default_database", ("customers", "orders"),
                                         ("big_orders",)), Database("staging", ("raw",))),
            "lake": (Database("sales", ("order items",)),),
        }, errors={"hive": "metastore unreachable"})

    def table(self, catalog: str, database: str, name: str) -> TableInfo | None:
        self.read.append((catalog, database, name))
        return self.tables.get((catalog, database, name))

    def functions(self):
        return ("ABS", "COUNT", "CONCAT", "my_udf"), frozenset({"my_udf"})

    def connectors(self) -> dict[str, Connector]:
        return {
            "datagen": Connector("datagen", True, False, (
                OptionInfo("fields.#.kind", False, "random", "Generator of this '#' field."),
                OptionInfo("rows-per-second", False, "10000", "Rows per second."),
                OptionInfo("number-of-rows", False))),
            "filesystem": Connector("filesystem", True, True, (
                OptionInfo("path", True, None, "The path of a directory."),
                OptionInfo("format", False))),
            "python-input-format": Connector("python-input-format", True, False),
        }


def offered(cell: str, hints=None) -> list[tuple[str, str]]:
    """(text, kind) of what is offered where ``|`` stands in ``cell``."""
    cursor = cell.index("|")
    found = cell_sql(cell.replace("|", ""), cursor)
    assert found is not None, "not SQL"
    return [(s.text, s.kind) for s in suggest(sql_at(*found), Catalog(), hints)]


def texts(cell: str, hints=None) -> list[str]:
    return [text for text, _ in offered(cell, hints)]


def test_tables_and_views_after_from_join_and_into():
    assert offered("%%flink_sql\nSELECT * FROM ord|") == [("orders", "table")]
    assert offered("%%flink_sql\nSELECT * FROM |")[:3] == [
        ("big_orders", "view"), ("customers", "table"), ("orders", "table")]
    assert ("staging", "database") in offered("%%flink_sql\nSELECT * FROM |")
    assert ("lake", "catalog") in offered("%%flink_sql\nSELECT * FROM |")
    assert texts("%%flink_sql\nSELECT * FROM orders o JOIN cu|") == ["customers"]
    assert texts("%%flink_sql\nINSERT INTO bi|") == ["big_orders"]
    assert texts("%%flink_sql\nSELECT * FROM orders, cu|") == ["customers"]


def test_qualified_names_walk_catalogs_and_databases():
    assert texts("%%flink_sql\nSELECT * FROM lake.|") == ["sales"]
    assert texts("%%flink_sql\nSELECT * FROM lake.sales.|") == ["`order items`"]
    assert texts("%%flink_sql\nSELECT * FROM staging.|") == ["raw"]
    assert texts("%%flink_sql\nSELECT * FROM default_catalog.default_database.c|") == [
        "customers"]


def test_columns_of_the_tables_in_scope_aliases_included():
    assert offered("%%flink_sql\nSELECT o.| FROM orders o") == [
        ("order_id", "column"), ("amount", "column"), ("ts", "column")]
    assert texts("%%flink_sql\nSELECT c.| FROM orders AS o JOIN customers AS c ON 1=1") == [
        "customer_id", "name"]
    assert texts("%%flink_sql\nSELECT orders.am| FROM orders") == ["amount"]
    assert texts("%%flink_sql\nSELECT * FROM orders WHERE am|") == ["amount"]
    # an expression: columns first, then functions and keywords
    assert offered("%%flink_sql\nSELECT c| FROM customers")[0] == ("customer_id", "column")
    assert ("COUNT", "function") in offered("%%flink_sql\nSELECT c| FROM customers")


def test_window_tvfs_add_their_window_columns():
    cell = ("%%flink_sql\nSELECT window_| FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), "
            "INTERVAL '1' MINUTE)) GROUP BY window_start, window_end")
    assert texts(cell) == ["window_start", "window_end", "window_time"]


def test_connectors_and_their_options_in_with():
    create = "%%flink_sql\nCREATE TABLE t (id INT, name STRING) WITH ("
    assert offered(create + "'connector' = 'da|") == [("datagen", "connector")]
    assert "python-input-format" not in texts(create + "'connector' = '|")
    # required options first, then optional ones; fields.#. for each declared column
    assert texts(create + "'connector' = 'filesystem', '|") == ["path", "format"]
    assert texts(create + "'connector' = 'datagen', 'fields|") == [
        "fields.id.kind", "fields.name.kind", "fields.#.kind"]
    # keys already given are not offered again
    assert "rows-per-second" not in texts(
        create + "'connector' = 'datagen', 'rows-per-second' = '5', '|")
    assert texts(create + "'|") == ["connector"]  # no connector named yet


def test_an_options_description_and_default_come_with_it():
    context = sql_at("CREATE TABLE t (a INT) WITH ('connector' = 'datagen', 'rows", 57)
    (found,) = suggest(context, Catalog())
    assert found.kind == "option"
    assert found.detail == "optional, default '10000': Rows per second."
    (column,) = suggest(sql_at("SELECT o.am FROM orders o", 11), Catalog())
    assert column.detail == "DOUBLE"


def test_keywords_follow_the_case_typed_and_the_parsers_hints_come_first():
    assert texts("%%flink_sql\nsel|") == ["select"]
    assert texts("%%flink_sql\nSEL|") == ["SELECT"]
    hinted = texts("%%flink_sql\nSELECT * FROM orders WH|", hints=lambda sql: ["WHERE"])
    assert hinted[0] == "WHERE"

    def broken(statement: str) -> list[str]:
        raise RuntimeError("the parser gave up")

    assert "WHERE" in texts("%%flink_sql\nSELECT * FROM orders WH|", hints=broken)


def test_sql_that_does_not_parse_still_offers_names():
    assert texts("%%flink_sql\nSELECT FROM FROM ((, o.| FROM orders o WHERE ))") == [
        "order_id", "amount", "ts"]
    assert texts("%%flink_sql\nSELEC * FRM x; SELECT * FROM cus|") == ["customers"]


def test_the_statement_at_the_cursor_counts_in_a_cell_of_several():
    cell = "%%flink_sql\nSELECT o.| FROM orders o;\nSELECT o.name FROM customers o"
    assert texts(cell) == ["order_id", "amount", "ts"]
    cell = "%%flink_sql\nSELECT 1 FROM orders o;\nSELECT o.| FROM customers o"
    assert texts(cell) == ["customer_id", "name"]


def test_new_names_get_nothing():
    assert offered("%%flink_sql\nCREATE TABLE ord|") == []
    assert offered("%%flink_sql\nCREATE TEMPORARY TABLE ord|") == []
    assert offered("%%flink_sql\nSELECT amount AS am| FROM orders") == []
    assert offered("%%flink_sql\nSELECT 'am|' FROM orders") == []  # a string literal


def test_databases_and_catalogs_after_use():
    assert texts("%%flink_sql\nUSE |") == ["default_database", "staging", "default_catalog",
                                           "hive", "lake"]
    assert texts("%%flink_sql\nUSE CATALOG |") == ["default_catalog", "hive", "lake"]


def test_names_that_need_them_get_backticks():
    assert texts("%%flink_sql\nSELECT * FROM lake.sales.ord|") == ["`order items`"]
    assert texts("%%flink_sql\nSELECT * FROM lake.sales.`ord|") == ["order items`"]


@pytest.mark.parametrize("cell", [
    "%%flink_sql --time|",  # the magic line: IPython completes its options
    "import o|",
    "x = 'SELECT * FROM o|'",
])
def test_only_sql_is_completed(cell):
    assert cell_sql(cell.replace("|", ""), cell.index("|")) is None


def test_sql_in_execute_sql_strings_of_python_cells():
    assert texts('%%flink\nt_env.execute_sql("SELECT * FROM cu|")') == ["customers"]
    assert texts("rows = t_env.sql_query('''\nSELECT o.| FROM orders o\n''')") == [
        "order_id", "amount", "ts"]


def test_a_table_read_is_asked_for_only_where_its_columns_count():
    catalog = Catalog()
    suggest(sql_at("SELECT * FROM ord", 17), catalog)
    assert catalog.read == []
    suggest(sql_at("SELECT o. FROM orders o", 9), catalog)
    assert catalog.read == [("default_catalog", "default_database", "orders")]


class _Session:
    t_env = object()
    gateway = None


def test_a_read_that_a_drop_overtook_is_not_kept(monkeypatch):
    """The catalog changed (a cell ran) while it was being read: what was read is used
    once, then read again."""
    cache = CatalogCache(_Session())
    reads = []

    def read(what: str, *args: str) -> str:
        reads.append(what)
        if len(reads) == 1:
            cache.drop()  # a cell ran meanwhile
        return '{"current": ["c", "d"], "catalogs": []}'

    monkeypatch.setattr(cache, "_read", read)
    assert cache.names().current == ("c", "d")
    cache.names()
    assert reads == ["names", "names"]
    cache.names()
    assert reads == ["names", "names"]  # kept the second time


def test_no_java_means_no_names_and_no_wait():
    class NotStarted:
        t_env = None

    cache = CatalogCache(NotStarted())
    assert cache.names() == CatalogNames() and cache.connectors() == {}
    assert suggest(sql_at("SEL", 3), cache)[0].text == "SELECT"


def test_a_flink_deploy_cells_body_is_completed_as_sql():
    assert offered("%%flink_deploy orders\nINSERT INTO bi|") == [("big_orders", "view")]
    assert offered("%%flink_deploy orders\nINSERT INTO big_orders SELECT * FROM ord|") == [
        ("orders", "table")]
