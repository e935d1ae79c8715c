"""``tensorflow.python.framework.ops``: the graph's core names where TF1 programs import them
from (the TensorFlow Machine Learning Cookbook starts every script with
``from tensorflow.python.framework import ops; ops.reset_default_graph()``).

    >>> from teachflow.python.framework import ops
    >>> ops.reset_default_graph()
    >>> ops.get_default_graph().get_operations()
    []
"""

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import Graph, get_default_graph, reset_default_graph
from teachflow.framework.graph_keys import GraphKeys
from teachflow.framework.operation import Operation, Tensor
from teachflow.framework.registry import NotDifferentiable, RegisterGradient
from teachflow.framework.scopes import (
    add_to_collection,
    add_to_collections,
    control_dependencies,
    device,
    get_collection,
    get_collection_ref,
    init_scope,
    name_scope,
)
from teachflow.ops.indexed_slices import IndexedSlices

no_gradient = NotDifferentiable

__all__ = [
    "Graph",
    "GraphKeys",
    "IndexedSlices",
    "NotDifferentiable",
    "Operation",
    "RegisterGradient",
    "Tensor",
    "add_to_collection",
    "add_to_collections",
    "control_dependencies",
    "convert_to_tensor",
    "device",
    "get_collection",
    "get_collection_ref",
    "get_default_graph",
    "get_name_scope",
    "init_scope",
    "name_scope",
    "no_gradient",
    "reset_default_graph",
]


def get_name_scope() -> str:
    """The default graph's current name scope (``""`` at the top)."""
    return get_default_graph().get_name_scope()
