"""A real browser: JupyterLab on 127.0.0.1, driven by headless Chromium through Playwright.

The notebook runs an unbounded datagen query ``--detached``, then another one attached
(its cell keeps the kernel busy). Both live views' row counts grow. The attached view's
Cancel button, clicked while its cell still runs, cancels its job and the cell returns
(the click reaches the busy kernel through a kernel subshell); then the detached view's
Cancel cancels the other job. Each view says CANCELED, and so does Flink's REST API.

Chromium is Debian's (``scripts/setup-browser.sh`` installs it); Playwright's own
browser download is never used.
"""

from __future__ import annotations

import re
import sys
import time

import httpx
import pytest
from jupyter_lab import WAIT_MS, browser_page, isolated_lab, write_notebook
from waiting import until

pytestmark = pytest.mark.cluster

CELLS = [
    "%load_ext flink_notebook",
    "%%flink_sql --detached -D notebook.max-rows=5\n"
    "CREATE TEMPORARY TABLE b_ticks (n INT) WITH ('connector'='datagen', 'rows-per-second'='20');\n"
    "SELECT n FROM b_ticks",
    "%%flink_sql -D notebook.max-rows=5\nSELECT n * 2 AS doubled FROM b_ticks",
    "%flink_config",
    "%%flink_sql --detached --chart bar x=k y=cnt\n"
    "SELECT ABS(MOD(n, 5)) AS k, COUNT(*) AS cnt FROM b_ticks GROUP BY ABS(MOD(n, 5))",
    "%%flink_sql\n"
    "CREATE TEMPORARY TABLE orders (order_id BIGINT, amount DOUBLE) WITH ('connector'='datagen');\n"
    "CREATE TEMPORARY TABLE order_lines (order_id BIGINT, sku STRING) "
    "WITH ('connector'='datagen')",
]
ROWS = re.compile(r"· ([\d,]+) rows? ·")  # the status line's count (display/view.py)


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """JupyterLab on a folder holding ``live.ipynb``."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder / "live.ipynb", CELLS)
    with isolated_lab(folder, tmp_path, monkeypatch) as server:
        yield server


def test_live_view_grows_and_its_cancel_button_cancels_the_job(lab, tmp_path, capsys):
    from playwright.sync_api import expect

    base, token = lab.url.split("/lab?token=")
    spec = httpx.get(f"{base}/api/kernelspecs", params={"token": token}, timeout=10).json()
    assert spec["kernelspecs"]["python3"]["spec"]["argv"][0] == sys.executable
    screenshot = tmp_path / "browser.png"
    with browser_page(lab, tmp_path, "live.ipynb", {"width": 1400, "height": 900}) as page:
        try:
            expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(len(CELLS),
                                                                        timeout=WAIT_MS)
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
                   ).to_have_count(1, timeout=WAIT_MS)
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()

            views = page.locator(".widget-vbox").filter(
                has=page.locator(".widget-html", has_text=ROWS))
            expect(views).to_have_count(2, timeout=WAIT_MS)
            detached, attached = views.nth(0), views.nth(1)
            for view in (detached, attached):
                status = view.locator(".flink-job-status")
                expect(status).to_contain_text("RUNNING", timeout=WAIT_MS)
                first = _rows(status)
                assert _rows_after(status, first) > first

            # The attached cell still runs: its Cancel button acts now, not after it.
            prompt = page.locator(".jp-Notebook .jp-Cell").nth(2).locator(".jp-InputPrompt")
            expect(prompt).to_contain_text("[*]")
            _cancel(attached)
            expect(prompt).to_contain_text("[3]", timeout=WAIT_MS)  # the cell has returned
            expect(detached.locator(".flink-job-status")).to_contain_text("RUNNING")
            _cancel(detached)

            # %flink_config ran after the attached cell: its form, once (the option table
            # folded inside it), with labels and the target readable.
            form = page.locator(".widget-vbox").filter(has_text="The next cell runs on")
            expect(form).to_have_count(1, timeout=WAIT_MS)
            tables = page.locator(".jp-OutputArea-output table").filter(
                has_text="execution.target").all()
            assert tables and not any(t.is_visible() for t in tables)  # folded, not twice
            parallelism = form.locator(".widget-text", has_text="parallelism").locator("input")
            assert parallelism.input_value() == ""  # unset shows empty, not 0
            target = form.locator(".widget-dropdown", has_text="target").locator("select")
            assert target.evaluate("e => e.scrollWidth <= e.clientWidth + 2"), "target cut off"
            form.scroll_into_view_if_needed()
            form.screenshot(path=str(tmp_path / "config.png"))
            with capsys.disabled():
                print(f"\nconfig form screenshot: {tmp_path / 'config.png'}")

            # The live chart: drawn offline by vega-embed in the widget, its bars redrawn
            # with new counts while the job runs (only its rows are sent), then cancelled.
            charted = page.locator(".jp-Notebook .jp-Cell").nth(4)
            bars = charted.locator(".vega-embed svg .mark-rect path")
            expect(bars.first).to_be_visible(timeout=WAIT_MS)

            def labels() -> list:
                return [bar.get_attribute("aria-label") for bar in bars.all()]

            first = labels()
            until(lambda: labels() != first, "the chart's bars redrawn", WAIT_MS / 1000)
            charted.scroll_into_view_if_needed()
            charted.screenshot(path=str(tmp_path / "chart.png"))
            with capsys.disabled():
                print(f"\nlive chart screenshot: {tmp_path / 'chart.png'}")
            _cancel(charted)

            # Completion from the live catalog: Tab in a new %%flink_sql cell offers the
            # tables the notebook made, each marked as a table.
            editor = _new_cell(page)
            editor.type("%%flink_sql")
            page.keyboard.press("Enter")
            editor.type("SELECT * FROM ord")
            page.keyboard.press("Tab")
            offered = page.locator(".jp-Completer .jp-Completer-item")
            expect(offered.filter(has_text="orders")).to_have_count(1, timeout=WAIT_MS)
            expect(offered.filter(has_text="order_lines")).to_have_count(1)
            assert offered.count() == 2
            types = page.locator(".jp-Completer .jp-Completer-item .jp-Completer-typeExtended")
            assert [t.inner_text() for t in types.all()] == ["table", "table"]
            page.screenshot(path=str(tmp_path / "completion.png"))
            with capsys.disabled():
                print(f"\ncompletion screenshot: {tmp_path / 'completion.png'}")
            offered.filter(has_text="order_lines").click()
            expect(editor).to_contain_text("SELECT * FROM order_lines")
        finally:
            page.screenshot(path=str(screenshot), full_page=True)
            with capsys.disabled():  # shown on every run, not only on failure
                print(f"\nbrowser screenshot: {screenshot}")


def _new_cell(page):
    """A new code cell below the last one, in edit mode: its editor."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    count = cells.count()
    cells.nth(count - 1).locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    editor = cells.nth(count).locator(".cm-content")
    editor.click()
    return editor


def _cancel(view) -> None:
    """Click the view's Cancel: the view, and Flink's REST API, say CANCELED."""
    from playwright.sync_api import expect

    status = view.locator(".flink-job-status")
    cancel = view.get_by_role("button", name="Cancel")
    expect(cancel).to_be_enabled()
    cancel.click()
    expect(status).to_contain_text("CANCELED", timeout=WAIT_MS)
    expect(view.get_by_role("button", name="Canceled")).to_be_disabled()
    link = status.get_by_role("link", name="Flink web UI").get_attribute("href")
    found = re.fullmatch(r"(http://127\.0\.0\.1:\d+)/#/job/\w+/([0-9a-f]{32})/overview",
                         link or "")
    assert found, link
    rest, job_id = found.groups()
    assert httpx.get(f"{rest}/jobs/{job_id}", timeout=10).json()["state"] == "CANCELED"


def _rows_after(status, seen: int) -> int:
    """The view's row count once it differs from ``seen`` (or after WAIT_MS)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    count = _rows(status)
    while count == seen and time.monotonic() < deadline:
        time.sleep(0.2)
        count = _rows(status)
    return count


def _rows(status) -> int:
    found = ROWS.search(status.inner_text())
    assert found, status.inner_text()
    return int(found.group(1).replace(",", ""))
