"""GraphDefs with TF1 control flow, serialised by TensorFlow, imported and run by teachflow.

record_control_flow.py wrote each program's GraphDef (control flow v1: Switch, Merge, the
cond's pivots, gradients through the cond; while loops' Enter/Exit/NextIteration frames,
nested loops, map_fn and scan over TensorArrays) and the values TensorFlow computed.
"""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.proto import messages

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "tensorflow" / "control_flow"
RECORDED = json.loads((FIXTURES / "graph_defs.json").read_text())


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_imported_tensorflow_cond_graphs_give_tensorflows_values(name):
    record = RECORDED[name]
    graph_def = messages.GraphDef.FromString((FIXTURES / f"{name}.pb").read_bytes())
    assert {"Switch", "Merge"} <= {n.op for n in graph_def.node}  # conds, and loops' frames
    with tf.Graph().as_default() as graph:
        tf.import_graph_def(graph_def, name="")
        fetches = {k: graph.get_tensor_by_name(v) for k, v in record["fetches"].items()}
        with tf.Session() as sess:
            for feed, want in zip(record["feeds"], record["runs"]):
                fd = {graph.get_tensor_by_name(k + ":0"): v for k, v in feed.items()}
                got = sess.run(fetches, fd)
                for key, expected in want.items():
                    value = np.asarray(got[key])
                    assert value.dtype.name == expected["dtype"]
                    assert list(value.shape) == expected["shape"]
                    eps = np.finfo(value.dtype).eps if value.dtype.kind == "f" else 0
                    np.testing.assert_allclose(value, expected["value"], rtol=8 * eps)


def test_imported_cond_runs_only_the_taken_branch():
    """A traced run of the imported cond lists the ops that ran: never the other branch."""
    graph_def = messages.GraphDef.FromString((FIXTURES / "cond_basic.pb").read_bytes())
    with tf.Graph().as_default() as graph:
        tf.import_graph_def(graph_def, name="")
        r = graph.get_tensor_by_name(RECORDED["cond_basic"]["fetches"]["r"])
        md = tf.RunMetadata()
        options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
        with tf.Session() as sess:
            sess.run(r, {"x:0": [1.0, 2.0], "p:0": False}, options=options, run_metadata=md)
    ran = {n.node_name for ds in md.step_stats.dev_stats for n in ds.node_stats}
    assert {"cond/sub", "cond/Merge", "cond/sub/Switch"} <= ran
    assert not {"cond/mul", "cond/add"} & ran
