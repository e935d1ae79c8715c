"""teachflow/ops/padded_nms_ops.py against TensorFlow: the programs of
tests/fixtures/tensorflow/record_image_names.py named "nms_padded/..." (one image, padded or
not, batches, several tiles, sorted input).

TensorFlow's graph holds one PartitionedCall whose function is the tiled algorithm;
teachflow builds that body inline under the call's name and passes the results on through
an IdentityN of the call's name. Everything outside the call is compared op for op."""

import pytest

import teachflow as tf
from tests.ops.image_names_programs import errors, programs, run_error, run_program

CALLS = tuple(f"non_max_suppression_padded{s}/PartitionedCall" for s in ("", "_1"))


@pytest.mark.parametrize("name", programs("nms_padded"))
def test_values_and_the_graph_around_the_call_are_tensorflows(name):
    run_program(name, unlike=CALLS)


@pytest.mark.parametrize("name", errors("nms_padded"))
def test_errors_are_tensorflows(name):
    run_error(name)


def test_the_call_is_an_identity_n_of_the_inlined_body():
    with tf.Graph().as_default() as g:
        idx, n = tf.image.non_max_suppression_padded(
            tf.zeros([5, 4]), tf.zeros([5]), 3, pad_to_max_output_size=True
        )
        call = g.get_operation_by_name("non_max_suppression_padded/PartitionedCall")
        assert call.type == "IdentityN"
        assert n.name == "non_max_suppression_padded/PartitionedCall:1"
        inputs = [
            g.get_operation_by_name(f"non_max_suppression_padded/Const{s}") for s in ("", "_5")
        ]
        assert [op.type for op in inputs] == ["Const", "Const"]
