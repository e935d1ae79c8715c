"""Ops of several outputs give TF's namedtuples (TopKV2, Unique, ListDiff, Qr...), as TF
2.21's generated wrappers do (checked side by side): named after the op, fields after its
outputs, kept by sess.run."""

import pytest

import teachflow as tf
from teachflow.framework.codecs import op_defs
from teachflow.ops.op_results import FIELDS


@pytest.mark.parametrize("op_type", sorted(FIELDS))
def test_fields_are_the_outputs_of_tensorflows_op_def(op_type):
    assert FIELDS[op_type] == tuple(arg.name for arg in op_defs.get(op_type).output_arg)


def test_results_are_named_and_fetched_as_named(sess):
    m = tf.constant([[2.0, 1.0], [1.0, 3.0]])
    results = {
        "top_k": tf.nn.top_k([[3.0, 1.0, 2.0]], 2),
        "unique": tf.unique([1, 1, 2]),
        "counts": tf.unique_with_counts([1, 1, 2]),
        "diff": tf.setdiff1d([1, 2, 3], [2]),
        "qr": tf.qr(m),
        "slogdet": tf.linalg.slogdet(m),
        "lu": tf.linalg.lu(m),
        "argmax": tf.nn.max_pool_with_argmax(
            tf.zeros([1, 2, 2, 1]), [1, 2, 2, 1], [1, 2, 2, 1], "VALID"
        ),
        "sampler": tf.nn.uniform_candidate_sampler([[1]], 1, 2, True, 5, seed=1),
        "hits": tf.nn.compute_accidental_hits([[1]], [1, 2], 1),
    }
    names = {k: (type(v).__name__, v._fields) for k, v in results.items()}
    assert names["top_k"] == ("TopKV2", ("values", "indices"))
    assert names["unique"] == ("Unique", ("y", "idx"))
    assert names["counts"] == ("UniqueWithCounts", ("y", "idx", "count"))
    assert names["diff"] == ("ListDiff", ("out", "idx"))
    assert names["qr"] == ("Qr", ("q", "r"))
    assert names["slogdet"] == ("LogMatrixDeterminant", ("sign", "log_abs_determinant"))
    assert names["lu"] == ("Lu", ("lu", "p"))
    assert names["argmax"] == ("MaxPoolWithArgmax", ("output", "argmax"))
    assert names["sampler"][0] == "UniformCandidateSampler"
    assert names["hits"] == ("ComputeAccidentalHits", ("indices", "ids", "weights"))
    got = sess.run(results)
    assert type(got["top_k"]).__name__ == "TopKV2" and got["top_k"].indices.tolist() == [[0, 2]]
    assert got["unique"].y.tolist() == [1, 2] and got["counts"].count.tolist() == [2, 1]
    assert got["diff"].out.tolist() == [1, 3] and got["diff"].idx.tolist() == [0, 2]
