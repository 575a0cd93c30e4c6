"""What a person sees of job views in JupyterLab 4 (issue 32), through headless Chromium:
a cold cell says what it waits for before its view comes; an ended view says RUNNING
nowhere; an updating result keeps its rows in their places across refreshes; no view is
wider than its cell, at the default width and at half of it; ``SELEC 1`` gets a caret;
``%flink_jobs`` is a laid-out list. The teaching notebooks' views fit their cells too.

Screenshots go to the test's folder, and to ``$FLINK_NOTEBOOK_SCREENSHOTS`` when set
(``docs/screenshots/`` holds the ones taken so)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from jupyter_lab import WAIT_MS, browser_page, isolated_lab, write_notebook
from waiting import until

pytestmark = pytest.mark.cluster

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"
CELLS = [
    "%load_ext flink_notebook",
    "%%flink_sql\n"
    "SELECT word, COUNT(*) AS n\n"
    "FROM (VALUES ('flink'), ('notebook'), ('flink'), ('sql'), ('notebook'), ('flink'))"
    " AS t(word)\n"
    "GROUP BY word ORDER BY n DESC LIMIT 5",
    "%%flink_sql --detached --chart bar x=k y=clicks\n"
    "CREATE TEMPORARY TABLE v_clicks (n INT) WITH ('connector'='datagen',"
    " 'rows-per-second'='40', 'fields.n.min'='0', 'fields.n.max'='999');\n"
    "SELECT MOD(n, 6) AS k, COUNT(*) AS clicks FROM v_clicks GROUP BY MOD(n, 6)",
    "%flink_jobs",
    "%%flink_sql\nSELEC 1",
]
WIDE = {"width": 1280, "height": 1400}  # the default width; tall, for whole views in shots
HALF = {"width": 860, "height": 1400}  # the output area half as wide (about 424 px)


def shot(element, tmp_path: Path, name: str) -> Path:
    """A screenshot of ``element``; copied to $FLINK_NOTEBOOK_SCREENSHOTS when set."""
    path = tmp_path / name
    element.scroll_into_view_if_needed()
    element.screenshot(path=str(path))
    if os.environ.get("FLINK_NOTEBOOK_SCREENSHOTS"):
        shutil.copy(path, Path(os.environ["FLINK_NOTEBOOK_SCREENSHOTS"]) / name)
    return path


def too_wide(page) -> list[str]:
    """Our outputs (a job view, the jobs list, a progress line: they hold a ``flink-`` class)
    wider than their cell (a horizontal scrollbar on the output area), each named by its
    first words; a part scrolling inside itself is fine. A DataFrame the notebook shows is
    pandas' own."""
    return page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output')]
        .filter(e => e.offsetParent !== null && e.querySelector('[class*="flink-"]'))
        .filter(e => e.scrollWidth > e.clientWidth + 2)
        .map(e => e.innerText.slice(0, 60))""")


def fits_at(page, viewport: dict[str, int]) -> list[str]:
    """``too_wide`` once the window is ``viewport`` and the outputs have reflowed."""
    page.set_viewport_size(viewport)
    try:
        until(lambda: not too_wide(page), "every output within its cell", 10)
    except AssertionError:
        pass  # said by the caller's assertion, naming the outputs
    return too_wide(page)


def run_all(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
           ).to_have_count(1, timeout=WAIT_MS)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()


def test_views_agree_fit_and_say_what_happens(tmp_path, monkeypatch, capsys):
    from playwright.sync_api import expect

    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder / "views.ipynb", CELLS)
    with isolated_lab(folder, tmp_path, monkeypatch) as lab, \
            browser_page(lab, tmp_path, "views.ipynb", WIDE) as page:
        cells = page.locator(".jp-Notebook .jp-Cell")
        expect(cells).to_have_count(len(CELLS), timeout=WAIT_MS)
        run_all(page)
        try:
            # A cold kernel: the first query says Flink is starting before its view comes.
            bounded = cells.nth(1)
            expect(bounded.locator(".flink-cell-progress")).to_contain_text(
                "Starting Flink", timeout=WAIT_MS)
            assert bounded.locator(".flink-job-status").count() == 0

            # Ended: FINISHED, and RUNNING nowhere in the view (graph, table, tasks line).
            status = bounded.locator(".flink-job-status")
            expect(status).to_contain_text("FINISHED", timeout=WAIT_MS)
            expect(bounded.locator(".jp-OutputArea")).not_to_contain_text(
                "RUNNING", timeout=WAIT_MS)
            assert "3 rows" in status.inner_text()
            assert bounded.locator(".flink-cell-progress:visible").count() == 0

            # An updating result: its keys stay in their places while the counts change.
            live = cells.nth(2)
            expect(live.locator(".vega-embed svg .mark-rect path").first).to_be_visible(
                timeout=WAIT_MS)
            table = live.locator("table").filter(has_text="clicks").last

            def keys_and_counts() -> tuple[list[str], list[str]]:
                rows = [r.locator("td").all_inner_texts() for r in table.locator("tbody tr").all()]
                return [r[0] for r in rows], [r[1] for r in rows]

            until(lambda: len(keys_and_counts()[0]) == 6, "six keys", WAIT_MS / 1000)
            keys, counts = keys_and_counts()
            until(lambda: keys_and_counts()[1] != counts, "the counts changing", WAIT_MS / 1000)
            assert keys_and_counts()[0] == keys
            shot(live, tmp_path, "live-chart.png")

            jobs = cells.nth(3)
            expect(jobs.locator(".jp-OutputArea")).to_contain_text("RUNNING", timeout=WAIT_MS)
            expect(jobs.locator(".jp-OutputArea")).to_contain_text("FINISHED")
            shot(jobs, tmp_path, "flink-jobs.png")

            error = cells.nth(4)
            expect(error.locator(".jp-OutputArea")).to_contain_text("SELECT", timeout=WAIT_MS)
            said = error.locator(".jp-OutputArea").inner_text()
            assert re.search(r"^\s*\|\s*\^$", said, re.M), said  # the caret, under SELEC
            shot(error, tmp_path, "sql-error.png")
            shot(bounded, tmp_path, "bounded-view.png")

            assert too_wide(page) == []
            assert fits_at(page, HALF) == []
            shot(live, tmp_path, "live-chart-half-width.png")
        finally:
            page.screenshot(path=str(tmp_path / "views.png"), full_page=True)
            with capsys.disabled():
                print(f"\nscreenshots: {tmp_path}")


#: The lesson whose views all had a scrollbar (the quickstart's kind of view is the first
#: test's, checked there at both widths).
@pytest.mark.parametrize("name", ["05-lesson-windows.ipynb"])
def test_no_view_of_a_teaching_notebook_is_wider_than_its_cell(tmp_path, monkeypatch, name):
    from playwright.sync_api import expect

    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder)
    with isolated_lab(folder, tmp_path, monkeypatch) as lab, \
            browser_page(lab, tmp_path, name, WIDE) as page:
        run_all(page)
        # Run All is done when the last code cell has its number and the kernel is idle.
        prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt")
        expect(prompts.last).to_contain_text(re.compile(r"\[\d+\]"), timeout=4 * WAIT_MS)
        try:
            assert page.locator(".flink-job-status").count() >= 1
            assert too_wide(page) == []
            assert fits_at(page, HALF) == []
        finally:
            page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
