"""``tf.nn.raw_rnn``: an RNN whose every step a Python ``loop_fn`` decides.

`dynamic_rnn` reads input ``t`` from a tensor and stops at each sequence's length.
``raw_rnn`` asks ``loop_fn(time, cell_output, cell_state, loop_state)`` instead, once
before the loop (with ``cell_output=None``: give the first input and the initial state)
and after every cell step: it returns ``(elements_finished, next_input, next_state,
emit_output, next_loop_state)``. The loop runs while any batch entry is unfinished;
finished entries keep their state and emit zeros. The emitted outputs are collected in
TensorArrays, as TensorFlow's `raw_rnn` builds it (one ``tf.while_loop``).

    >>> import teachflow as tf
    >>> cell = tf.nn.rnn_cell.BasicRNNCell(2)
    >>> def loop_fn(time, cell_output, cell_state, loop_state):
    ...     state = cell.zero_state(1, tf.float32) if cell_output is None else cell_state
    ...     return (time >= 3, tf.ones([1, 1]), state, cell_output, None)
    >>> outputs_ta, final_state, _ = tf.nn.raw_rnn(cell, loop_fn)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     print(sess.run(outputs_ta.stack()).shape)
    (3, 1, 2)
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import colocate_with
from teachflow.framework.shapes import TensorShape, dimension_at_index, dimension_value
from teachflow.ops import control_flow_nest as nest
from teachflow.ops.comparison_ops import where
from teachflow.ops.constant_op import constant
from teachflow.ops.control_flow_while import while_loop
from teachflow.ops.filling import zeros
from teachflow.ops.reduction_ops import reduce_all
from teachflow.ops.rnn import _check_cell
from teachflow.ops.rnn_cell import _concat
from teachflow.ops.shape_ops import shape
from teachflow.ops.tensor_array_ops import TensorArray
from teachflow.ops.variable_scope import variable_scope

__all__ = ["raw_rnn"]


def _static_shape(size):
    # TF's _maybe_tensor_shape_from_tensor: a tensor's known value, else unknown.
    from teachflow.ops.static_value import constant_value

    if hasattr(size, "op"):
        value = constant_value(size)
        return TensorShape(None if value is None else [int(v) for v in value])
    return TensorShape([size] if isinstance(size, int) else size)


def _emit_arrays(emit_structure, cell, flat_state, const_batch):
    if emit_structure is not None:
        flat = nest.flatten(emit_structure)
        sizes = [e.shape if e.shape.is_fully_defined() else shape(e) for e in flat]
        dts = [e.dtype for e in flat]
    else:
        emit_structure = cell.output_size
        sizes = nest.flatten(emit_structure)
        dts = [flat_state[0].dtype] * len(sizes)
    arrays = [
        TensorArray(
            dtype=dt,
            dynamic_size=True,
            size=0,
            name=f"rnn_output_{i}",
            element_shape=TensorShape([const_batch]).concatenate(_static_shape(size)),
        )  # fmt: skip
        for i, (dt, size) in enumerate(zip(dts, sizes))
    ]
    return emit_structure, sizes, dts, arrays


def raw_rnn(cell, loop_fn, parallel_iterations=None, swap_memory=False, scope=None):
    """Run ``cell`` in a while loop driven by ``loop_fn`` (see the module): returns
    ``(emit_ta, final_state, final_loop_state)``, the last None when ``loop_fn`` gave no
    initial loop state. Raises TypeError when ``cell`` is not an RNNCell or ``loop_fn`` is
    not callable.

        >>> import teachflow as tf
        >>> cell = tf.nn.rnn_cell.BasicRNNCell(3)
        >>> def loop_fn(time, output, state, loop_state):
        ...     state = cell.zero_state(2, tf.float32) if output is None else state
        ...     return (tf.fill([2], time >= 2), tf.zeros([2, 4]), state, output, None)
        >>> _, final_state, _ = tf.nn.raw_rnn(cell, loop_fn)
        >>> final_state.shape
        TensorShape([Dimension(2), Dimension(3)])
    """
    _check_cell(cell)
    if not callable(loop_fn):
        raise TypeError(f"Argument `loop_fn` must be a callable. Received: {loop_fn}.")
    parallel_iterations = parallel_iterations or 32
    with variable_scope(scope or "rnn"):
        time = constant(0, dtype=dtypes.int32)
        elements_finished, next_input, initial_state, emit_structure, init_loop_state = loop_fn(
            time, None, None, None
        )
        flat_input = nest.flatten(next_input)
        loop_state = (
            init_loop_state if init_loop_state is not None else constant(0, dtype=dtypes.int32)
        )
        batches = [dimension_value(dimension_at_index(x.shape, 0)) for x in flat_input]
        known = {b for b in batches if b is not None}
        if len(known) > 1:
            raise ValueError(f"Dimensions {batches[0]} and {max(known)} are not compatible")
        batch_size = const_batch = batches[0] if batches[0] is not None else next(iter(known), None)
        if batch_size is None:
            batch_size = shape(flat_input[0])[0]
        nest.assert_same_structure(initial_state, cell.state_size)
        flat_state = [convert_to_tensor(s) for s in nest.flatten(initial_state)]
        state = nest.pack_sequence_as(initial_state, flat_state)
        emit_structure, sizes, dts, arrays = _emit_arrays(
            emit_structure, cell, flat_state, const_batch
        )
        emit_ta = nest.pack_sequence_as(emit_structure, arrays)
        zero_emit = nest.pack_sequence_as(
            emit_structure,
            [zeros(_concat(batch_size, size), dt) for size, dt in zip(sizes, dts)],
        )

        def condition(unused_time, elements_finished, *_):
            from teachflow.ops.math_ops import logical_not

            return logical_not(reduce_all(elements_finished))

        def body(time, elements_finished, current_input, emit_ta, state, loop_state):
            from teachflow.ops.math_ops import logical_or

            next_output, cell_state = cell(current_input, state)
            nest.assert_same_structure(state, cell_state)
            nest.assert_same_structure(cell.output_size, next_output)
            next_time = time + 1
            next_finished, next_input, next_state, emit_output, next_loop_state = loop_fn(
                next_time, next_output, cell_state, loop_state
            )
            nest.assert_same_structure(state, next_state)
            nest.assert_same_structure(current_input, next_input)
            nest.assert_same_structure(emit_ta, emit_output)
            loop_state = loop_state if next_loop_state is None else next_loop_state

            def copy_some_through(current, candidate):
                def copy(cur, cand):
                    if isinstance(cur, TensorArray) or cur.shape.ndims == 0:
                        return cand
                    with colocate_with(cand.op):
                        return where(elements_finished, cur, cand)

                flat = [copy(a, b) for a, b in zip(nest.flatten(current), nest.flatten(candidate))]
                return nest.pack_sequence_as(candidate, flat)

            emit_output = copy_some_through(zero_emit, emit_output)
            next_state = copy_some_through(state, next_state)
            written = [
                ta.write(time, e) for ta, e in zip(nest.flatten(emit_ta), nest.flatten(emit_output))
            ]
            emit_ta = nest.pack_sequence_as(emit_ta, written)
            elements_finished = logical_or(elements_finished, next_finished)
            return (next_time, elements_finished, next_input, emit_ta, next_state, loop_state)

        returned = while_loop(
            condition, body,
            loop_vars=[time, elements_finished, next_input, emit_ta, state, loop_state],
            parallel_iterations=parallel_iterations, swap_memory=swap_memory,
        )  # fmt: skip
        emit_ta, final_state, final_loop_state = returned[-3:]
        if init_loop_state is None:
            final_loop_state = None
        return emit_ta, final_state, final_loop_state
