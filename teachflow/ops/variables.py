"""``tf.Variable``: a named piece of state, its initializer, and how to read it.

Creating ``tf.Variable(0.0)`` adds four ops, as in TensorFlow 1.x: ``Variable/initial_value``
(the value), ``Variable`` (the VariableV2 op holding the state), ``Variable/Assign`` (its
initializer) and ``Variable/read`` (the snapshot other ops read).

    >>> import teachflow as tf
    >>> v = tf.Variable(3.0, name="v")
    >>> with tf.Session() as sess:
    ...     sess.run(v.initializer)
    ...     print(sess.run(v.assign_add(1.0)))
    4.0
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor, register_tensor_conversion_function
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import control_dependencies, init_scope, name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops import state_ops
from teachflow.ops.initial_value_guard import guard_against_uninitialized_dependencies

__all__ = [
    "Variable",
    "global_variables",
    "all_variables",
    "local_variables",
    "trainable_variables",
    "model_variables",
    "moving_average_variables",
    "global_variables_initializer",
    "initialize_all_variables",
    "initialize_local_variables",
    "initialize_variables",
    "local_variables_initializer",
    "variables_initializer",
    "is_variable_initialized",
    "report_uninitialized_variables",
    "assert_variables_initialized",
]


class Variable:
    """A TF1 (ref) variable. Its value lives in the session's (or server's) resources."""

    def __init__(
        self,
        initial_value=None,
        trainable=True,
        collections=None,
        validate_shape=True,
        caching_device=None,
        name=None,
        variable_def=None,
        dtype=None,
        expected_shape=None,
        import_scope=None,
        constraint=None,
        use_resource=None,
        synchronization=None,
        aggregation=None,
        shape=None,
    ):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        graph = get_default_graph()
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if not isinstance(collections, (list, tuple, set)):
            raise ValueError(
                f"collections argument to Variable constructor must be a list, tuple, or set. "
                f"Got {collections} of type {type(collections)}"
            )
        collections = list(collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        self._trainable = trainable
        self._constraint = constraint
        init_from_fn = callable(initial_value)
        # Like TF's init_scope: a variable never inherits the control deps around it.
        with control_dependencies(None):
            with name_scope(name, "Variable", [] if init_from_fn else [initial_value]) as scope:
                if init_from_fn:
                    first_new = len(graph._ops)
                    with name_scope("Initializer"), graph.device(None):
                        init = convert_to_tensor(initial_value(), name="initial_value", dtype=dtype)

                else:
                    init = convert_to_tensor(initial_value, name="initial_value", dtype=dtype)
                    if init.op._control_flow_context is not None:
                        raise ValueError(
                            f"Initializer for variable {scope} is from inside a control-flow "
                            "construct, such as a loop or conditional. When creating a "
                            "variable inside a loop or conditional, use a lambda as the "
                            "initializer."
                        )
                if isinstance(init, Tensor) and init.dtype.is_ref_dtype:
                    init = init.graph.create_op(
                        "Identity", [init], {}, name="initial_value"
                    ).outputs[0]
                var_shape = init.shape if validate_shape else TensorShape(None)
                if shape is not None:
                    var_shape = TensorShape(shape)
                self._variable = state_ops.variable_op_v2(
                    var_shape if var_shape.ndims is not None else TensorShape(None),
                    init.dtype.base_dtype,
                    name=scope,
                )
                if init_from_fn:
                    # TF colocates an initializer function's ops and the variable's own
                    # with the variable (an attr scope setting `_class`), so they run where
                    # the variable lives; the guard's ops, made after the scope, are not.
                    # An enclosing colocate_with (a slot next to its variable) wins.
                    loc = [b"loc:@" + scope[:-1].encode()]
                    for op in graph._ops[first_new:]:
                        op._attrs.setdefault("_class", loc)
                self._initial_value = init
                # Reads of other variables in the initial value go through their
                # initialized values, so the initializers may run in any order.
                self._initializer_op = state_ops.assign(
                    self._variable,
                    guard_against_uninitialized_dependencies(scope, init),
                    validate_shape=validate_shape,
                ).op
                if caching_device is not None:
                    with graph.device(caching_device):
                        self._snapshot = _identity(self._variable, "read")
                else:
                    with graph.colocate_with(self._variable.op):
                        self._snapshot = _identity(self._variable, "read")
        graph.add_to_collections(collections, self)

    # -- what a variable is ----------------------------------------------------------------
    name = property(lambda self: self._variable.name)
    op = property(lambda self: self._variable.op)
    dtype = property(lambda self: self._variable.dtype)
    graph = property(lambda self: self._variable.graph)
    device = property(lambda self: self._variable.device)
    initializer = property(lambda self: self._initializer_op)
    initial_value = property(lambda self: self._initial_value)
    trainable = property(lambda self: self._trainable)
    constraint = property(lambda self: self._constraint)

    @property
    def shape(self) -> TensorShape:
        return self._variable.shape

    def get_shape(self) -> TensorShape:
        return self._variable.shape

    def _ref(self) -> Tensor:
        return self._variable

    def _as_graph_element(self):
        return self._variable

    def value(self) -> Tensor:
        return self._snapshot

    def read_value(self) -> Tensor:
        return _identity(self._variable, "read")

    def initialized_value(self) -> Tensor:
        """The variable's value, or its initial value if it is not initialized yet.

        As in TensorFlow, a ``tf.cond`` on ``is_variable_initialized`` (``cond/Merge``),
        made outside any control flow or control dependencies around the call:

        >>> import teachflow as tf
        >>> w1 = tf.Variable([1.0, 2.0], name="w1")
        >>> w2 = tf.Variable(w1.initialized_value() * 2.0, name="w2")
        >>> w1.initialized_value().name
        'cond_1/Merge:0'
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(w2))
        [2. 4.]
        """
        from teachflow.ops.control_flow_cond import cond

        with self.graph.as_default(), init_scope():
            return cond(
                state_ops.is_variable_initialized(self),
                self.read_value,
                lambda: self._initial_value,
            )

    def to_proto(self, export_scope=None):
        """The variable as TensorFlow's ``VariableDef`` (the names of its ops, what a
        MetaGraphDef's ``variables`` collection holds); None outside ``export_scope``."""
        from teachflow.proto import messages

        def name(n):
            if export_scope is None:
                return n
            return n[len(export_scope) + 1 :] if n.startswith(export_scope + "/") else None

        if export_scope is not None and not self._variable.name.startswith(export_scope + "/"):
            return None
        return messages.VariableDef(
            variable_name=name(self._variable.name),
            initializer_name=name(self.initializer.name),
            snapshot_name=name(self._snapshot.name),
            initial_value_name=name(self.initial_value.name),
            trainable=bool(self.trainable),
            is_resource=self._variable.dtype.base_dtype.name == "resource",
        )

    def eval(self, session=None):
        return self._variable.eval(session=session)

    def load(self, value, session=None):
        """Assign ``value`` by feeding the initializer (no new ops), as TF does."""
        from teachflow.framework.graph import get_default_session

        session = session or get_default_session()
        if session is None:
            raise ValueError(
                "Either session argument should be provided or default session should be established"
            )
        session.run(self._initializer_op, {self._initializer_op.inputs[1]: value})

    # -- updates -----------------------------------------------------------------------------
    def assign(self, value, use_locking=False, name=None, read_value=True):
        t = state_ops.assign(self._variable, value, use_locking=use_locking, name=name)
        return t if read_value else t.op

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        t = state_ops.assign_add(self._variable, delta, use_locking=use_locking, name=name)
        return t if read_value else t.op

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        t = state_ops.assign_sub(self._variable, delta, use_locking=use_locking, name=name)
        return t if read_value else t.op

    def count_up_to(self, limit):
        """Increment the variable until it reaches ``limit`` (see `tf.count_up_to`)."""
        return state_ops.count_up_to(self._variable, limit)

    def set_shape(self, shape):
        self._variable.set_shape(shape)
        self._snapshot.set_shape(shape)

    def __repr__(self):
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    __hash__ = object.__hash__

    def __iter__(self):
        raise TypeError("'Variable' object is not iterable.")


def _identity(t, name):
    return t.graph.create_op("Identity", [t], {"T": t.dtype.base_dtype}, name=name).outputs[0]


# A variable used where a tensor is expected reads its snapshot, as TF's RefVariable does.
def _variable_conversion(v, dtype=None, name=None, as_ref=False):
    if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(v.dtype):
        raise ValueError(
            f"Incompatible type conversion requested to type '{dtypes.as_dtype(dtype).name}' "
            f"for variable of type '{v.dtype.name}'"
        )
    return v._ref() if as_ref else v.value()


register_tensor_conversion_function(Variable, _variable_conversion, priority=10)

_OPERATORS = (
    "__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ "
    "__floordiv__ __rfloordiv__ __mod__ __rmod__ __pow__ __rpow__ __matmul__ __rmatmul__ "
    "__neg__ __abs__ __lt__ __le__ __gt__ __ge__ __and__ __rand__ __or__ __ror__ __xor__ "
    "__rxor__ __invert__ __getitem__"
).split()


def _forward_operator(name):
    def operator(self, *args):
        return getattr(Tensor, name)(self.value(), *args)

    operator.__name__ = name
    return operator


for _name in _OPERATORS:
    setattr(Variable, _name, _forward_operator(_name))


def _variable_getitem(self, slice_spec):
    # v[...] is assignable: v[0].assign(x) (teachflow.ops.slice_assign).
    from teachflow.ops import slice_assign

    return slice_assign.variable_getitem(self, slice_spec)


Variable.__getitem__ = _variable_getitem


# -- collections and initializers ------------------------------------------------------
def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None):
    """The variables an ExponentialMovingAverage keeps shadows of."""
    return get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """One op that runs the initializers of ``var_list``."""
    from teachflow.ops.control_flow_ops import group, no_op

    if var_list:
        return group(*[v.initializer for v in var_list], name=name)
    return no_op(name=name)


def global_variables_initializer():
    return variables_initializer(global_variables())


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init")


# TF 1.0's names, still in tf.compat.v1 (deprecated there).
initialize_local_variables = local_variables_initializer
initialize_variables = variables_initializer


def is_variable_initialized(variable):
    return state_ops.is_variable_initialized(variable)


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A string tensor naming the variables of ``var_list`` that are not initialized.

    As in TensorFlow, each variable is checked by an ``IsVariableInitialized`` op that lives
    with it (on its own task in a cluster), so only booleans travel, never the variables.
    """
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.constant_op import constant

    if var_list is None:
        var_list = global_variables() + local_variables()
    with name_scope(name):
        if not var_list:
            return constant([], dtype=dtypes.string)
        initialized = [state_ops.is_variable_initialized(v) for v in var_list]
        uninitialized = math_ops.logical_not(array_ops.stack(initialized))
        names = constant([v.op.name for v in var_list])
        return array_ops.boolean_mask(names, uninitialized)


def assert_variables_initialized(var_list=None):
    """TF1's check that the variables hold values: the rank of each (a ``Rank`` op on its
    read, colocated with it, stacked), which fails with ``Attempting to use uninitialized
    value`` while one does not; None when there are no variables.

        >>> import teachflow as tf
        >>> v = tf.Variable([1.0, 2.0])
        >>> check = tf.assert_variables_initialized([v])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(check))
        1
    """
    from teachflow.framework.scopes import colocate_with
    from teachflow.ops import array_ops

    if var_list is None:
        var_list = global_variables() + local_variables()
    if not var_list:
        return None
    ranks = []
    for v in var_list:
        with colocate_with(v.op):
            value = v.value() if isinstance(v, Variable) else v
            ranks.append(v.graph.create_op("Rank", [value], {"T": value.dtype}, name="Rank")
                         .outputs[0])  # fmt: skip
    return ranks[0] if len(ranks) == 1 else array_ops.stack(ranks)
