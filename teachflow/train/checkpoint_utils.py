"""``tf.train.init_from_checkpoint``: start variables from a checkpoint instead of their
initializers (fine-tuning a model another program, teachflow or TensorFlow, trained).

Each matched variable's initializer is replaced by an ``Assign`` of a ``RestoreV2`` of the
checkpoint's tensor, so running ``tf.global_variables_initializer()`` loads the values;
nothing is read until then. ``assignment_map`` says what goes where, as in TensorFlow:

* ``{"old/": "new/"}``: every checkpoint tensor under ``old/`` initializes the variable of
  the same name under ``new/`` (``"/"`` is the root on either side);
* ``{"old/w": "new/w2"}`` or ``{"old/w": variable}``: one tensor, one variable.

A partitioned variable (named by its full name, or given as the list of its shards) reads
each shard's slice of the tensor, however the checkpoint's variable was partitioned.

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
    """Variable name -> variable; a partitioned variable's name -> its shards in order."""
    graph = get_default_graph()
    found, shards = {}, {}
    for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES):
        for v in graph.get_collection(key):
            if v.op.name in found:
                continue
            found[v.op.name] = v
            info = getattr(v, "_save_slice_info", None)
            if info is not None:
                shards.setdefault(info.full_name, []).append(v)
    for name, parts in shards.items():
        found.setdefault(name, sorted(parts, key=lambda v: v._save_slice_info.var_offset))
    return found


def _set_checkpoint_initializer(variable, prefix: str, tensor_name: str, slice_spec="") -> None:
    # As TF: the RestoreV2 on the CPU of the variable's task (not colocated with the
    # variable, which would pull it onto the CPU), named where the caller stands.
    graph = variable.graph
    with graph.device(variable.device), graph.device("/cpu:0"):
        restored = checkpoint_ops.restore_v2(
            prefix,
            [tensor_name],
            [slice_spec],
            [variable.dtype.base_dtype],
            name="checkpoint_initializer",
        )[0]
    restored.set_shape(variable.shape)
    variable._initial_value = restored
    variable._initializer_op = state_ops.assign(variable._variable, restored).op


def _set_variable_or_list_initializer(variable, prefix: str, tensor_name: str) -> None:
    """One variable reads the tensor whole; a partitioned variable's shards read a slice each."""
    if not isinstance(variable, (list, tuple)):
        _set_checkpoint_initializer(variable, prefix, tensor_name)
        return
    full_name = None
    for v in variable:
        info = v._save_slice_info
        if full_name is None:
            full_name = info.full_name
        elif full_name != info.full_name:
            raise ValueError(
                f"Slices must all be from the same tensor: {full_name} != {info.full_name}"
            )
        _set_checkpoint_initializer(v, prefix, tensor_name, info.spec)


def _pairs(assignment_map, saved: dict, variables: dict):
    """(checkpoint name, variable) pairs of one assignment map."""
    # Sorted by checkpoint name, as TF sorts them (the initializers' names follow).
    for ckpt_name, current in sorted(assignment_map.items(), key=lambda t: t[0]):
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
        if not isinstance(variable, (list, tuple)):
            shape = variable.shape
            if not shape.is_compatible_with(saved[ckpt_name]):
                raise ValueError(
                    f"Shape of variable {variable.op.name} ({shape}) doesn't match with shape "
                    f"of tensor {ckpt_name} ({saved[ckpt_name]}) from checkpoint reader."
                )
        _set_variable_or_list_initializer(variable, prefix, ckpt_name)
