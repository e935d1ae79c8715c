"""tf.summary.get_summary_description: the description of a TF1 TensorSummary node."""

import pytest

import teachflow as tf
from tests.graph_tools_fixture import RECORD


def test_description_is_read_from_the_attr():
    node = tf.NodeDef(name="s", op="TensorSummary")
    node.attr["description"].s = b'{"typeHint": "image"}'
    description = tf.summary.get_summary_description(node)
    assert isinstance(description, tf.summary.SummaryDescription)
    assert description.type_hint == "image"


def test_tensor_summary_v2_is_refused_as_tensorflow_refuses_it():
    s = tf.summary.tensor_summary("t", tf.constant([1.0]))
    node = [n for n in tf.get_default_graph().as_graph_def().node if n.name == s.op.name][0]
    want = RECORD["summary_error"]
    with pytest.raises(ValueError) as e:
        tf.summary.get_summary_description(node)
    assert str(e.value) == want["message"]
