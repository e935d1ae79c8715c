"""An op whose TF OpDef gives it a list of outputs (IdentityN, ShapeN, DecodeCSV,
ParseExample...) fetches plain values when the list has one item, as in TensorFlow (a
one-item tuple came back before)."""

import numpy as np

import teachflow as tf
from teachflow.framework import registry
from teachflow.framework.codecs import op_defs
from teachflow.runtime.plan import LIST_OUTPUT_OPS


def test_the_set_is_every_registered_op_with_list_outputs():
    registered = set(registry.registered_types())
    listed = {
        name
        for name, op_def in op_defs._by_name().items()
        if name in registered
        and any(arg.number_attr or arg.type_list_attr for arg in op_def.output_arg)
    }
    assert LIST_OUTPUT_OPS == listed


def test_one_output_of_a_list_is_a_plain_value(sess):
    x = tf.constant([[1.0, 2.0]])
    example = tf.train.Example(
        features=tf.train.Features(
            feature={"x": tf.train.Feature(int64_list=tf.train.Int64List(value=[7]))}
        )
    ).SerializeToString()
    got = sess.run(
        {
            "shape_n": tf.shape_n([x]),
            "partition": tf.dynamic_partition(tf.constant([1, 2]), tf.constant([0, 0]), 1),
            "csv": tf.decode_csv(tf.constant(["1.5"]), [[0.0]]),
            "identity_n": tf.identity_n([x]),
            "single": tf.parse_single_example(example, {"x": tf.FixedLenFeature([], tf.int64)}),
            "batch": tf.parse_example([example], {"x": tf.FixedLenFeature([], tf.int64)}),
        }
    )
    assert [type(v) for v in got["shape_n"]] == [np.ndarray]
    assert got["shape_n"][0].tolist() == [1, 2]
    assert got["partition"][0].tolist() == [1, 2] and got["csv"][0].tolist() == [1.5]
    assert got["identity_n"][0].tolist() == [[1.0, 2.0]]
    assert got["single"]["x"] == 7 and got["single"]["x"].dtype == np.int64
    assert got["batch"]["x"].tolist() == [7]
