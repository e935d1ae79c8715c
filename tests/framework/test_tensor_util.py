"""tf.make_tensor_proto / tf.make_ndarray against TensorFlow's protos
(tests/fixtures/tensorflow/record_graph_tools.py): the same message, field for field."""

import numpy as np
import pytest
from google.protobuf import text_format

import teachflow as tf
from tests.graph_tools_fixture import RECORD

CASES = RECORD["make_tensor_proto"]


@pytest.mark.parametrize("args", sorted(CASES))
def test_make_tensor_proto_is_tensorflows(args):
    want = CASES[args]
    call = f"tf.make_tensor_proto({args})"
    if "error" in want:
        with pytest.raises(getattr(__builtins__, want["error"], None) or Exception) as e:
            eval(call, {"tf": tf, "np": np})
        assert type(e.value).__name__ == want["error"]
        if "inhomogeneous" not in want["message"]:  # numpy's own words vary by version
            assert str(e.value) == want["message"]
        return
    pb = eval(call, {"tf": tf, "np": np})
    assert text_format.MessageToString(pb) == want["text"]
    arr = tf.make_ndarray(pb)
    assert arr.dtype.name == want["dtype"]
    if arr.dtype == object:
        assert [b.decode() for b in arr.reshape(-1)] == want["value"]
    elif arr.dtype.kind == "c":
        assert [[z.real, z.imag] for z in arr.reshape(-1)] == want["value"]
    else:
        assert arr.tolist() == want["value"]


def test_make_ndarray_reads_what_a_graph_holds():
    c = tf.constant([[1.0, 2.0]], name="c")
    pb = tf.get_default_graph().as_graph_def().node[0].attr["value"].tensor
    np.testing.assert_array_equal(tf.make_ndarray(pb), [[1.0, 2.0]])
    assert c.op.name == "c"
