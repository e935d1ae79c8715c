"""Op definitions as data: one `OpDef` per op type.

An op definition says three things about an op type, and nothing else:

* ``infer(op)``   -> ``[(dtype, shape), ...]`` for its outputs (graph construction time);
* ``kernels``     -> per device type, a factory ``make(op, ctx)`` that returns the compute
  function ``f(*input_values) -> value`` (one output) or a tuple (several outputs);
* ``grad(op, *output_grads)`` -> one gradient tensor (or None) per input.

Kernels are constructed once per op and session (as TensorFlow constructs an OpKernel
once per graph registration) and called on every step, so per-step work stays small.

    >>> from teachflow.framework import registry
    >>> registry.get("Add").stateful
    False
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class OpDef:
    type: str
    infer: Callable
    kernels: dict = field(default_factory=dict)
    grad: Callable | None = None
    stateful: bool = False
    # Input positions that take a variable *reference* (Assign's first input); every other
    # input of a ref dtype is dereferenced (read) before the kernel sees it.
    ref_inputs: tuple = ()
    # Cheap ops run inline on the scheduling thread; expensive ones go to a thread pool.
    cheap: bool = True
    # Ops the gradient machinery treats as having no gradient at all (integer outputs...).
    not_differentiable: bool = False
    # Ops taking a reference at ``ref_inputs`` are created colocated with that variable.
    colocate_refs: bool = True
    # Ops that wait for something outside the step (a queue, another task) run on a pool of
    # their own, so waiting ops never starve the inter-op threads the step needs.
    blocking: bool = False


_REGISTRY: dict[str, OpDef] = {}


def register(
    op_type: str,
    infer: Callable,
    kernel: Callable | None = None,
    *,
    grad: Callable | None = None,
    kernels: dict | None = None,
    stateful: bool = False,
    ref_inputs: tuple = (),
    cheap: bool = True,
    not_differentiable: bool = False,
    colocate_refs: bool = True,
    blocking: bool = False,
) -> OpDef:
    """Register an op type. ``kernel`` is the CPU kernel factory, also used on GPUs
    unless ``kernels`` says otherwise (kernels are written against ``ctx.xp``)."""
    if op_type in _REGISTRY:
        raise KeyError(f"Op type {op_type!r} is already registered")
    all_kernels = dict(kernels or {})
    if kernel is not None:
        all_kernels.setdefault("CPU", kernel)
        all_kernels.setdefault("GPU", kernel)
    od = OpDef(
        op_type,
        infer,
        all_kernels,
        grad,
        stateful,
        tuple(ref_inputs),
        cheap,
        not_differentiable,
        colocate_refs,
        blocking,
    )
    _REGISTRY[op_type] = od
    return od


def get(op_type: str) -> OpDef:
    try:
        return _REGISTRY[op_type]
    except KeyError:
        raise KeyError(f"Op type not registered '{op_type}'") from None


def registered_types() -> list[str]:
    """The op types (not the names that only carry a gradient: `set_gradient`)."""
    return sorted(t for t, od in _REGISTRY.items() if od.infer is not None)


def set_gradient(op_type: str, grad: Callable | None) -> None:
    """Attach (or replace) the gradient function of an op type: `tf.RegisterGradient`.

    The name need not be an op type: a gradient-only name is a target for
    ``Graph.gradient_override_map``, as in TensorFlow."""
    od = _REGISTRY.get(op_type)
    if od is None:
        od = _REGISTRY[op_type] = OpDef(op_type, infer=None)
    od.grad = grad


class RegisterGradient:
    """Decorator form, as in TensorFlow: ``@tf.RegisterGradient("MyOp")``."""

    def __init__(self, op_type: str):
        self._op_type = op_type

    def __call__(self, fn):
        set_gradient(self._op_type, fn)
        return fn


def NotDifferentiable(op_type: str) -> None:  # noqa: N802 - TensorFlow's name
    od = get(op_type)
    od.grad = None
    od.not_differentiable = True


NoGradient = NotDifferentiable
