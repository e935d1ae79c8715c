"""``tf.ConditionalAccumulator``: gradients from many replicas, averaged once enough arrived.

Synchronous data parallelism needs a place where every replica drops its gradient and
from which one update takes their mean. That place is a conditional accumulator: state
on a task (usually next to the variable, on a ps task), shared by every session and graph
that names it with ``shared_name``, exactly like a queue. Its ops take the accumulator's
reference as input 0, so the placer puts them next to it:

* ``apply_grad(grad, local_step)`` -- ``ResourceAccumulatorApplyGradient``: add a gradient
  computed at ``local_step``; one older than the accumulator's time step is *stale* and
  silently dropped (how slow backup replicas stop mattering);
* ``take_grad(num_required)`` -- ``ResourceAccumulatorTakeGradient``: block until
  ``num_required`` gradients arrived, return their mean and advance the time step;
* ``num_accumulated()``, ``set_global_step(step)``.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> acc = tf.ConditionalAccumulator(tf.float32, shape=[2])
    >>> apply_a = acc.apply_grad([1.0, 2.0])
    >>> apply_b = acc.apply_grad([3.0, 4.0])
    >>> with tf.Session() as sess:
    ...     sess.run([apply_a, apply_b])
    ...     print(sess.run(acc.take_grad(2)))
    ...     sess.run(apply_a)  # stale now: the take advanced the time step to 1
    ...     print(sess.run(acc.num_accumulated()))
    [None, None]
    [2. 3.]
    0

TensorFlow's ``SparseConditionalAccumulator`` holds ``IndexedSlices`` gradients; teachflow's
gradients are always dense (see teachflow/ops/gathering.py), so it has no sparse variant.
"""

from __future__ import annotations

import itertools

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.inference import fixed
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import as_shape, unknown_shape
from teachflow.ops import kernel_context
from teachflow.ops.accumulator_resources import ConditionalAccumulatorState
from teachflow.ops.arithmetic_ops import cast

__all__ = ["ConditionalAccumulator", "ConditionalAccumulatorBase"]

_ACCUMULATOR_REF = dtypes.string._as_ref  # teachflow's stand-in for TF's DT_RESOURCE handle
_REDUCTION_TYPES = ("MEAN", "SUM")
# TF registers accumulator kernels for these dtypes only (CPU only).
_KERNEL_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64)
_kernel_ids = itertools.count()


# -- the accumulator op: create (once per session and device) and return the accumulator --
def _accumulator_kernel(op, device):
    attrs = op._attrs
    dtype = attrs["dtype"]
    if dtype not in _KERNEL_DTYPES:
        raise errors.InvalidArgumentError(
            op.node_def,
            op,
            f"No OpKernel was registered to support Op '{op.type}' used by {{{{node {op.name}}}}} "
            f"with these attrs: [dtype={dtype.name}]. Registered kernels: dtype in "
            f"[{', '.join(d.name for d in _KERNEL_DTYPES)}]",
        )
    container = attrs.get("container", "")
    # Without shared_name each kernel instance (each session) gets its own accumulator.
    name = attrs.get("shared_name") or f"_{next(_kernel_ids)}_{op.name}"
    shape = attrs["shape"]
    dims = tuple(shape.as_list()) if shape.ndims is not None else None
    np_dtype = dtype.as_numpy_dtype
    reduction = attrs["reduction_type"]
    resources = device.resources

    def create():
        return ConditionalAccumulatorState(name, np_dtype, dims, reduction)

    return lambda: resources.lookup_or_create(container, name, create)


registry.register(
    "ResourceConditionalAccumulator",
    fixed((_ACCUMULATOR_REF, [])),
    kernels={"CPU": _accumulator_kernel},
    stateful=True,
    not_differentiable=True,
)


# -- the ops on an accumulator -------------------------------------------------------------
def _apply_kernel(op, device):
    def apply_grad(acc, local_step, grad):
        acc.apply_grad(local_step, grad)

    return apply_grad


def _take_kernel(op, device):
    dl = kernel_context.step_deadline
    return lambda acc, num_required: acc.take_grad(num_required, dl.get())


def _num_accumulated_kernel(op, device):
    int32 = dtypes.int32.as_numpy_dtype
    return lambda acc: int32(acc.num_accumulated())


def _set_global_step_kernel(op, device):
    return lambda acc, step: acc.set_global_step(step)


def _cancel_kernel(op, device):
    return lambda acc: acc.cancel_takes()


def _register(op_type, infer, kernel, cheap=True, blocking=False):
    registry.register(
        op_type,
        infer,
        kernels={"CPU": kernel},
        stateful=True,
        ref_inputs=(0,),
        cheap=cheap,
        blocking=blocking,
        not_differentiable=True,
    )


_register("ResourceAccumulatorApplyGradient", lambda op: [], _apply_kernel, cheap=False)
# take_grad waits for other replicas: off the scheduling thread, on a waiting thread.
_register(
    "ResourceAccumulatorTakeGradient",
    lambda op: [(op._attrs["dtype"], unknown_shape())],
    _take_kernel,
    cheap=False,
    blocking=True,
)
_register("ResourceAccumulatorNumAccumulated", fixed((dtypes.int32, [])), _num_accumulated_kernel)
_register("ResourceAccumulatorSetGlobalStep", lambda op: [], _set_global_step_kernel)
# teachflow's addition (see ConditionalAccumulatorBase.cancel_take_grads).
_register("AccumulatorCancelTakeGradients", lambda op: [], _cancel_kernel)


# -- the Python API ----------------------------------------------------------------------
class ConditionalAccumulatorBase:
    """What every accumulator offers: its reference, ``num_accumulated``, ``set_global_step``."""

    def __init__(self, dtype, shape, accumulator_ref):
        self._dtype = dtype
        self._shape = as_shape(shape) if shape is not None else unknown_shape()
        self._accumulator_ref = accumulator_ref
        self._name = accumulator_ref.op.name.split("/")[-1]

    @property
    def accumulator_ref(self):
        return self._accumulator_ref

    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    def _op(self, op_type, inputs, name, attrs=None):
        return get_default_graph().create_op(
            op_type, [self._accumulator_ref, *inputs], dict(attrs or {}), name=name
        )

    def num_accumulated(self, name=None):
        """An int32 scalar: how many gradients were added since the last take."""
        return self._op(
            "ResourceAccumulatorNumAccumulated", [], name or f"{self._name}_NumAccumulated"
        ).outputs[0]

    def set_global_step(self, new_global_step, name=None):
        """Set the accumulator's time step (TF warns, but obeys, when it goes backwards)."""
        step = cast(convert_to_tensor(new_global_step), dtypes.int64)
        return self._op("ResourceAccumulatorSetGlobalStep", [step], name)

    def cancel_take_grads(self, name=None):
        """teachflow's addition: fail the ``take_grad`` ops waiting now (CancelledError).

        TensorFlow cancels a blocked take only by cancelling its step; teachflow's
        SyncReplicasOptimizer runs this when the chief's coordinator stops, so the chief's
        queue-runner thread ends instead of waiting forever for gradients."""
        return self._op("AccumulatorCancelTakeGradients", [], name)


class ConditionalAccumulator(ConditionalAccumulatorBase):
    """Accumulates dense gradients of one ``dtype`` and ``shape``.

    Args:
      dtype: float16, float32 or float64 (TF has kernels for no other type).
      shape: the gradient's shape; None accepts any, fixed by the first gradient.
      shared_name: share one accumulator with every session and graph naming it.
      name: the op's name.
      reduction_type: ``"MEAN"`` (default) or ``"SUM"`` of the gradients taken.

    Raises ValueError for another ``reduction_type``.

        >>> import teachflow as tf
        >>> acc = tf.ConditionalAccumulator(tf.float32, shape=[3], shared_name="w/grad_accum")
        >>> acc.take_grad(2).shape
        TensorShape([Dimension(3)])
    """

    def __init__(
        self,
        dtype,
        shape=None,
        shared_name=None,
        name="conditional_accumulator",
        reduction_type="MEAN",
    ):
        dtype = dtypes.as_dtype(dtype)
        if reduction_type not in _REDUCTION_TYPES:
            raise ValueError(
                "Attr 'reduction_type' of 'ResourceConditionalAccumulator' Op passed string "
                f'\'{reduction_type}\' not in: "MEAN", "SUM".'
            )
        attrs = {
            "dtype": dtype,
            "shape": as_shape(shape) if shape is not None else unknown_shape(),
            "container": "",
            "shared_name": shared_name or "",
            "reduction_type": reduction_type,
        }
        ref = (
            get_default_graph()
            .create_op("ResourceConditionalAccumulator", [], attrs, name=name)
            .outputs[0]
        )
        super().__init__(dtype, shape, ref)

    def apply_grad(self, grad, local_step=0, name=None):
        """Add ``grad`` unless ``local_step`` is older than the accumulator's time step.

        Raises ValueError when ``grad``'s static shape cannot match the accumulator's;
        when running, InvalidArgumentError for a shape that differs from the gradients
        already added ("Shape mismatch: expected [2], got [3]")."""
        grad = convert_to_tensor(grad, dtype=self._dtype)
        grad.shape.assert_is_compatible_with(self._shape)
        local_step = cast(convert_to_tensor(local_step), dtypes.int64)
        return self._op("ResourceAccumulatorApplyGradient", [local_step, grad], name)

    def take_grad(self, num_required, name=None):
        """The mean of ``num_required`` gradients, once that many arrived (blocks until then).

        Raises, when running, InvalidArgumentError for ``num_required < 1``,
        DeadlineExceededError after the step's ``operation_timeout_in_ms``."""
        with name_scope(name, "ResourceAccumulatorTakeGradient") as scope:
            n = convert_to_tensor(num_required, dtype=dtypes.int32, name="num_required")
            out = self._op("ResourceAccumulatorTakeGradient", [n], scope, {"dtype": self._dtype})
        t = out.outputs[0]
        t.set_shape(self._shape)
        return t
