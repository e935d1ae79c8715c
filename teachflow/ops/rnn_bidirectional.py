"""Bidirectional RNNs, as TF1's ``rnn.py`` builds them: a forward cell reads the
sequence in order (scope ``bidirectional_rnn/fw``), a backward cell reads it reversed
(``bidirectional_rnn/bw``; with ``sequence_length`` only each row's real steps are
reversed, `tf.reverse_sequence`), and the backward outputs are reversed back so both
line up in time.

    >>> import teachflow as tf
    >>> fw, bw = tf.nn.rnn_cell.GRUCell(2), tf.nn.rnn_cell.GRUCell(3)
    >>> (out_fw, out_bw), states = tf.nn.bidirectional_dynamic_rnn(
    ...     fw, bw, tf.ones([4, 5, 6]), dtype=tf.float32)
    >>> out_fw.shape, out_bw.shape, bw.variables[0].name
    (TensorShape([Dimension(4), Dimension(5), Dimension(2)]), TensorShape([Dimension(4), Dimension(5), Dimension(3)]), 'bidirectional_rnn/bw/gru_cell/gates/kernel:0')
"""

from __future__ import annotations

from teachflow.framework.shapes import TensorShape
from teachflow.ops import control_flow_nest as nest
from teachflow.ops.joining import concat, stack, unstack
from teachflow.ops.padding import reverse
from teachflow.ops.reverse_sequence_ops import reverse_sequence
from teachflow.ops.rnn import _check_cell, dynamic_rnn, static_rnn
from teachflow.ops.variable_scope import variable_scope

__all__ = ["bidirectional_dynamic_rnn", "static_bidirectional_rnn"]


def _reverse(x, seq_lengths, seq_axis, batch_axis):
    if seq_lengths is not None:
        return reverse_sequence(x, seq_lengths, seq_axis=seq_axis, batch_axis=batch_axis)
    return reverse(x, axis=[seq_axis])


def bidirectional_dynamic_rnn(
    cell_fw,
    cell_bw,
    inputs,
    sequence_length=None,
    initial_state_fw=None,
    initial_state_bw=None,
    dtype=None,
    parallel_iterations=None,
    swap_memory=False,
    time_major=False,
    scope=None,
):
    """``((output_fw, output_bw), (state_fw, state_bw))`` of two `dynamic_rnn` runs, the
    backward one over the reversed sequence (see the module docstring)."""
    _check_cell(cell_fw)
    _check_cell(cell_bw)
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = dynamic_rnn(
                cell_fw, inputs, sequence_length=sequence_length,
                initial_state=initial_state_fw, dtype=dtype,
                parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                time_major=time_major, scope=fw_scope,
            )  # fmt: skip
        with variable_scope("bw") as bw_scope:
            inputs_reversed = nest.map_structure(
                lambda x: _reverse(x, sequence_length, time_axis, batch_axis), inputs
            )
            tmp, state_bw = dynamic_rnn(
                cell_bw, inputs_reversed, sequence_length=sequence_length,
                initial_state=initial_state_bw, dtype=dtype,
                parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                time_major=time_major, scope=bw_scope,
            )  # fmt: skip
    output_bw = _reverse(tmp, sequence_length, time_axis, batch_axis)
    return (output_fw, output_bw), (state_fw, state_bw)


def _reverse_seq(input_seq, lengths):
    """A list of time steps reversed; with ``lengths`` each row's real steps only."""
    if lengths is None:
        return list(reversed(input_seq))
    flat_steps = [nest.flatten(x) for x in input_seq]
    flat_result = [[] for _ in input_seq]
    for sequence in zip(*flat_steps):
        step_shape = TensorShape(None)
        for x in sequence:
            step_shape = step_shape.merge_with(x.shape)
        for x in sequence:
            x.set_shape(step_shape)
        reversed_steps = unstack(reverse_sequence(stack(sequence), lengths, 0, 1))
        for r, flat in zip(reversed_steps, flat_result):
            r.set_shape(step_shape)
            flat.append(r)
    return [nest.pack_sequence_as(x, flat) for x, flat in zip(input_seq, flat_result)]


def static_bidirectional_rnn(
    cell_fw,
    cell_bw,
    inputs,
    initial_state_fw=None,
    initial_state_bw=None,
    dtype=None,
    sequence_length=None,
    scope=None,
):
    """``(outputs, state_fw, state_bw)`` of two unrolled `static_rnn` runs, each output
    the forward and backward outputs of that step concatenated on the last axis.

    >>> import teachflow as tf
    >>> xs = [tf.ones([2, 3])] * 4
    >>> cells = tf.nn.rnn_cell.BasicRNNCell(2), tf.nn.rnn_cell.BasicRNNCell(5)
    >>> outputs, s_fw, s_bw = tf.nn.static_bidirectional_rnn(*cells, xs, dtype=tf.float32)
    >>> len(outputs), outputs[0].shape
    (4, TensorShape([Dimension(2), Dimension(7)]))
    """
    _check_cell(cell_fw)
    _check_cell(cell_bw)
    if not nest._is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = static_rnn(
                cell_fw, inputs, initial_state_fw, dtype, sequence_length, scope=fw_scope
            )
        with variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_seq(inputs, sequence_length)
            tmp, state_bw = static_rnn(
                cell_bw, reversed_inputs, initial_state_bw, dtype, sequence_length, scope=bw_scope
            )
    output_bw = _reverse_seq(tmp, sequence_length)
    flat_fw, flat_bw = nest.flatten(output_fw), nest.flatten(output_bw)
    flat_outputs = [concat([fw, bw], 1) for fw, bw in zip(flat_fw, flat_bw)]
    return nest.pack_sequence_as(output_fw, flat_outputs), state_fw, state_bw
