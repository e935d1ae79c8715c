"""Functions traced for map/filter/interleave: captures, attrs that travel, running them."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.data import functions
from teachflow.data.structure import TensorSpec
from teachflow.distributed.protocol import graphs
from teachflow.runtime.devices import make_local_devices
from teachflow.runtime.resources import ResourceManager

SCALAR_INT = TensorSpec(tf.int64, tf.TensorShape([]))


def _cpu():
    return make_local_devices(
        tf.ConfigProto(), "/job:localhost/replica:0/task:0", ResourceManager()
    )[0]


def test_trace_builds_a_separate_graph_and_captures_outer_tensors():
    outer = tf.constant(5, tf.int64, name="outer")
    before = len(tf.get_default_graph().get_operations())
    f = functions.trace(lambda x: (x + outer, tf.cast(x, tf.float32)), (SCALAR_INT,), "fn_1")
    assert len(tf.get_default_graph().get_operations()) == before  # nothing added outside
    assert f.captured == [outer]
    assert [s.dtype for s in f.output_specs] == [tf.int64, tf.float32]
    # As TF names them: args_0..., a capture after the outer op in the scope it is used in.
    assert f.arg_names == ["args_0:0", "add/outer:0"]
    ops = [n[1] for n in f.nodes]
    assert {"Placeholder", "AddV2", "Cast"} <= set(ops)
    # Each output through an Identity, as TF's function graphs return them.
    assert f.output_names == ["Identity:0", "Identity_1:0"] and ops[-2:] == ["Identity"] * 2


def test_function_attr_survives_the_wire_format_and_runs():
    outer = tf.constant(5, tf.int64)
    f = functions.trace(lambda x: x * 2 + outer, (SCALAR_INT,), "fn_2")
    attr = f.as_attr()
    back = graphs.attr_from_proto(graphs.attr_to_proto(attr))
    runner = functions.FunctionRunner(back, _cpu())
    (out,) = runner(np.int64(3), np.int64(5))
    assert out == 11 and isinstance(out, np.int64)


def test_runner_errors_name_the_inner_node_without_keeping_it():
    spec = (TensorSpec(tf.string, tf.TensorShape([])),)
    f = functions.trace(lambda s: tf.string_to_number(s, name="s2n"), spec, "fn_3")
    runner = functions.FunctionRunner(f.as_attr(), _cpu())
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        runner(b"x")
    assert info.value.op is None and "{{node s2n}}" in info.value.message


def test_subgraph_function_copies_what_computes_the_dataset():
    ds = tf.data.Dataset.range(3).map(lambda x: x + 1)
    f = functions.subgraph_function(ds._variant_tensor, "_make_dataset")
    assert [n[1] for n in f.nodes][-1] == "MapDataset" and f.arg_names == []
    with pytest.raises(ValueError, match="Cannot capture a placeholder"):
        functions.subgraph_function(tf.placeholder(tf.float32) + 1.0, "bad")


def test_outputs_that_are_arguments_or_repeated_run_through_their_identities():
    # The runner fetches what an output Identity passes on, except an argument itself.
    f = functions.trace(lambda x: (x, x, x + 1), (SCALAR_INT,), "fn_4")
    assert f.output_names == ["Identity:0", "Identity_1:0", "Identity_2:0"]
    runner = functions.FunctionRunner(f.as_attr(), _cpu())
    assert runner(np.int64(4)) == (4, 4, 5)
