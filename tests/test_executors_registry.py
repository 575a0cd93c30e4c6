"""Executor discovery and resolution (pure logic, with fake factories)."""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint

import pytest
from IPython.core.error import UsageError

from flink_notebook.config import Configuration
from flink_notebook.executors import ExecutorFactory, registry


class FakeFactory(ExecutorFactory):
    name = "fake"

    def get_executor(self, configuration):
        return object()


class GreedyFactory(FakeFactory):
    def is_compatible_with(self, configuration):
        return True


@pytest.fixture
def plugins(monkeypatch):
    def install(*entries):
        points = [EntryPoint(name, value, registry.GROUP) for name, value in entries]
        monkeypatch.setattr(registry, "entry_points", lambda group: points)
        registry.available_factories(reload=True)

    yield install
    monkeypatch.undo()
    registry.available_factories(reload=True)


def target(name):
    return Configuration().with_cell({"execution.target": name})


def test_resolves_the_one_compatible_factory(plugins):
    plugins(("fake", f"{__name__}:FakeFactory"))
    assert isinstance(registry.resolve(target("fake")), FakeFactory)


def test_alias_executor_target_selects_too(plugins):
    plugins(("fake", f"{__name__}:FakeFactory"))
    assert registry.resolve(Configuration().with_cell({"executor.target": "fake"})).name == "fake"


def test_unknown_target_lists_the_available_ones(plugins):
    plugins(("fake", f"{__name__}:FakeFactory"), ("other", f"{__name__}:FakeFactory"))
    with pytest.raises(UsageError) as error:
        registry.resolve(target("yarn"))
    assert "'yarn'" in str(error.value) and "fake, other" in str(error.value)


def test_two_compatible_factories_are_an_error(plugins):
    plugins(("fake", f"{__name__}:FakeFactory"), ("greedy", f"{__name__}:GreedyFactory"))
    with pytest.raises(UsageError) as error:
        registry.resolve(target("fake"))
    assert "Several executors" in str(error.value) and "GreedyFactory" in str(error.value)


def test_broken_plugin_is_logged_and_skipped(plugins, caplog):
    with caplog.at_level(logging.WARNING):
        plugins(("broken", "no_such_module:Factory"), ("fake", f"{__name__}:FakeFactory"))
    assert set(registry.available_factories()) == {"fake"}
    assert "broken" in caplog.text


def test_registry_is_read_only(plugins):
    plugins(("fake", f"{__name__}:FakeFactory"))
    with pytest.raises(TypeError):
        registry.available_factories()["x"] = FakeFactory()


def test_built_in_targets_are_registered_through_entry_points():
    names = set(registry.available_factories(reload=True))
    assert "local" in names
