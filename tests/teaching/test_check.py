"""Checked exercises: what a check says of an answer (pure: DataFrames and lists), how a
failed one reads in IPython, and a real query's handle checked on its final table."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from IPython.core.error import UsageError

from flink_notebook.teaching import CheckFailed, check, compare

WINDOWS = pd.DataFrame({
    "window_start": pd.date_range("2024-03-01 08:00", periods=6, freq="10min"),
    "rides": [20, 20, 20, 20, 20, 20],
})


def test_the_same_rows_in_another_order_pass(capsys):
    answer = WINDOWS.iloc[::-1][["rides", "window_start"]]  # rows and columns reordered
    check(answer, WINDOWS, name="exercise 1")
    assert capsys.readouterr().out == "✓ exercise 1: 6 rows, as expected\n"


def test_missing_rows_are_counted_and_shown():
    verdict = compare(WINDOWS.head(3), WINDOWS, name="exercise 1")
    assert not verdict.ok
    lines = str(verdict).splitlines()
    assert lines[0] == "✗ exercise 1: 3 rows missing (expected 6 rows, your result has 3)"
    assert lines[1] == ("  missing: (window_start=2024-03-01 08:30:00, rides=20), "
                        "(window_start=2024-03-01 08:40:00, rides=20), "
                        "(window_start=2024-03-01 08:50:00, rides=20)")
    assert len(lines) == 2


def test_extra_and_missing_rows_of_a_list_of_tuples():
    verdict = compare([(7, 12.5), (9, 1.0)], [(7, 12.5), (8, 3.0), (10, 2.0)], name="tips")
    assert str(verdict).splitlines() == [
        "✗ tips: 2 rows missing, 1 extra row (expected 3 rows, your result has 2)",
        "  missing: (8, 3.0), (10, 2.0)",
        "  extra: (9, 1.0)",
    ]


def test_a_row_with_a_wrong_value_is_said_to_be_different():
    answer = WINDOWS.copy()
    answer.loc[1, "rides"] = 19
    verdict = compare(answer, WINDOWS)
    assert str(verdict).splitlines() == [
        "✗ 1 row different (expected 6 rows, your result has 6)",
        "  different: (window_start=2024-03-01 08:10:00) has rides=19, expected 20",
    ]


def test_rows_sharing_only_a_value_are_not_taken_for_each_other():
    # (w1, 20) and (w3, 20) share only rides=20, which four expected rows have: not a key.
    answer = pd.concat([WINDOWS.head(5), pd.DataFrame({
        "window_start": [pd.Timestamp("2024-03-01 09:30")], "rides": [20]})])
    verdict = compare(answer, WINDOWS)
    assert "different" not in str(verdict)
    assert str(verdict).splitlines()[0].startswith("✗ 1 row missing, 1 extra row")


def test_duplicates_count():
    verdict = compare([(1,), (1,)], [(1,)])
    assert str(verdict).splitlines()[0] == \
        "✗ 1 extra row (expected 1 row, your result has 2)"


def test_a_column_named_in_another_case_is_said_to_be_named_wrongly():
    verdict = compare(WINDOWS.rename(columns={"rides": "Rides"}), WINDOWS, name="ex")
    assert str(verdict) == ("✗ ex: column Rides should be named rides "
                            "(expected columns: window_start, rides)")


def test_missing_and_extra_columns_are_one_line():
    verdict = compare(WINDOWS.rename(columns={"rides": "cnt"}).assign(zone=1), WINDOWS)
    assert str(verdict) == ("✗ column rides missing; extra columns cnt, zone "
                            "(expected columns: window_start, rides)")


def test_a_column_name_given_twice_is_said():
    answer = pd.DataFrame([[1, 2, 3]], columns=["k", "n", "n"])
    assert str(compare(answer, [{"k": 1, "n": 2}])) == \
        "✗ column n more than once: give each column its own name (AS ...)"


def test_the_magics_order_options():
    from flink_notebook.magics.options import parse_options
    from flink_notebook.magics.teaching import TeachingMagics

    magic = TeachingMagics.flink_check
    assert parse_options(magic, "a b").ordered is None  # the query's ORDER BY decides
    assert parse_options(magic, "a b --ordered").ordered is True
    assert parse_options(magic, "a b --unordered").ordered is False


def test_tuples_of_another_width_are_a_usage_error():
    with pytest.raises(UsageError, match=r"expected rows have 3 values; the answer has 2 "
                                         r"columns \(window_start, rides\)"):
        compare(WINDOWS, [(1, 2, 3)])


def test_floats_equal_within_the_tolerance():
    sums = pd.DataFrame({"zone": [1, 2], "revenue": [0.1 + 0.2, 1e6 / 3]})
    assert compare(sums, [(1, 0.3), (2, 333333.3333333)]).ok
    assert not compare(sums, [(1, 0.31), (2, 333333.3333333)]).ok
    assert not compare(sums, [(1, 0.3), (2, 333333.3333333)], tolerance=1e-15).ok
    assert compare(sums, [(1, 0.30004), (2, 333333.33)], decimals=2).ok
    assert not compare(sums, [(1, 0.31), (2, 333333.33)], decimals=2).ok


def test_close_floats_across_a_rounding_edge_still_match():
    # 0.12345649999 and 0.1234565 round to different 6-digit buckets.
    assert compare([(0.12345649999,)], [(0.1234565,)]).ok


def test_dtypes_do_not_matter():
    answer = pd.DataFrame({"driver": pd.Series([7, 8], dtype="int32"),
                           "tips": pd.Series([12.0, 3.5], dtype="float32"),
                           "day": ["2024-03-01", "2024-03-02"],
                           "at": pd.to_datetime(["2024-03-01 08:00", "2024-03-01 09:00"])})
    expected = [{"driver": 7, "tips": 12, "day": dt.date(2024, 3, 1), "at": "2024-03-01 08:00:00"},
                {"driver": 8, "tips": 3.5, "day": dt.date(2024, 3, 2), "at": "2024-03-01 09:00"}]
    assert compare(answer, expected).ok, str(compare(answer, expected))


def test_nulls_match_each_other():
    answer = pd.DataFrame({"k": [1, 2], "v": [None, float("nan")]})
    assert compare(answer, [(1, None), (2, None)]).ok


def test_text_is_not_a_number():
    verdict = compare([("7",)], pd.DataFrame({"driver": [7]}))
    assert str(verdict).splitlines()[1:] == ["  missing: (driver=7)", "  extra: (driver='7')"]


def test_order_counts_when_asked():
    reversed_rows = WINDOWS.iloc[::-1]
    assert compare(reversed_rows, WINDOWS).ok
    verdict = compare(reversed_rows, WINDOWS, ordered=True, name="top")
    assert str(verdict) == ("✗ top: the right rows in the wrong order: row 1 is "
                            "(window_start=2024-03-01 08:50:00, rides=20), expected "
                            "(window_start=2024-03-01 08:00:00, rides=20)")
    assert compare(WINDOWS, WINDOWS, ordered=True).ok


def test_rows_that_tie_on_the_order_by_may_come_in_any_order():
    top = pd.DataFrame({"driver": [7, 8, 9], "tips": [12.5, 3.0, 3.0]})
    tie_swapped = [(7, 12.5), (9, 3.0), (8, 3.0)]
    assert compare(top, tie_swapped, ordered=True, order_by=["tips"]).ok
    assert not compare(top, tie_swapped, ordered=True).ok
    assert not compare(top, [(8, 3.0), (9, 3.0), (7, 12.5)], ordered=True,
                       order_by=["tips"]).ok


def test_a_long_wrong_answer_is_a_few_lines():
    answer = pd.DataFrame({"id": range(0, 1000), "v": 1.5})
    expected = pd.DataFrame({"id": range(500, 1500), "v": 1.5})
    lines = str(compare(answer, expected, name="big")).splitlines()
    assert len(lines) <= 4
    assert lines[0] == "✗ big: 500 rows missing, 500 extra rows (expected 1,000 rows, " \
                       "your result has 1,000)"
    assert lines[1].endswith("(id=1004, v=1.5) and 495 more")
    assert lines[1].count("(id=") == 5
    assert lines[2].endswith("(id=4, v=1.5) and 495 more")


def test_a_failed_check_raises_an_assertion_error_that_reads_as_a_note():
    with pytest.raises(AssertionError) as failed:
        check(WINDOWS.head(5), WINDOWS, name="ex")
    assert isinstance(failed.value, CheckFailed)
    assert str(failed.value).startswith("✗ ex: 1 row missing")
    # IPython shows its lines in place of a traceback.
    assert failed.value._render_traceback_() == str(failed.value).splitlines()


def test_a_failed_check_in_ipython_is_the_message_and_fails_the_cell():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    shell.user_ns.update(answer=[(1, 2)], expected=[(1, 3)])
    with capture_output() as captured:
        result = shell.run_cell("from flink_notebook.teaching import check\n"
                                "check(answer, expected, name='t')")
    assert isinstance(result.error_in_exec, CheckFailed)  # a headless run stops here
    assert captured.stdout.strip() == "✗ t: 1 row different (expected 1 row, your result " \
                                      "has 1)\n  different: (1) has 2, expected 3"
    assert "Traceback" not in captured.stdout + captured.stderr


def test_anything_else_is_a_usage_error():
    with pytest.raises(UsageError, match="not int"):
        check(42, WINDOWS)
    with pytest.raises(UsageError, match="expected rows must be a DataFrame"):
        compare(WINDOWS, {"rides": 20})


def test_the_magic_checks_the_notebooks_variables(shell, capsys):
    shell.user_ns.update(answer_m=WINDOWS.iloc[::-1], expected_m=WINDOWS)
    shell.run_line_magic("flink_check", "answer_m expected_m")
    assert capsys.readouterr().out == "✓ answer_m: 6 rows, as expected\n"
    with pytest.raises(CheckFailed, match=r"^✗ exercise 1: the right rows in the wrong order"):
        shell.run_line_magic("flink_check", "answer_m expected_m --ordered --name 'exercise 1'")
    shell.user_ns["expected_m"] = [(t, 20.0001) for t in WINDOWS["window_start"]]
    shell.run_line_magic("flink_check", "answer_m expected_m --decimals 2")
    with pytest.raises(CheckFailed, match=r"6 rows different"):
        shell.run_line_magic("flink_check", "answer_m expected_m --tolerance 1e-9")


def test_the_magic_names_a_variable_that_is_not_there(shell):
    shell.user_ns["answer_m"] = WINDOWS
    with pytest.raises(UsageError, match="^No variable nothing_here in the notebook"):
        shell.run_line_magic("flink_check", "answer_m nothing_here")


@pytest.mark.cluster
def test_a_query_handle_is_checked_on_its_final_table(shell, capsys):
    shell.run_cell_magic("flink_sql", "--detached -o tips_handle", """
        SELECT driver, SUM(tip) AS tips
        FROM (VALUES (7, 10.0), (7, 2.5), (8, 3.0), (9, 1.25)) AS t(driver, tip)
        GROUP BY driver""")
    handle = shell.user_ns["tips_handle"]
    assert handle.query_result is not None  # a handle, not a DataFrame: the check waits
    capsys.readouterr()  # the handle's view
    check(handle, [(7, 12.5), (8, 3.0), (9, 1.25)], name="tips")
    # The verdict's line (the detached view may draw its final state meanwhile, from its
    # monitor's thread, into the same output).
    assert "✓ tips: 3 rows, as expected" in capsys.readouterr().out.splitlines()
    with pytest.raises(CheckFailed) as failed:
        check(handle, [{"driver": 7, "tips": 12.5}, {"driver": 8, "tips": 3.5}], name="tips")
    assert str(failed.value).splitlines() == [
        "✗ tips: 1 extra row, 1 row different (expected 2 rows, your result has 3)",
        "  different: (driver=8) has tips=3.0, expected 3.5",
        "  extra: (driver=9, tips=1.25)",
    ]


@pytest.mark.cluster
def test_a_stream_that_does_not_end_has_no_final_table(shell):
    shell.run_cell_magic("flink_sql", "--detached -o endless", """
        CREATE TEMPORARY TABLE IF NOT EXISTS check_ticks (n BIGINT)
          WITH ('connector' = 'datagen', 'rows-per-second' = '5');
        SELECT n FROM check_ticks""")
    handle = shell.user_ns["endless"]
    try:
        with pytest.raises(UsageError, match=r"still running after 1 s, so it has no final "
                                             r"table yet\. A streaming exercise is checked "
                                             r"over a bounded replay"):
            check(handle, [], timeout=1)
    finally:
        handle.cancel()
    with pytest.raises(UsageError, match="was cancelled before its end"):
        check(handle, [])


@pytest.mark.cluster
def test_a_top_n_query_is_checked_in_its_order(shell):
    shell.run_cell_magic("flink_sql", "--detached -o top_tips", """
        SELECT driver, SUM(tip) AS tips
        FROM (VALUES (7, 10.0), (7, 2.5), (8, 3.0), (9, 1.25)) AS t(driver, tip)
        GROUP BY driver ORDER BY tips DESC LIMIT 2""")
    handle = shell.user_ns["top_tips"]
    check(handle, [(7, 12.5), (8, 3.0)])  # ordered: the plan's ORDER BY is known
    with pytest.raises(CheckFailed, match="the right rows in the wrong order: row 1 is "
                                          r"\(driver=7, tips=12.5\), expected"):
        check(handle, [(8, 3.0), (7, 12.5)])
    check(handle, [(8, 3.0), (7, 12.5)], ordered=False)


def test_a_headless_run_stops_at_a_failed_check_but_not_at_a_compare(tmp_path):
    import io

    import nbformat

    from flink_notebook.cli.run import run_notebook

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in (
        "from flink_notebook.teaching import check, compare",
        "print(compare([(1,)], [(2,)], name='shown'))",
        "check([(1,)], [(1,)], name='right')",
        "check([(1,)], [(2,)], name='wrong')",
        "print('never')",
    )]
    path = tmp_path / "exercise.ipynb"
    nbformat.write(notebook, path)
    out = io.StringIO()
    assert run_notebook(path, stream=out, output=tmp_path / "done.ipynb") == 1
    assert "stdout: '✗ shown: 1 row missing, 1 extra row" in out.getvalue()  # no stop
    assert "error: CheckFailed: ✗ wrong: 1 row missing, 1 extra row" in out.getvalue()
    assert "stopped at cell 4 of 5" in out.getvalue()
    done = nbformat.read(tmp_path / "done.ipynb", as_version=4)
    assert done.cells[2].outputs[0]["text"] == "✓ right: 1 row, as expected\n"
    # The notebook shows the verdict's lines, not a traceback.
    assert done.cells[3].outputs[0]["traceback"] == [
        "✗ wrong: 1 row missing, 1 extra row (expected 1 row, your result has 1)",
        "  missing: (2)", "  extra: (1)"]


def test_a_known_wrong_answer_must_fail_its_check_which_then_prints_its_verdict(capsys):
    from flink_notebook.teaching.check import expect_wrong

    expect_wrong("ex1")
    try:
        check([(54,)], [(42,)], name="answer")  # caught: said, the cell goes on
        assert capsys.readouterr().out.startswith(
            "wrong answer to ex1, as its check says:\n✗ answer: 1 row missing, 1 extra row")
        with pytest.raises(CheckFailed, match="the wrong answer to ex1 passed its check"):
            check([(42,)], [(42,)], name="answer")  # a check that cannot tell them apart
    finally:
        expect_wrong(None)
    with pytest.raises(CheckFailed):
        check([(54,)], [(42,)], name="answer")  # a student's answer again
