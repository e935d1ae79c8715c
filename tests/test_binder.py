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
