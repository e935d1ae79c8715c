"""The global step: one int64 counter per graph of how many training steps have run.

``tf.train.get_or_create_global_step()`` returns the graph's ``global_step`` variable,
creating it (value 0, not trainable, in the ``global_step`` collection) the first time.
Passing it to ``optimizer.minimize(loss, global_step=...)`` makes every run of the train
op add one to it once the variables are updated.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> step = tf.train.get_or_create_global_step()
    >>> step.op.name, step.dtype.base_dtype, step.trainable
    ('global_step', tf.int64, False)
    >>> with tf.Session() as sess:
    ...     sess.run(step.initializer)
    ...     print(tf.train.global_step(sess, step))
    0
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.operation import Tensor
from teachflow.ops import array_ops
from teachflow.ops.variables import Variable

__all__ = [
    "global_step",
    "get_global_step",
    "create_global_step",
    "get_or_create_global_step",
    "assert_global_step",
]


def global_step(sess, global_step_tensor) -> int:
    """The current value of ``global_step_tensor`` in ``sess``, as a Python int."""
    return int(sess.run(global_step_tensor))


def get_global_step(graph=None):
    """The graph's global step (collection ``global_step``, else ``global_step:0``), or None."""
    graph = graph or get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) == 1:
        step = found[0]
    elif not found:
        try:
            step = graph.get_tensor_by_name("global_step:0")
        except KeyError:
            return None
    else:
        # TF logs "Multiple tensors in global_step collection." and gives up.
        return None
    assert_global_step(step)
    return step


def create_global_step(graph=None):
    """Create the global step; ValueError if the graph already has one."""
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    # At the root name scope, whatever scope the caller is in.
    with graph.as_default(), graph.name_scope(None):
        return Variable(
            lambda: array_ops.zeros([], dtype=dtypes.int64),
            name=GraphKeys.GLOBAL_STEP,
            dtype=dtypes.int64,
            trainable=False,
            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP],
        )


def get_or_create_global_step(graph=None):
    """The graph's global step, created on first use."""
    graph = graph or get_default_graph()
    step = get_global_step(graph)
    if step is None:
        step = create_global_step(graph)
    return step


def assert_global_step(global_step_tensor) -> None:
    """TypeError unless ``global_step_tensor`` is an integer scalar Variable or Tensor."""
    if not isinstance(global_step_tensor, (Variable, Tensor)):
        raise TypeError(
            f'Existing "global_step" must be a Variable or Tensor: {global_step_tensor}.'
        )
    if not global_step_tensor.dtype.base_dtype.is_integer:
        raise TypeError(
            f'Existing "global_step" does not have integer type: {global_step_tensor.dtype}'
        )
    shape = global_step_tensor.get_shape()
    if shape.ndims != 0 and shape.is_fully_defined():
        raise TypeError(f'Existing "global_step" is not scalar: {shape}')
