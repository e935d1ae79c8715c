"""``tf.TensorArray``: a list of tensors that a while loop reads and writes, TF1's V3 ops.

A TensorArray is a resource made by ``TensorArrayV3`` each step (``handle``) and a float
scalar ``flow`` that orders its uses: every write returns a new flow, and a read takes the
flow of the writes it must see. A loop carries the flow as a loop variable, so ``map_fn``'s
writes in iteration ``k`` happen before the reads after the loop. Each element is written
once and (by default) read once, as in TF.

    >>> import teachflow as tf
    >>> ta = tf.TensorArray(tf.float32, size=3)
    >>> ta = ta.unstack([1.0, 2.0, 3.0])
    >>> with tf.Session() as sess:
    ...     print(sess.run(ta.read(2)), sess.run(ta.stack() * 2.0))
    3.0 [2. 4. 6.]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import colocate_with, name_scope
from teachflow.framework.shapes import TensorShape

__all__ = ["TensorArray"]


class TensorArrayState:
    """The elements of one TensorArray in one step (what a ``TensorArrayV3`` made)."""

    __slots__ = (
        "name",
        "dtype",
        "size",
        "dynamic_size",
        "clear_after_read",
        "element_shape",
        "elements",
        "cleared",
        "shapes",
        "aggregate",
        "grads",
    )

    def __init__(self, name, dtype, size, dynamic_size, clear_after_read, element_shape):
        self.name = name
        self.dtype = dtype
        self.size = size
        self.dynamic_size = dynamic_size
        self.clear_after_read = clear_after_read
        self.element_shape = element_shape  # a TensorShape, refined by the first write
        self.elements = [None] * size  # None where nothing was written (or read and cleared)
        self.cleared = set()
        self.shapes = {}  # index -> shape written there (a gradient array's zeros use it)
        self.aggregate = False  # a gradient array sums the writes to one index
        self.grads = {}  # gradient source ("gradients") -> its gradient array

    def grad_array(self, source):
        """The gradient array of this one for ``source`` (TF's ``TensorArrayGradV3``):
        made once, of this array's size; writes to one index add up, an index never
        written reads as zeros of the shape written here."""
        g = self.grads.get(source)
        if g is None:
            g = TensorArrayState(
                f"{self.name}@{source}",
                self.dtype,
                len(self.elements),
                False,
                True,
                self.element_shape,
            )
            g.aggregate = True
            g.shapes = dict(self.shapes)
            self.grads[source] = g
        return g

    def _fail(self, message):
        return errors.InvalidArgumentError(None, None, f"TensorArray {self.name}: {message}")

    def write(self, index, value):
        index = int(index)
        if index < 0:
            raise self._fail(f"Tried to write to index {index} but array index must be >= 0.")
        if index >= len(self.elements):
            if not self.dynamic_size:
                raise self._fail(
                    f"Tried to write to index {index} but array is not resizeable and size "
                    f"is: {len(self.elements)}"
                )
            self.elements.extend([None] * (index + 1 - len(self.elements)))
        if self.elements[index] is not None and self.aggregate:
            self.elements[index] = self.elements[index] + np.asarray(
                value, self.dtype.as_numpy_dtype
            )
            return
        if self.elements[index] is not None:
            raise self._fail(
                f"Could not write to TensorArray index {index} because it has already been "
                "written to."
            )
        value = np.asarray(value, dtype=self.dtype.as_numpy_dtype)
        if not self.element_shape.is_compatible_with(value.shape):
            raise self._fail(
                f"Could not write to TensorArray index {index} because the value shape is "
                f"{TensorShape(value.shape)} which is incompatible with the TensorArray's "
                f"inferred element shape: {self.element_shape} (consider setting "
                "infer_shape=False)."
            )
        self.element_shape = self.element_shape.merge_with(value.shape)
        self.elements[index] = value
        self.shapes[index] = value.shape

    def read(self, index):
        index = int(index)
        if index < 0 or index >= len(self.elements):
            raise self._fail(
                f"Tried to read from index {index} but array size is: {len(self.elements)}"
            )
        value = self.elements[index]
        if value is None and index in self.cleared:
            raise self._fail(
                f"Could not read index {index} twice because it was cleared after a previous "
                "read (perhaps try setting clear_after_read = false?)."
            )
        if value is None and self.aggregate and index in self.shapes:
            return np.zeros(self.shapes[index], self.dtype.as_numpy_dtype)
        if value is None:
            # An element never written reads as zeros when its shape is known (TF's Read).
            if self.element_shape.is_fully_defined():
                return np.zeros(self.element_shape.as_list(), self.dtype.as_numpy_dtype)
            raise self._fail(
                f"Could not read from TensorArray index {index} because it has not yet been "
                "written to."
            )
        if self.clear_after_read:
            self.elements[index] = None
            self.cleared.add(index)
        return value


# -- the ops -------------------------------------------------------------------------------
_FLOW = (dtypes.float32, TensorShape([]))


def _infer_tensor_array(op):
    return [(dtypes.resource, TensorShape([2])), _FLOW]


def _tensor_array_kernel(op, device):
    a = op._attrs
    dtype = dtypes.as_dtype(a["dtype"])
    name = a.get("tensor_array_name") or op.name
    name = name.decode() if isinstance(name, bytes) else name

    element_shape = TensorShape(a.get("element_shape"))

    def make(size):
        state = TensorArrayState(
            name,
            dtype,
            int(size),
            bool(a.get("dynamic_size")),
            a.get("clear_after_read", True),
            element_shape,
        )
        return state, np.float32(0.0)

    return make


def _write_kernel(op, device):
    def write(handle, index, value, flow_in):
        handle.write(index, value)
        return np.float32(0.0)

    return write


def _read_kernel(op, device):
    return lambda handle, index, flow_in: handle.read(index)


def _scatter_kernel(op, device):
    def scatter(handle, indices, value, flow_in):
        value = np.asarray(value)
        for k, i in enumerate(np.asarray(indices).reshape(-1)):
            handle.write(i, value[k])
        return np.float32(0.0)

    return scatter


def _gather_kernel(op, device):
    element_shape = TensorShape(op._attrs.get("element_shape"))

    def gather(handle, indices, flow_in):
        indices = np.asarray(indices).reshape(-1)
        values = [handle.read(i) for i in indices]
        if not values:
            shape = element_shape.as_list() if element_shape.is_fully_defined() else [0]
            return np.zeros([0, *shape], handle.dtype.as_numpy_dtype)
        return np.stack(values)

    return gather


def _size_kernel(op, device):
    return lambda handle, flow_in: np.int32(len(handle.elements))


def _close_kernel(op, device):
    return lambda handle: None


def _infer_read(op):
    return [(dtypes.as_dtype(op._attrs["dtype"]), TensorShape(op._attrs.get("element_shape")))]


def _infer_gather(op):
    element = TensorShape(op._attrs.get("element_shape"))
    n = op.inputs[1].shape.num_elements() if op.inputs[1].shape.ndims == 1 else None
    shape = TensorShape([n]).concatenate(element) if element.ndims is not None else None
    return [(dtypes.as_dtype(op._attrs["dtype"]), TensorShape(shape))]


registry.register("TensorArrayV3", _infer_tensor_array, _tensor_array_kernel, stateful=True)
registry.register("TensorArrayWriteV3", lambda op: [_FLOW], _write_kernel, stateful=True)
registry.register("TensorArrayReadV3", _infer_read, _read_kernel, stateful=True)
registry.register("TensorArrayScatterV3", lambda op: [_FLOW], _scatter_kernel, stateful=True)
registry.register("TensorArrayGatherV3", _infer_gather, _gather_kernel, stateful=True)
registry.register(
    "TensorArraySizeV3",
    lambda op: [(dtypes.int32, TensorShape([]))],
    _size_kernel,
    stateful=True,
)
registry.register("TensorArrayCloseV3", lambda op: [], _close_kernel, stateful=True)
for _type in (
    "TensorArrayV3",
    "TensorArrayWriteV3",
    "TensorArrayReadV3",
    "TensorArrayScatterV3",
    "TensorArrayGatherV3",
    "TensorArraySizeV3",
    "TensorArrayCloseV3",
):
    # (Reads, writes, gathers and scatters get their gradients in tensor_array_grad.py.)
    if _type in ("TensorArrayV3", "TensorArraySizeV3", "TensorArrayCloseV3"):
        registry.NotDifferentiable(_type)


def _grad_kernel(op, device):
    source = op._attrs["source"]
    source = source.decode() if isinstance(source, bytes) else source
    return lambda handle, flow_in: (handle.grad_array(source), np.float32(0.0))


registry.register(
    "TensorArrayGradV3",
    lambda op: [(dtypes.resource, TensorShape([2])), _FLOW],
    _grad_kernel,
    stateful=True,
    not_differentiable=True,
)


# -- the Python object -------------------------------------------------------------------
class TensorArray:
    """TF1's graph TensorArray: ``read``, ``write``, ``unstack``, ``stack``, ``gather``,
    ``scatter``, ``size``, ``close``; each write returns a new TensorArray (a new flow).

    >>> import teachflow as tf
    >>> ta = tf.TensorArray(tf.int32, size=2).write(0, 5).write(1, 7)
    >>> with tf.Session() as sess:
    ...     print(sess.run(ta.stack()))
    [5 7]
    """

    def __init__(
        self,
        dtype,
        size=None,
        dynamic_size=None,
        clear_after_read=None,
        tensor_array_name=None,
        handle=None,
        flow=None,
        infer_shape=True,
        element_shape=None,
        colocate_with_first_write_call=True,
        name=None,
    ):
        del colocate_with_first_write_call  # one device per array here
        self._dtype = dtypes.as_dtype(dtype).base_dtype
        self._dynamic_size = bool(dynamic_size)
        self._infer_shape = infer_shape
        # One cell shared by every TensorArray of the same array (each write, a while loop's
        # copies, the gradient array), as TF's: a write inside a loop body refines the shape
        # the array has after the loop, so map_fn's result keeps its element shape.
        self._shape_cell = [TensorShape(element_shape)]
        if handle is not None:
            if flow is None:
                raise ValueError("flow must not be None if handle is not None.")
            self._handle, self._flow, self._size = handle, flow, size
            return
        if size is None:
            raise ValueError("Size must be provided if handle is not provided")
        with name_scope(name, "TensorArray", []) as scope:
            size_t = convert_to_tensor(size, dtype=dtypes.int32, name="size")
            attrs = {
                "dtype": self._dtype,
                "element_shape": self.element_shape,
                "identical_element_shapes": bool(infer_shape),
                "dynamic_size": self._dynamic_size,
                "clear_after_read": True if clear_after_read is None else bool(clear_after_read),
                "tensor_array_name": tensor_array_name or "",
            }
            op = get_default_graph().create_op("TensorArrayV3", [size_t], attrs, name=scope)
        self._handle, self._flow = op.outputs
        self._size = size

    handle = property(lambda self: self._handle)
    flow = property(lambda self: self._flow)
    dtype = property(lambda self: self._dtype)
    element_shape = property(lambda self: self._shape_cell[0])
    dynamic_size = property(lambda self: self._dynamic_size)

    def _with_flow(self, flow):
        ta = TensorArray(
            self._dtype,
            size=self._size,
            dynamic_size=self._dynamic_size,
            handle=self._handle,
            flow=flow,
            infer_shape=self._infer_shape,
        )
        ta._shape_cell = self._shape_cell
        return ta

    def _create(self, op_type, inputs, attrs, name):
        return get_default_graph().create_op(op_type, inputs, attrs, name=name)

    def identity(self):
        from teachflow.ops.identity_ops import identity

        return self._with_flow(identity(self._flow))

    def read(self, index, name=None):
        attrs = {"dtype": self._dtype, "element_shape": self.element_shape}
        with name_scope(name, "TensorArrayReadV3") as scope:
            index = convert_to_tensor(index, dtype=dtypes.int32, name="index")
            op = self._create("TensorArrayReadV3", [self._handle, index, self._flow], attrs, scope)
        return op.outputs[0]

    def write(self, index, value, name=None):
        with name_scope(name, "TensorArrayWrite", [self._handle, index, value]):
            value = convert_to_tensor(value, dtype=self._dtype, name="value")
            self._merge_element_shape(value.shape)
            with name_scope(None, "TensorArrayWriteV3") as scope:
                index = convert_to_tensor(index, dtype=dtypes.int32, name="index")
                op = self._create(
                    "TensorArrayWriteV3",
                    [self._handle, index, value, self._flow],
                    {"T": self._dtype},
                    scope,
                )
            return self._with_flow(op.outputs[0])

    def _merge_element_shape(self, shape):
        if self._infer_shape:
            self._shape_cell[0] = self.element_shape.merge_with(shape)

    def unstack(self, value, name=None):
        from teachflow.ops.filling import range as range_op
        from teachflow.ops.shape_ops import shape

        with name_scope(name, "TensorArrayUnstack", [self._handle, value]):
            value = convert_to_tensor(value, dtype=self._dtype, name="value")
            num_elements = shape(value)[0]
            return self.scatter(range_op(0, num_elements), value, name=None)

    def scatter(self, indices, value, name=None):
        with name_scope(name, "TensorArrayScatter", [self._handle, value, indices]):
            value = convert_to_tensor(value, dtype=self._dtype, name="value")
            indices = convert_to_tensor(indices, dtype=dtypes.int32)
            if value.shape.ndims:
                self._merge_element_shape(value.shape[1:])
            op = self._create(
                "TensorArrayScatterV3",
                [self._handle, indices, value, self._flow],
                {"T": self._dtype},
                "TensorArrayScatterV3",
            )
            return self._with_flow(op.outputs[0])

    def gather(self, indices, name=None):
        indices = convert_to_tensor(indices, dtype=dtypes.int32)
        attrs = {"dtype": self._dtype, "element_shape": self.element_shape}
        op = self._create(
            "TensorArrayGatherV3",
            [self._handle, indices, self._flow],
            attrs,
            name or "TensorArrayGatherV3",
        )
        return op.outputs[0]

    def stack(self, name=None):
        from teachflow.ops.filling import range as range_op

        with colocate_with(self._handle.op), name_scope(name, "TensorArrayStack", [self._handle]):
            return self.gather(range_op(0, self.size()), name=name)

    def size(self, name=None):
        if not self._dynamic_size and self._size is not None:
            return convert_to_tensor(self._size, dtype=dtypes.int32)
        op = self._create(
            "TensorArraySizeV3", [self._handle, self._flow], {}, name or "TensorArraySizeV3"
        )
        return op.outputs[0]

    def grad(self, source, flow=None, name=None):
        """The gradient array of this one for ``source`` (``TensorArrayGradV3``)."""
        from teachflow.ops.identity_ops import identity

        flow = self._flow if flow is None else flow
        with name_scope(name, "TensorArrayGrad", [self._handle]):
            with colocate_with(self._handle.op):
                op = self._create(
                    "TensorArrayGradV3",
                    [self._handle, flow],
                    {"source": source.encode()},
                    "TensorArrayGradV3",
                )
                g_handle = op.outputs[0]
                with get_default_graph().control_dependencies([op]):
                    flow = identity(flow, name="gradient_flow")
                g = TensorArray(
                    self._dtype,
                    size=self._size,
                    handle=g_handle,
                    flow=flow,
                    infer_shape=self._infer_shape,
                )
                g._shape_cell = self._shape_cell
                return g

    def close(self, name=None):
        return self._create("TensorArrayCloseV3", [self._handle], {}, name or "TensorArrayCloseV3")


# The gradients of the ops above (they need the TensorArray class).
from teachflow.ops import tensor_array_grad  # noqa: E402, F401
