"""The graph-tools programs and what TensorFlow gave for them
(tests/fixtures/tensorflow/record_graph_tools.py), shared by the tests of graph_util,
tensor_util, get_static_value, hessians, tf.test, the decays and tf.data.Options."""

import importlib.util
import json
import pathlib

import numpy as np

import teachflow as tf

_FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "tensorflow"
RECORD = json.loads((_FIXTURES / "graph_tools" / "graph_tools.json").read_text())

# The programs' module sits beside its recording script (which runs it under TensorFlow).
_spec = importlib.util.spec_from_file_location(
    "graph_tools_programs", _FIXTURES / "graph_tools_programs.py"
)
PROGRAMS = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(PROGRAMS)


def run(source, **extra):
    """Run a program's source with ``tf`` (teachflow) and ``np`` bound; its namespace."""
    scope = {"tf": tf, "np": np, **extra}
    exec(source, scope)
    return scope


def graph_def_of(source):
    with tf.Graph().as_default() as g:
        run(source)
    return g.as_graph_def()
