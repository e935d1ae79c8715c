"""tf.cond / tf.case / Switch-Merge programs against TensorFlow's recorded answers.

The programs are in tests/fixtures/tensorflow/control_flow_programs.py; what TensorFlow 2.21
(tf.compat.v1, control flow v2 off) built and computed for them is in
control_flow/programs.json, written by record_control_flow.py.
"""

import builtins
import importlib.util
import json
import pathlib
import re

import numpy as np
import pytest

import teachflow.compat.v1 as tf
from teachflow.framework import errors

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "tensorflow"
_spec = importlib.util.spec_from_file_location(
    "control_flow_programs", FIXTURES / "control_flow_programs.py"
)
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)
RECORDED = json.loads((FIXTURES / "control_flow" / "programs.json").read_text())

CONTROL_FLOW_TYPES = {"Switch", "RefSwitch", "Merge", "RefMerge", "Identity"}


def _nodes(graph):
    return [
        [op.name, op.type, [t.name for t in op.inputs] + ["^" + c.name for c in op.control_inputs]]
        for op in graph.get_operations()
    ]


def _build(name):
    graph = tf.Graph()
    with graph.as_default():
        fetches, feeds = programs.PROGRAMS[name](tf)
    return graph, fetches, feeds


@pytest.mark.parametrize("name", sorted(n for n, r in RECORDED.items() if "build_error" in r))
def test_build_errors_match_tensorflow(name):
    expected = RECORDED[name]["build_error"]
    with tf.Graph().as_default():
        with pytest.raises((TypeError, ValueError)) as info:
            programs.PROGRAMS[name](tf)
    assert type(info.value).__name__ == expected["error"]
    assert str(info.value).split("\n")[0] == expected["message"].split("\n")[0]


BUILT = sorted(n for n, r in RECORDED.items() if "nodes" in r)


@pytest.mark.parametrize("name", BUILT)
def test_forward_graph_matches_tensorflow(name):
    """Every node, the gradients' included (names, types, inputs in order, control
    inputs), as TensorFlow builds it."""
    graph, _, _ = _build(name)
    got = _nodes(graph)
    want = RECORDED[name]["nodes"]
    assert got == want


@pytest.mark.parametrize("name", BUILT)
def test_what_a_session_may_not_fetch_or_feed_matches_tensorflow(name):
    """Inside a cond branch or a loop a value may never be computed (or be one iteration's):
    TensorFlow marks those ops unfetchable, and a loop's values unfeedable."""
    graph, _, _ = _build(name)
    want = RECORDED[name]["sealed"]
    ops = graph.get_operations()
    unfetchable = [op.name for op in ops if not graph.is_fetchable(op)]
    unfeedable = [t.name for op in ops for t in op.outputs if not graph.is_feedable(t)]
    # TF's Python `constant_value` also marks each tensor it evaluates (a gradient's
    # reduction axes...) unfeedable; teachflow's, run by its shape inference as well, does
    # not, so only what loops seal is compared.
    in_loops = {t.name for op in ops if op._control_flow_context is not None for t in op.outputs}
    assert unfetchable == want["unfetchable"]
    assert unfeedable == [n for n in want["unfeedable"] if n in in_loops]


@pytest.mark.parametrize("name", BUILT)
def test_values_and_errors_match_tensorflow(name):
    graph, fetches, feeds = _build(name)
    with tf.Session(graph=graph) as sess:
        if "init" in fetches:
            sess.run(fetches["init"])
        for feed, want_run in zip(feeds, RECORDED[name]["runs"]):
            fd = {graph.get_tensor_by_name(k + ":0"): v for k, v in feed.items()}
            for key, want in want_run.items():
                fetch = fetches[key]
                if want is not None and "error" in want:
                    cls = getattr(errors, want["error"], None) or getattr(builtins, want["error"])
                    with pytest.raises(cls) as info:
                        sess.run(fetch, fd)
                    message = getattr(info.value, "message", None) or str(info.value)
                    got_line = _unnamed_arrays(message.split("\n")[0])
                    assert got_line == _unnamed_arrays(want["message"].split("\n")[0])
                    continue
                got = sess.run(fetch, fd)
                if want is None:
                    assert got is None
                    continue
                got = np.asarray(got)
                assert got.dtype.name == want["dtype"], key
                assert list(got.shape) == want["shape"], key
                eps = np.finfo(got.dtype).eps if got.dtype.kind == "f" else 0
                np.testing.assert_allclose(got, want["value"], rtol=8 * eps, atol=8 * eps)


def _unnamed_arrays(message):
    """TF names a TensorArray made without a name by a process-wide counter."""
    return re.sub(r"TensorArray [^ :]+:", "TensorArray <name>:", message)
