"""Finding Java: JAVA_HOME first, then PATH; a clear error when there is none."""

from __future__ import annotations

import os
import stat

import pytest
from IPython.core.error import UsageError

from flink_notebook.java import find_java


def fake_jdk(tmp_path, name: str, version: str):
    home = tmp_path / name
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(f'#!/bin/sh\necho \'openjdk version "{version}" 2024-01-01\' >&2\n')
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return home


def test_java_home_wins(tmp_path):
    home = fake_jdk(tmp_path, "jdk21", "21.0.2")
    found = find_java({"JAVA_HOME": str(home), "PATH": os.environ["PATH"]})
    assert (found.home, found.version, found.source) == (str(home), 21, "JAVA_HOME")


def test_path_is_used_without_java_home(tmp_path):
    home = fake_jdk(tmp_path, "jdk17", "17.0.9")
    found = find_java({"PATH": str(home / "bin")})
    assert found.source == "PATH" and found.version == 17


def test_unsupported_version_falls_through_then_explains(tmp_path):
    old = fake_jdk(tmp_path, "jdk8", "1.8.0_392")
    with pytest.raises(UsageError) as error:
        find_java({"JAVA_HOME": str(old), "PATH": str(tmp_path / "none")})
    assert "Java 8" in str(error.value) and "openjdk-17" in str(error.value)


def test_no_java_says_what_to_install(tmp_path):
    with pytest.raises(UsageError) as error:
        find_java({"PATH": str(tmp_path)})
    message = str(error.value)
    assert message.startswith("Java not found") and "flink-notebook[jdk]" in message


def test_this_machine_has_a_supported_java():
    assert find_java().version in (11, 17, 21)
