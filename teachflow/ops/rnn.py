"""Running a cell over a sequence, as TF1's ``rnn.py`` builds it.

`static_rnn` unrolls: one copy of the cell's ops per time step of a Python list of
inputs (``rnn/basic_lstm_cell/MatMul``, ``MatMul_1``, ...), all sharing the variables
the first step made. `dynamic_rnn` loops: the inputs go batch-major ->
time-major (``rnn/transpose``), into a TensorArray (``rnn/TensorArray_1``), and a
`tf.while_loop` (``rnn/while/...``) reads step ``time``, calls the cell and writes the
output into ``rnn/TensorArray``, stacked and transposed back after the loop. With
``sequence_length``, a batch row past its length outputs zeros and keeps its state
(``tf.where(time >= sequence_length, ...)``), so the final state is each row's last
real step.

    >>> import teachflow as tf
    >>> x = tf.ones([2, 5, 3])
    >>> cell = tf.nn.rnn_cell.BasicRNNCell(4)
    >>> outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=[5, 2], dtype=tf.float32)
    >>> outputs.shape, state.shape, outputs.op.name
    (TensorShape([Dimension(2), Dimension(5), Dimension(4)]), TensorShape([Dimension(2), Dimension(4)]), 'rnn/transpose_1')
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops import control_flow_nest as nest
from teachflow.ops.arithmetic_ops import cast, maximum, minimum
from teachflow.ops.check_ops import Assert
from teachflow.ops.comparison_ops import equal, greater_equal, less, where
from teachflow.ops.constant_op import constant
from teachflow.ops.control_flow_cond import cond
from teachflow.ops.control_flow_while import while_loop
from teachflow.ops.filling import range as range_op
from teachflow.ops.filling import zeros
from teachflow.ops.identity_ops import identity
from teachflow.ops.joining import concat, stack
from teachflow.ops.reduction_ops import reduce_all, reduce_max, reduce_min
from teachflow.ops.reshaping import transpose
from teachflow.ops.rnn_cell import _concat
from teachflow.ops.shape_ops import rank, shape
from teachflow.ops.tensor_array_ops import TensorArray
from teachflow.ops.variable_scope import variable_scope

__all__ = ["static_rnn", "dynamic_rnn"]


def _check_cell(cell):
    for attr in ("output_size", "state_size", "zero_state"):
        if not hasattr(cell, attr):
            raise TypeError(f"The argument 'cell' ({cell}) is not an RNNCell: '{attr}' is missing.")
    if not callable(cell):
        raise TypeError(f"The argument 'cell' ({cell}) is not an RNNCell: is not callable.")


def _zeros_like_output(batch_size, output_size, dtype, static_batch=None):
    """Zeros ``[batch, *output_size]`` (TF's ``_create_zero_arrays``)."""
    out = zeros(_concat(batch_size, output_size), dtype=dtype)
    if static_batch is not None:
        out.set_shape(_concat(static_batch, output_size, static=True))
    return out


def _size_shape(size):
    return TensorShape([size] if isinstance(size, int) else size)


def _state_dtype(explicit, state):
    if explicit is not None:
        return dtypes.as_dtype(explicit)
    flat = nest.flatten(state)
    return flat[0].dtype.base_dtype


def _select_rows(copy_cond, old, new):
    """Rows past their sequence keep ``old``; the others take ``new``."""
    if new.shape.ndims == 0:
        return new
    out = where(copy_cond, old, new)
    out.set_shape(new.shape)
    return out


def _rnn_step_values(copy_cond, zero_output, state, new_output, new_state):
    flat_out = [
        _select_rows(copy_cond, z, n)
        for z, n in zip(nest.flatten(zero_output), nest.flatten(new_output))
    ]
    flat_state = [
        _select_rows(copy_cond, s, n) for s, n in zip(nest.flatten(state), nest.flatten(new_state))
    ]
    return flat_out, flat_state


# -- static_rnn --------------------------------------------------------------------------
def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """The cell unrolled over ``inputs`` (a list of ``[batch, input_size]`` tensors, one
    per time step): ``(outputs, state)``, a list of outputs and the final state.

    >>> import teachflow as tf
    >>> xs = [tf.ones([2, 3]) for _ in range(4)]
    >>> outputs, state = tf.nn.static_rnn(tf.nn.rnn_cell.GRUCell(5), xs, dtype=tf.float32)
    >>> len(outputs), outputs[-1].shape, outputs[1].op.name
    (4, TensorShape([Dimension(2), Dimension(5)]), 'rnn/gru_cell/add_1')

    Raises TypeError when ``inputs`` is not a list, ValueError when it is empty, when an
    input's size is unknown, or without ``initial_state`` and ``dtype``.
    """
    _check_cell(cell)
    if not nest._is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    outputs = []
    with variable_scope(scope or "rnn") as varscope:
        first_input = inputs
        while nest._is_sequence(first_input):
            first_input = first_input[0]
        first_input = convert_to_tensor(first_input)
        fixed_batch_size = (
            dimension_value(first_input.shape[0]) if first_input.shape.ndims else None
        )
        for flat_input in nest.flatten(inputs):
            input_shape = convert_to_tensor(flat_input).shape.with_rank_at_least(2)
            for i, size in enumerate(input_shape.as_list()[1:]):
                if size is None:
                    raise ValueError(
                        f"Input size (dimension {i} of inputs) must be accessible via shape "
                        "inference, but saw value None."
                    )
        batch_size = fixed_batch_size if fixed_batch_size else shape(first_input)[0]
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError("If no initial_state is provided, dtype must be specified")
            state = cell.zero_state(batch_size, dtype)
        if sequence_length is not None:
            sequence_length = convert_to_tensor(sequence_length, name="sequence_length")
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError(
                    "sequence_length must be a vector of length batch_size, but saw shape: "
                    f"{sequence_length.shape}"
                )
            out_dtype = _state_dtype(dtype, state)
            zero_output = nest.map_structure(
                lambda size: _zeros_like_output(batch_size, size, out_dtype, fixed_batch_size),
                cell.output_size,
            )
            sequence_length = cast(sequence_length, dtypes.int32)
            min_sequence_length = reduce_min(sequence_length)
            max_sequence_length = reduce_max(sequence_length)
        for time, input_ in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()
            if sequence_length is None:
                output, state = cell(input_, state)
            else:
                output, state = _static_rnn_step(
                    time,
                    sequence_length,
                    min_sequence_length,
                    max_sequence_length,
                    zero_output,
                    state,
                    lambda: cell(input_, state),  # noqa: B023 - called now
                )
            outputs.append(output)
        return outputs, state


def _static_rnn_step(time, seq_len, min_len, max_len, zero_output, state, call_cell):
    """One unrolled step with lengths, as TF builds it: two conds skip the per-row
    selection when every row is still running (time < min) or all have ended (>= max)."""
    flat_state = nest.flatten(state)
    flat_zero = nest.flatten(zero_output)
    copy_cond = time >= seq_len  # which rows have ended (TF builds it before the conds)

    def copy_some_through():
        new_output, new_state = call_cell()
        nest.assert_same_structure(state, new_state)
        flat_new_out, flat_new_state = nest.flatten(new_output), nest.flatten(new_state)

        def all_new():
            return flat_new_out + flat_new_state

        def some_new():
            outs, states = _rnn_step_values(copy_cond, zero_output, state, new_output, new_state)
            return outs + states

        return cond(time < min_len, all_new, some_new)

    def empty_update():
        return flat_zero + flat_state

    final = cond(time >= max_len, empty_update, copy_some_through)
    if len(flat_zero) + len(flat_state) == 1:
        final = [final] if not isinstance(final, (list, tuple)) else final
    final_output, final_state = final[: len(flat_zero)], final[len(flat_zero) :]
    for out, zero in zip(final_output, flat_zero):
        out.set_shape(zero.shape)
    for new, old in zip(final_state, flat_state):
        new.set_shape(old.shape)
    return (
        nest.pack_sequence_as(zero_output, final_output),
        nest.pack_sequence_as(state, final_state),
    )


# -- dynamic_rnn -------------------------------------------------------------------------
def _transpose_batch_time(x):
    """``[batch, time, ...]`` <-> ``[time, batch, ...]`` (TF's ``_transpose_batch_time``)."""
    static = x.shape
    if static.ndims is not None and static.ndims < 2:
        return x
    perm = concat(([1, 0], range_op(2, rank(x))), axis=0)
    out = transpose(x, perm)
    if static.ndims is not None:
        dims = static.as_list()
        out.set_shape(TensorShape([dims[1], dims[0], *dims[2:]]))
    return out


def dynamic_rnn(
    cell,
    inputs,
    sequence_length=None,
    initial_state=None,
    dtype=None,
    parallel_iterations=None,
    swap_memory=False,
    time_major=False,
    scope=None,
):
    """The cell run over ``inputs`` ``[batch, time, depth]`` (``time_major``:
    ``[time, batch, depth]``) in a while loop: ``(outputs, state)`` with outputs
    ``[batch, time, output_size]`` and the final state.

    >>> import teachflow as tf
    >>> cell = tf.nn.rnn_cell.BasicLSTMCell(2)
    >>> outputs, state = tf.nn.dynamic_rnn(cell, tf.ones([1, 3, 2]), dtype=tf.float32)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     print(sess.run(outputs).shape, sess.run(state.c).shape)
    (1, 3, 2) (1, 2)

    Raises ValueError without ``initial_state`` and ``dtype``, for a ``sequence_length``
    that is not a vector, or inputs of rank < 3.
    """
    _check_cell(cell)
    with variable_scope(scope or "rnn"):
        flat_input = [convert_to_tensor(x) for x in nest.flatten(inputs)]
        if not time_major:
            flat_input = [_transpose_batch_time(x) for x in flat_input]
        parallel_iterations = parallel_iterations or 32
        if sequence_length is not None:
            sequence_length = cast(_as_cast_input(sequence_length), dtypes.int32)
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError(
                    "sequence_length must be a vector of length batch_size, but saw shape: "
                    f"{sequence_length.shape}"
                )
            sequence_length = identity(sequence_length, name="sequence_length")
        batch_size = _best_effort_batch_size(flat_input)
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise ValueError("If there is no initial_state, you must give a dtype.")
            state = cell.zero_state(batch_size, dtype)
        if sequence_length is not None:
            with control_dependencies([_assert_has_shape(sequence_length, [batch_size])]):
                sequence_length = identity(sequence_length, name="CheckSeqLen")
        inputs = nest.pack_sequence_as(inputs, flat_input)
        outputs, final_state = _dynamic_rnn_loop(
            cell, inputs, state, parallel_iterations, swap_memory, sequence_length, dtype
        )
        if not time_major:
            outputs = nest.map_structure(_transpose_batch_time, outputs)
        return outputs, final_state


def _as_cast_input(value):
    """A Python ``sequence_length`` becomes the constant TF's ``tf.cast`` makes of it
    ("rnn/Cast/x"), so the graph's names stay TensorFlow's."""
    if hasattr(value, "op"):
        return value
    with name_scope(None, "Cast", [value]):
        return convert_to_tensor(value, name="x")


def _assert_has_shape(x, expected):
    """TF's run-time check that ``sequence_length`` has one entry per batch row."""
    x_shape = shape(x)
    packed = stack(expected)
    return Assert(
        reduce_all(equal(x_shape, packed)),
        [f"Expected shape for Tensor {x.name} is ", packed, " but saw shape: ", x_shape],
    )


def _best_effort_batch_size(flat_input):
    for x in flat_input:
        if x.shape.ndims is None:
            continue
        if x.shape.ndims < 2:
            raise ValueError(f"Input tensor should have rank >= 2, but saw shape: {x.shape}")
        batch = dimension_value(x.shape[1])
        if batch is not None:
            return batch
    return shape(flat_input[0])[1]


def _dynamic_rnn_loop(cell, inputs, state, parallel_iterations, swap_memory, seq_len, dtype):
    flat_input = nest.flatten(inputs)
    flat_output_size = nest.flatten(cell.output_size)
    time_steps = shape(flat_input[0])[0]
    batch_size = _best_effort_batch_size(flat_input)
    got_shapes = []
    for x in flat_input:
        if x.shape.ndims is not None and x.shape.ndims < 3:
            raise ValueError(f"Shape must be at least rank 3 but is rank {x.shape.ndims}")
        got_shapes.append(x.shape.with_rank_at_least(3))
    const_time_steps, const_batch_size = got_shapes[0].as_list()[:2]
    out_dtype = _state_dtype(dtype, state)
    zero_output = nest.pack_sequence_as(
        cell.output_size,
        [_zeros_like_output(batch_size, size, out_dtype) for size in flat_output_size],
    )
    if seq_len is not None:
        reduce_min(seq_len)  # TF builds it too; the loop selects rows without conds
        max_len = reduce_max(seq_len)
    else:
        max_len = time_steps
    time = constant(0, dtype=dtypes.int32, name="time")
    with name_scope("dynamic_rnn") as base_name:
        pass
    output_ta = tuple(
        TensorArray(
            out_dtype,
            size=time_steps,
            element_shape=TensorShape([const_batch_size]).concatenate(_size_shape(size)),
            tensor_array_name=f"{base_name}output_{i}",
        )
        for i, size in enumerate(flat_output_size)
    )
    input_ta = tuple(
        TensorArray(
            x.dtype.base_dtype,
            size=time_steps,
            element_shape=x.shape[1:],
            tensor_array_name=f"{base_name}input_{i}",
        )
        for i, x in enumerate(flat_input)
    )
    input_ta = tuple(ta.unstack(x) for ta, x in zip(input_ta, flat_input))

    def time_step(time, output_ta_t, state):
        input_t = [ta.read(time) for ta in input_ta]
        for x, got in zip(input_t, got_shapes):
            x.set_shape(got[1:])
        input_t = nest.pack_sequence_as(inputs, input_t)
        if seq_len is not None:
            copy_cond = greater_equal(time, seq_len)  # before the cell's ops, as TF
        output, new_state = cell(input_t, state)
        if seq_len is not None:
            nest.assert_same_structure(state, new_state)
            flat_out, flat_state = _rnn_step_values(
                copy_cond, zero_output, state, output, new_state
            )
            for out, zero in zip(flat_out, nest.flatten(zero_output)):
                out.set_shape(zero.shape)
            output = flat_out
            new_state = nest.pack_sequence_as(state, flat_state)
        output_ta_t = tuple(
            ta.write(time, out) for ta, out in zip(output_ta_t, nest.flatten(output))
        )
        return time + 1, output_ta_t, new_state

    loop_bound = minimum(time_steps, maximum(1, max_len))
    _, output_final_ta, final_state = while_loop(
        cond=lambda time, *_: less(time, loop_bound),
        body=time_step,
        loop_vars=(time, output_ta, state),
        parallel_iterations=parallel_iterations,
        maximum_iterations=time_steps,
        swap_memory=swap_memory,
    )
    final_outputs = [ta.stack() for ta in output_final_ta]
    for out, size in zip(final_outputs, flat_output_size):
        out.set_shape(_concat([const_time_steps, const_batch_size], size, static=True))
    return nest.pack_sequence_as(cell.output_size, final_outputs), final_state
