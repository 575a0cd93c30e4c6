"""Configuration: typed options, layers, aliases, the file and env layers, errors, secrets."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from flink_notebook.core.config import (
    ALIASES,
    LAYERS,
    OPTIONS,
    Configuration,
    environ_with_options,
    is_secret,
    parse_assignments,
)


@pytest.fixture
def home(tmp_path):
    """An empty home directory, so a real ~/.flink-notebook never leaks into a test."""
    path = tmp_path / "home"
    path.mkdir()
    return path


def write_file(tmp_path, text: str):
    file = tmp_path / "config.yaml"
    file.write_text(text)
    return file


# --- options and defaults ---------------------------------------------------------------


def test_defaults_come_from_the_default_layer():
    configuration = Configuration()
    assert configuration.get("execution.target") == "local"
    assert configuration.get("execution.attached") is True
    assert configuration.get("notebook.max-rows") == 1000
    assert configuration.get("notebook.refresh-interval") == 0.3
    assert configuration.get("notebook.verbose-errors") is False
    assert configuration.get("notebook.slots") == 4
    assert configuration.get("notebook.startup-timeout") == 60.0
    assert configuration.source("execution.target") == "default"


def test_unset_options_are_none_with_no_source():
    configuration = Configuration()
    for key in ("parallelism.default", "pipeline.name", "rest.port", "state.savepoints.dir"):
        assert configuration.get(key) is None
        assert configuration.source(key) is None
    assert configuration.get("some.flink.key") is None


def test_the_agreed_options_are_known_with_their_types():
    expected = {
        "execution.target": str,
        "execution.attached": bool,
        "parallelism.default": int,
        "pipeline.name": str,
        "execution.runtime-mode": str,
        "rest.address": str,
        "rest.port": int,
        "state.savepoints.dir": str,
        "notebook.max-rows": int,
        "notebook.refresh-interval": float,
        "notebook.verbose-errors": bool,
        "notebook.slots": int,
        "notebook.startup-timeout": float,
    }
    assert {key: OPTIONS[key].type for key in expected} == expected
    assert OPTIONS["execution.runtime-mode"].choices == ("streaming", "batch", "automatic")
    assert all(option.key == key and option.description for key, option in OPTIONS.items())
    assert ALIASES == {"executor.target": "execution.target"}
    assert LAYERS == ("default", "file", "env", "notebook", "cell")


# --- typed values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("1", True),
        (True, True),
        (1, True),
        ("false", False),
        ("No", False),
        ("0", False),
        (False, False),
        (0, False),
    ],
)
def test_booleans_accept_the_usual_spellings(text, expected):
    configuration = Configuration()
    configuration.set("execution.attached", text)
    assert configuration.get("execution.attached") is expected


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("parallelism.default", "4", 4),
        ("parallelism.default", " 2 ", 2),
        ("parallelism.default", 3.0, 3),
        ("rest.port", "8081", 8081),
        ("notebook.refresh-interval", "1.5", 1.5),
        ("notebook.startup-timeout", 120, 120.0),
        ("execution.runtime-mode", "BATCH", "batch"),
        ("execution.target", "  remote ", "remote"),
    ],
)
def test_strings_become_the_option_type(key, text, expected):
    configuration = Configuration()
    configuration.set(key, text)
    value = configuration.get(key)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "parallelism.default",
            "abc",
            "parallelism.default expects a positive integer, got 'abc'.",
        ),
        ("parallelism.default", "0", "parallelism.default expects a positive integer, got '0'."),
        ("parallelism.default", "-2", "expects a positive integer"),
        ("parallelism.default", "1.5", "expects a positive integer"),
        ("parallelism.default", 2.5, "expects a positive integer"),
        ("parallelism.default", True, "expects a positive integer"),
        ("rest.port", "http", "rest.port expects a positive integer, got 'http'."),
        ("execution.attached", "maybe", "execution.attached expects true or false, got 'maybe'."),
        ("execution.attached", "", "expects true or false"),
        (
            "execution.runtime-mode",
            "sometimes",
            "execution.runtime-mode expects one of streaming, batch, automatic, got 'sometimes'.",
        ),
        ("notebook.refresh-interval", "soon", "expects a number of at least 0.05, got 'soon'"),
        ("notebook.refresh-interval", "0", "expects a number of at least 0.05"),
        ("notebook.refresh-interval", "nan", "expects a number"),
        ("notebook.startup-timeout", "inf", "expects a number"),
        ("notebook.renderer", "fancy", "one of auto, widget, html, text, zeppelin"),
    ],
)
def test_wrong_values_say_what_was_expected(key, value, message):
    configuration = Configuration()
    with pytest.raises(UsageError) as error:
        configuration.set(key, value)
    assert type(error.value) is UsageError
    assert message in str(error.value)
    assert configuration.source(key) in (None, "default")  # nothing was stored


def test_unknown_notebook_key_suggests_the_closest():
    with pytest.raises(UsageError) as error:
        Configuration().set("notebook.max-row", 3)
    assert type(error.value) is UsageError
    assert str(error.value) == "Unknown option notebook.max-row. Did you mean notebook.max-rows?"


def test_unknown_notebook_key_without_a_close_match_lists_the_known_ones():
    with pytest.raises(UsageError) as error:
        Configuration().set("notebook.zzzzzzzz", 3)
    assert "Known: " in str(error.value) and "notebook.slots" in str(error.value)


def test_flink_keys_pass_through_as_strings():
    configuration = Configuration()
    configuration.set("table.exec.mini-batch.enabled", True)
    configuration.set("taskmanager.memory.process.size", "1728m")
    configuration.set("table.exec.mini-batch.size", 500)
    assert configuration.get("table.exec.mini-batch.enabled") == "true"
    assert configuration.get("table.exec.mini-batch.size") == "500"
    assert configuration.get("taskmanager.memory.process.size") == "1728m"


def test_execution_target_is_a_free_string():
    # The executor registry decides which targets exist, not the configuration.
    configuration = Configuration()
    configuration.set("execution.target", "kubernetes-application")
    assert configuration.get("execution.target") == "kubernetes-application"


# --- aliases --------------------------------------------------------------------------------


def test_executor_target_is_an_alias_everywhere():
    configuration = Configuration()
    configuration.set("executor.target", "remote")
    assert configuration.get("execution.target") == "remote"
    assert configuration.get("executor.target") == "remote"
    assert configuration.source("executor.target") == "notebook"
    assert "executor.target" not in {key for key, _, _ in configuration.items()}
    configuration.unset("executor.target")
    assert configuration.get("execution.target") == "local"
    cell = configuration.with_cell({"executor.target": "per-job"})
    assert cell.get("execution.target") == "per-job"


# --- layers -----------------------------------------------------------------------------------


def test_a_process_of_ours_gets_options_on_top_of_the_users(home):
    """The class archive's training run and the benchmarks' fresh processes: the user's
    FLINK_NOTEBOOK_OPTS stay, and the options given win over them."""
    environ = {"HOME": str(home), "FLINK_NOTEBOOK_OPTS": "notebook.class-archive=true "
                                                         "parallelism.default=3"}
    child = environ_with_options("notebook.class-archive=false", environ)
    configuration = Configuration.load(child)
    assert configuration.get("notebook.class-archive") is False
    assert configuration.get("parallelism.default") == 3
    assert environ_with_options("x=1", {})["FLINK_NOTEBOOK_OPTS"] == "x=1"


def test_layers_in_priority_order(tmp_path, home):
    file = write_file(tmp_path, "parallelism.default: 2\npipeline.name: from-file\n")
    configuration = Configuration.load(
        {
            "FLINK_NOTEBOOK_CONFIG": str(file),
            "FLINK_NOTEBOOK_OPTS": "parallelism.default=3",
            "HOME": str(home),
        }
    )
    assert (
        configuration.get("parallelism.default"),
        configuration.source("parallelism.default"),
    ) == (3, "env")
    assert configuration.source("pipeline.name") == "file"
    configuration.set("parallelism.default", "4")
    assert configuration.source("parallelism.default") == "notebook"
    cell = configuration.with_cell({"parallelism.default": 5})
    assert (cell.get("parallelism.default"), cell.source("parallelism.default")) == (5, "cell")
    configuration.unset("parallelism.default")
    assert configuration.get("parallelism.default") == 3  # env shows through again


def test_with_cell_leaves_the_original_alone():
    configuration = Configuration()
    configuration.set("pipeline.name", "notebook-name")
    seen = []
    configuration.observe(seen.append)
    cell = configuration.with_cell(
        {"pipeline.name": "cell-name", "execution.attached": "no", "my.flink.key": "x"}
    )
    assert cell.get("pipeline.name") == "cell-name"
    assert cell.get("execution.attached") is False
    assert configuration.get("pipeline.name") == "notebook-name"
    assert configuration.get("execution.attached") is True
    assert configuration.get("my.flink.key") is None
    assert configuration.source("pipeline.name") == "notebook"
    assert seen == []  # the original's observers heard nothing
    # ... and later changes to either side do not leak into the other
    cell.set("pipeline.name", "changed-in-cell", "notebook")
    configuration.set("rest.port", 9000)
    assert configuration.get("pipeline.name") == "notebook-name"
    assert cell.get("rest.port") is None


def test_with_cell_on_a_cell_configuration_adds_to_its_cell_layer():
    base = Configuration().with_cell({"execution.target": "remote"})
    more = base.with_cell({"rest.port": "8081"})
    assert more.get("execution.target") == "remote" and more.get("rest.port") == 8081
    assert base.get("rest.port") is None


def test_with_cell_checks_values():
    with pytest.raises(UsageError, match="positive integer"):
        Configuration().with_cell({"parallelism.default": "many"})


def test_none_means_not_set_in_that_layer():
    configuration = Configuration()
    configuration.set("pipeline.name", "kept")
    cell = configuration.with_cell({"pipeline.name": None, "parallelism.default": None})
    assert cell.get("pipeline.name") == "kept"
    assert "parallelism.default" not in cell.flink_options()
    configuration.set("pipeline.name", None)
    assert configuration.get("pipeline.name") is None


def test_observers_hear_every_change_and_only_changes():
    configuration = Configuration()
    seen = []
    configuration.observe(seen.append)
    configuration.set("executor.target", "remote")
    configuration.unset("execution.target")
    configuration.unset("execution.target")  # nothing left to remove: no notification
    assert seen == ["execution.target", "execution.target"]


def test_items_are_sorted_effective_values_with_their_layer():
    configuration = Configuration().with_cell({"b.flink": "1", "a.flink": "2"})
    items = configuration.items()
    assert [key for key, _, _ in items] == sorted(key for key, _, _ in items)
    assert ("a.flink", "2", "cell") in items
    assert ("execution.target", "local", "default") in items


def test_flink_options_are_strings_without_notebook_keys():
    configuration = Configuration()
    configuration.set("parallelism.default", 4)
    configuration.set("execution.attached", "no")
    configuration.set("execution.runtime-mode", "batch")
    configuration.set("notebook.max-rows", 5)
    configuration.set("pipeline.object-reuse", True)
    assert configuration.flink_options() == {
        "parallelism.default": "4",
        "execution.runtime-mode": "batch",
        "pipeline.object-reuse": "true",
    }


# --- the file layer ---------------------------------------------------------------------------


def test_file_is_flat_key_value_lines_with_comments(tmp_path, home):
    file = write_file(
        tmp_path,
        "# the notebook's defaults\n"
        "\n"
        "parallelism.default: 2   # two is enough\n"
        "pipeline.name: 'quoted name'\n"
        'rest.address: "127.0.0.1"\n'
        "web.url: http://host/#anchor\n"
        "execution.attached: false\n",
    )
    configuration = Configuration.load({"FLINK_NOTEBOOK_CONFIG": str(file), "HOME": str(home)})
    assert configuration.get("parallelism.default") == 2
    assert configuration.get("pipeline.name") == "quoted name"
    assert configuration.get("rest.address") == "127.0.0.1"
    assert configuration.get("web.url") == "http://host/#anchor"
    assert configuration.get("execution.attached") is False
    assert {layer for _, _, layer in configuration.items()} == {"default", "file"}


def test_file_in_the_home_directory_is_read_when_present(home):
    (home / ".flink-notebook").mkdir()
    (home / ".flink-notebook" / "config.yaml").write_text("notebook.max-rows: 50\n")
    configuration = Configuration.load({"HOME": str(home)})
    assert configuration.get("notebook.max-rows") == 50
    assert configuration.source("notebook.max-rows") == "file"


def test_no_file_is_fine(home):
    configuration = Configuration.load({"HOME": str(home)})
    assert {layer for _, _, layer in configuration.items()} == {"default"}


def test_a_named_file_that_is_missing_is_an_error(tmp_path, home):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(UsageError, match="FLINK_NOTEBOOK_CONFIG names .*nope.yaml"):
        Configuration.load({"FLINK_NOTEBOOK_CONFIG": str(missing), "HOME": str(home)})


@pytest.mark.parametrize(
    "line", ["just-a-word", "notebook:", "notebook:\n  max-rows: 5", "  indented: 1"]
)
def test_bad_file_lines_name_the_file_and_line(tmp_path, home, line):
    file = write_file(tmp_path, "# ok\n" + line + "\n")
    with pytest.raises(UsageError) as error:
        Configuration.load({"FLINK_NOTEBOOK_CONFIG": str(file), "HOME": str(home)})
    assert f"{file}:2: expected a flat 'key: value' line" in str(error.value)


def test_file_values_are_checked(tmp_path, home):
    file = write_file(tmp_path, "notebook.max-row: 5\n")
    with pytest.raises(UsageError, match="Did you mean notebook.max-rows"):
        Configuration.load({"FLINK_NOTEBOOK_CONFIG": str(file), "HOME": str(home)})


# --- the env layer ----------------------------------------------------------------------------


def test_env_options_are_key_value_words(home):
    configuration = Configuration.load(
        {
            "HOME": str(home),
            "FLINK_NOTEBOOK_OPTS": "executor.target=remote  rest.port=8081 pipeline.name='a job'",
        }
    )
    assert configuration.get("execution.target") == "remote"
    assert configuration.get("rest.port") == 8081
    assert configuration.get("pipeline.name") == "a job"
    assert configuration.source("rest.port") == "env"


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        ("parallelism.default", "Expected key=value"),
        ("parallelism.default=x", "expects a positive integer"),
        ("pipeline.name='open", "FLINK_NOTEBOOK_OPTS"),
    ],
)
def test_bad_env_options_are_usage_errors(home, opts, message):
    with pytest.raises(UsageError, match=message):
        Configuration.load({"HOME": str(home), "FLINK_NOTEBOOK_OPTS": opts})


# --- showing it -------------------------------------------------------------------------------


def test_describe_shows_every_known_option_with_default_and_description():
    text = Configuration().describe()
    lines = text.splitlines()
    assert lines[0].split() == ["key", "value", "layer", "default", "description"]
    for key, option in OPTIONS.items():
        [line] = [line for line in lines if line.startswith(key + " ")]
        assert option.description in line
    [line] = [line for line in lines if line.startswith("notebook.max-rows ")]
    assert line.split()[:4] == ["notebook.max-rows", "1000", "default", "1000"]


def test_describe_shows_the_effective_value_and_its_layer():
    configuration = Configuration().with_cell({"notebook.max-rows": 7, "my.flink.key": "v"})
    lines = configuration.describe().splitlines()
    [line] = [line for line in lines if line.startswith("notebook.max-rows ")]
    assert line.split()[:4] == ["notebook.max-rows", "7", "cell", "1000"]
    [line] = [line for line in lines if line.startswith("my.flink.key ")]
    assert line.split() == ["my.flink.key", "v", "cell", "Flink", "option"]
    assert repr(configuration) == configuration.describe()


@pytest.mark.parametrize(
    "key",
    ["rest.auth.token", "s3.secret-key", "ssl.keystore.Password", "http.header.Authorization"],
)
def test_secrets_are_masked_in_text_and_html(key):
    configuration = Configuration()
    configuration.set(key, "s3cr3t-value")
    text, page = configuration.describe(), configuration._repr_html_()
    assert "s3cr3t-value" not in text and "s3cr3t-value" not in page
    [line] = [line for line in text.splitlines() if line.startswith(key)]
    assert "********" in line
    assert configuration.get(key) == "s3cr3t-value"  # still there for Flink


def test_html_is_escaped():
    configuration = Configuration()
    configuration.set("pipeline.name", "<script>alert('x')</script>")
    configuration.set("<b>odd.key</b>", "&")
    page = configuration._repr_html_()
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;odd.key&lt;/b&gt;" in page
    assert "<td>&amp;</td>" in page
    assert page.startswith("<table") and "<th>layer</th>" in page


# --- helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True),
        ("a.PASSWORD.b", True),
        ("x.secret", True),
        ("api-token", True),
        ("Authorization", True),
        # Flink's GlobalConfiguration.SENSITIVE_KEYS, and what connectors call secrets
        ("fs.azure.account.key.acct.dfs.core.windows.net", True),
        ("properties.sasl.jaas.config", True),
        ("security.kerberos.login.credential", True),
        ("db.passwd", True),
        ("x.api-key", True),
        ("x.apikey", True),
        ("x.account-key", True),
        ("pulsar.auth-params", True),
        ("x.service-key", True),
        ("x.basic-auth", True),
        ("sink.http-headers", True),
        ("key.fields", False),
        ("scan.startup.mode", False),
        ("rest.address", False),
        ("pipeline.name", False),
    ],
)
def test_is_secret(key, secret):
    assert is_secret(key) is secret


def test_parse_assignments():
    assert parse_assignments(["a.b=1", "executor.target=local", "c= x=y "]) == {
        "a.b": "1",
        "execution.target": "local",
        "c": "x=y",
    }
    assert parse_assignments([]) == {}


@pytest.mark.parametrize("item", ["novalue", "=3", " =3"])
def test_parse_assignments_refuses_items_without_key_and_value(item):
    with pytest.raises(UsageError, match="key=value"):
        parse_assignments([item])


def test_parse_assignments_checks_notebook_keys():
    with pytest.raises(UsageError, match="Did you mean notebook.slots"):
        parse_assignments(["notebook.slot=2"])


def test_secret_options_are_masked_in_statement_output_with_the_spacing_kept():
    from flink_notebook.core.secrets import MASK, mask_rows, mask_text

    ddl = ("CREATE TABLE `t` (\n) WITH (\n  'connector' = 'jdbc',\n"
           "  'password' = 'my_pass',\n  'properties.sasl.jaas.config' = 'x ''y'' z'\n)\n")
    assert mask_text(ddl) == ddl.replace("'my_pass'", f"'{MASK}'").replace(
        "'x ''y'' z'", f"'{MASK}'")
    rows = mask_rows([(ddl,), ("option:password", "hunter2"), ("option:url", "jdbc:x"),
                      ("password", None), ("name", "password")])
    assert "my_pass" not in rows[0][0] and "'connector' = 'jdbc'" in rows[0][0]
    assert rows[1:] == [("option:password", MASK), ("option:url", "jdbc:x"),
                        ("password", None), ("name", "password")]


# --- directory options (issue 32: a plain path made every later job fail) ----------------


@pytest.mark.parametrize("key", ["state.savepoints.dir", "execution.checkpointing.dir",
                                 "state.checkpoints.dir",
                                 "execution.checkpointing.savepoint-dir"])
def test_a_plain_directory_path_becomes_a_file_uri(key, tmp_path):
    configuration = Configuration()
    configuration.set(key, str(tmp_path / "sp"))
    assert configuration.get(key) == (tmp_path / "sp").as_uri()
    assert configuration.flink_options()[key].startswith("file:///")


def test_a_relative_directory_is_taken_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    configuration = Configuration(layers={"env": {"state.savepoints.dir": "savepoints"}})
    assert configuration.get("state.savepoints.dir") == (tmp_path / "savepoints").as_uri()


@pytest.mark.parametrize("uri", ["file:///tmp/sp", "s3://bucket/sp", "hdfs://nn:8020/sp",
                                 "file://localhost/tmp/sp"])
def test_a_directory_uri_stays_as_written(uri):
    configuration = Configuration(layers={"cell": {"state.savepoints.dir": uri}})
    assert configuration.get("state.savepoints.dir") == uri


@pytest.mark.parametrize(("value", "says"), [
    ("", "state.savepoints.dir needs a directory, e.g. state.savepoints.dir=/tmp/savepoints"),
    ("file://tmp/sp", "is not an absolute file URI: write file:///tmp/sp"),
    ("file:sp", "is not an absolute file URI"),
])
def test_a_value_naming_no_directory_is_refused_saying_what_to_write(value, says):
    configuration = Configuration()
    with pytest.raises(UsageError, match=says) as refused:
        configuration.set("state.savepoints.dir", value)
    assert "\n" not in str(refused.value)
    assert configuration.get("state.savepoints.dir") is None


def test_the_savepoint_directory_is_either_name():
    from flink_notebook.core.config import savepoint_directory

    configuration = Configuration()
    assert savepoint_directory(configuration) is None
    configuration.set("execution.checkpointing.savepoint-dir", "/sp")
    assert savepoint_directory(configuration) == "file:///sp"
