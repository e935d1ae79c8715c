"""Cells made of cells: `MultiRNNCell` stacks layers (cell i's output is cell i+1's
input, each in a ``cell_<i>`` variable scope), `DropoutWrapper` drops a cell's inputs,
outputs or state (TF1's ``tf.nn.rnn_cell``).

    >>> import teachflow as tf
    >>> cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(3) for _ in range(2)])
    >>> out, state = cell(tf.ones([1, 2]), cell.zero_state(1, tf.float32))
    >>> cell.variables[0].name, len(state)
    ('multi_rnn_cell/cell_0/gru_cell/gates/kernel:0', 2)
"""

from __future__ import annotations

import hashlib
import numbers

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import device as device_scope
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops import control_flow_nest as nest
from teachflow.ops.arithmetic_ops import divide
from teachflow.ops.joining import concat
from teachflow.ops.nn_ops import dropout
from teachflow.ops.random_ops import random_uniform
from teachflow.ops.rnn_cell import LSTMStateTuple, RNNCell
from teachflow.ops.slicing import slice as slice_op
from teachflow.ops.static_value import constant_value
from teachflow.ops.unary_ops import floor
from teachflow.ops.variable_scope import variable_scope

__all__ = ["MultiRNNCell", "DropoutWrapper", "ResidualWrapper", "DeviceWrapper"]


class MultiRNNCell(RNNCell):
    """A stack of cells run one after another in each time step; its state is the tuple
    of the cells' states (``state_is_tuple=False``: concatenated, TF's deprecated form)."""

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not nest._is_sequence(cells):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        if len(set(map(id, cells))) < len(cells):
            import warnings

            warnings.warn(
                "At least two cells provided to MultiRNNCell are the same object and will "
                "share weights.",
                stacklevel=2,
            )
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple

    @property
    def state_size(self):
        if self._state_is_tuple:
            return tuple(cell.state_size for cell in self._cells)
        return sum(cell.state_size for cell in self._cells)

    output_size = property(lambda self: self._cells[-1].output_size)

    @property
    def variables(self) -> list:
        return [v for cell in self._cells for v in cell.variables]

    weights = variables

    @property
    def trainable_variables(self) -> list:
        return [v for cell in self._cells for v in cell.trainable_variables]

    trainable_weights = trainable_variables

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState"):
            if self._state_is_tuple:
                return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)
            return super().zero_state(batch_size, dtype)

    def call(self, inputs, state):
        cur_state_pos = 0
        cur_inp = inputs
        new_states = []
        for i, cell in enumerate(self._cells):
            with variable_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    if not nest._is_sequence(state):
                        raise ValueError(
                            f"Expected state to be a tuple of length {len(self.state_size)}, "
                            f"but received: {state}"
                        )
                    cur_state = state[i]
                else:
                    cur_state = slice_op(state, [0, cur_state_pos], [-1, cell.state_size])
                    cur_state_pos += cell.state_size
                cur_inp, new_state = cell(cur_inp, cur_state)
                new_states.append(new_state)
        if self._state_is_tuple:
            return cur_inp, tuple(new_states)
        return cur_inp, concat(new_states, 1)


class _CellWrapper(RNNCell):
    """A cell around another: the same sizes, variables and zero state, no scope of its own
    (TF's ``_RNNCellWrapperV1``)."""

    def __init__(self, cell):
        super().__init__()
        self._cell = cell

    cell = property(lambda self: self._cell)
    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)
    variables = property(lambda self: self._cell.variables)
    trainable_variables = property(lambda self: self._cell.trainable_variables)

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState"):
            return self._cell.zero_state(batch_size, dtype)


class DropoutWrapper(_CellWrapper):
    """Dropout on a cell's inputs, outputs and (every part of) its state: a fresh mask each
    time step, or with ``variational_recurrent=True`` (needs ``dtype``, and ``input_size``
    when inputs are dropped) one mask drawn for the whole run.

    Keep probabilities are floats in (0, 1] or scalar tensors; 1.0 adds no op. With a
    ``seed``, each part's dropout gets TF's derived seed (md5 of seed and part), so a
    seeded graph draws the same masks on every run. The wrapped cell's variables keep
    their own names (``rnn/basic_lstm_cell/kernel``): the wrapper adds no scope.
    """

    def __init__(
        self,
        cell,
        input_keep_prob=1.0,
        output_keep_prob=1.0,
        state_keep_prob=1.0,
        variational_recurrent=False,
        input_size=None,
        dtype=None,
        seed=None,
        dropout_state_filter_visitor=None,
    ):
        super().__init__(cell)
        probs = {}
        # TF converts each probability to a tensor here and keeps its constant value when
        # it has one: a constant 1.0 then adds no dropout op at all.
        with name_scope("DropoutWrapperInit"):
            for name, prob in (
                ("input_keep_prob", input_keep_prob),
                ("output_keep_prob", output_keep_prob),
                ("state_keep_prob", state_keep_prob),
            ):
                tensor = convert_to_tensor(prob)
                value = constant_value(tensor)
                if value is not None:
                    value = float(value)
                    if value < 0 or value > 1:  # TF's words, its %d included
                        raise ValueError(f"Parameter {name} must be between 0 and 1: {int(value)}")
                probs[name] = value if value is not None else tensor
        self._input_keep_prob = probs["input_keep_prob"]
        self._output_keep_prob = probs["output_keep_prob"]
        self._state_keep_prob = probs["state_keep_prob"]
        self._seed = seed
        self._state_filter = dropout_state_filter_visitor or _keep_all_but_lstm_c
        self._variational_recurrent = variational_recurrent
        if variational_recurrent:
            self._make_recurrent_noise(input_size, dtype)

    def _make_recurrent_noise(self, input_size, dtype):
        """One uniform draw per part, shaped ``[1, size]``, made once: every time step
        (and every batch row) drops the same units (Gal & Ghahramani 2016)."""
        if dtype is None:
            raise ValueError("When variational_recurrent=True, dtype must be provided")

        def noise(prefix, sizes):
            flat = [
                random_uniform(
                    concat(([1], TensorShape(size).as_list()), 0),
                    seed=self._gen_seed(prefix, i),
                    dtype=dtype,
                )
                for i, size in enumerate(_flat_sizes(sizes))
            ]
            return flat

        if self._should_drop(self._input_keep_prob):
            if input_size is None:
                raise ValueError(
                    "When variational_recurrent=True and input_keep_prob < 1.0 or is "
                    "unknown, input_size must be provided"
                )
            self._recurrent_input_noise = noise("input", input_size)
        self._recurrent_state_noise = noise("state", self._cell.state_size)
        self._recurrent_output_noise = noise("output", self._cell.output_size)

    wrapped_cell = property(lambda self: self._cell)

    def _gen_seed(self, salt_prefix, index):
        if self._seed is None:
            return None
        salt = f"{salt_prefix}_{index}"
        digest = hashlib.md5((str(self._seed) + salt).encode("utf-8")).hexdigest()
        return int(digest[:8], 16) & 0x7FFFFFFF

    @staticmethod
    def _should_drop(p):
        return not isinstance(p, numbers.Real) or p < 1

    def _dropout(self, values, salt_prefix, keep_prob, shallow_filtered=None, noise=None):
        flat = nest.flatten(values)
        keep = nest.flatten(shallow_filtered) if shallow_filtered is not None else None
        out = []
        for i, v in enumerate(flat):
            if keep is not None and not keep[i]:
                out.append(v)
            elif noise is not None:
                # keep_prob + U[0, 1) floors to 1 with probability keep_prob.
                kept = floor(keep_prob + noise[i])
                dropped = divide(v, keep_prob) * kept
                dropped.set_shape(v.shape)
                out.append(dropped)
            else:
                seed = self._gen_seed(salt_prefix, i)
                out.append(dropout(v, rate=1.0 - keep_prob, seed=seed))
        return nest.pack_sequence_as(values, out)

    def __call__(self, inputs, state, scope=None):
        variational = self._variational_recurrent
        if self._should_drop(self._input_keep_prob):
            noise = self._recurrent_input_noise if variational else None
            inputs = self._dropout(
                convert_to_tensor(inputs), "input", self._input_keep_prob, noise=noise
            )
        output, new_state = self._cell(inputs, state, scope=scope)
        if self._should_drop(self._state_keep_prob):
            filtered = _filter_state(new_state, self._state_filter)
            noise = self._recurrent_state_noise if variational else None
            new_state = self._dropout(new_state, "state", self._state_keep_prob, filtered, noise)
        if self._should_drop(self._output_keep_prob):
            noise = self._recurrent_output_noise if variational else None
            output = self._dropout(output, "output", self._output_keep_prob, noise=noise)
        return output, new_state


class ResidualWrapper(_CellWrapper):
    """The cell's output plus its input (a residual connection, He et al. 2015), or
    ``residual_fn(inputs, outputs)``; input and output must have compatible shapes.

    >>> import teachflow as tf
    >>> cell = tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.GRUCell(2))
    >>> out, _ = cell(tf.ones([1, 2]), cell.zero_state(1, tf.float32))
    >>> out.op.type
    'AddV2'
    """

    def __init__(self, cell, residual_fn=None):
        super().__init__(cell)
        self._residual_fn = residual_fn

    def __call__(self, inputs, state, scope=None):
        outputs, new_state = self._cell(inputs, state, scope=scope)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, outputs), new_state
        inputs = nest.map_structure(convert_to_tensor, inputs)
        nest.assert_same_structure(inputs, outputs)
        for inp, out in zip(nest.flatten(inputs), nest.flatten(outputs)):
            inp.shape.assert_is_compatible_with(out.shape)
        flat = [inp + out for inp, out in zip(nest.flatten(inputs), nest.flatten(outputs))]
        return nest.pack_sequence_as(inputs, flat), new_state


class DeviceWrapper(_CellWrapper):
    """The cell's ops (and its zero state) on ``device``, e.g. one layer of a
    `MultiRNNCell` per GPU."""

    def __init__(self, cell, device):
        super().__init__(cell)
        self._device = device

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState"), device_scope(self._device):
            return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        with device_scope(self._device):
            return self._cell(inputs, state, scope=scope)


def _flat_sizes(sizes):
    """The leaves of a nested size (ints or shapes), as TF's ``map_structure_up_to``."""
    if isinstance(sizes, (list, tuple)) and not all(isinstance(d, int) for d in sizes):
        return [leaf for s in sizes for leaf in _flat_sizes(s)]
    if hasattr(sizes, "_fields"):
        return [leaf for s in sizes for leaf in _flat_sizes(s)]
    return [sizes]


def _keep_all_but_lstm_c(substate):
    """TF's default state filter: an LSTM's memory ``c`` is never dropped, ``h`` is."""
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    return True


def _filter_state(state, visitor):
    """The visitor's True/False for every leaf of ``state``, walked as TF's
    ``get_traverse_shallow_structure``: True on a structure means "look inside", False
    covers all its leaves, a structure of bools answers part by part."""
    answer = visitor(state)
    if not nest._is_sequence(state):
        return bool(answer)
    if answer is True:
        return nest._rebuild(state, [_filter_state(c, visitor) for c in nest._children(state)])
    if answer is False:
        return nest.map_structure(lambda _: False, state)
    return answer
