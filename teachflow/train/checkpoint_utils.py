"""``tf.train.init_from_checkpoint``: start variables from a checkpoint instead of their
initializers (fine-tuning a model another program, teachflow or TensorFlow, trained).

Each matched variable's initializer is replaced by an ``Assign`` of a ``RestoreV2`` of the
checkpoint's tensor, so running ``tf.global_variables_initializer()`` loads the values;
nothing is read until then. ``assignment_map`` says what goes where, as in TensorFlow:

* ``{"old/": "new/"}``: every checkpoint tensor under ``old/`` initializes the variable of
  the same name under ``new/`` (``"/"`` is the root on either side);
* ``{"old/w": "new/w2"}`` or ``{"old/w": variable}``: one tensor, one variable.

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> d = tempfile.mkdtemp()
    >>> with tf.Graph().as_default():
    ...     v = tf.Variable([1.0, 2.0], name="v")
    ...     with tf.Session() as sess:
    ...         sess.run(v.initializer)
    ...         _ = tf.train.Saver().save(sess, os.path.join(d, "model.ckpt"))
    >>> with tf.Graph().as_default():
    ...     w = tf.Variable([0.0, 0.0], name="w")
    ...     tf.train.init_from_checkpoint(d, {"v": "w"})
    ...     with tf.Session() as sess:
    ...         sess.run(tf.global_variables_initializer())
    ...         print(sess.run(w))
    [1. 2.]

Raises ValueError (as TF does) when a name is in neither the checkpoint nor the graph, or
when shapes differ.
"""

from __future__ import annotations

from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.ops import checkpoint_ops, state_ops
from teachflow.train import checkpoint_management

__all__ = ["init_from_checkpoint"]


def _variables_by_name() -> dict:
    graph = get_default_graph()
    found = {}
    for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES):
        for v in graph.get_collection(key):
            found.setdefault(v.op.name, v)
    return found


def _set_checkpoint_initializer(variable, prefix: str, tensor_name: str) -> None:
    graph = variable.graph
    with graph.colocate_with(variable.op), graph.name_scope(f"{variable.op.name}/"):
        restored = checkpoint_ops.restore_v2(
            prefix, [tensor_name], [""], [variable.dtype.base_dtype], name="checkpoint_initializer"
        )[0]
        variable._initial_value = restored
        variable._initializer_op = state_ops.assign(variable._variable, restored).op


def _pairs(assignment_map, saved: dict, variables: dict):
    """(checkpoint name, variable) pairs of one assignment map."""
    for ckpt_name, current in assignment_map.items():
        if not isinstance(current, str):
            yield ckpt_name, current
            continue
        if not ckpt_name.endswith("/") and ckpt_name in saved:
            if current not in variables:
                raise ValueError(f"Tensor {current} is not found in the graph")
            yield ckpt_name, variables[current]
            continue
        if not ckpt_name.endswith("/") or not current.endswith("/"):
            raise ValueError(f"Tensor {ckpt_name} is not found in {sorted(saved)} checkpoint")
        old = "" if ckpt_name == "/" else ckpt_name
        new = "" if current == "/" else current
        for name in sorted(saved):
            if name.startswith(old) and new + name[len(old) :] in variables:
                yield name, variables[new + name[len(old) :]]


def init_from_checkpoint(ckpt_dir_or_file, assignment_map) -> None:
    """Initialize the variables ``assignment_map`` names from the checkpoint (see module)."""
    prefix = checkpoint_management._resolve(ckpt_dir_or_file)
    reader = checkpoint_management.load_checkpoint(prefix)
    saved = reader.get_variable_to_shape_map()
    variables = _variables_by_name()
    for ckpt_name, variable in _pairs(assignment_map, saved, variables):
        if ckpt_name not in saved:
            raise ValueError(f"Tensor {ckpt_name} is not found in {prefix} checkpoint")
        shape = variable.shape
        if not shape.is_compatible_with(saved[ckpt_name]):
            raise ValueError(
                f"Shape of variable {variable.op.name} ({shape}) doesn't match with shape of "
                f"tensor {ckpt_name} ({saved[ckpt_name]}) from checkpoint reader."
            )
        _set_checkpoint_initializer(variable, prefix, ckpt_name)
