"""The configuration form, asserted on widget state (the jobs list: test_job_list.py)."""

from __future__ import annotations

import pytest

from flink_notebook.core.config import Configuration
from flink_notebook.display.config_widget import MASK, ConfigWidget


@pytest.fixture
def form():
    configuration = Configuration()
    return configuration, ConfigWidget(configuration)


def test_target_dropdown_lists_the_discovered_executors(form):
    _, widget = form
    values = [value for _, value in widget.target.options]
    assert {"local", "remote", "per-job"} <= set(values)
    assert widget.target.value == "local"
    assert "next cell runs on <b>local</b>" in widget.message.value


def test_changes_apply_to_the_notebook_layer_and_address_shows_for_remote(form):
    configuration, widget = form
    assert widget.address_box.layout.display == "none"
    widget.target.value = "remote"
    assert configuration.get("execution.target") == "remote"
    assert widget.address_box.layout.display == ""
    assert widget.parallelism.value == ""  # unset: empty, not 0
    widget.parallelism.value = "3"
    widget.attached.value = False
    assert configuration.get("parallelism.default") == 3
    assert configuration.source("parallelism.default") == "notebook"
    assert "detached" in widget.message.value
    widget.parallelism.value = "three"
    assert "parallelism.default" in widget.message.value  # says which field is wrong
    assert configuration.get("parallelism.default") == 3  # and keeps the last good value
    widget.parallelism.value = ""
    assert configuration.get("parallelism.default") is None


def test_magic_style_changes_reach_the_form(form):
    configuration, widget = form
    configuration.set("parallelism.default", "5")
    configuration.set("pipeline.name", "nightly")
    assert widget.parallelism.value == "5"
    assert "parallelism.default" in widget.table.value  # the folded table follows too
    assert "pipeline.name=nightly" in widget.extra.value
    configuration.unset("pipeline.name")
    assert "pipeline.name" not in widget.extra.value


def test_bad_input_is_reported_not_applied(form):
    configuration, widget = form
    widget.extra.value = "notebook.max-row=3"
    assert "Did you mean notebook.max-rows" in widget.message.value
    assert configuration.get("notebook.max-rows") == 1000
    widget.extra.value = "no equals sign"
    assert "expected key=value" in widget.message.value


def test_secrets_are_masked_and_kept(form):
    configuration, widget = form
    configuration.set("rest.auth.token", "s3cr3t")
    assert "s3cr3t" not in widget.extra.value and f"rest.auth.token={MASK}" in widget.extra.value
    widget.extra.value = widget.extra.value + "\npipeline.name=x"
    assert configuration.get("rest.auth.token") == "s3cr3t"
    assert configuration.get("pipeline.name") == "x"


def test_an_address_password_is_masked_in_the_form_and_kept(form):
    configuration, widget = form
    configuration.set("rest.address", "http://alice:s3cr3t-pw@flink.example")
    assert widget.rest_address.value == f"http://alice:{MASK}@flink.example"
    assert "s3cr3t-pw" not in configuration._repr_html_() + widget.table.value
    widget.target.value = "remote"  # the form is applied: the address stays as it was
    assert configuration.get("rest.address") == "http://alice:s3cr3t-pw@flink.example"
    widget.rest_address.value = "http://bob:other@flink.example"
    assert configuration.get("rest.address") == "http://bob:other@flink.example"


def test_a_new_form_replaces_the_last_one_without_piling_up_widgets():
    from ipywidgets.widgets.widget import _instances

    configuration = Configuration()
    ConfigWidget(configuration)
    one_form = len(_instances)
    for _ in range(100):
        latest = ConfigWidget(configuration)
    assert len(_instances) <= one_form  # only the newest form's widgets are alive
    assert len(configuration._observers) == 1
    configuration.set("parallelism.default", "4")  # and the newest form still follows
    assert latest.parallelism.value == "4"
