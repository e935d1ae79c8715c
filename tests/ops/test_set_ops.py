"""tf.unique, tf.unique_with_counts, tf.setdiff1d and tf.sequence_mask against TensorFlow
(recorded by tests/fixtures/tensorflow/record_debugging.py)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/debugging/cases.json").read_text()
)
BUILDS = {
    "unique": lambda: tf.unique([1, 1, 2, 4, 4, 4, 7, 8, 8]),
    "unique_int64": lambda: tf.unique([3.5, 1.0, 3.5], out_idx=tf.int64),
    "unique_with_counts": lambda: tf.unique_with_counts([3, 1, 3, 2, 1, 3]),
    "setdiff1d": lambda: tf.setdiff1d([1, 2, 3, 4, 5, 6, 3], [1, 3, 5]),
    "sequence_mask": lambda: tf.sequence_mask([1, 3, 2], 5),
    "sequence_mask_2d": lambda: tf.sequence_mask([[1, 3], [2, 0]]),
    "sequence_mask_float": lambda: tf.sequence_mask([1, 2], 3, dtype=tf.float32),
}


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_matches_tensorflow(name):
    outs = BUILDS[name]()
    outs = list(outs) if isinstance(outs, tuple) else [outs]
    with tf.Session() as sess:
        values = sess.run(outs)
    expected = RECORD[name]
    assert [o.op.type for o in outs] == expected["types"]
    assert [o.name for o in outs] == expected["names"]
    assert [np.asarray(v).dtype.name for v in values] == expected["dtypes"]
    assert [np.asarray(v).tolist() for v in values] == expected["values"]


def test_unique_needs_a_vector():
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2"):
        tf.unique([[1, 2]])
    p = tf.placeholder(tf.int32)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="unique expects a 1D vector"):
            sess.run(tf.unique(p)[0], {p: [[1, 2]]})
