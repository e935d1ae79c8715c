"""tf.nn.raw_rnn against TensorFlow's recorded graph and values."""

import pytest

import teachflow as tf
from tests.nn_data_more_cases import check_program


def test_graph_and_values_are_tensorflows():
    check_program("raw_rnn")


def test_gradients_are_tensorflows():
    # The gradient graph's inner names come from the gradient functions of the ops inside
    # (ConcatV2, TensorArrayReadV3: tested with those ops), so only the values and the
    # forward graph are compared.
    check_program("raw_rnn_gradients", skip_prefix="gradients/")


def test_loop_state_is_carried_and_returned():
    cell = tf.nn.rnn_cell.BasicRNNCell(2)

    def loop_fn(time, output, state, loop_state):
        if output is None:
            return (
                tf.fill([1], False),
                tf.ones([1, 1]),
                cell.zero_state(1, tf.float32),
                None,
                tf.constant(0),
            )
        return (tf.fill([1], time >= 4), tf.ones([1, 1]), state, output, loop_state + time)

    outputs_ta, _, final_loop_state = tf.nn.raw_rnn(cell, loop_fn)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        outputs, total = sess.run([outputs_ta.stack(), final_loop_state])
    assert outputs.shape == (4, 1, 2)
    assert total == 1 + 2 + 3 + 4


def test_a_cell_and_a_callable_are_required():
    with pytest.raises(TypeError, match="not an RNNCell"):
        tf.nn.raw_rnn(object(), lambda *a: None)
    with pytest.raises(TypeError, match="`loop_fn` must be a callable"):
        tf.nn.raw_rnn(tf.nn.rnn_cell.BasicRNNCell(2), None)
