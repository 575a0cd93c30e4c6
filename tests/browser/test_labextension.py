"""The JupyterLab extension (labextension/, built by scripts/build-labextension.sh): it is
installed in .venv's JupyterLab and in the wheel, and in a real browser a ``%%flink_sql``
cell is highlighted as Flink SQL while a Python cell stays Python.

Token classes are compared with those JupyterLab gives a Python cell (CodeMirror generates
their names), and colours with JupyterLab's theme variables (``--jp-mirror-editor-*``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from jupyter_lab import WAIT_MS, browser_page, isolated_lab, write_notebook
from waiting import until

ROOT = Path(__file__).parents[2]
NAME = "flink-notebook-sql"
INSTALLED = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / NAME
BUILD_HINT = "run `bash scripts/build-labextension.sh` (scripts/setup-venv.sh does)"

PYTHON_CELL = "def total(x):\n    return 'it' + x  # a note"
LOADED_SQL_CELL = """%%flink_sql -o counted -D 'k=v'
CREATE TEMPORARY TABLE orders (id INT, ts TIMESTAMP_LTZ(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'datagen');
SELECT window_start, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end"""
TYPED_SQL_LINES = [
    "%%flink_sql -o quotes --timeout 5",
    "-- the customer's orders",
    "SELECT 'it''s' AS quote, COUNT(*) FROM orders WHERE x = 1",
]


CATALOG_CELLS = [
    "%load_ext flink_notebook",
    "%%flink_sql\nCREATE TEMPORARY TABLE orders (id INT, amount DOUBLE) "
    "WITH ('connector' = 'datagen')",
    "%flink_catalog",
]


def _built_entry(folder: Path) -> Path:
    data = json.loads((folder / "package.json").read_text())
    return folder / data["jupyterlab"]["_build"]["load"]


def test_the_built_extension_is_installed_in_the_environment():
    assert (INSTALLED / "package.json").is_file(), f"{INSTALLED} is missing: {BUILD_HINT}"
    assert json.loads((INSTALLED / "package.json").read_text())["name"] == NAME
    assert _built_entry(INSTALLED).is_file()
    install = json.loads((INSTALLED / "install.json").read_text())
    assert install["packageManager"] == "python"
    assert install["packageName"] == "flink-notebook"


def test_jupyter_labextension_list_shows_it_enabled_and_ok(tmp_path):
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path)}  # no user config disables it
    done = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "labextension", "list"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    listed = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)
    assert re.search(rf"{NAME} v[\d.]+ enabled OK \(python, flink-notebook\)", listed), listed


def test_the_wheel_carries_the_extension_as_data_files(tmp_path):
    """Built from a copy of the sources (no build/ or egg-info in the checkout)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "flink_notebook", source / "flink_notebook",
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert (source / "flink_notebook" / "labextension" / "package.json").is_file(), BUILD_HINT
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                           "--no-build-isolation", str(source), "-w", str(tmp_path / "dist")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    [wheel] = (tmp_path / "dist").glob("flink_notebook-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    share = f".data/data/share/jupyter/labextensions/{NAME}/"
    shipped = {name.split(share, 1)[1] for name in names if share in name}
    entry = _built_entry(ROOT / "flink_notebook" / "labextension")
    assert {"package.json", "install.json", f"static/{entry.name}"} <= shipped, names
    # Once, under share/: not also as package data.
    assert not [name for name in names if name.startswith("flink_notebook/labextension")]


# The browser test -------------------------------------------------------------------------


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """JupyterLab on a folder holding ``sql.ipynb`` (a Python cell, a %%flink_sql cell) and
    ``catalog.ipynb``."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    # No language_info: the kernel's arrives after the page opens, and JupyterLab then
    # sets every code cell's mime type again (the extension must put Flink SQL back).
    write_notebook(folder / "sql.ipynb", [PYTHON_CELL, LOADED_SQL_CELL])
    write_notebook(folder / "catalog.ipynb", CATALOG_CELLS)
    with isolated_lab(folder, tmp_path, monkeypatch) as server:
        yield server


#: Each token of a cell's editor: its text, its classes, its colour and its line.
TOKENS_JS = """cell => Array.from(cell.querySelectorAll('.cm-content .cm-line')).flatMap(
    (line, row) => Array.from(line.querySelectorAll('span')).map(span => ({
        text: span.textContent, classes: span.className,
        color: getComputedStyle(span).color, row})))"""
#: What a theme variable's colour computes to in the page.
THEME_COLOR_JS = """name => {
    const probe = document.createElement('span');
    probe.style.color = `var(${name})`;
    document.querySelector('.jp-Notebook').appendChild(probe);
    const color = getComputedStyle(probe).color;
    probe.remove();
    return color;
}"""


@pytest.mark.cluster  # slow: a browser, JupyterLab and a kernel (which starts Flink)
def test_flink_sql_cells_are_highlighted_as_sql_and_python_cells_as_python(
    lab, tmp_path, capsys
):
    from playwright.sync_api import expect

    screenshot = tmp_path / "flink-sql-highlighting.png"
    with browser_page(lab, tmp_path, "sql.ipynb", {"width": 1200, "height": 560}) as page:
        # The kernel's language_info has reset the cells' mime types by now.
        cells = page.locator(".jp-Notebook .jp-Cell")
        expect(cells).to_have_count(2, timeout=WAIT_MS)

        def tokens(index: int) -> list[dict]:
            return cells.nth(index).evaluate(TOKENS_JS)

        def token_of(index: int, text: str) -> dict:
            return until(lambda: next((t for t in tokens(index) if t["text"] == text),
                                      None), f"a token {text!r} in cell {index}",
                         WAIT_MS / 1000)

        keyword_color, string_color, meta_color, type_color = (
            page.evaluate(THEME_COLOR_JS, f"--jp-mirror-editor-{kind}-color")
            for kind in ("keyword", "string", "meta", "variable-2"))
        # The Python cell is Python: the classes JupyterLab's highlight style gives.
        keyword = token_of(0, "def")["classes"]
        string = token_of(0, "'it'")["classes"]
        comment = token_of(0, "# a note")["classes"]
        assert token_of(0, "return")["classes"] == keyword
        assert token_of(0, "def")["color"] == keyword_color
        assert token_of(0, "'it'")["color"] == string_color

        # The %%flink_sql cell from the file: SQL keywords, the magic line one meta token
        # (its quote opens no string).
        for word in ("CREATE", "TEMPORARY", "WATERMARK", "INTERVAL", "SELECT", "AS", "FROM",
                     "TUMBLE", "DESCRIPTOR", "GROUP"):
            assert token_of(1, word)["classes"] == keyword, word
        for word in ("INT", "TIMESTAMP_LTZ"):  # types: in the theme's variable-2 colour
            assert token_of(1, word)["color"] == type_color, word
        assert token_of(1, "'connector'")["classes"] == string
        magic = token_of(1, LOADED_SQL_CELL.splitlines()[0])
        assert magic["color"] == meta_color and magic["classes"] != string

        # A %%flink_sql cell typed in a new cell.
        cells.nth(1).locator(".jp-InputPrompt").click()
        page.keyboard.press("Escape")
        page.keyboard.press("b")
        expect(cells).to_have_count(3)
        editor = cells.nth(2).locator(".cm-content")
        editor.click()
        for number, line in enumerate(TYPED_SQL_LINES):
            if number:
                page.keyboard.press("Enter")
            page.keyboard.type(line)
        expect(editor).to_have_text("".join(TYPED_SQL_LINES))  # lines join in innerText
        for word in ("SELECT", "AS", "FROM", "WHERE"):
            found = token_of(2, word)
            assert found["classes"] == keyword and found["color"] == keyword_color, found
        # The magic line: one meta token, its `--timeout` no comment.
        magic = token_of(2, TYPED_SQL_LINES[0])
        assert magic["color"] == meta_color and magic["classes"] != comment
        # The apostrophe in the comment opens no string: the comment is one token.
        assert token_of(2, TYPED_SQL_LINES[1])["classes"] == comment
        # 'it''s' is a string (two literals, as the SQL standard spells one quote in
        # one), and nothing after it is.
        query = [t for t in tokens(2) if t["row"] == 2]
        literals = [t["text"] for t in query if t["classes"] == string]
        assert literals == ["'it'", "'s'"], query
        assert token_of(2, "'it'")["color"] == string_color
        after = query[[t["text"] for t in query].index("'s'") + 1:]
        assert after and all(t["classes"] != string for t in after), after
        # The Python cell is still Python.
        assert token_of(0, "def")["classes"] == keyword
        assert token_of(0, "'it'")["classes"] == string

        cells.nth(0).scroll_into_view_if_needed()
        page.locator(".jp-Notebook").screenshot(path=str(screenshot))
        with capsys.disabled():  # shown on every run, not only on failure
            print(f"\nFlink SQL highlighting screenshot: {screenshot}")

        # Without its magic the cell is Python again: SELECT is a plain name.
        page.keyboard.press("Control+Home")
        page.keyboard.press("Delete")
        page.keyboard.press("Delete")
        until(lambda: not any(t["text"] == "SELECT" and t["classes"] == keyword
                              for t in tokens(2)), "SELECT no longer a keyword",
              WAIT_MS / 1000)
        # A %%flink_deploy cell's body is Flink SQL too.
        page.keyboard.type("%%flink_deploy orders ")
        until(lambda: any(t["text"] == "SELECT" and t["classes"] == keyword
                          for t in tokens(2)), "SELECT a keyword in a %%flink_deploy cell",
              WAIT_MS / 1000)


@pytest.mark.cluster  # slow: a browser, JupyterLab and a kernel that starts Flink
def test_a_catalog_buttons_name_goes_into_a_new_cell(lab, tmp_path, capsys):
    """%flink_catalog's insert button: the kernel sends a %%flink_sql query of the table
    over a comm to the extension's target, which puts it into a new code cell below."""
    from playwright.sync_api import expect

    with browser_page(lab, tmp_path, "catalog.ipynb", {"width": 1200, "height": 800}) as page:
        cells = page.locator(".jp-Notebook .jp-Cell")
        expect(cells).to_have_count(len(CATALOG_CELLS), timeout=WAIT_MS)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
        tree = cells.nth(2)
        for name in ("default_catalog", "default_database"):
            toggle = tree.locator(".flink-catalog-toggle", has_text=name)
            expect(toggle).to_be_visible(timeout=WAIT_MS)
            if "mod-active" not in (toggle.get_attribute("class") or ""):
                toggle.click()
        row = tree.locator(".flink-catalog-row").filter(
            has=page.locator(".flink-catalog-toggle", has_text=re.compile("^orders$")))
        insert = row.locator(".flink-catalog-insert")
        expect(insert).to_be_visible(timeout=WAIT_MS)
        insert.click()
        expect(cells).to_have_count(len(CATALOG_CELLS) + 1, timeout=WAIT_MS)
        added = cells.nth(len(CATALOG_CELLS)).locator(".cm-content")
        expect(added).to_contain_text("SELECT * FROM default_catalog.default_database.orders "
                                      "LIMIT 10", timeout=WAIT_MS)
        assert added.inner_text().startswith("%%flink_sql")
        page.screenshot(path=str(tmp_path / "catalog.png"))
        with capsys.disabled():
            print(f"\ncatalog browser screenshot: {tmp_path / 'catalog.png'}")
