"""binder/ is consistent with the package and with the environment the tests ran in."""

from __future__ import annotations

import os
import re
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from traitlets.config import Config

ROOT = Path(__file__).parent.parent
BINDER = ROOT / "binder"


def pins() -> dict[str, str]:
    """binder/requirements.txt as {canonical name: pinned version}."""
    found = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            specifiers = list(requirement.specifier)
            assert len(specifiers) == 1 and specifiers[0].operator == "==", line
            found[canonicalize_name(requirement.name)] = specifiers[0].version
    return found


def load_config(path: Path) -> Config:
    config = Config()
    exec(compile(path.read_text(), str(path), "exec"), {"c": config})
    return config


def test_every_pin_matches_the_test_environment():
    mismatches = []
    for name, pinned in pins().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "not installed"
        if installed != pinned:
            mismatches.append(f"{name}=={pinned} (tests ran with {installed})")
    assert not mismatches, "update binder/requirements.txt: " + ", ".join(mismatches)


def test_pins_cover_the_runtime_dependencies_and_jupyterlab():
    # postBuild installs the package with --no-deps: every dependency must be pinned here.
    needed = {
        canonicalize_name(Requirement(spec).name)
        for spec in requires("flink-notebook") or []
        if "extra ==" not in spec
    }
    assert needed - set(pins()) == set()
    assert {"jupyterlab", "jupyterlab-widgets"} <= set(pins())


def test_apt_installs_a_jdk_pyflink_supports():
    packages = (BINDER / "apt.txt").read_text().split()
    jdks = [p for p in packages if re.fullmatch(r"openjdk-(11|17|21)-(jdk|jre)(-headless)?", p)]
    assert jdks, f"apt.txt names no JDK 11, 17 or 21: {packages}"


def test_runtime_python_is_supported():
    match = re.fullmatch(r"python-3\.(\d+)", (BINDER / "runtime.txt").read_text().strip())
    assert match and 9 <= int(match.group(1)) <= 12


def test_post_build_installs_the_package_and_its_configuration():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    script = post_build.read_text()
    assert "pip install --no-deps -e ." in script
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
