"""tf.io.decode_compressed and tf.io.decode_json_example against TensorFlow's results
(bytes, errors), recorded by tests/fixtures/tensorflow/record_decoding.py."""

import pytest

import teachflow as tf
from tests.fixtures.tensorflow.decoding_programs import run
from tests.tensorflow_record import same_results_as_tensorflow

test_same_results_as_tensorflow = same_results_as_tensorflow("decoding", run)


def test_zstd_says_it_is_not_here(sess):
    with pytest.raises(tf.errors.UnimplementedError, match="ZSTD"):
        sess.run(tf.io.decode_compressed([b"x"], "ZSTD"))
