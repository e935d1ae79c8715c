"""``binder/`` builds the same environment that pyproject.toml describes, without cupy."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from teachflow import cli

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def requirement_lines(path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def project():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def test_requirements_are_the_runtime_and_viz_dependencies_from_the_same_lock():
    p = project()
    expected = p["dependencies"] + p["optional-dependencies"]["viz"]
    lines = requirement_lines(BINDER / "requirements.txt")
    assert sorted(line for line in lines if not line.startswith("-")) == sorted(expected)
    # The lock `make` installs from; pip resolves the path from the requirements file's folder.
    assert "-c ../constraints.txt" in lines
    assert (BINDER / "../constraints.txt").resolve().is_file()


def test_no_cupy_anywhere_in_binder():
    for f in BINDER.iterdir():
        assert "cupy" not in "\n".join(requirement_lines(f)).lower(), f.name


def test_graphviz_from_apt():
    assert "graphviz" in requirement_lines(BINDER / "apt.txt")


def test_post_build_installs_the_package_with_viz():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    text = post_build.read_text()
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    assert re.search(r"pip install .*-e \"\.\[viz\]\"", text)


def test_readme_badge_opens_the_first_lab_in_jupyterlab():
    readme = (ROOT / "README.md").read_text()
    m = re.search(
        r"\(https://mybinder\.org/v2/gh/([\w.-]+)/([\w.-]+)/HEAD\?urlpath=([^)]+)\)", readme
    )
    assert m, "no mybinder.org badge link in README.md"
    assert m.group(2) == "teachflow"
    assert m.group(3) == f"lab/tree/notebooks/{cli.FIRST_LAB}"  # what `make labs` opens too


def load_set_badge():
    import importlib.util

    spec = importlib.util.spec_from_file_location("set_badge", BINDER / "set_badge.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_badge_follows_the_github_remote():
    set_badge = load_set_badge()
    readme = (ROOT / "README.md").read_text()
    moved = set_badge.set_badge(readme, "ada/teachflow")
    assert "mybinder.org/v2/gh/ada/teachflow/HEAD?urlpath=lab/tree/notebooks/" in moved
    assert set_badge.PLACEHOLDER not in moved
    assert set_badge.github_repository("git@github.com:ada/teachflow.git") == "ada/teachflow"


def test_a_published_clone_has_no_placeholder_badge():
    """Where the clone has a GitHub remote, the badge must name it: `make binder-badge`."""
    repository = load_set_badge().origin()
    if repository is None:
        pytest.skip("this clone has no GitHub remote: the README says how to set the badge")
    badge = f"mybinder.org/v2/gh/{repository}/HEAD"
    assert badge in (ROOT / "README.md").read_text(), "run `make binder-badge`"
