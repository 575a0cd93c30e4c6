"""binder/ and the locks: one lock per supported Flink minor (scripts/lock.sh), each pinning
that Flink; Binder installs exactly requirements/lock.txt (the newest Flink's, the
environment the whole suite runs in), repo2docker's own Dockerfile for binder/ says so, and
an environment built the way that Dockerfile builds one runs the quickstart in a kernel
started as Binder does."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from traitlets.config import Config

from flink_notebook.core.flink_versions import SUPPORTED_MINORS, minor

ROOT = Path(__file__).parents[2]
BINDER = ROOT / "binder"
LOCK = ROOT / "requirements" / "lock.txt"
#: The Pythons flink-notebook supports (pyproject's requires-python), each resolved by the lock.
PYTHONS = ("3.9", "3.10", "3.11", "3.12")
#: The Flink minors whose apache-flink has wheels for fewer Pythons (none for 3.12 on PyPI):
#: their locks pin it for these only, and setup-venv.sh refuses the others.
FEWER_PYTHONS = {"1.20": ("3.9", "3.10", "3.11"), "2.0": ("3.9", "3.10", "3.11")}


def lock_of(flink: str) -> Path:
    """The lock of a Flink minor: the newest's is requirements/lock.txt (.venv, Binder), each
    other's requirements/lock-flink<minor>.txt (FLINK_VERSION=<minor>, .venv-flink<minor>)."""
    if flink == SUPPORTED_MINORS[-1]:
        return LOCK
    return ROOT / "requirements" / f"lock-flink{flink}.txt"


def pythons_of(flink: str) -> tuple[str, ...]:
    return FEWER_PYTHONS.get(flink, PYTHONS)


#: (Flink minor, Python) for every Python each minor's lock resolves.
LOCKED = [(flink, python) for flink in SUPPORTED_MINORS for python in pythons_of(flink)]


def locked(python: str, lock: Path = LOCK) -> dict[str, str]:
    """The lock's pins that apply on ``python`` ("3.11" or "3.11.7"; markers evaluated),
    as {canonical name: version}."""
    full = python if python.count(".") == 2 else f"{python}.0"
    environment = {"python_version": ".".join(full.split(".")[:2]), "python_full_version": full,
                   "sys_platform": "linux", "platform_system": "Linux",
                   "platform_machine": "x86_64", "implementation_name": "cpython",
                   "platform_python_implementation": "CPython", "os_name": "posix"}
    pins: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate(environment):
            continue
        [specifier] = list(requirement.specifier)
        assert specifier.operator == "==", line
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"{name} is pinned twice for Python {python}"
        pins[name] = specifier.version
    return pins


def declared() -> list[Requirement]:
    """flink-notebook's dependencies and the extras the lock covers (test, lab, charts)."""
    found = []
    for spec in requires("flink-notebook") or []:
        requirement = Requirement(spec)
        marker = str(requirement.marker or "")
        if "extra ==" in marker and not any(f'extra == "{x}"' in marker
                                            for x in ("test", "lab", "charts")):
            continue
        requirement.marker = None
        found.append(requirement)
    return found


def runtime_python() -> str:
    match = re.fullmatch(r"python-(3\.\d+)", (BINDER / "runtime.txt").read_text().strip())
    assert match, "binder/runtime.txt should read python-3.X"
    return match.group(1)


def load_config(path: Path) -> Config:
    config = Config()
    exec(compile(path.read_text(), str(path), "exec"), {"c": config})
    return config


@pytest.mark.parametrize(("flink", "python"), LOCKED)
def test_every_dependency_is_pinned_within_its_range(flink, python):
    pins = locked(python, lock_of(flink))
    wrong = []
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        if name not in pins:
            wrong.append(f"{name}: not in the lock")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            wrong.append(f"{name}=={pins[name]} is outside {requirement.specifier}")
    assert not wrong, f"Flink {flink}, Python {python}: {wrong}; run `bash scripts/lock.sh`"


@pytest.mark.parametrize("flink", SUPPORTED_MINORS)
def test_each_flink_has_a_lock_pinning_it_where_it_has_wheels(flink):
    lock = lock_of(flink)
    assert lock.is_file(), f"{lock.relative_to(ROOT)} is missing; run `bash scripts/lock.sh`"
    assert "bash scripts/lock.sh" in lock.read_text().split("\n", 2)[1]
    for python in PYTHONS:
        pinned = locked(python, lock).get("apache-flink")
        if python in pythons_of(flink):
            assert pinned and minor(pinned) == flink, (
                f"{lock.name} pins apache-flink {pinned} for Python {python}, not {flink}.x")
        else:
            # Nothing there: setup-venv.sh refuses that Python with one line instead.
            assert pinned is None, f"{lock.name} pins apache-flink {pinned} for Python {python}"


def test_no_lock_for_a_flink_not_supported():
    names = {lock_of(flink).name for flink in SUPPORTED_MINORS}
    stray = sorted(p.name for p in (ROOT / "requirements").glob("lock*.txt") if p.name not in names)
    assert not stray, f"locks of no supported Flink: {stray}"


def test_the_lock_pins_the_build_tools_too():
    # postBuild and setup-venv.sh install the package without build isolation.
    for flink in SUPPORTED_MINORS:
        assert {"setuptools", "wheel"} <= set(locked(pythons_of(flink)[-1], lock_of(flink)))


def test_binder_installs_exactly_the_lock():
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines == ["-r ../requirements/lock.txt"]
    assert (BINDER / lines[0].split()[1]).resolve() == LOCK
    assert runtime_python() in PYTHONS
    # The default lock: the newest Flink.
    assert minor(locked(runtime_python())["apache-flink"]) == SUPPORTED_MINORS[-1]


def test_the_test_environment_is_the_lock_for_its_python():
    """scripts/setup-venv.sh syncs .venv to the lock: what the suite runs is what Binder gets
    (and FLINK_VERSION's environment to that Flink's lock)."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    python = platform.python_version()
    lock = lock_of(minor(installed("apache-flink")))
    mismatches = {name: (pinned, installed(name)) for name, pinned in locked(python, lock).items()
                  if installed(name) != pinned}
    assert not mismatches, (f"(locked in {lock.name}, installed) differ: {mismatches}; "
                            "bash scripts/setup-venv.sh")


def test_apt_installs_a_jdk_pyflink_supports():
    packages = (BINDER / "apt.txt").read_text().split()
    jdks = [p for p in packages if re.fullmatch(r"openjdk-(11|17|21)-(jdk|jre)(-headless)?", p)]
    assert jdks, f"apt.txt names no JDK 11, 17 or 21: {packages}"


def test_post_build_installs_the_package_and_its_configuration():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    script = post_build.read_text()
    assert "pip install --no-deps --no-build-isolation -e ." in script
    assert "profile_default/ipython_kernel_config.py" in script
    assert ".jupyter/jupyter_server_config.py" in script


def test_new_kernels_load_the_extension():
    config = load_config(BINDER / "ipython_kernel_config.py")
    assert config.InteractiveShellApp.extensions == ["flink_notebook"]


def test_jupyterlab_opens_on_the_notebooks():
    config = load_config(BINDER / "jupyter_server_config.py")
    assert config.ServerApp.default_url == "/lab/tree/notebooks"
    assert (ROOT / "notebooks").is_dir()
    assert "urlpath=lab/tree/notebooks" in (ROOT / "README.md").read_text()


def dockerfile() -> str:
    """What repo2docker would build from this repository (it needs no Docker for this)."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "repo2docker"), "--no-build", "--no-run", "--debug",
         str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = done.stdout + done.stderr
    start = text.find("FROM ")
    assert start >= 0, text[-3000:]
    return text[start:]


def test_repo2docker_would_install_the_lock_a_jdk_and_run_post_build():
    steps = dockerfile()
    python = runtime_python()
    # The runtime.txt Python: repo2docker's conda environment lock for it.
    assert f"py-{python}-" in steps or f"python={python}" in steps, steps[:3000]
    assert re.search(r"apt-get install .*openjdk-(11|17|21)-jdk-headless", steps)
    copied = steps.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    installed = steps.index('pip install --no-cache-dir -r "binder/requirements.txt"')
    post_build = steps.index("RUN ./binder/postBuild")
    # The repository is copied before the requirements are installed (they point at the lock),
    # and postBuild runs after them.
    assert copied < installed < post_build


@pytest.fixture(scope="module")
def binder_environment(tmp_path_factory):
    """A fresh venv built with the image's Python steps: binder/requirements.txt (the lock),
    then binder/postBuild with its own HOME, as repo2docker's Dockerfile runs them.

    The requirements are installed with uv (the installer setup-venv.sh uses, from its
    cache) instead of pip: the same pinned file, without downloading 850 MB again."""
    base = tmp_path_factory.mktemp("binder")
    venv, home = base / "venv", base / "home"
    home.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    assert uv, "uv is in .venv (scripts/setup-venv.sh installs it)"
    subprocess.run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
                    "-r", str(BINDER / "requirements.txt")], check=True, cwd=ROOT, timeout=900)
    env = {**os.environ, "HOME": str(home), "PATH": f"{venv / 'bin'}{os.pathsep}"
           f"{os.environ['PATH']}", "FLINK_NOTEBOOK_STATE_DIR": str(base / "state")}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(["bash", str(BINDER / "postBuild")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    # The image keeps the class archive its kernels start with (written by a training run).
    assert len(list((base / "state" / "class-archives").glob("kernel-*.jsa"))) == 1, done.stdout
    return venv, env


@pytest.mark.cluster
def test_the_binder_environment_runs_the_quickstart_with_the_extension_preloaded(
    binder_environment, tmp_path
):
    import nbformat

    venv, env = binder_environment
    # A kernel as Binder starts it: the environment's python3 kernel, whose IPython profile
    # (written by postBuild) loads the extension. No %load_ext in this notebook.
    bare = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%%flink_sql\nSELECT 'preloaded' AS how"),
    ])
    path = tmp_path / "bare.ipynb"
    nbformat.write(bare, path)
    for notebook in (path, ROOT / "notebooks" / "01-quickstart.ipynb"):
        done = subprocess.run([str(venv / "bin" / "flink-notebook"), "run", str(notebook)],
                              env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "all cells ran" in done.stdout, done.stdout
    assert str(venv / "bin" / "python") in done.stdout  # the Binder environment's kernel
