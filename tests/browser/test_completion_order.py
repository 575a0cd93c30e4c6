"""Completion in a ``%%flink_sql`` cell in a real JupyterLab (labextension/src/completion.ts):
Tab offers the kernel's items only, in the kernel's order. JupyterLab by itself adds the
words of the cell's own text (``%%flink_sql``, ``SELECT``, a column's name after ``FROM``)
and sorts the list alphabetically once the items share a prefix, which puts a table's
columns out of order.

The screenshot goes to the test's folder, and to ``$FLINK_NOTEBOOK_SCREENSHOTS`` when set
(docs/screenshots/completion.png is taken so)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from jupyter_lab import WAIT_MS, browser_page, isolated_lab, write_notebook

pytestmark = pytest.mark.cluster  # a browser, JupyterLab and a kernel that starts Flink

# Columns whose order is neither alphabetical nor the reverse.
CELLS = [
    "%load_ext flink_notebook",
    "%%flink_sql\nCREATE TEMPORARY TABLE orders (order_ts TIMESTAMP(3), order_id BIGINT, "
    "order_amount DOUBLE) WITH ('connector' = 'datagen');\n"
    "CREATE TEMPORARY TABLE totals (total_amount DOUBLE, amount DOUBLE) "
    "WITH ('connector' = 'datagen')",
]
COLUMNS = ["order_ts", "order_id", "order_amount"]  # the kernel's order: the table's


@pytest.fixture
def lab(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder / "complete.ipynb", CELLS)
    with isolated_lab(folder, tmp_path, monkeypatch) as server:
        yield server


def test_a_flink_sql_cell_offers_the_kernels_items_in_the_kernels_order(
    lab, tmp_path, capsys
):
    from playwright.sync_api import expect

    with browser_page(lab, tmp_path, "complete.ipynb", {"width": 900, "height": 600}) as page:
        cells = page.locator(".jp-Notebook .jp-Cell")
        expect(cells).to_have_count(len(CELLS), timeout=WAIT_MS)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
        expect(cells.nth(1).locator(".jp-InputPrompt")).to_contain_text("[2]",
                                                                         timeout=WAIT_MS)
        assert not cells.nth(1).locator(".jp-OutputArea-output").filter(
            has_text=re.compile("Error")).count()

        # A new cell: the cursor after `o.` in `SELECT o. FROM orders o`, then Tab.
        editor = _new_cell(page, cells)
        page.keyboard.type("%%flink_sql")
        page.keyboard.press("Enter")
        page.keyboard.type("SELECT  FROM orders o")
        page.keyboard.press("Home")
        for _ in "SELECT ":
            page.keyboard.press("ArrowRight")
        page.keyboard.type("o.")
        page.keyboard.press("Tab")

        completer = page.locator(".jp-Completer")
        labels = completer.locator(".jp-Completer-item .jp-Completer-match")
        expect(labels.first).to_be_visible(timeout=WAIT_MS)
        # Only the kernel's items (they come in one reply, drawn at once), in its order: not
        # sorted alphabetically (the items share `order_`, and JupyterLab sorts items once
        # they are filtered by a shared prefix).
        assert labels.all_inner_texts() == COLUMNS
        kinds = completer.locator(".jp-Completer-item .jp-Completer-typeExtended")
        assert kinds.all_inner_texts() == ["column"] * len(COLUMNS)

        shot = tmp_path / "completion.png"
        box = _union(editor.bounding_box(), completer.bounding_box())
        page.screenshot(path=str(shot), clip=box)
        if os.environ.get("FLINK_NOTEBOOK_SCREENSHOTS"):
            shutil.copy(shot, Path(os.environ["FLINK_NOTEBOOK_SCREENSHOTS"]) / shot.name)
        with capsys.disabled():  # shown on every run, not only on failure
            print(f"\ncompletion screenshot: {shot}")

        page.keyboard.press("Enter")  # the first item, the active one
        expect(editor).to_contain_text("SELECT o.order_ts FROM orders o")
        expect(completer).to_be_hidden()

        # After FROM the kernel offers the table only; JupyterLab by itself adds the
        # cell's own `order_id` (and puts it first: before `orders` alphabetically).
        _new_cell(page, cells)
        page.keyboard.type("%%flink_sql")
        page.keyboard.press("Enter")
        page.keyboard.type("SELECT order_id FROM ord")
        page.keyboard.press("Tab")
        expect(labels.first).to_be_visible(timeout=WAIT_MS)
        assert labels.all_inner_texts() == ["orders"]
        page.keyboard.press("Escape")
        expect(completer).to_be_hidden()

        # Typing filters the list: the items that start with what is typed come first,
        # then the others, each in the kernel's order.
        _new_cell(page, cells)
        page.keyboard.type("%%flink_sql")
        page.keyboard.press("Enter")
        page.keyboard.type("SELECT  FROM totals t")
        page.keyboard.press("Home")
        for _ in "SELECT ":
            page.keyboard.press("ArrowRight")
        page.keyboard.type("t.")
        page.keyboard.press("Tab")
        expect(labels.first).to_be_visible(timeout=WAIT_MS)
        assert labels.all_inner_texts() == ["total_amount", "amount"]
        page.keyboard.type("am")
        expect(labels).to_have_text(["amount", "total_amount"])


def _new_cell(page, cells):
    """A new code cell below the last one, in edit mode: its editor."""
    from playwright.sync_api import expect

    count = cells.count()
    cells.nth(count - 1).locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    expect(cells).to_have_count(count + 1)
    editor = cells.nth(count).locator(".cm-content")
    editor.click()
    return editor


def _union(a: dict, b: dict, margin: int = 8) -> dict:
    """The rectangle around two bounding boxes, with a margin."""
    x = min(a["x"], b["x"]) - margin
    y = min(a["y"], b["y"]) - margin
    right = max(a["x"] + a["width"], b["x"] + b["width"]) + margin
    bottom = max(a["y"] + a["height"], b["y"] + b["height"]) + margin
    return {"x": max(x, 0), "y": max(y, 0), "width": right - max(x, 0),
            "height": bottom - max(y, 0)}
