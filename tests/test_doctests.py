"""Every ``>>>`` example in teachflow's source runs, and prints what it says it prints.

The examples are documentation a student copies into a notebook, so a broken one is a bug.
Each docstring's examples run as one doctest session on a fresh default graph and a fresh
device-colour table, as in a new program.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import teachflow as tf
from teachflow.trace.events import bus
from teachflow.viz import palette

# ``teachflow.__main__`` runs the command line on import; it holds no examples.
_NOT_IMPORTABLE_FOR_DOCTESTS = {"teachflow.__main__"}

_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _module_names() -> list[str]:
    names = [
        info.name
        for info in pkgutil.walk_packages(tf.__path__, prefix="teachflow.")
        if info.name not in _NOT_IMPORTABLE_FOR_DOCTESTS
    ]
    return sorted(names)


def _doctests_of(module_name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(module_name)
    found = doctest.DocTestFinder().find(module, module_name)
    # A module re-exporting another's function would run that function's examples twice.
    own_file = getattr(module, "__file__", None)
    return [test for test in found if test.examples and test.filename == own_file]


def _collect() -> list:
    params = []
    for name in _module_names():
        try:
            has_examples = bool(_doctests_of(name))
        except ModuleNotFoundError as e:
            if (e.name or "").startswith("teachflow"):
                raise
            # A module of an optional extra (viz, gpu) whose library is not installed.
            reason = f"{name} needs {e.name}, which is not installed"
            params.append(pytest.param(name, marks=pytest.mark.skip(reason=reason)))
            continue
        if has_examples:
            params.append(name)
    return params


_MODULES_WITH_EXAMPLES = _collect()


def test_the_package_has_examples_to_run():
    # A floor, so a broken finder (nothing collected) cannot pass silently.
    assert len(_MODULES_WITH_EXAMPLES) > 150


@pytest.mark.parametrize("module_name", _MODULES_WITH_EXAMPLES)
def test_module_examples_print_what_they_say(module_name):
    tests = _doctests_of(module_name)
    failures = []
    for test in tests:
        tf.reset_default_graph()
        palette.SESSION.reset()
        report: list[str] = []
        result = doctest.DocTestRunner(optionflags=_FLAGS).run(test, out=report.append)
        if result.failed:
            failures.append("".join(report))
    tf.reset_default_graph()
    assert not failures, "\n".join(failures)
    # An example leaves nothing listening to the runs (later tests count the events built).
    assert not bus.active, f"{module_name}'s examples left a subscriber on the event bus"
