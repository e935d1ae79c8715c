"""TF1's recurrent cells (``tf.nn.rnn_cell``): one time step ``(output, new_state) =
cell(inputs, state)``, with the cell's variables made on its first call.

A cell is a TF1 layer: its first call captures the variable scope around it (``rnn`` inside
`dynamic_rnn`) and adds its own (``basic_lstm_cell``), so the kernel is
``rnn/basic_lstm_cell/kernel``. Kernels come from `tf.get_variable`'s default initializer
(glorot uniform), biases start at zero; the LSTM's gates are cut from one matmul in TF's
order i, j, f, o (input, candidate, forget, output), and ``forget_bias`` is added to f at
run time (it is not in the bias variable).

    >>> import teachflow as tf
    >>> cell = tf.nn.rnn_cell.BasicLSTMCell(3)
    >>> state = cell.zero_state(2, tf.float32)
    >>> out, new_state = cell(tf.ones([2, 4]), state)
    >>> out.shape, type(new_state).__name__, cell.variables[0].name
    (TensorShape([Dimension(2), Dimension(3)]), 'LSTMStateTuple', 'basic_lstm_cell/kernel:0')
"""

from __future__ import annotations

import collections
import contextlib

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops import control_flow_nest as nest
from teachflow.ops.arithmetic_ops import add, clip_by_value, multiply
from teachflow.ops.constant_op import constant
from teachflow.ops.filling import zeros
from teachflow.ops.init_ops import constant_initializer, zeros_initializer
from teachflow.ops.joining import concat, split
from teachflow.ops.layer_base import Layer
from teachflow.ops.matmul_ops import matmul
from teachflow.ops.nn_ops import bias_add
from teachflow.ops.reshaping import expand_dims
from teachflow.ops.slicing import slice as slice_op
from teachflow.ops.static_value import constant_value
from teachflow.ops.unary_ops import sigmoid, tanh
from teachflow.ops.variable_scope import get_variable_scope, variable_scope

__all__ = [
    "RNNCell",
    "LayerRNNCell",
    "LSTMStateTuple",
    "BasicRNNCell",
    "BasicLSTMCell",
    "LSTMCell",
    "GRUCell",
]


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM's state: the memory ``c`` and the output ``h`` (each ``[batch, units]``).

    >>> LSTMStateTuple(c=1, h=2).h
    2
    """

    __slots__ = ()

    @property
    def dtype(self):
        if self.c.dtype != self.h.dtype:
            raise TypeError(f"Inconsistent internal state: {self.c.dtype!s} vs {self.h.dtype!s}")
        return self.c.dtype


@contextlib.contextmanager
def _outside_control_flow():
    """Variables are made outside any loop or cond (TF's ``init_scope``): a cell first
    called inside `dynamic_rnn`'s while loop still initializes its kernel once."""
    graph = get_default_graph()
    saved = graph._control_flow_context
    graph._control_flow_context = None
    try:
        yield
    finally:
        graph._control_flow_context = saved


def _variable_outside_control_flow(getter, *args, **kwargs):
    """A custom cell's ``tf.get_variable`` in ``call`` (inside dynamic_rnn's loop) makes its
    variable outside the loop, so the loop reads it through an Enter and its gradient adds
    up over the iterations, as TF's ``init_scope`` lifts it."""
    with _outside_control_flow():
        return getter(*args, **kwargs)


def _concat(prefix, suffix, static=False):
    """``[prefix] + suffix`` as a shape: a static list, or an int32 vector tensor (TF's
    ``rnn_cell_impl._concat``; a known part becomes a constant even when only the static
    shape is wanted, as in TF's graph)."""

    def part(value):
        if hasattr(value, "op"):  # a scalar (batch size) or vector tensor
            tensor = convert_to_tensor(value, dtype=dtypes.int32)
            static = constant_value(tensor)
            if tensor.shape.ndims == 0:
                tensor = expand_dims(tensor, 0)
                static = None if static is None else [int(static)]
            elif tensor.shape.ndims != 1:
                raise ValueError(
                    f"prefix tensor must be either a scalar or vector, but saw tensor: {tensor}"
                )
            return tensor, static
        shape = TensorShape(value)
        static = shape.as_list() if shape.ndims is not None else None
        tensor = constant(shape.as_list(), dtype=dtypes.int32) if shape.is_fully_defined() else None
        return tensor, static

    p, p_static = part(prefix)
    s, s_static = part(suffix)
    if static:
        return TensorShape(p_static).concatenate(TensorShape(s_static))
    if p is None or s is None:
        raise ValueError(f"Provided a prefix or suffix of None: {prefix} and {suffix}")
    return concat((p, s), 0)


def _zero_state_tensors(state_size, batch_size, dtype):
    """Zeros ``[batch_size] + size`` for each size in the (nested) ``state_size``."""

    def make(size):
        out = zeros(_concat(batch_size, size), dtype=dtype)
        out.set_shape(_concat(batch_size, size, static=True))
        return out

    return nest.map_structure(make, state_size)


class RNNCell(Layer):
    """The base of TF1's cells: ``state_size``, ``output_size``, ``zero_state`` and
    ``cell(inputs, state, scope=None) -> (output, new_state)``.

    A subclass writes ``build(inputs_shape)`` (its variables, via ``add_variable``) and
    ``call(inputs, state)``.
    """

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._rnncell_scope = None

    @property
    def state_size(self):
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        raise NotImplementedError("Abstract method")

    def __call__(self, inputs, state, scope=None):
        if scope is not None:
            with variable_scope(scope, custom_getter=_variable_outside_control_flow):
                return self._layer_call(inputs, state)
        if self._rnncell_scope is None:
            # TF remembers the variable scope of the first call and re-enters it (with its
            # name scope: "rnn/while/rnn/multi_rnn_cell/...") on every later call.
            self._rnncell_scope = get_variable_scope()
        with variable_scope(self._rnncell_scope, custom_getter=_variable_outside_control_flow):
            return self._layer_call(inputs, state)

    def _layer_call(self, inputs, state, scope=None):
        inputs = convert_to_tensor(inputs)
        if self._variable_scope is None:
            if scope is not None:
                with variable_scope(scope) as captured:
                    self._variable_scope = captured
            else:
                self._capture_scope()
        if self._dtype is None:
            self._dtype = inputs.dtype.base_dtype
        scope = self._variable_scope
        with variable_scope(scope, reuse=True if self.built else None, auxiliary_name_scope=False):
            with name_scope(scope.original_name_scope):
                if not self.built:
                    with _outside_control_flow():
                        self.build(inputs.shape)
                    self.built = True
                return self.call(inputs, state)

    def build(self, inputs_shape):
        self.built = True

    def add_variable(self, name, shape, dtype=None, initializer=None, **kwargs):
        return self.add_weight(name, shape, dtype=dtype, initializer=initializer, **kwargs)

    def zero_state(self, batch_size, dtype):
        """Zeros shaped like ``state_size`` with a leading ``batch_size`` (an int or a
        scalar tensor), in a ``<CellName>ZeroState`` name scope."""
        with name_scope(type(self).__name__ + "ZeroState"):
            return _zero_state_tensors(self.state_size, batch_size, dtypes.as_dtype(dtype))

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return self.zero_state(batch_size, dtype)


class LayerRNNCell(RNNCell):
    """A cell that is one layer with its own variables (the basic cells): called like any
    TF1 layer, in its own scope opened where it is first called ("rnn/while/basic_lstm_cell",
    without the re-entered "rnn" name scope of `RNNCell`)."""

    def __call__(self, inputs, state, scope=None):
        return self._layer_call(inputs, state, scope)


def _input_depth(cell, inputs_shape):
    depth = dimension_value(TensorShape(inputs_shape)[-1]) if inputs_shape.ndims else None
    if depth is None:
        raise ValueError(
            f"Expected inputs.shape[-1] to be known, saw shape: {TensorShape(inputs_shape)}"
        )
    return depth


class BasicRNNCell(LayerRNNCell):
    """``output = new_state = activation(W [x, h] + b)`` (tanh by default).

    >>> import teachflow as tf
    >>> cell = tf.nn.rnn_cell.BasicRNNCell(2)
    >>> out, state = cell(tf.ones([1, 3]), cell.zero_state(1, tf.float32))
    >>> [v.name for v in cell.variables]
    ['basic_rnn_cell/kernel:0', 'basic_rnn_cell/bias:0']
    """

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = activation or tanh

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        self._kernel = self.add_variable("kernel", [depth + self._num_units, self._num_units])
        self._bias = self.add_variable("bias", [self._num_units], initializer=zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        gate_inputs = matmul(concat([inputs, state], 1), self._kernel)
        output = self._activation(bias_add(gate_inputs, self._bias))
        return output, output


class GRUCell(LayerRNNCell):
    """The gated recurrent unit (Cho et al. 2014): reset and update gates ``gates/*``
    (bias starts at 1.0), the candidate ``candidate/*``;
    ``h' = u * h + (1 - u) * tanh(W [x, r * h] + b)``."""

    def __init__(
        self,
        num_units,
        activation=None,
        reuse=None,
        kernel_initializer=None,
        bias_initializer=None,
        name=None,
        dtype=None,
        **kwargs,
    ):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = activation or tanh
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        units = self._num_units
        self._gate_kernel = self.add_variable(
            "gates/kernel", [depth + units, 2 * units], initializer=self._kernel_initializer
        )
        self._gate_bias = self.add_variable(
            "gates/bias",
            [2 * units],
            initializer=self._bias_initializer or constant_initializer(1.0, dtype=self._dtype),
        )
        self._candidate_kernel = self.add_variable(
            "candidate/kernel", [depth + units, units], initializer=self._kernel_initializer
        )
        self._candidate_bias = self.add_variable(
            "candidate/bias", [units], initializer=self._bias_initializer or zeros_initializer()
        )
        self.built = True

    def call(self, inputs, state):
        gate_inputs = bias_add(
            matmul(concat([inputs, state], 1), self._gate_kernel), self._gate_bias
        )
        value = sigmoid(gate_inputs)
        r, u = split(value=value, num_or_size_splits=2, axis=1)
        r_state = r * state
        candidate = bias_add(
            matmul(concat([inputs, r_state], 1), self._candidate_kernel), self._candidate_bias
        )
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class BasicLSTMCell(LayerRNNCell):
    """The LSTM of Zaremba et al. 2014, no peepholes, no projection: one kernel
    ``[input + units, 4 * units]`` whose columns are the gates i, j, f, o.

    ``state_is_tuple=True`` (the default) keeps the state as ``LSTMStateTuple(c, h)``;
    ``False`` concatenates them (``[batch, 2 * units]``, TF's deprecated form).
    """

    def __init__(
        self,
        num_units,
        forget_bias=1.0,
        state_is_tuple=True,
        activation=None,
        reuse=None,
        name=None,
        dtype=None,
        **kwargs,
    ):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activation or tanh

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        units = self._num_units
        self._kernel = self.add_variable("kernel", [depth + units, 4 * units])
        self._bias = self.add_variable("bias", [4 * units], initializer=zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        one = constant(1, dtype=dtypes.int32)
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = split(value=state, num_or_size_splits=2, axis=one)
        gate_inputs = bias_add(matmul(concat([inputs, h], 1), self._kernel), self._bias)
        i, j, f, o = split(value=gate_inputs, num_or_size_splits=4, axis=one)
        forget_bias = constant(self._forget_bias, dtype=f.dtype)
        new_c = add(
            multiply(c, sigmoid(add(f, forget_bias))), multiply(sigmoid(i), self._activation(j))
        )
        new_h = multiply(self._activation(new_c), sigmoid(o))
        if self._state_is_tuple:
            return new_h, LSTMStateTuple(new_c, new_h)
        return new_h, concat([new_c, new_h], 1)


class LSTMCell(LayerRNNCell):
    """The full LSTM (Hochreiter & Schmidhuber 1997; peepholes of Gers & Schmidhuber 2000;
    projection of Sak et al. 2014): ``use_peepholes`` adds the diagonal weights
    ``w_f_diag``, ``w_i_diag``, ``w_o_diag``; ``cell_clip`` clips c; ``num_proj`` projects
    the output through ``projection/kernel`` (then clipped by ``proj_clip``)."""

    def __init__(
        self,
        num_units,
        use_peepholes=False,
        cell_clip=None,
        initializer=None,
        num_proj=None,
        proj_clip=None,
        num_unit_shards=None,
        num_proj_shards=None,
        forget_bias=1.0,
        state_is_tuple=True,
        activation=None,
        reuse=None,
        name=None,
        dtype=None,
        **kwargs,
    ):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        del num_unit_shards, num_proj_shards  # deprecated sharding: one partition here
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activation or tanh

    @property
    def state_size(self):
        m = self._num_proj or self._num_units
        if self._state_is_tuple:
            return LSTMStateTuple(self._num_units, m)
        return self._num_units + m

    output_size = property(lambda self: self._num_proj or self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        units, init = self._num_units, self._initializer
        h_depth = self._num_proj or units
        self._kernel = self.add_variable("kernel", [depth + h_depth, 4 * units], initializer=init)
        self._bias = self.add_variable("bias", [4 * units], initializer=zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self.add_variable("w_f_diag", [units], initializer=init)
            self._w_i_diag = self.add_variable("w_i_diag", [units], initializer=init)
            self._w_o_diag = self.add_variable("w_o_diag", [units], initializer=init)
        if self._num_proj is not None:
            self._proj_kernel = self.add_variable(
                "projection/kernel", [units, self._num_proj], initializer=init
            )
        self.built = True

    def call(self, inputs, state):
        units = self._num_units
        num_proj = self._num_proj or units
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = slice_op(state, [0, 0], [-1, units])
            m_prev = slice_op(state, [0, units], [-1, num_proj])
        lstm_matrix = bias_add(matmul(concat([inputs, m_prev], 1), self._kernel), self._bias)
        i, j, f, o = split(value=lstm_matrix, num_or_size_splits=4, axis=1)
        act = self._activation
        if self._use_peepholes:
            c = sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev + sigmoid(
                i + self._w_i_diag * c_prev
            ) * act(j)
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * act(j)
        if self._cell_clip is not None:
            c = clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + self._w_o_diag * c) * act(c)
        else:
            m = sigmoid(o) * act(c)
        if self._num_proj is not None:
            m = matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = clip_by_value(m, -self._proj_clip, self._proj_clip)
        if self._state_is_tuple:
            return m, LSTMStateTuple(c, m)
        return m, concat([c, m], 1)
