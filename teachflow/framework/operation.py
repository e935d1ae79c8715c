"""`Operation` (a node of the graph) and `Tensor` (one output of a node).

Nothing here computes a value: a Tensor is a symbolic handle, ``name`` ``"op:index"``;
its value exists only while a Session runs the graph.

    >>> import teachflow as tf
    >>> c = tf.constant([1.0, 2.0], name="c")
    >>> c.name, c.op.type, c.shape, c.dtype
    ('c:0', 'Const', TensorShape([Dimension(2)]), tf.float32)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from teachflow.framework.shapes import TensorShape, as_shape


@dataclass
class NodeDef:
    """The serialisable description of one node: what travels to other processes."""

    name: str
    op: str
    input: list = field(default_factory=list)
    device: str = ""
    attr: dict = field(default_factory=dict)

    def __str__(self):
        # TensorFlow's NodeDef message in protobuf text, as print(op.node_def) shows it.
        from teachflow.framework.codecs.graph_def import node_def_to_proto

        return str(node_def_to_proto(self))


class Tensor:
    """A symbolic handle to one output of an `Operation`."""

    # Make numpy defer to our operators: np.float32(2) * t -> t.__rmul__.
    __array_priority__ = 100
    __slots__ = ("_op", "_value_index", "_dtype", "_shape", "_consumers", "__weakref__")

    def __init__(self, op, value_index, dtype, shape):
        self._op = op
        self._value_index = value_index
        self._dtype = dtype
        self._shape = as_shape(shape)
        self._consumers = []

    op = property(lambda self: self._op)
    value_index = property(lambda self: self._value_index)
    dtype = property(lambda self: self._dtype)
    graph = property(lambda self: self._op._graph)
    device = property(lambda self: self._op.device)
    shape = property(lambda self: self._shape)

    @property
    def name(self) -> str:
        return f"{self._op.name}:{self._value_index}"

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape) -> None:
        self._shape = self._shape.merge_with(as_shape(shape))

    def consumers(self) -> list:
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        """The tensor's value, computed by ``session`` or the default session."""
        from teachflow.framework.graph import _eval_using_default_session

        return _eval_using_default_session(self, feed_dict, self.graph, session)

    def _as_node_def_input(self) -> str:
        return self._op.name if self._value_index == 0 else self.name

    def __repr__(self):
        return f"<tf.Tensor {self.name!r} shape={self._shape} dtype={self._dtype.name}>"

    def __str__(self):
        # TF1's: no shape when even the rank is unknown, the device when the op has one.
        shape = f", shape={self._shape}" if self._shape.ndims is not None else ""
        device = f", device={self._op.device}" if self._op.device else ""
        return f'Tensor("{self.name}"{shape}, dtype={self._dtype.name}{device})'

    # A Tensor is a graph handle: hash and compare by identity, as in TF1 graph mode.
    __hash__ = object.__hash__

    def __bool__(self):
        raise TypeError(
            "Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not None:` "
            "instead of `if t:` to test if a tensor is defined, and use TensorFlow ops such "
            "as tf.cond to execute subgraphs conditioned on the value of a tensor."
        )

    def __iter__(self):
        # TF1's graph mode: a symbolic tensor has no elements to loop over (tf.unstack or
        # tf.map_fn build the per-row ops).
        raise TypeError(
            "Tensor objects are only iterable when eager execution is enabled. To iterate "
            "over this tensor use tf.map_fn."
        )

    def __len__(self):
        raise TypeError(
            f"len is not well defined for symbolic Tensors. ({self.name}) "
            "Please call `x.shape` rather than `len(x)` for shape information."
        )

    # Operators (+, -, *, @, [] ...) are attached by teachflow.ops.math_ops and array_ops,
    # exactly as TensorFlow's math_ops overrides them on its Tensor class.
    @classmethod
    def _override_operator(cls, name, func):
        setattr(cls, name, func)


class Operation:
    """A node of a `Graph`: an op type, inputs, attributes, a device and outputs."""

    # The cond branch or loop it was built in (teachflow.ops.cond_context), if any.
    _control_flow_context = None

    def __init__(self, graph, op_type, name, inputs, attrs, control_inputs, op_def):
        self._graph = graph
        self._type = op_type
        self._name = name
        self._inputs = tuple(inputs)
        self._attrs = attrs
        self._control_inputs = list(control_inputs)
        self._device = ""
        self._op_def = op_def
        self._id = graph._next_id()
        self._control_outputs = []
        self._outputs = ()
        self._device_from_function = False
        for c in self._control_inputs:
            c._control_outputs.append(self)

    def _create_outputs(self, specs):
        self._outputs = tuple(Tensor(self, i, dt, shape) for i, (dt, shape) in enumerate(specs))
        for t in self._inputs:
            t._consumers.append(self)

    name = property(lambda self: self._name)
    type = property(lambda self: self._type)
    graph = property(lambda self: self._graph)
    inputs = property(lambda self: self._inputs)
    outputs = property(lambda self: list(self._outputs))
    device = property(lambda self: self._device)
    op_def = property(lambda self: self._op_def)

    @property
    def control_inputs(self) -> list:
        return list(self._control_inputs)

    @property
    def node_def(self) -> NodeDef:
        ins = [t._as_node_def_input() for t in self._inputs]
        # TF's GraphDef lists control inputs sorted by name (Graph::ToGraphDef).
        ins += sorted("^" + c.name for c in self._control_inputs)
        return NodeDef(self._name, self._type, ins, self._device, self._tf_attrs())

    def _tf_attrs(self) -> dict:
        # teachflow's ops keep the attrs their kernels read; TensorFlow's NodeDef also has
        # the type attrs that follow from the dtypes (Fill's ``T``) and every default.
        from teachflow.framework.codecs import op_defs

        return op_defs.tf_attr_values(
            self._type,
            self._attrs,
            [t.dtype for t in self._inputs],
            [t.dtype for t in self._outputs],
        )

    def values(self) -> tuple:
        return self._outputs

    def get_attr(self, name):
        try:
            return self._attrs[name]
        except KeyError:
            if name in (attrs := self._tf_attrs()):
                return attrs[name]
            raise ValueError(f"Operation '{self._name}' has no attr named '{name}'.") from None

    def _set_attr(self, name, value):
        self._attrs[name] = value

    def _set_device(self, device) -> None:
        # A DeviceSpec is printed canonically; a string (e.g. returned by a user's device
        # function) is recorded exactly as given, as TensorFlow records it.
        if device is None:
            self._device = ""
        elif isinstance(device, str):
            self._device = device
        else:
            self._device = device.to_string()

    def _add_control_input(self, op) -> None:
        if op not in self._control_inputs:
            self._control_inputs.append(op)
            op._control_outputs.append(self)
            self._graph._version += 1

    def _add_control_inputs(self, ops) -> None:
        have = set(self._control_inputs)  # one scan, not one per added op
        for op in ops:
            if op not in have:
                have.add(op)
                self._control_inputs.append(op)
                op._control_outputs.append(self)
                self._graph._version += 1

    def colocation_groups(self) -> list:
        groups = self._attrs.get("_class")
        if groups:
            return [g for g in groups if g.startswith(b"loc:@")]
        return [b"loc:@" + self._name.encode()]

    def run(self, feed_dict=None, session=None) -> None:
        """Run this op (and what it depends on) in ``session`` or the default session."""
        from teachflow.framework.graph import _run_using_default_session

        _run_using_default_session(self, feed_dict, self._graph, session)

    @property
    def _is_stateful(self) -> bool:
        return self._op_def.stateful

    def __repr__(self):
        return f"<tf.Operation '{self._name}' type={self._type}>"

    def __str__(self):
        # TensorFlow's NodeDef message in protobuf text (every attr, TF's types filled in).
        from teachflow.framework.codecs.graph_def import _op_to_proto

        return str(_op_to_proto(self))

    __hash__ = object.__hash__
