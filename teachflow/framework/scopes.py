"""The module-level scope functions (`tf.name_scope`, `tf.device`, ...) on the default graph.

>>> import teachflow as tf
>>> with tf.Graph().as_default():
...     with tf.name_scope("outer"):
...         with tf.name_scope(None, "inner"):
...             print(tf.constant(0).name)
outer/inner/Const:0
"""

from __future__ import annotations

import contextlib

from teachflow.framework.graph import get_default_graph
from teachflow.framework.operation import Operation, Tensor


@contextlib.contextmanager
def name_scope(name, default_name=None, values=None):
    """TF1's ``tf.name_scope(name, default_name=None, values=None)``."""
    graph = _graph_from(values)
    n = name if name is not None else default_name
    if n is None and name is None and default_name is None and values is not None:
        raise ValueError("At least one of name (None) and default_name (None) must be provided.")
    if name is None and default_name is None:
        n = None
    with graph.as_default(), graph.name_scope(n) as scope:
        yield scope


def _graph_from(values):
    for v in values or ():
        if isinstance(v, (Tensor, Operation)):
            return v.graph
        g = getattr(v, "graph", None)
        if g is not None and hasattr(g, "create_op"):
            return g
    return get_default_graph()


def device(device_name_or_function):
    return get_default_graph().device(device_name_or_function)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def colocate_with(op, ignore_existing=False):
    return get_default_graph().colocate_with(op, ignore_existing)


def container(container_name):
    return get_default_graph().container(container_name)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


@contextlib.contextmanager
def init_scope():
    """TF's ``init_scope`` in graph mode: ops made here are outside any cond or while loop
    and have none of the control dependencies around them (the name scope is kept), as a
    variable's initialization must run once, unconditionally."""
    graph = get_default_graph()
    saved = graph._control_flow_context
    graph._control_flow_context = None
    try:
        with graph.control_dependencies(None):
            yield
    finally:
        graph._control_flow_context = saved
