"""tf.parse_single_sequence_example / tf.io.parse_sequence_example against TensorFlow's
results (values, static shapes, errors, graph), recorded by
tests/fixtures/tensorflow/record_sequence_example.py."""

import pytest

import teachflow as tf
from tests.fixtures.tensorflow.sequence_example_programs import run
from tests.tensorflow_record import same_results_as_tensorflow

test_same_results_as_tensorflow = same_results_as_tensorflow("sequence_example", run)


def test_what_tensorflow_refuses_when_building():
    with pytest.raises(ValueError, match="at least one should have values"):
        tf.parse_single_sequence_example(b"")
    with pytest.raises(ValueError, match=r"dense_defaults\[w\] must be None"):
        tf.io.parse_sequence_example(
            [b""], sequence_features={"w": tf.FixedLenSequenceFeature([], tf.int64, True, 0)}
        )
    with pytest.raises(ValueError, match="must be a scalar"):
        tf.parse_single_sequence_example([b""], {"x": tf.VarLenFeature(tf.int64)})
