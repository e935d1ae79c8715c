"""The labs follow notebooks/README.md: names, sections, exercises checked, no outputs
committed, clusters stopped. (Running them is nbmake's job: ``make test``.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from teachflow import labs

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LAB_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))
NAME = re.compile(r"(\d\d)_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")
CHECK = re.compile(r"\blab\.check\(\s*[\"'](\w+)[\"']")


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    s = cell["source"]
    return s if isinstance(s, str) else "".join(s)


def code(path: Path) -> str:
    return "\n".join(source(c) for c in cells(path) if c["cell_type"] == "code")


@pytest.fixture(params=LAB_FILES, ids=lambda p: p.name)
def notebook(request) -> Path:
    return request.param


def test_there_are_labs():
    assert len(LAB_FILES) >= 1


def test_file_names_are_numbered_in_snake_case(notebook):
    assert NAME.match(notebook.name), notebook.name


def test_committed_without_outputs(notebook):
    for i, c in enumerate(cells(notebook)):
        if c["cell_type"] == "code":
            assert c.get("outputs") == [], f"cell {i} has outputs: clear them before committing"
            assert c.get("execution_count") is None, f"cell {i} has an execution count"


def test_opens_with_what_you_will_learn_and_ends_with_exercises(notebook):
    all_cells = cells(notebook)
    first = source(all_cells[0])
    number = notebook.name[:2]
    assert all_cells[0]["cell_type"] == "markdown"
    assert first.startswith(f"# Lab {number}")
    assert "## What you will learn" in first
    headings = [source(c) for c in all_cells if c["cell_type"] == "markdown"]
    assert any(h.lstrip().startswith("## Exercises") for h in headings)


def test_every_exercise_of_the_lab_is_checked_in_its_notebook(notebook):
    number = notebook.name[:2]
    text = code(notebook)
    assert f'labs.lab("{number}")' in text
    checked = set(CHECK.findall(text))
    assert checked == set(labs.lab(number).exercises), "checked in the notebook vs lab module"
    assert 2 <= len(checked) <= 4


def test_exercise_cells_start_unanswered(notebook):
    for c in cells(notebook):
        s = source(c)
        if c["cell_type"] == "code" and CHECK.search(s):
            assert re.search(r"^answer = None\b", s, re.M), s


def test_a_cluster_started_is_stopped(notebook):
    text = code(notebook)
    starts = re.findall(r"LocalCluster\(|tf\.train\.Server\(|%teachflow cluster start", text)
    in_with = len(re.findall(r"with LocalCluster\(", text))
    stops = len(re.findall(r"\.stop\(\)|%teachflow cluster stop", text))
    assert stops >= len(starts) - in_with


def test_every_lab_module_has_its_notebook():
    numbers = {p.name[:2] for p in LAB_FILES}
    assert set(labs.available()) <= numbers


def test_values_print_as_tensorflow_1_notebooks_showed_them(notebook):
    """numpy 2 prints a fetched scalar as ``np.float32(3.0)``; TF 1's notebooks showed ``3.0``."""
    setup = next(s for s in map(source, cells(notebook)) if "lab = labs.lab(" in s)
    assert 'np.set_printoptions(legacy="1.25")' in setup
