"""Resource variables: the ops TensorFlow 2's ``tf.compat.v1`` graphs use for variables.

TF1 variables (``VariableV2``) output a *reference*; TensorFlow 2 (and ``tf.compat.v1``
unless ``disable_resource_variables()`` is called) makes *resource* variables instead.
``VarHandleOp`` outputs a handle (dtype ``resource``) naming the variable's state in the
device's resource manager; ``ReadVariableOp`` reads the value through it, and
``AssignVariableOp``/``AssignAddVariableOp``/``AssignSubVariableOp`` write it (they have no
outputs: an explicit read afterwards is a new op, which is what makes resource variables'
reads well ordered). teachflow keeps the same state record as for ref variables
(`VariableState`), so both kinds live side by side in one resource manager.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> from teachflow.ops import resource_variable_ops as rv
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     h = rv.var_handle_op(tf.float32, [2], shared_name="v", name="v")
    ...     init = rv.assign_variable_op(h, tf.constant([1.0, 2.0]))
    ...     add = rv.assign_add_variable_op(h, tf.constant([10.0, 10.0]))
    ...     read = rv.read_variable_op(h, tf.float32)
    >>> with tf.Session(graph=g) as sess:
    ...     sess.run(init)
    ...     sess.run(add)
    ...     print(sess.run(read))
    [11. 12.]

These graphs usually arrive from TensorFlow (``tf.import_graph_def`` of a GraphDef TF
wrote); the builder functions mirror ``tf.raw_ops`` for tests and lessons.
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.inference import fixed
from teachflow.framework.shapes import TensorShape
from teachflow.ops.variable_state import VariableState

__all__ = [
    "var_handle_op",
    "read_variable_op",
    "assign_variable_op",
    "assign_add_variable_op",
    "assign_sub_variable_op",
    "var_is_initialized_op",
]


def _declared_shape(handle) -> TensorShape:
    """The variable's shape, known when the handle comes straight from a VarHandleOp."""
    producer = handle.op
    if producer.type == "VarHandleOp":
        return TensorShape(producer._attrs.get("shape"))
    return TensorShape(None)


def _check_handle(op, i=0):
    t = op.inputs[i]
    if t.dtype is not dtypes.resource:
        raise TypeError(
            f"Input 'resource' of '{op.type}' Op has type {t.dtype.name} that does not match "
            "expected type of resource."
        )


# -- VarHandleOp -------------------------------------------------------------------------
def _var_handle_kernel(op, device):
    container = op._attrs.get("container", "") or ""
    name = op._attrs.get("shared_name") or op.name
    dtype = dtypes.as_dtype(op._attrs["dtype"])
    shape = TensorShape(op._attrs.get("shape"))
    resources = device.resources
    allocator = getattr(device, "allocator", None)

    def create():
        return VariableState(name, dtype, shape, allocator)

    def handle():
        return resources.lookup_or_create(container, name, create)

    return handle


registry.register("VarHandleOp", fixed((dtypes.resource, [])), _var_handle_kernel, stateful=True)


# -- reading -----------------------------------------------------------------------------
def _uninitialized(state):
    # TF's words (graph mode): the variable is looked up in container "localhost".
    return errors.FailedPreconditionError(
        None,
        None,
        f"Could not find variable {state.name}. This could mean that the variable has been "
        "deleted. In TF1, it can also mean the variable is uninitialized. Debug info: "
        f"container=localhost, status error message=Container localhost does not exist. "
        f"(Could not find resource: localhost/{state.name})",
    )


def _read(state, dtype):
    value = state.value
    if value is None:
        raise _uninitialized(state)
    if state.dtype.base_dtype is not dtype:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Trying to read variable {state.name} from Container: localhost with wrong "
            f"dtype. Expected {state.dtype.base_dtype.name} got {dtype.name}",
        )
    return value


def _infer_read(op):
    _check_handle(op)
    return [(dtypes.as_dtype(op._attrs["dtype"]), _declared_shape(op.inputs[0]))]


def _read_kernel(op, device):
    dtype = dtypes.as_dtype(op._attrs["dtype"])
    return lambda state: _read(state, dtype)


def _read_grad(op, grad):
    return [grad]  # the gradient of a read flows to the variable (its handle) unchanged


registry.register("ReadVariableOp", _infer_read, _read_kernel, grad=_read_grad, stateful=True)


def _is_initialized_kernel(op, device):
    return lambda state: np.bool_(state.value is not None)


def _infer_is_initialized(op):
    _check_handle(op)
    return [(dtypes.bool_, [])]


registry.register(
    "VarIsInitializedOp",
    _infer_is_initialized,
    _is_initialized_kernel,
    stateful=True,
    not_differentiable=True,
)


# -- writing -----------------------------------------------------------------------------
def _shape_text(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def _infer_write(op):
    _check_handle(op)
    declared = _declared_shape(op.inputs[0])
    value = op.inputs[1].shape
    if op.type != "AssignVariableOp" or op._attrs.get("validate_shape", False):
        if not declared.is_compatible_with(value):
            raise ValueError(
                f"Shapes must be equal rank, but are {declared.ndims} and {value.ndims}"
                if declared.ndims != value.ndims
                else f"Dimension mismatch: shapes must be equal but are {declared} and {value}"
            )
    return []


def _assign_kernel(op, device):
    def assign(state, value):
        if state.dtype.base_dtype is not op.inputs[1].dtype.base_dtype:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Trying to assign variable with wrong dtype. Expected "
                f"{state.dtype.base_dtype.name} got {op.inputs[1].dtype.base_dtype.name}",
            )
        state.assign(value)

    return assign


def _update_kernel(fn):
    def make(op, device):
        def update(state, value):
            with state.lock:
                current = _read(state, op.inputs[1].dtype.base_dtype)
                if np.shape(current) != np.shape(value):
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"Cannot update variable with shape {_shape_text(np.shape(current))} "
                        f"using a Tensor with shape {_shape_text(np.shape(value))}, shapes "
                        "must be equal.",
                    )
                state.assign(fn(current, value))

        return update

    return make


_WRITE = dict(stateful=True, not_differentiable=True)
registry.register("AssignVariableOp", _infer_write, _assign_kernel, **_WRITE)
registry.register("AssignAddVariableOp", _infer_write, _update_kernel(lambda a, b: a + b), **_WRITE)
registry.register("AssignSubVariableOp", _infer_write, _update_kernel(lambda a, b: a - b), **_WRITE)


# -- ResourceGather: an embedding lookup straight from the variable ------------------------
def _infer_gather(op):
    _check_handle(op)
    params = _declared_shape(op.inputs[0])
    indices = op.inputs[1].shape
    if params.ndims is None or indices.ndims is None:
        shape = TensorShape(None)
    else:
        shape = TensorShape(indices.as_list() + params.as_list()[1:])
    return [(dtypes.as_dtype(op._attrs["dtype"]), shape)]


def _gather_kernel(op, device):
    dtype = dtypes.as_dtype(op._attrs["dtype"])
    xp = device.xp
    return lambda state, indices: xp.take(_read(state, dtype), indices, axis=0)


registry.register("ResourceGather", _infer_gather, _gather_kernel, stateful=True)


# -- builders (tf.raw_ops spellings) -------------------------------------------------------
def var_handle_op(dtype, shape, container="", shared_name="", name=None):
    """A handle to the resource variable ``shared_name`` (``tf.raw_ops.VarHandleOp``)."""
    attrs = {
        "dtype": dtypes.as_dtype(dtype),
        "shape": TensorShape(shape),
        "container": container,
        "shared_name": shared_name,
    }
    return get_default_graph().create_op("VarHandleOp", [], attrs, name or "VarHandleOp").outputs[0]


def read_variable_op(resource, dtype, name=None):
    attrs = {"dtype": dtypes.as_dtype(dtype)}
    op = get_default_graph().create_op(
        "ReadVariableOp", [resource], attrs, name or "ReadVariableOp"
    )
    return op.outputs[0]


def _write(op_type, resource, value, name, **attrs):
    value = convert_to_tensor(value)
    attrs = {"dtype": value.dtype.base_dtype, **attrs}
    return get_default_graph().create_op(op_type, [resource, value], attrs, name or op_type)


def assign_variable_op(resource, value, validate_shape=False, name=None):
    return _write("AssignVariableOp", resource, value, name, validate_shape=validate_shape)


def assign_add_variable_op(resource, value, name=None):
    return _write("AssignAddVariableOp", resource, value, name)


def assign_sub_variable_op(resource, value, name=None):
    return _write("AssignSubVariableOp", resource, value, name)


def var_is_initialized_op(resource, name=None):
    op = get_default_graph().create_op(
        "VarIsInitializedOp", [resource], {}, name or "VarIsInitializedOp"
    )
    return op.outputs[0]
