"""Configuration: typed options, layers, aliases, errors, secrets."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from flink_notebook.config import Configuration, parse_assignments


def test_defaults():
    configuration = Configuration()
    assert configuration.get("execution.target") == "local"
    assert configuration.get("execution.attached") is True
    assert configuration.source("execution.target") == "default"
    assert configuration.get("parallelism.default") is None


def test_layers_in_priority_order(tmp_path):
    file = tmp_path / "config.yaml"
    file.write_text("# comment\nparallelism.default: 2\npipeline.name: 'from-file'\n")
    configuration = Configuration.load(
        {"FLINK_NOTEBOOK_CONFIG": str(file), "FLINK_NOTEBOOK_OPTS": "parallelism.default=3"}
    )
    assert configuration.get("parallelism.default") == 3
    assert configuration.source("parallelism.default") == "env"
    assert configuration.source("pipeline.name") == "file"
    configuration.set("parallelism.default", "4")
    cell = configuration.with_cell({"parallelism.default": 5})
    assert (configuration.get("parallelism.default"), cell.get("parallelism.default")) == (4, 5)
    assert cell.source("parallelism.default") == "cell"


def test_alias_and_pass_through_keys():
    configuration = Configuration()
    configuration.set("executor.target", "remote")
    assert configuration.get("execution.target") == "remote"
    configuration.set("table.exec.mini-batch.enabled", True)
    configuration.set("execution.attached", "no")
    options = configuration.flink_options()
    assert options["table.exec.mini-batch.enabled"] == "true"
    assert "execution.target" not in options and "execution.attached" not in options
    assert configuration.get("execution.attached") is False


def test_unknown_notebook_key_suggests_the_closest():
    with pytest.raises(UsageError, match="Did you mean notebook.max-rows"):
        Configuration().set("notebook.max-row", 3)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("parallelism.default", "abc", "expects an integer"),
        ("parallelism.default", "0", "at least 1"),
        ("execution.attached", "maybe", "true or false"),
        ("execution.runtime-mode", "sometimes", "streaming, batch, automatic"),
        ("notebook.refresh-interval", "soon", "a number"),
    ],
)
def test_wrong_types_say_what_was_expected(key, value, expected):
    with pytest.raises(UsageError, match=expected):
        Configuration().set(key, value)


def test_secrets_are_masked_in_text_and_html():
    configuration = Configuration()
    configuration.set("notebook.max-rows", 5)
    configuration.set("rest.auth.token", "s3cr3t-value")
    configuration.set("pipeline.name", "<script>x</script>")
    text, html = configuration.describe(), configuration._repr_html_()
    assert "s3cr3t-value" not in text and "s3cr3t-value" not in html
    assert "********" in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "notebook" in text  # the layer column


def test_parse_assignments():
    assert parse_assignments(["a.b=1", "executor.target=local"]) == {
        "a.b": "1", "execution.target": "local"}
    with pytest.raises(UsageError, match="key=value"):
        parse_assignments(["novalue"])
