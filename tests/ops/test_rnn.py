"""What teachflow's RNN building blocks promise beyond the recorded TensorFlow values
(tests/ops/test_rnn_tensorflow.py): TF's errors, zero states, variable sharing, the
initializers' ranges, dropout in cells, and tf.reverse_sequence (values, errors, gradient).
"""

import numpy as np
import pytest

import teachflow.compat.v1 as tf
from teachflow.framework import errors
from tests.float_tolerance import gamma

rnn_cell = tf.nn.rnn_cell


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default() as graph:
        yield graph


def _run(fetches, feeds=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feeds)


# -- cells ---------------------------------------------------------------------------------
def test_lstm_state_tuple_is_a_named_pair_with_a_dtype():
    state = rnn_cell.LSTMStateTuple(c=tf.zeros([1, 2]), h=tf.ones([1, 2]))
    c, h = state
    assert (c, h) == (state.c, state.h)
    assert state.dtype == tf.float32
    mixed = rnn_cell.LSTMStateTuple(tf.zeros([1]), tf.zeros([1], tf.float64))
    with pytest.raises(TypeError, match="Inconsistent internal state"):
        mixed.dtype  # noqa: B018


@pytest.mark.parametrize(
    ("cell", "state_shapes", "output_size"),
    [
        (lambda: rnn_cell.BasicRNNCell(3), [[5, 3]], 3),
        (lambda: rnn_cell.GRUCell(3), [[5, 3]], 3),
        (lambda: rnn_cell.BasicLSTMCell(3), [[5, 3], [5, 3]], 3),
        (lambda: rnn_cell.BasicLSTMCell(3, state_is_tuple=False), [[5, 6]], 3),
        (lambda: rnn_cell.LSTMCell(4, num_proj=2), [[5, 4], [5, 2]], 2),
        (
            lambda: rnn_cell.MultiRNNCell([rnn_cell.GRUCell(2), rnn_cell.BasicLSTMCell(3)]),
            [[5, 2], [5, 3], [5, 3]],
            3,
        ),
    ],
)
def test_zero_state_is_zeros_shaped_like_the_state(cell, state_shapes, output_size):
    cell = cell()
    state = cell.zero_state(5, tf.float64)
    flat = _flatten(state)
    assert [t.shape.as_list() for t in flat] == state_shapes
    assert all(t.dtype == tf.float64 for t in flat)
    assert all(not v.any() for v in _run(flat))
    assert cell.output_size == output_size


def _flatten(structure):
    if isinstance(structure, (list, tuple)):
        return [leaf for s in structure for leaf in _flatten(s)]
    return [structure]


def test_zero_state_of_a_fed_batch_size():
    batch = tf.placeholder(tf.int32, [])
    state = rnn_cell.BasicLSTMCell(3).zero_state(batch, tf.float32)
    assert state.c.shape.as_list() == [None, 3]
    assert state.c.op.name.startswith("BasicLSTMCellZeroState/")
    assert _run(state.h, {batch: 4}).shape == (4, 3)


def test_kernels_start_glorot_uniform_and_biases_at_zero():
    cell = rnn_cell.LSTMCell(5, use_peepholes=True)
    cell(tf.ones([2, 3]), cell.zero_state(2, tf.float32))
    values = dict(zip([v.op.name for v in cell.variables], _run(cell.variables)))
    limit = np.sqrt(6.0 / (8 + 20))  # fan_in = 3 inputs + 5 units, fan_out = 4 gates * 5
    kernel = values["lstm_cell/kernel"]
    assert kernel.shape == (8, 20) and np.abs(kernel).max() <= limit and kernel.std() > 0
    assert not values["lstm_cell/bias"].any()
    assert sorted(values) == [
        "lstm_cell/bias",
        "lstm_cell/kernel",
        "lstm_cell/w_f_diag",
        "lstm_cell/w_i_diag",
        "lstm_cell/w_o_diag",
    ]


def test_gru_gate_bias_starts_at_one():
    cell = rnn_cell.GRUCell(2)
    cell(tf.ones([1, 1]), cell.zero_state(1, tf.float32))
    gates_bias, candidate_bias = _run([cell.variables[1], cell.variables[3]])
    assert gates_bias.tolist() == [1.0] * 4 and candidate_bias.tolist() == [0.0] * 2


def test_basic_lstm_adds_forget_bias_at_run_time():
    # Zero kernel and bias: every gate is sigmoid(0) = 0.5 except f = sigmoid(forget_bias).
    cell = rnn_cell.BasicLSTMCell(1, forget_bias=2.0)
    state = rnn_cell.LSTMStateTuple(tf.constant([[1.0]]), tf.constant([[0.0]]))
    out, new = cell(tf.constant([[0.0]]), state)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for v in cell.variables:
            v.load(np.zeros(v.shape.as_list(), np.float32), sess)
        c, h = sess.run([new.c, out])
    sig = 1 / (1 + np.exp(-2.0))
    eps = np.finfo(np.float32).eps
    np.testing.assert_allclose(c, [[sig]], rtol=4 * eps)
    np.testing.assert_allclose(h, [[np.tanh(sig) * 0.5]], rtol=4 * eps)


def test_a_cell_without_known_input_depth_is_refused():
    cell = rnn_cell.BasicRNNCell(2)
    x = tf.placeholder(tf.float32, [None, None])
    with pytest.raises(ValueError, match="inputs.shape\\[-1\\] to be known"):
        cell(x, cell.zero_state(1, tf.float32))


def test_multi_rnn_cell_needs_cells_and_tuple_state():
    with pytest.raises(ValueError, match="at least one cell"):
        rnn_cell.MultiRNNCell([])
    cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(2)])
    with pytest.raises(ValueError, match="Expected state to be a tuple"):
        cell(tf.ones([1, 2]), tf.zeros([1, 2]))


def test_multi_rnn_cell_with_concatenated_state():
    cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(2), rnn_cell.GRUCell(3)], state_is_tuple=False)
    assert cell.state_size == 5
    out, state = cell(tf.ones([4, 1]), cell.zero_state(4, tf.float32))
    out_v, state_v = _run([out, state])
    assert state_v.shape == (4, 5)
    np.testing.assert_array_equal(state_v[:, 2:], out_v)  # the last GRU's state is its output


# -- dropout -------------------------------------------------------------------------------
def test_dropout_wrapper_keeps_or_scales_each_output():
    cell = rnn_cell.DropoutWrapper(rnn_cell.BasicRNNCell(50), output_keep_prob=0.5, seed=3)
    out, state = cell(tf.ones([20, 4]), cell.zero_state(20, tf.float32))
    out_v, state_v = _run([out, state])
    kept = out_v != 0
    np.testing.assert_array_equal(out_v[kept], 2 * state_v[kept])  # kept ones scaled by 1/keep
    assert 0.3 < kept.mean() < 0.7
    assert [v.op.name for v in cell.variables] == ["basic_rnn_cell/kernel", "basic_rnn_cell/bias"]


def test_dropout_wrapper_never_drops_an_lstm_memory():
    cell = rnn_cell.DropoutWrapper(rnn_cell.BasicLSTMCell(30), state_keep_prob=0.5, seed=1)
    _, state = cell(tf.ones([10, 2]), cell.zero_state(10, tf.float32))
    assert "dropout" not in state.c.op.name and "dropout" in state.h.op.name


def test_dropout_wrapper_keep_probabilities_are_checked():
    with pytest.raises(ValueError, match="input_keep_prob must be between 0 and 1: 1$"):
        rnn_cell.DropoutWrapper(rnn_cell.GRUCell(1), input_keep_prob=1.5)
    with pytest.raises(ValueError, match="state_keep_prob must be between 0 and 1: 0$"):
        rnn_cell.DropoutWrapper(rnn_cell.GRUCell(1), state_keep_prob=-0.5)
    with pytest.raises(ValueError, match="variational_recurrent=True, dtype must be provided"):
        rnn_cell.DropoutWrapper(rnn_cell.GRUCell(1), variational_recurrent=True)
    with pytest.raises(ValueError, match="input_size must be provided"):
        rnn_cell.DropoutWrapper(
            rnn_cell.GRUCell(1), 0.5, variational_recurrent=True, dtype=tf.float32
        )


def test_variational_dropout_drops_the_same_units_at_every_step():
    cell = rnn_cell.DropoutWrapper(
        rnn_cell.BasicRNNCell(40), output_keep_prob=0.5, variational_recurrent=True,
        dtype=tf.float32, seed=2,
    )  # fmt: skip
    outputs, _ = tf.nn.dynamic_rnn(cell, tf.ones([3, 5, 2]), dtype=tf.float32)
    dropped = _run(outputs) == 0
    assert 0.2 < dropped.mean() < 0.8
    assert (dropped == dropped[:1, :1]).all()  # one mask for all rows and steps


# -- static_rnn / dynamic_rnn ----------------------------------------------------------------
def test_static_rnn_errors_as_tensorflow():
    cell = rnn_cell.GRUCell(2)
    with pytest.raises(TypeError, match="inputs must be a sequence"):
        tf.nn.static_rnn(cell, tf.ones([2, 3]), dtype=tf.float32)
    with pytest.raises(ValueError, match="inputs must not be empty"):
        tf.nn.static_rnn(cell, [], dtype=tf.float32)
    with pytest.raises(ValueError, match="dtype must be specified"):
        tf.nn.static_rnn(cell, [tf.ones([2, 3])])
    with pytest.raises(ValueError, match="must be accessible via shape inference"):
        tf.nn.static_rnn(cell, [tf.placeholder(tf.float32, [2, None])], dtype=tf.float32)
    with pytest.raises(TypeError, match="is not an RNNCell"):
        tf.nn.static_rnn(object(), [tf.ones([2, 3])], dtype=tf.float32)


def test_dynamic_rnn_errors_as_tensorflow():
    cell = rnn_cell.GRUCell(2)
    with pytest.raises(ValueError, match="you must give a dtype"):
        tf.nn.dynamic_rnn(cell, tf.ones([2, 3, 1]))
    with pytest.raises(ValueError, match="sequence_length must be a vector"):
        tf.nn.dynamic_rnn(cell, tf.ones([2, 3, 1]), sequence_length=[[1]], dtype=tf.float32)


def test_static_rnn_shares_one_set_of_variables_over_time():
    xs = [tf.ones([2, 3])] * 6
    tf.nn.static_rnn(rnn_cell.BasicLSTMCell(4), xs, dtype=tf.float32)
    assert [v.op.name for v in tf.global_variables()] == [
        "rnn/basic_lstm_cell/kernel",
        "rnn/basic_lstm_cell/bias",
    ]


def test_dynamic_rnn_agrees_with_static_rnn_and_stops_each_row_at_its_length():
    x = np.random.RandomState(0).uniform(-1, 1, (3, 6, 2)).astype(np.float32)
    lengths = [6, 0, 3]
    cell = rnn_cell.LSTMCell(3, num_proj=2)
    dyn_out, dyn_state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float32)
    static_out, static_state = tf.nn.static_rnn(
        cell, tf.unstack(x, axis=1), sequence_length=lengths, dtype=tf.float32
    )
    d_out, d_state, s_out, s_state = _run([dyn_out, dyn_state, static_out, static_state])
    tolerance = 6 * 4 * gamma(8, np.float32)
    np.testing.assert_allclose(d_out, np.stack(s_out, 1), atol=tolerance)
    np.testing.assert_allclose(d_state.h, s_state.h, atol=tolerance)
    assert not d_out[1].any() and not d_out[2, 3:].any()  # past a row's length: zeros
    np.testing.assert_array_equal(d_state.h[2], d_out[2, 2])  # the state of its last step
    assert not d_state.c[1].any()  # a row of length 0 keeps its initial state


def test_dynamic_rnn_runs_a_fed_number_of_steps():
    x = tf.placeholder(tf.float32, [None, None, 2])
    outputs, state = tf.nn.dynamic_rnn(rnn_cell.BasicRNNCell(3), x, dtype=tf.float32)
    assert outputs.shape.as_list() == [None, None, 3]
    for steps in (1, 7):
        out = _run(outputs, {x: np.ones([2, steps, 2], np.float32)})
        assert out.shape == (2, steps, 3)


# -- tf.reverse_sequence ---------------------------------------------------------------------
def test_reverse_sequence_reverses_each_rows_prefix():
    x = np.arange(24).reshape(2, 4, 3)
    got = _run(tf.reverse_sequence(x, [3, 0], seq_axis=1, batch_axis=0))
    np.testing.assert_array_equal(got[0], x[0][[2, 1, 0, 3]])
    np.testing.assert_array_equal(got[1], x[1])
    time_major = _run(tf.reverse_sequence(x.transpose(1, 0, 2), [3, 0], seq_dim=0, batch_dim=1))
    np.testing.assert_array_equal(time_major.transpose(1, 0, 2), got)


def test_reverse_sequence_errors_name_the_length():
    lengths = tf.placeholder(tf.int64, [None])
    y = tf.reverse_sequence(tf.zeros([2, 3]), lengths, seq_axis=1)
    with pytest.raises(errors.InvalidArgumentError, match=r"seq_lens\(1\) > input.dims\(1\)"):
        _run(y, {lengths: [1, 4]})
    with pytest.raises(errors.InvalidArgumentError, match=r"Length of seq_lengths != input"):
        _run(y, {lengths: [1]})


def test_reverse_sequence_gradient_reverses_back():
    x = tf.constant(np.arange(8, dtype=np.float32).reshape(2, 4))
    weights = tf.constant(np.arange(8, dtype=np.float32).reshape(2, 4))
    y = tf.reverse_sequence(x, [2, 4], seq_axis=1)
    (grad,) = tf.gradients(tf.reduce_sum(y * weights), [x])
    np.testing.assert_array_equal(_run(grad), [[1, 0, 2, 3], [7, 6, 5, 4]])


def test_dynamic_rnn_checks_sequence_length_against_the_batch_at_run_time():
    x = tf.placeholder(tf.float32, [None, 3, 1])
    lengths = tf.placeholder(tf.int32, [None])
    outputs, _ = tf.nn.dynamic_rnn(
        rnn_cell.GRUCell(2), x, sequence_length=lengths, dtype=tf.float32
    )
    feeds = {x: np.ones([2, 3, 1], np.float32), lengths: [3, 1, 2]}
    with pytest.raises(errors.InvalidArgumentError, match="Expected shape for Tensor") as e:
        _run(outputs, feeds)
    assert "[2]" in str(e.value) and "[3]" in str(e.value)


def test_residual_wrapper_needs_output_shaped_like_its_input():
    cell = rnn_cell.ResidualWrapper(rnn_cell.GRUCell(3))
    with pytest.raises(ValueError, match="incompatible"):
        cell(tf.ones([1, 2]), cell.zero_state(1, tf.float32))
    summed = rnn_cell.ResidualWrapper(rnn_cell.GRUCell(2), residual_fn=lambda i, o: o - i)
    out, state = summed(tf.ones([1, 2]), summed.zero_state(1, tf.float32))
    out_v, state_v = _run([out, state])
    np.testing.assert_array_equal(out_v, state_v - 1)


def test_device_wrapper_places_the_cell_and_its_zero_state():
    cell = rnn_cell.DeviceWrapper(rnn_cell.BasicLSTMCell(2), "/cpu:0")
    state = cell.zero_state(1, tf.float32)
    out, _ = cell(tf.ones([1, 2]), state)
    assert state.c.op.name.startswith("DeviceWrapperZeroState/BasicLSTMCellZeroState/")
    assert "CPU:0" in state.c.op.device.upper() and "CPU:0" in out.op.device.upper()
    assert _run(out).shape == (1, 2)
