"""The one masker of statement text: secret values beside their keys in any quoting and in
broken forms, a URL's password, values found once and masked wherever they are quoted."""

from __future__ import annotations

import pytest

from flink_notebook.core.secrets import MASK, mask_at, mask_text, secret_values


@pytest.mark.parametrize(("text", "shown"), [
    ("WITH ('connector' = 'jdbc', 'password' = 's3cr3t')",
     f"WITH ('connector' = 'jdbc', 'password' = '{MASK}')"),
    ("/*+ OPTIONS('csv.password'='s3cr3t') */", f"/*+ OPTIONS('csv.password'='{MASK}') */"),
    ('WITH ("password" = "s3cr3t", `token`=`s3cr3t`)',
     f'WITH ("password" = "{MASK}", `token`=`{MASK}`)'),
    ("'jaas.config' = 'x ''y'' z', 'a' = 'b'", f"'jaas.config' = '{MASK}', 'a' = 'b'"),
    ("SET 'password' = 's3cr3t", f"SET 'password' = '{MASK}"),  # its quote left open
    ("WITH ('password'='s3cr3t,)\nSELECT 1", f"WITH ('password'='{MASK}\nSELECT 1"),
    ("WITH ('password'='s3cr3t',)", f"WITH ('password'='{MASK}',)"),  # trailing comma
    ("SET my.passwd = two words;", f"SET my.passwd = {MASK};"),
    ("WITH ('password' = s3cr3t)", f"WITH ('password' = {MASK})"),
    ("options:{csv.password=s3cr3t, connector=filesystem}",
     f"options:{{csv.password={MASK}, connector=filesystem}}"),
    ("{'api-key': 's3cr3t'}", f"{{'api-key': '{MASK}'}}"),
    ("USING JAR 'https://alice:s3cr3t@repo/f.jar'", f"USING JAR 'https://alice:{MASK}@repo/f.jar'"),
    ("'connector' = 'datagen', 'number-of-rows' = '5'",
     "'connector' = 'datagen', 'number-of-rows' = '5'"),
])
def test_secret_values_are_masked_in_any_form(text, shown):
    assert mask_text(text) == shown


def test_lines_stay_where_they_are():
    """A value over two lines keeps its line break: later lines keep their numbers."""
    text = "WITH (\n  'password' = 'one\ntwo',\n  'a' = 'b')"
    assert mask_text(text) == f"WITH (\n  'password' = '{MASK}'\n,\n  'a' = 'b')"


def test_values_found_once_are_masked_where_a_message_quotes_them():
    values = secret_values("WITH ('password' = hunter2x, 'token' = 'it''s-long')")
    assert values >= {"hunter2x", "it's-long"}
    assert mask_text('Encountered "hunter2x" near it\'s-long', values) == \
        f'Encountered "{MASK}" near {MASK}'
    assert secret_values("'password' = 'ab'") == frozenset()  # too short to search for


def test_an_offset_moves_with_the_masks_before_it():
    line = "WITH ('password'='much-longer-than-the-mask', x"
    masked, at = mask_at(line, line.index("x"))
    assert masked[at] == "x"
    masked, at = mask_at(line, line.index("longer"))  # inside the secret: at its mask
    assert masked[at:].startswith(f"'{MASK}") or masked[at:].startswith(MASK)


def test_a_job_name_masks_its_start_only_and_a_value_cut_short_stays_masked():
    from flink_notebook.sql.statements import job_name

    assert job_name("INSERT INTO k /*+ OPTIONS('csv.password'='s3cr3t') */ SELECT a FROM t") \
        == f"INSERT INTO k /*+ OPTIONS('csv.password'='{MASK}') */ S..."
    assert job_name("CREATE TABLE t (a INT) WITH ('password'\n=\n's3cr3t')") == \
        f"CREATE TABLE t (a INT) WITH ('password' = '{MASK}')"
    long = "SET 'password' = '" + "s" * 5000 + "'"  # its value runs past what is masked
    assert job_name(long) == f"SET 'password' = '{MASK}"
