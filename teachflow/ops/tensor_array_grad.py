"""Gradients of TensorArray ops, as TF1's ``tensor_array_grad.py``: through a *gradient
array*.

The gradient of a TensorArray is another TensorArray of the same size
(``TensorArrayGradV3``, made once per gradient ``source``, the ``gradients`` name scope):
reading element ``i`` sends its gradient by *writing* it to element ``i`` of the gradient
array (writes to one element add up), writing element ``i`` takes its gradient by *reading*
element ``i`` of it (zeros where nothing was written); gather and scatter are each other's
gradient. The flows order them: a write's gradient waits for the write
(``write_barrier``), so ``map_fn`` and ``scan`` differentiate through their loops.

    >>> import teachflow as tf
    >>> x = tf.constant([1.0, 2.0, 3.0])
    >>> y = tf.map_fn(lambda v: v * v, x)
    >>> (g,) = tf.gradients(y, x)
    >>> with tf.Session() as sess:
    ...     print(sess.run(g))
    [2. 4. 6.]
"""

from __future__ import annotations

from teachflow.framework import registry
from teachflow.ops.identity_ops import identity
from teachflow.ops.tensor_array_ops import TensorArray


def _grad_source(t) -> str:
    """The name scope of the ``tf.gradients`` call that built ``t`` (TF's
    ``_GetGradSource``): its gradient arrays are its own."""
    tokens = t.name.split("/")
    positions = [i for i, x in enumerate(tokens) if x.startswith("gradients")]
    if not positions:
        raise ValueError(
            f"Expected op/tensor name to start with gradients (excluding scope), got: {t.name}"
        )
    return "/".join(tokens[: positions[-1] + 1])


def _array(op, dtype_attr, flow):
    return TensorArray(op._attrs[dtype_attr], handle=op.inputs[0], flow=flow)


def _read_grad(op, grad):
    flow = op.inputs[2]
    g = _array(op, "dtype", flow).grad(source=_grad_source(grad), flow=flow)
    return [None, None, g.write(op.inputs[1], grad).flow]


def _write_barrier(op, flow):
    """The incoming flow gradient, after the write itself has happened."""
    flow_out = identity(op.outputs[0], name="flow_out")
    with op.graph.control_dependencies([flow_out.op]):
        return identity(flow, name="write_barrier")


def _write_grad(op, flow):
    source = _grad_source(flow)
    flow = _write_barrier(op, flow)
    g = _array(op, "T", flow).grad(source=source, flow=flow)
    return [None, None, g.read(op.inputs[1]), flow]


def _gather_grad(op, grad):
    flow = op.inputs[2]
    g = _array(op, "dtype", flow).grad(source=_grad_source(grad), flow=flow)
    return [None, None, g.scatter(op.inputs[1], grad).flow]


def _scatter_grad(op, flow):
    source = _grad_source(flow)
    flow = _write_barrier(op, flow)
    g = _array(op, "T", flow).grad(source=source, flow=flow)
    return [None, None, g.gather(op.inputs[1]), flow]


registry.set_gradient("TensorArrayReadV3", _read_grad)
registry.set_gradient("TensorArrayWriteV3", _write_grad)
registry.set_gradient("TensorArrayGatherV3", _gather_grad)
registry.set_gradient("TensorArrayScatterV3", _scatter_grad)
