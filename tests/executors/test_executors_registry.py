"""Executor discovery and resolution: pure logic, with fake factories behind a patched
``entry_points``; the last tests look at the real installed distribution."""

from __future__ import annotations

import logging
import types
from importlib.metadata import EntryPoint
from types import MappingProxyType

import pytest
from IPython.core.error import UsageError

import flink_notebook.executors as executors
from flink_notebook.core.config import Configuration
from flink_notebook.executors import Executor, ExecutorFactory, base, registry


class FakeExecutor(Executor):
    def __init__(self, configuration):
        self.configuration = configuration

    def execute(self, pipeline, configuration):
        raise AssertionError("registry tests never execute")


class NamelessFactory(ExecutorFactory):
    """Takes its target name from the entry point."""

    def get_executor(self, configuration):
        return FakeExecutor(configuration)


class FakeFactory(NamelessFactory):
    name = "fake"


class GreedyFactory(NamelessFactory):
    def is_compatible_with(self, configuration):
        return True


class FailingCheckFactory(NamelessFactory):
    def is_compatible_with(self, configuration):
        raise RuntimeError("plug-in bug")


class ExplodingFactory(NamelessFactory):
    def __init__(self):
        raise RuntimeError("cannot start")


class NotAFactory:
    name = "impostor"


class DuckExecutor:
    """FLIP-73's executor by protocol: no base class of ours."""

    def execute(self, pipeline, configuration):
        return ("ran", pipeline)


class DuckFactory:
    """FLIP-73's factory by protocol: no base class, no name, no description."""

    def is_compatible_with(self, configuration):
        return configuration.get("execution.target") == "duck"

    def get_executor(self, configuration):
        return DuckExecutor()


DUCK_INSTANCE = DuckFactory()  # an entry point may name an object as well as a class


class ShapelessExecutorFactory(DuckFactory):
    def get_executor(self, configuration):
        return object()


def here(name: str) -> str:
    return f"{__name__}:{name}"


@pytest.fixture
def plugins(monkeypatch):
    """Install fake entry points; ``calls`` counts how often they were looked up."""
    calls = []

    def install(*entries: tuple[str, str]) -> None:
        points = [EntryPoint(name, value, registry.GROUP) for name, value in entries]

        def fake_entry_points(group):
            calls.append(group)
            return points

        monkeypatch.setattr(registry, "entry_points", fake_entry_points)
        registry.available_factories(reload=True)

    install.calls = calls
    yield install
    monkeypatch.undo()
    registry.available_factories(reload=True)


def target(name: str) -> Configuration:
    return Configuration().with_cell({"execution.target": name})


def the_three(plugins) -> None:
    plugins(
        ("local", here("NamelessFactory")),
        ("remote", here("NamelessFactory")),
        ("per-job", here("NamelessFactory")),
    )


# --- discovery --------------------------------------------------------------------------------


def test_factories_are_found_by_entry_point_name(plugins):
    plugins(("fake", here("FakeFactory")), ("other", here("NamelessFactory")))
    factories = registry.available_factories()
    assert set(factories) == {"fake", "other"}
    assert plugins.calls == [registry.GROUP]
    assert isinstance(factories["fake"], FakeFactory)
    assert factories["other"].name == "other"  # a nameless factory takes its entry's name


def test_the_mapping_is_read_only(plugins):
    plugins(("fake", here("FakeFactory")))
    factories = registry.available_factories()
    assert isinstance(factories, MappingProxyType)
    with pytest.raises(TypeError):
        factories["x"] = FakeFactory()  # type: ignore[index]


def test_discovery_is_cached_until_reload(plugins):
    plugins(("fake", here("FakeFactory")))
    first = registry.available_factories()
    assert registry.available_factories() is first
    assert len(plugins.calls) == 1
    reloaded = registry.available_factories(reload=True)
    assert len(plugins.calls) == 2 and reloaded is not first


def test_reload_sees_newly_installed_plugins(plugins):
    plugins(("fake", here("FakeFactory")))
    assert set(registry.available_factories()) == {"fake"}
    plugins(("fake", here("FakeFactory")), ("new", here("NamelessFactory")))
    assert set(registry.available_factories()) == {"fake", "new"}


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("no_such_module_anywhere:Factory", "failed to load"),
        (here("NoSuchClass"), "failed to load"),
        (here("ExplodingFactory"), "failed to load"),
        (here("NotAFactory"), "not an executor factory"),
    ],
)
def test_a_broken_plugin_is_logged_and_skipped(plugins, caplog, value, why):
    with caplog.at_level(logging.WARNING, logger=registry.__name__):
        plugins(("broken", value), ("fake", here("FakeFactory")))
    assert set(registry.available_factories()) == {"fake"}
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "broken" in record.getMessage() and why in record.getMessage()
    assert isinstance(registry.resolve(target("fake")), FakeFactory)


def test_a_name_registered_twice_keeps_the_first(plugins, caplog):
    with caplog.at_level(logging.WARNING, logger=registry.__name__):
        plugins(("fake", here("FakeFactory")), ("fake", here("GreedyFactory")))
    assert type(registry.available_factories()["fake"]) is FakeFactory
    assert "registered twice" in caplog.text


def test_a_factory_named_unlike_its_entry_point_is_reported(plugins, caplog):
    with caplog.at_level(logging.WARNING, logger=registry.__name__):
        plugins(("listed", here("FakeFactory")))
    assert "calls itself 'fake'" in caplog.text


def test_python_3_9_entry_points_are_read_from_the_group_dict(monkeypatch):
    # Python 3.9's entry_points() takes no group and returns {group: [entry points]}.
    points = [EntryPoint("fake", here("FakeFactory"), registry.GROUP)]
    monkeypatch.setattr(registry, "sys", types.SimpleNamespace(version_info=(3, 9, 18)))
    monkeypatch.setattr(registry, "entry_points", lambda: {registry.GROUP: points, "x": []})
    try:
        assert set(registry.available_factories(reload=True)) == {"fake"}
    finally:
        monkeypatch.undo()
        registry.available_factories(reload=True)


# --- resolution -------------------------------------------------------------------------------


def test_resolves_the_one_compatible_factory(plugins):
    the_three(plugins)
    factory = registry.resolve(target("remote"))
    assert factory is registry.available_factories()["remote"]
    assert registry.resolve(Configuration()) is registry.available_factories()["local"]


def test_alias_executor_target_selects_too(plugins):
    the_three(plugins)
    configuration = Configuration().with_cell({"executor.target": "per-job"})
    assert registry.resolve(configuration).name == "per-job"


def test_unknown_target_names_it_and_lists_the_available_ones(plugins):
    the_three(plugins)
    with pytest.raises(UsageError) as error:
        registry.resolve(target("yarn"))
    assert type(error.value) is UsageError
    assert str(error.value) == (
        "No executor for execution.target='yarn'. Available targets: local, per-job, remote "
        "(set one with %flink_config execution.target=local)."
    )


def test_unknown_target_suggests_the_closest_one(plugins):
    the_three(plugins)
    with pytest.raises(UsageError, match=r"execution.target=per-job\)\.$"):
        registry.resolve(target("perjob"))


def test_no_factories_at_all_says_so(plugins):
    plugins()
    with pytest.raises(UsageError, match="none is installed"):
        registry.resolve(target("local"))


def test_several_compatible_factories_are_named(plugins):
    plugins(("fake", here("FakeFactory")), ("greedy", here("GreedyFactory")))
    with pytest.raises(UsageError) as error:
        registry.resolve(target("fake"))
    message = str(error.value)
    assert type(error.value) is UsageError
    assert message.startswith("Several executors claim execution.target='fake': ")
    assert f"fake ({__name__}.FakeFactory)" in message
    assert f"greedy ({__name__}.GreedyFactory)" in message


def test_a_factory_whose_check_fails_is_logged_and_skipped(plugins, caplog):
    plugins(("fake", here("FakeFactory")), ("buggy", here("FailingCheckFactory")))
    with caplog.at_level(logging.WARNING, logger=registry.__name__):
        assert isinstance(registry.resolve(target("fake")), FakeFactory)
    assert "buggy" in caplog.text and "plug-in bug" in caplog.text


def test_get_executor_asks_the_resolved_factory(plugins):
    plugins(("fake", here("FakeFactory")))
    configuration = target("fake")
    executor = registry.get_executor(configuration)
    assert isinstance(executor, FakeExecutor) and executor.configuration is configuration


def test_the_package_re_exports_the_registry():
    assert executors.Executor is Executor and executors.ExecutorFactory is ExecutorFactory
    assert executors.available_factories is registry.available_factories
    assert executors.resolve is registry.resolve
    assert executors.get_executor is registry.get_executor
    assert executors.executor_for is registry.executor_for
    assert executors.submit is base.submit
    assert set(executors.__all__) == {
        "Executor",
        "ExecutorFactory",
        "available_factories",
        "executor_for",
        "get_executor",
        "resolve",
        "submit",
    }


# --- the installed distribution ---------------------------------------------------------------


def test_built_in_targets_are_registered_through_entry_points(caplog):
    with caplog.at_level(logging.WARNING, logger=registry.__name__):
        factories = registry.available_factories(reload=True)
    assert {"local", "remote", "per-job"} <= set(factories)
    assert all(factory.name == name for name, factory in factories.items())
    assert caplog.records == []  # nothing built in is broken
    assert registry.resolve(Configuration()) is factories["local"]


# --- plug-ins by protocol (FLIP-73's interfaces, duck-typed) ---------------------------------


@pytest.mark.parametrize("value", [here("DuckFactory"), here("DUCK_INSTANCE")])
def test_a_factory_that_does_not_subclass_ours_works(plugins, value):
    plugins(("duck", value), ("local", here("NamelessFactory")))
    factory = registry.resolve(target("duck"))
    assert isinstance(factory, DuckFactory) and factory.name == "duck"
    executor = registry.get_executor(target("duck"))
    assert isinstance(executor, DuckExecutor) and executor.execute("p", None) == ("ran", "p")
    executors = {}
    assert registry.executor_for(executors, target("duck")) is executors["duck"]
    assert registry.description(factory) == ""


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("no_such_module_anywhere:Factory",
         "it failed to load (ModuleNotFoundError: No module named 'no_such_module_anywhere')"),
        (here("ExplodingFactory"), "it failed to load (RuntimeError: cannot start)"),
        (here("NotAFactory"), "not an executor factory: NotAFactory has no is_compatible_with"),
    ],
)
def test_a_skipped_plugin_is_named_with_its_reason_when_no_executor_matches(
        plugins, value, why):
    plugins(("mine", value), ("local", here("NamelessFactory")))
    with pytest.raises(UsageError) as error:
        registry.resolve(target("mine"))
    message = str(error.value)
    assert message.startswith("No executor for execution.target='mine'. Available targets: "
                              "local (set one with %flink_config execution.target=local).")
    assert f"Skipped plug-ins: mine: {why}" in message
    assert registry.skipped_plugins()["mine"][0] == value


def test_a_plugin_whose_check_raises_is_named_when_no_executor_matches(plugins):
    plugins(("buggy", here("FailingCheckFactory")), ("local", here("NamelessFactory")))
    with pytest.raises(UsageError, match="Skipped plug-ins: buggy: its is_compatible_with "
                                         "raised RuntimeError: plug-in bug"):
        registry.resolve(target("buggy"))


def test_an_executor_without_execute_is_refused_naming_the_plugin(plugins):
    plugins(("shapeless", here("ShapelessExecutorFactory")))
    configuration = Configuration().with_cell({"execution.target": "duck"})
    with pytest.raises(UsageError, match="execution.target='shapeless' returned object, "
                                         "which has no execute"):
        registry.get_executor(configuration)
