"""%flink_catalog: the catalog tree as HTML, text and widgets, on a catalog given as data;
then on the real session's catalog (a table with a watermark, computed columns, a key and
a secret option, a view, a Python function, a catalog that fails to list)."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from flink_notebook.authoring import browser
from flink_notebook.authoring.browser import (
    INSERT_CELL_TARGET,
    CatalogBrowser,
    catalog_html,
    catalog_text,
    qualified_name,
    resolve_scope,
    split_identifier,
)
from flink_notebook.authoring.catalog import CatalogNames, Column, Database, TableInfo
from flink_notebook.core.secrets import MASK

HOSTILE = "<script>alert(1)</script>"
CURRENT = ("default_catalog", "default_database")


def orders(name: tuple[str, str, str]) -> TableInfo:
    return TableInfo(
        name, temporary=True,
        columns=(Column("id", "BIGINT NOT NULL"),
                 Column("ts", "TIMESTAMP(3) *ROWTIME*", time="rowtime"),
                 Column("pt", "TIMESTAMP_LTZ(3) NOT NULL *PROCTIME*", "computed",
                        "AS PROCTIME()", "proctime"),
                 Column("total", "DOUBLE", "computed", "AS `amount` * 2"),
                 Column(HOSTILE, "STRING", comment=HOSTILE)),
        primary_key=("id",), watermarks=(("ts", "`ts` - INTERVAL '5' SECOND"),),
        # not masked here: the browser masks whatever its cache gives
        options={"connector": "blackhole", "password": "hunter2", "note": HOSTILE})


class Catalog:
    """The reads of authoring.catalog.CatalogCache that the browser uses, from data."""

    def __init__(self) -> None:
        self.read: list[tuple[str, str, str]] = []
        self.drops = 0

    def names(self) -> CatalogNames:
        return CatalogNames(CURRENT, {
            "default_catalog": (Database("default_database", ("orders", HOSTILE), ("big",)),
                                Database("staging", ("raw", "odd name"))),
            "lake": (Database("sales", error="AccessDeniedException: no <access>"),
                     Database("ok", ("t",))),
        }, errors={"hive": "CatalogException: metastore unreachable"})

    def table(self, catalog: str, database: str, name: str) -> TableInfo | None:
        self.read.append((catalog, database, name))
        key = (catalog, database, name)
        if name == "raw":
            return TableInfo(key, error="ValidationException: cannot read <raw>")
        if name == "big":
            return TableInfo(key, kind="VIEW", columns=(Column("id", "BIGINT NOT NULL"),))
        return orders(key)

    def functions(self) -> tuple[tuple[str, ...], frozenset[str]]:
        return ("ABS", "COUNT", "CONCAT", "my_udf"), frozenset({"my_udf"})

    def drop(self) -> None:
        self.drops += 1


# -- HTML and text ------------------------------------------------------------------------
def test_html_shows_every_table_with_its_details():
    page = catalog_html(Catalog())
    for shown in ("default_catalog", "default_database", "staging", "lake", "orders",
                  "BIGINT NOT NULL", "TIMESTAMP(3) *ROWTIME*", "row time", "*PROCTIME*",
                  "proc time", "computed AS PROCTIME()", "computed AS `amount` * 2",
                  "<b>primary key</b> <code>id</code>",
                  "<code>`ts` - INTERVAL &#x27;5&#x27; SECOND</code>", "connector blackhole",
                  "my_udf", "3 built-in", "ABS, CONCAT, COUNT"):
        assert shown in page, shown
    assert page.count("<details open>") == 2  # the current catalog and database
    assert f"<code>{MASK}</code>" in page
    assert "hunter2" not in page


def test_html_escapes_hostile_names_and_values():
    page = catalog_html(Catalog())
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "no &lt;access&gt;" in page


def test_errors_show_in_their_node_and_the_rest_of_the_tree_still_shows():
    page = catalog_html(Catalog())
    hive = page.index("<code style='font-weight:600'>hive</code>")
    assert page.index("CatalogException: metastore unreachable") > hive
    assert "AccessDeniedException: no &lt;access&gt;" in page  # a database that failed
    assert "ValidationException: cannot read &lt;raw&gt;" in page  # a table that failed
    assert "<code style='font-weight:600'>t</code>" in page  # lake.ok, after lake.sales
    text = catalog_text(Catalog())
    assert "hive  (catalog)  error: CatalogException: metastore unreachable" in text
    assert "error: ValidationException: cannot read <raw>" in text


def test_text_is_indented_and_masked():
    text = catalog_text(Catalog())
    lines = text.splitlines()
    assert lines[0] == "default_catalog  (catalog · 2 databases · current)"
    assert lines[1] == "  default_database  (database · 2 tables, 1 view · current)"
    assert "    orders  (table · temporary · connector blackhole)" in lines
    assert any(line.startswith("      ts ") and "row time" in line for line in lines)
    assert "      primary key: id" in lines
    assert "      watermark for ts AS `ts` - INTERVAL '5' SECOND" in lines
    assert f"        'password' = '{MASK}'" in lines
    assert "      built-in  (3 functions)" in lines and "CONCAT" not in text  # a count only
    assert "hunter2" not in text


def test_scope_shows_part_of_the_tree():
    page = catalog_html(Catalog(), "default_catalog", "staging")
    assert "staging" in page and "raw" in page
    assert "default_database" not in page and "lake" not in page and "hive" not in page
    text = catalog_text(Catalog(), "lake")
    assert text.splitlines()[0].startswith("lake") and "default_catalog" not in text


def test_scope_names_are_checked_and_unknown_ones_listed():
    names = Catalog().names()
    assert resolve_scope(names, "") == (None, None)
    assert resolve_scope(names, "lake") == ("lake", None)
    assert resolve_scope(names, "default_catalog.staging") == ("default_catalog", "staging")
    with pytest.raises(UsageError, match="No catalog 'nope'. The catalogs are: "
                                         "default_catalog, hive, lake."):
        resolve_scope(names, "nope")
    with pytest.raises(UsageError, match="Its databases are: default_database, staging"):
        resolve_scope(names, "default_catalog.nope")
    with pytest.raises(UsageError, match="metastore unreachable"):
        resolve_scope(names, "hive.db")
    with pytest.raises(UsageError, match="CATALOG or CATALOG.DATABASE"):
        resolve_scope(names, "a.b.c")


def test_names_are_quoted_where_needed():
    assert split_identifier("`my.cat`.db") == ["my.cat", "db"]
    assert split_identifier("`a``b`") == ["a`b"]
    with pytest.raises(UsageError):
        split_identifier("`open")
    assert qualified_name("default_catalog", "default_database", "orders") == \
        "default_catalog.default_database.orders"
    assert qualified_name("c", "d", "order") == "c.d.`order`"  # a keyword
    assert qualified_name("my cat", "d", "a`b") == "`my cat`.d.`a``b`"


def test_many_tables_are_counted_not_listed(monkeypatch):
    monkeypatch.setattr(browser, "LIMIT", 1)
    text = catalog_text(Catalog(), "default_catalog", "default_database")
    assert "orders" in text and "big" not in text
    assert "2 more  (not shown: SHOW TABLES IN default_catalog.default_database lists them)" \
        in text


# -- widgets ------------------------------------------------------------------------------
def test_widget_tree_opens_the_current_catalog_and_database_only():
    catalog = Catalog()
    tree = CatalogBrowser(catalog)
    assert [n.node.name for n in tree.nodes] == ["default_catalog", "hive", "lake"]
    current = tree.find("default_catalog")
    assert current.toggle.value is True and current.toggle.icon == "caret-down"
    assert tree.find("default_catalog", "default_database").toggle.value is True
    staging = tree.find("default_catalog", "staging")
    assert staging.toggle.value is False and staging.children == []
    assert staging.box.children == (staging.row,)
    lake = tree.find("lake")
    assert lake.toggle.value is False and lake.children == [] and not lake.loaded
    assert catalog.read == []  # no table read before its node opens


def test_opening_a_table_reads_it_then_and_only_once():
    catalog = Catalog()
    tree = CatalogBrowser(catalog)
    orders_node = tree.find("default_catalog", "default_database", "orders")
    assert orders_node.contents.children == () and catalog.read == []
    orders_node.toggle.value = True  # what a click does
    assert catalog.read == [("default_catalog", "default_database", "orders")]
    assert orders_node.box.children == (orders_node.row, orders_node.contents)
    details = orders_node.contents.children[0].value
    assert "TIMESTAMP(3) *ROWTIME*" in details and "proc time" in details
    assert MASK in details and "hunter2" not in details
    assert "connector blackhole" in orders_node.label.value
    orders_node.toggle.value = False
    assert orders_node.box.children == (orders_node.row,)
    orders_node.toggle.value = True
    assert len(catalog.read) == 1  # loaded once


def test_opening_a_database_makes_its_nodes_then():
    catalog = Catalog()
    tree = CatalogBrowser(catalog)
    staging = tree.find("default_catalog", "staging")
    staging.toggle.value = True
    assert [c.node.name for c in staging.children] == ["raw", "odd name"]
    assert catalog.read == []
    raw = staging.children[0]
    raw.toggle.value = True
    assert "ValidationException: cannot read &lt;raw&gt;" in raw.contents.children[0].value
    lake = tree.find("lake")
    lake.toggle.value = True
    sales = tree.find("lake", "sales")
    assert sales.toggle is None  # failed to list: its error, nothing to open
    assert "AccessDeniedException" in sales.label.value
    hive = tree.find("hive")
    assert hive.toggle is None and "metastore unreachable" in hive.label.value


def test_functions_node_lists_user_functions_and_counts_built_in_ones():
    tree = CatalogBrowser(Catalog())
    functions = tree.find("default_catalog", "default_database", "functions")
    assert functions.toggle.value is False
    functions.toggle.value = True
    assert [c.node.name for c in functions.children] == ["my_udf", "built-in"]
    built_in = functions.children[1]
    assert built_in.node.note == "3 functions" and built_in.contents.children == ()
    built_in.toggle.value = True
    assert built_in.contents.children[0].value.endswith(">ABS, CONCAT, COUNT</div>")


def test_insert_button_sends_a_flink_sql_query_of_the_table_through_a_comm(monkeypatch):
    import comm

    sent = []

    class Comm:
        def __init__(self, target_name, **kwargs):
            sent.append(("open", target_name))

        def send(self, data):
            sent.append(("send", data))

        def close(self):
            sent.append(("close", None))

    widgets_comm = comm.create_comm  # the widgets' own comms are made as before

    def create_comm(target_name: str = "", **kwargs):
        if target_name == INSERT_CELL_TARGET:
            return Comm(target_name, **kwargs)
        return widgets_comm(target_name=target_name, **kwargs)

    monkeypatch.setattr(comm, "create_comm", create_comm)
    catalog = Catalog()
    tree = CatalogBrowser(catalog)
    tree.find("default_catalog", "staging").toggle.value = True
    tree.find("default_catalog", "staging", "odd name").insert_button.click()
    assert sent == [("open", INSERT_CELL_TARGET),
                    ("send", {"text": "%%flink_sql\nSELECT * FROM "
                                      "default_catalog.staging.`odd name` LIMIT 10"}),
                    ("close", None)]
    assert catalog.read == []  # inserting a name reads nothing


def test_insert_cell_without_a_kernel_does_nothing(monkeypatch):
    import comm

    def broken(**kwargs):
        raise RuntimeError("the kernel is shutting down")

    monkeypatch.setattr(comm, "create_comm", broken)
    browser.insert_cell("x")  # no error


def test_refresh_reads_again_and_bundle_has_fallbacks():
    catalog = Catalog()
    tree = CatalogBrowser(catalog)
    before = tree.nodes[0]
    tree.refresh_button.click()
    assert catalog.drops == 1 and tree.nodes[0] is not before
    data = tree.bundle()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == tree.box.model_id
    assert "orders" in data["text/html"] and "orders" in data["text/plain"]
    assert catalog.read == []  # the fallbacks show names, not details


# -- the real session's catalog -------------------------------------------------------------
BROKEN_CATALOG = """
package flink_notebook_tests;

import java.util.List;

import org.apache.flink.table.catalog.GenericInMemoryCatalog;
import org.apache.flink.table.catalog.exceptions.CatalogException;

public class BrokenCatalog extends GenericInMemoryCatalog {
    public BrokenCatalog(String name) { super(name); }
    public List listDatabases() { throw new CatalogException("metastore unreachable"); }
}
"""

TABLE = """
CREATE TEMPORARY TABLE browser_orders (
  id BIGINT NOT NULL,
  amount DOUBLE COMMENT 'in <EUR>',
  ts TIMESTAMP(3),
  total AS amount * 2,
  pt AS PROCTIME(),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND,
  PRIMARY KEY (id) NOT ENFORCED
) WITH ('connector' = 'blackhole', 'password' = 'hunter2', 'note' = '<script>x</script>');
CREATE TEMPORARY VIEW browser_view AS SELECT * FROM (VALUES (1, 'a')) AS t(id, tag);
"""

UDF = """
from pyflink.table import DataTypes
from pyflink.table.udf import udf

@udf(result_type=DataTypes.BIGINT())
def browser_twice(x):
    return x * 2

t_env.create_temporary_function("browser_twice", browser_twice)
"""


@pytest.fixture
def session_catalog(shell):
    """The session with the objects above, removed afterwards."""
    from flink_notebook.engine.session import FlinkSession

    session = FlinkSession.current()
    session.ensure_started()
    try:
        shell.run_cell_magic("flink_sql", "", TABLE)
        shell.run_cell_magic("flink", "", UDF)
        gateway = session.gateway
        compiler = gateway.jvm.org.codehaus.janino.SimpleCompiler()
        compiler.setParentClassLoader(
            gateway.jvm.Thread.currentThread().getContextClassLoader())
        compiler.cook(BROKEN_CATALOG)
        broken = compiler.getClassLoader().loadClass("flink_notebook_tests.BrokenCatalog")
        types = gateway.new_array(gateway.jvm.Class, 1)
        types[0] = gateway.jvm.Class.forName("java.lang.String")
        args = gateway.new_array(gateway.jvm.Object, 1)
        args[0] = "broken"
        session.t_env._j_tenv.registerCatalog(
            "broken", broken.getDeclaredConstructor(types).newInstance(args))
        yield session
    finally:
        session.t_env._j_tenv.getCatalogManager().unregisterCatalog("broken", True)
        session.t_env.drop_temporary_function("browser_twice")
        shell.run_cell_magic("flink_sql", "", "DROP TEMPORARY VIEW IF EXISTS browser_view;\n"
                                              "DROP TEMPORARY TABLE IF EXISTS browser_orders")
    assert "broken" not in session.t_env.list_catalogs()
    assert "browser_twice" not in session.t_env.list_user_defined_functions()


@pytest.mark.cluster
def test_flink_catalog_shows_the_session_catalog(shell, session_catalog):
    with capture_output() as captured:
        shell.run_line_magic("flink_catalog", "-D notebook.renderer=html")
    data = captured.outputs[-1].data
    page, text = data["text/html"], data["text/plain"]
    for shown in ("default_catalog", "default_database", "browser_orders", "browser_view",
                  "BIGINT NOT NULL", "TIMESTAMP(3) *ROWTIME*", "row time", "*PROCTIME*",
                  "proc time", "computed AS PROCTIME()", "computed AS `amount` * 2",
                  "<b>primary key</b> <code>id</code>", "<b>watermark</b> for <code>ts</code>",
                  "connector blackhole", "in &lt;EUR&gt;", "browser_twice",
                  "&lt;script&gt;x&lt;/script&gt;"):
        assert shown in page, shown
    assert f"<code>password</code></td><td style='padding:1px 10px 1px 0;text-align:left;" \
           f"vertical-align:top'><code>{MASK}</code>" in page
    assert "metastore unreachable" in page
    broken = page.index("<code style='font-weight:600'>broken</code>")
    assert page.index("CatalogException: metastore unreachable") > broken
    assert "<script>" not in page
    assert "browser_orders  (table · temporary · connector blackhole)" in text
    assert "broken  (catalog)  error: CatalogException: metastore unreachable" in text
    assert "hunter2" not in page + text


@pytest.mark.cluster
def test_flink_catalog_text_scope_and_unknown_names(shell, session_catalog):
    with capture_output() as captured:
        shell.run_line_magic("flink_catalog",
                             "-D notebook.renderer=text default_catalog.default_database")
    assert captured.stdout.splitlines()[0] == "default_catalog  (catalog · 1 database · current)"
    assert "browser_orders" in captured.stdout and "broken" not in captured.stdout
    assert "hunter2" not in captured.stdout
    with pytest.raises(UsageError, match="No catalog 'nope'. The catalogs are: .*broken, "
                                         "default_catalog"):
        shell.run_line_magic("flink_catalog", "nope")
    with pytest.raises(UsageError, match="-D notebook.renderer=... only"):
        shell.run_line_magic("flink_catalog", "-D parallelism.default=2")


@pytest.mark.cluster
def test_widget_reads_a_table_when_its_node_opens(shell, session_catalog):
    from flink_notebook.authoring.catalog import CatalogCache

    with capture_output() as captured:
        shell.run_line_magic("flink_catalog", "-D notebook.renderer=widget")
    assert "application/vnd.jupyter.widget-view+json" in captured.outputs[-1].data
    tree = CatalogBrowser(CatalogCache(session_catalog))
    node = tree.find("default_catalog", "default_database", "browser_orders")
    assert node.contents.children == ()
    node.toggle.value = True
    details = node.contents.children[0].value
    assert "TIMESTAMP(3) *ROWTIME*" in details and "PROCTIME" in details
    assert MASK in details and "hunter2" not in details
    assert "hive" not in details
    assert "metastore unreachable" in tree.find("broken").label.value
    assert tree.find("default_catalog", "default_database", "browser_orders").node.insert == \
        "default_catalog.default_database.browser_orders"
