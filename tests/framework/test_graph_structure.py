"""teachflow builds TensorFlow's graphs: node names, op types, inputs and attr names, node for
node, for the programs of tests/fixtures/tensorflow/graph_structure_programs.py (recorded
from TF 2.21's compat.v1, control flow v1, by record_graph_structure.py)."""

import importlib.util
import json
import pathlib

import pytest

import teachflow.compat.v1 as tf

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "tensorflow"
_spec = importlib.util.spec_from_file_location(
    "graph_structure_programs", FIXTURES / "graph_structure_programs.py"
)
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)
RECORDED = json.loads((FIXTURES / "graph_structure" / "programs.json").read_text())


def _built(program):
    with tf.Graph().as_default() as g:
        program(tf)
    return g


@pytest.mark.parametrize("name", sorted(programs.PROGRAMS))
def test_graph_def_is_tensorflows(name):
    gd = _built(programs.PROGRAMS[name]).as_graph_def()
    got = [
        [n.name, n.op, list(n.input), sorted(k for k in n.attr if not k.startswith("_"))]
        for n in gd.node
    ]
    assert got == RECORDED[name]


@pytest.mark.parametrize("name", sorted(programs.PROGRAMS))
def test_node_defs_carry_tensorflows_attrs(name):
    """``op.node_def`` (and so ``op.get_attr``) has every attr TF's NodeDef has, Fill's
    ``T`` and ConcatV2's ``Tidx`` included, and no other."""
    g = _built(programs.PROGRAMS[name])
    want = {n[0]: n[3] for n in RECORDED[name]}
    for op in g.get_operations():
        if op.name in want:
            assert sorted(k for k in op.node_def.attr if not k.startswith("_")) == want[op.name]
            for key in want[op.name]:
                op.get_attr(key)


def test_fill_has_its_type_attr():
    with tf.Graph().as_default():
        f = tf.fill([2], 1.5)
        c = tf.concat([f, f], 0)
        assert f.op.get_attr("T") == tf.float32
        assert c.op.get_attr("Tidx") == tf.int32
