"""Ops on state: ``VariableV2`` and the ops that assign to a variable through its *ref*.

``VariableV2`` outputs a reference to storage held by the device's resource manager
(the variable's value outlives every step). ``Assign``/``AssignAdd``/``AssignSub`` take
that reference as their first input and change the stored value; any other op reading a
ref input gets the current value, or `FailedPreconditionError` if it was never assigned.
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.inference import fixed
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.variable_state import VariableState

__all__ = ["assign", "assign_add", "assign_sub", "count_up_to", "is_variable_initialized"]


def _infer_variable(op):
    return [(op._attrs["dtype"]._as_ref, op._attrs["shape"])]


def _variable_kernel(op, device):
    container = op._attrs.get("container", "")
    name = op._attrs.get("shared_name") or op.name
    dtype = op._attrs["dtype"]
    shape = op._attrs["shape"]
    resources = device.resources
    allocator = getattr(device, "allocator", None)

    def create():
        return VariableState(name, dtype, shape, allocator)

    def variable():
        return resources.lookup_or_create(container, name, create)

    return variable


registry.register("VariableV2", _infer_variable, _variable_kernel, stateful=True)


def _infer_assign(op):
    ref, value = op.inputs
    if not ref.dtype.is_ref_dtype:
        raise TypeError(
            f"'{op.type}' Op requires that input 'ref' be a mutable tensor (e.g.: a tf.Variable)"
        )
    if ref.dtype.base_dtype is not value.dtype.base_dtype:
        raise TypeError(
            f"Input 'value' of '{op.type}' Op has type {value.dtype.base_dtype.name} that does "
            f"not match type {ref.dtype.name} of argument 'ref'."
        )
    shape = ref.shape
    if op._attrs.get("validate_shape", True):
        from teachflow.ops.joining import merge_shapes

        # TF's message: "Dimension 0 in both shapes must be equal, but are 2 and 3. ..."
        shape = merge_shapes(ref.shape, value.shape)
    else:
        shape = value.shape
    return [(ref.dtype, shape)]


def _shape_list(a):
    return "[" + ",".join(str(d) for d in np.shape(a)) + "]"


def _assign_kernel(op, device):
    validate = op._attrs.get("validate_shape", True)
    # TF's variable holds a tensor of its declared shape even before its first assignment,
    # so an uninitialized variable is checked against that shape too.
    declared = op.inputs[0].shape
    declared = tuple(declared.as_list()) if declared.is_fully_defined() else None

    def assign(ref, value):
        lhs = np.shape(ref.value) if ref.value is not None else declared
        if validate and lhs is not None and lhs != np.shape(value):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Assign requires shapes of both tensors to match. lhs shape= "
                f"[{','.join(map(str, lhs))}] rhs shape= {_shape_list(value)}",
            )
        # In place, as TF1 does: reads of the variable taken earlier see the new value.
        ref.write(value)
        return ref

    return assign


def _update_kernel(fn):
    def make(op, device):
        locking = op._attrs.get("use_locking", False)

        def update(ref, value):
            current = ref.read()
            if np.shape(current) != np.shape(value) and np.shape(value) != ():
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Must have the same shape: lhs shape= {_shape_list(current)} "
                    f"rhs shape= {_shape_list(value)}",
                )
            if locking:
                with ref.lock:
                    ref.write(fn(ref.read(), value))
            else:
                ref.write(fn(current, value))
            return ref

        return update

    return make


registry.register(
    "Assign", _infer_assign, _assign_kernel, stateful=True, ref_inputs=(0,), not_differentiable=True
)
registry.register(
    "AssignAdd",
    _infer_assign,
    _update_kernel(lambda a, b: a + b),
    stateful=True,
    ref_inputs=(0,),
    not_differentiable=True,
)
registry.register(
    "AssignSub",
    _infer_assign,
    _update_kernel(lambda a, b: a - b),
    stateful=True,
    ref_inputs=(0,),
    not_differentiable=True,
)


def _is_initialized_kernel(op, device):
    return lambda ref: np.bool_(ref.value is not None)


registry.register(
    "IsVariableInitialized",
    fixed((dtypes.bool_, [])),
    _is_initialized_kernel,
    ref_inputs=(0,),
    not_differentiable=True,
)


def variable_op_v2(shape, dtype, name="Variable", container="", shared_name=""):
    from teachflow.framework.graph import get_default_graph

    return (
        get_default_graph()
        .create_op(
            "VariableV2",
            [],
            {
                "shape": TensorShape(shape),
                "dtype": dtypes.as_dtype(dtype).base_dtype,
                "container": container,
                "shared_name": shared_name,
            },
            name=name,
        )
        .outputs[0]
    )


def _ref_of(ref):
    if hasattr(ref, "_ref") and callable(ref._ref):
        return ref._ref()
    return ref


def _update(op_type, ref, value, use_locking, name, validate_shape=True):
    ref = _ref_of(ref)
    if use_locking is None:  # the op's default, as TF's wrapper leaves it: Assign locks
        use_locking = op_type == "Assign"
    attrs = {"use_locking": bool(use_locking), "T": ref.dtype.base_dtype}
    if op_type == "Assign":
        attrs["validate_shape"] = validate_shape
    # As TF's generated wrapper: a Python value becomes the constant ``AssignAdd/value``.
    with ref.graph.as_default(), name_scope(name, op_type, [ref, value]) as scope:
        value = convert_to_tensor(value, dtype=ref.dtype.base_dtype, name="value")
        return ref.graph.create_op(op_type, [ref, value], attrs, name=scope).outputs[0]


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """Store ``value`` in the variable ``ref``; the result is the variable (a ref)."""
    return _update(
        "Assign", ref, value, use_locking, name, True if validate_shape is None else validate_shape
    )


def assign_add(ref, value, use_locking=None, name=None):
    return _update("AssignAdd", ref, value, use_locking, name)


def assign_sub(ref, value, use_locking=None, name=None):
    return _update("AssignSub", ref, value, use_locking, name)


def is_variable_initialized(variable):
    ref = _ref_of(variable)
    return ref.graph.create_op(
        "IsVariableInitialized", [ref], {}, name="IsVariableInitialized"
    ).outputs[0]


# -- CountUpTo: increment a counter variable, OutOfRangeError once it reaches the limit ----
def _count_up_to_kernel(op, device):
    limit = op._attrs["limit"]

    def count(ref):
        # The check and the increment must be one step: several threads share the counter.
        with ref.lock:
            value = ref.read()
            if value >= limit:
                raise errors.OutOfRangeError(None, None, f"Reached limit of {limit}")
            ref.assign(np.asarray(value + 1, dtype=value.dtype))
        return value

    return count


registry.register(
    "CountUpTo",
    lambda op: [(op.inputs[0].dtype.base_dtype, op.inputs[0].shape)],
    _count_up_to_kernel,
    stateful=True,
    ref_inputs=(0,),
    not_differentiable=True,
)


def count_up_to(ref, limit, name=None):
    """The counter's value before it is incremented; ``OutOfRangeError`` once it has
    reached ``limit`` (int32 or int64 variables).

    >>> import teachflow as tf
    >>> c = tf.Variable(0, name="c")
    >>> step = tf.count_up_to(c, 2)
    >>> with tf.Session() as sess:
    ...     sess.run(c.initializer)
    ...     print(sess.run(step), sess.run(step))
    0 1
    """
    ref = _ref_of(ref)
    dtype = ref.dtype.base_dtype
    if dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(
            f"Value passed to parameter 'ref' has DataType {dtype.name} not in list of "
            "allowed values: int32, int64"
        )
    return ref.graph.create_op(
        "CountUpTo", [ref], {"limit": int(limit), "T": dtype}, name=name or "CountUpTo"
    ).outputs[0]
