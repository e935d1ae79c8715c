"""Slot variables: the extra state an optimizer keeps *per trained variable*.

Momentum keeps one accumulator per variable, Adam two (``m`` and ``v``). TensorFlow names
a slot after its variable and the optimizer (``w/Momentum``, ``w/Adam``, ``w/Adam_1``),
creates it at the root name scope whatever scope the optimizer runs in, makes it
non-trainable, and colocates it with its variable so that the update op finds both on
the same device (on a parameter server, the same task).

    >>> import teachflow as tf
    >>> from teachflow.train import slot_creator
    >>> tf.reset_default_graph()
    >>> w = tf.Variable([1.0, 2.0], name="w")
    >>> slot = slot_creator.create_zeros_slot(w, "Momentum")
    >>> slot.name, slot.trainable, slot.op.colocation_groups()
    ('w/Momentum:0', False, [b'loc:@w'])
"""

from __future__ import annotations

import contextlib

from teachflow.framework import dtypes
from teachflow.ops import array_ops
from teachflow.ops.constant_op import constant
from teachflow.ops.variables import Variable


def zeros_initializer(shape, dtype):
    return array_ops.zeros(shape, dtype=dtype)


def ones_initializer(shape, dtype):
    return array_ops.ones(shape, dtype=dtype)


def constant_initializer(value):
    """An initializer filling a slot with ``value`` (Adagrad's initial accumulator)."""

    def initializer(shape, dtype):
        return constant(value, dtype=dtype, shape=shape)

    return initializer


def create_slot_with_initializer(
    primary, initializer, shape, dtype, name, colocate_with_primary=True
):
    """A slot named ``<primary>/<name>`` whose initial value is ``initializer(shape, dtype)``.

    ``initializer`` may also be a ``tf.*_initializer`` object (called with ``shape`` and
    ``dtype=``).
    """
    dtype = dtypes.as_dtype(dtype).base_dtype
    shape = list(shape.as_list() if hasattr(shape, "as_list") else shape)
    return _create_slot_var(
        primary,
        lambda: initializer(shape, dtype=dtype),
        name,
        dtype,
        validate_shape=True,
        colocate=colocate_with_primary,
    )


def create_slot(primary, val, name, colocate_with_primary=True):
    """A slot named ``<primary>/<name>`` initialized from the tensor ``val``."""
    return _create_slot_var(
        primary,
        val,
        name,
        val.dtype.base_dtype,
        validate_shape=val.shape.is_fully_defined(),
        colocate=colocate_with_primary,
    )


def create_zeros_slot(primary, name, dtype=None, colocate_with_primary=True):
    """A slot of zeros shaped like ``primary`` (what Momentum and Adam use)."""
    dtype = primary.dtype.base_dtype if dtype is None else dtypes.as_dtype(dtype).base_dtype
    shape = primary.get_shape()
    if shape.is_fully_defined():
        return create_slot_with_initializer(
            primary, zeros_initializer, shape, dtype, name, colocate_with_primary
        )
    # The variable's shape is only known at run time: read it from its value.
    graph = primary.graph
    with graph.colocate_with(primary.op) if colocate_with_primary else contextlib.nullcontext():
        val = array_ops.zeros(array_ops.shape(primary.initialized_value()), dtype=dtype)
    return create_slot(primary, val, name, colocate_with_primary)


def _create_slot_var(primary, initial_value, name, dtype, validate_shape, colocate):
    graph = primary.graph
    prefix = primary.op.name
    # Slot names depend on the variable only, not on the name scope the optimizer
    # is called in (TF creates them with get_variable, which ignores name scopes).
    with graph.as_default(), graph.name_scope(None):
        with graph.colocate_with(primary.op) if colocate else contextlib.nullcontext():
            return Variable(
                initial_value,
                trainable=False,
                name=f"{prefix}/{name}",
                dtype=dtype,
                validate_shape=validate_shape,
            )
