"""Resources a session must create before the model is ready, beside variables.

TensorFlow keeps a *resource* (a handle, its create op, its is-initialized op) in the
``RESOURCES`` collection (shared by every task of a cluster) or ``LOCAL_RESOURCES`` (one per
session). `tf.train.Scaffold` creates the shared ones in its ``init_op`` and the local ones in
its ``local_init_op``, and its ``ready_op`` reports both uninitialized variables and resources.
With no resources registered, the report is an empty string constant and the initializer a
``NoOp``, exactly the nodes TF adds to every monitored session's graph.

    >>> import teachflow as tf
    >>> from teachflow.ops import resources
    >>> with tf.Graph().as_default():
    ...     report = resources.report_uninitialized_resources()
    ...     print(report.op.name, report.shape, resources.initialize_resources([]).type)
    report_uninitialized_resources/Const (0,) NoOp
"""

from __future__ import annotations

from dataclasses import dataclass

from teachflow.framework import dtypes
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.scopes import name_scope

__all__ = [
    "initialize_resources",
    "local_resources",
    "register_resource",
    "report_uninitialized_resources",
    "shared_resources",
]


@dataclass(frozen=True, slots=True)
class Resource:
    """A registered resource: its handle, the op creating it, its is-initialized tensor."""

    handle: object
    create: object
    is_initialized: object


def register_resource(handle, create_op, is_initialized_op, is_shared=True):
    """Add a resource to ``RESOURCES`` (``is_shared``) or ``LOCAL_RESOURCES``."""
    key = GraphKeys.RESOURCES if is_shared else GraphKeys.LOCAL_RESOURCES
    get_default_graph().add_to_collection(key, Resource(handle, create_op, is_initialized_op))


def shared_resources():
    """The resources every task of the cluster sees (``GraphKeys.RESOURCES``)."""
    return get_default_graph().get_collection(GraphKeys.RESOURCES)


def local_resources():
    """The resources local to this session (``GraphKeys.LOCAL_RESOURCES``)."""
    return get_default_graph().get_collection(GraphKeys.LOCAL_RESOURCES)


def report_uninitialized_resources(resource_list=None, name="report_uninitialized_resources"):
    """A string tensor naming the resources of ``resource_list`` not yet initialized."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.constant_op import constant

    if resource_list is None:
        resource_list = shared_resources() + local_resources()
    with name_scope(name):
        if not resource_list:
            # Empty, so "ready" stays "the report has no elements" whatever was registered.
            return constant([], dtype=dtypes.string)
        mask = math_ops.logical_not(array_ops.stack([r.is_initialized for r in resource_list]))
        names = constant([r.handle.name for r in resource_list])
        return array_ops.boolean_mask(names, mask)


def initialize_resources(resource_list, name="init"):
    """One op creating every resource of ``resource_list`` (a ``NoOp`` for none)."""
    from teachflow.ops.control_flow_ops import group, no_op

    if resource_list:
        return group(*[r.create for r in resource_list], name=name)
    return no_op(name=name)
