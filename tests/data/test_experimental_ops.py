"""Dataset.reduce (ReduceDataset), tf.data.experimental's TF1 transformations and
get_single_element (DatasetToSingleElement) against TensorFlow's recorded graphs, values
and errors."""

import pytest

import teachflow as tf
from tests.nn_data_more_cases import check_error, check_program


@pytest.mark.parametrize("name", ["dataset_reduce", "experimental_names", "experimental_more"])
def test_graph_and_values_are_tensorflows(name):
    check_program(name)


@pytest.mark.parametrize("name", ["get_single_element_empty", "get_single_element_many"])
def test_errors_are_tensorflows(name):
    check_error(name)


def test_reduce_relaxes_a_growing_state_shape():
    ds = tf.data.Dataset.range(3)
    grown = ds.reduce(tf.zeros([0], tf.int64), lambda s, x: tf.concat([s, [x]], 0))
    assert grown.shape.as_list() == [None]
    with tf.Session() as sess:
        assert sess.run(grown).tolist() == [0, 1, 2]


def test_reduce_refuses_a_state_of_another_dtype():
    with pytest.raises(TypeError, match="must match the initial state"):
        tf.data.Dataset.range(3).reduce(tf.constant(0.0), lambda s, x: x)


def test_map_and_batch_refuses_two_parallelism_arguments():
    with pytest.raises(ValueError, match="allows only one of"):
        tf.data.experimental.map_and_batch(lambda x: x, 2, 1, num_parallel_calls=2)


def test_the_tf1_names_are_there():
    for name in ("AUTOTUNE", "Counter", "scan", "take_while", "unique", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "get_single_element",
                 "ignore_errors", "map_and_batch", "parallel_interleave", "shuffle_and_repeat",
                 "unbatch"):  # fmt: skip
        assert hasattr(tf.data.experimental, name), name


def test_unique_refuses_floats():
    with pytest.raises(TypeError, match="does not support type"):
        tf.data.Dataset.range(3).map(lambda x: tf.cast(x, tf.float32)).apply(
            tf.data.experimental.unique()
        )
