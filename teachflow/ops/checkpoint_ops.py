"""The ops a ``tf.train.Saver`` builds: ``SaveV2``, ``RestoreV2`` and the sharding helpers.

Saving and restoring are graph ops, as in TensorFlow: a Saver adds them to the graph once and
each ``saver.save(sess, path)`` is one ``sess.run`` that feeds the path. Because they are ops,
they run where they are placed: a sharded save puts one ``SaveV2`` on each device that holds
variables (on a ps task of a cluster the ps writes its own shard), and ``MergeV2Checkpoints``
joins the shards' indexes into one checkpoint. The files are a tensor bundle
(`teachflow.ops.checkpoint_bundle`).

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> from teachflow.ops import checkpoint_ops
    >>> prefix = os.path.join(tempfile.mkdtemp(), "ckpt")
    >>> v = tf.constant([1.0, 2.0])
    >>> save = checkpoint_ops.save_v2(prefix, ["v"], [""], [v])
    >>> restore = checkpoint_ops.restore_v2(prefix, ["v"], [""], [tf.float32])
    >>> with tf.Session() as sess:
    ...     sess.run(save)
    ...     print(sess.run(restore[0]))
    [1. 2.]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops import checkpoint_bundle as bundle
from teachflow.ops import file_access
from teachflow.ops.constant_op import constant

__all__ = ["save_v2", "restore_v2", "sharded_filename", "merge_v2_checkpoints", "string_join"]


def _text(value) -> str:
    if isinstance(value, np.ndarray):
        value = value.item()
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _texts(values) -> list:
    return [_text(v) for v in np.asarray(values, dtype=object).reshape(-1)]


def _register_file_op(op_type, infer, kernel, colocate_refs=True):
    # The ops that read or write checkpoint files: stateful (their effect is on the files,
    # not only their outputs), off the scheduling thread (cheap=False: file I/O), without
    # a gradient, and with CPU kernels only, as in TF.
    registry.register(
        op_type,
        infer,
        kernels={"CPU": kernel},
        stateful=True,
        cheap=False,
        not_differentiable=True,
        colocate_refs=colocate_refs,
    )


# -- SaveV2 -------------------------------------------------------------------------------
def _save_kernel(op, device):
    saved_dtypes = list(op._attrs["dtypes"])

    def save(prefix, names, slices, *tensors):
        names = _texts(names)
        if len(names) != len(tensors):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Expected {len(names)} tensors to save, got {len(tensors)}",
            )
        prefix = file_access.confine(_text(prefix))
        bundle.write(prefix, names, [np.asarray(t) for t in tensors], saved_dtypes, _texts(slices))

    return save


# SaveV2 reads variables through their refs but writes none of them, so it is not
# colocated with them (TF's placer only colocates ops whose input *argument* is a ref):
# an unsharded save gathers every variable onto one task.
_register_file_op("SaveV2", lambda op: [], _save_kernel, colocate_refs=False)


def save_v2(prefix, tensor_names, shape_and_slices, tensors, name=None):
    """An op that writes ``tensors`` under ``tensor_names`` to the checkpoint ``prefix``;
    a non-empty ``shape_and_slices`` entry (``"5 2 3,2:0,2"``) saves its tensor as that
    slice of the named full tensor, as a shard of a partitioned variable is saved."""
    tensors = [convert_to_tensor(t) for t in tensors]
    with name_scope(name, "SaveV2") as scope:
        prefix = convert_to_tensor(prefix, dtype=dtypes.string, name="prefix")
        names = constant(list(tensor_names), dtype=dtypes.string, name="tensor_names")
        slices = constant(list(shape_and_slices), dtype=dtypes.string, name="shape_and_slices")
        attrs = {"dtypes": [t.dtype.base_dtype for t in tensors]}
        return get_default_graph().create_op(
            "SaveV2", [prefix, names, slices, *tensors], attrs, name=scope
        )


# -- RestoreV2 ----------------------------------------------------------------------------
def _restore_kernel(op, device):
    wanted = list(op._attrs["dtypes"])

    def restore(prefix, names, slices):
        prefix = file_access.confine(_text(prefix))
        names = _texts(names)
        index = bundle.read_index(prefix)
        _check_dtypes(index, names, wanted)
        values = tuple(
            bundle.read_slice(prefix, index, n, spec, d)
            if spec
            else bundle.read_tensor(prefix, index, n, d)
            for n, spec, d in zip(names, _texts(slices), wanted)
        )
        return values if len(values) != 1 else values[0]

    return restore


def _check_dtypes(index, names, wanted) -> None:
    # TF reports every tensor whose saved dtype differs, one line each (a partitioned
    # variable's slices each say so).
    mismatches = []
    for name, dtype in zip(names, wanted):
        entry = index["tensors"].get(name)
        if entry is None:
            raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
        saved = dtypes.as_dtype(entry["dtype"])
        if dtype.base_dtype is not saved:
            mismatches.append(bundle.dtype_mismatch(name, dtype, saved))
    if mismatches:
        raise errors.InvalidArgumentError(None, None, "\n".join(mismatches))


_register_file_op(
    "RestoreV2", lambda op: [(d, TensorShape(None)) for d in op._attrs["dtypes"]], _restore_kernel
)


def restore_v2(prefix, tensor_names, shape_and_slices, dtypes_, name=None):
    """Tensors read from the checkpoint ``prefix``, one per name (shapes known at run time);
    a non-empty ``shape_and_slices`` entry reads only that slice, however it was saved."""
    with name_scope(name, "RestoreV2") as scope:
        prefix = convert_to_tensor(prefix, dtype=dtypes.string, name="prefix")
        names = constant(list(tensor_names), dtype=dtypes.string, name="tensor_names")
        slices = constant(list(shape_and_slices), dtype=dtypes.string, name="shape_and_slices")
        attrs = {"dtypes": [dtypes.as_dtype(d).base_dtype for d in dtypes_]}
        op = get_default_graph().create_op("RestoreV2", [prefix, names, slices], attrs, name=scope)
        return list(op.outputs)


# -- sharded saves -------------------------------------------------------------------------
def _sharded_filename_kernel(op, device):
    def sharded(basename, shard, num_shards):
        return f"{_text(basename)}-{int(shard):05d}-of-{int(num_shards):05d}".encode()

    return sharded


registry.register(
    "ShardedFilename",
    lambda op: [(dtypes.string, TensorShape([]))],
    kernels={"CPU": _sharded_filename_kernel},
    not_differentiable=True,
)


def sharded_filename(basename, shard, num_shards, name=None):
    """``basename-<shard>-of-<num_shards>``, both numbers five digits wide."""
    with name_scope(name, "ShardedFilename") as scope:
        basename = convert_to_tensor(basename, dtype=dtypes.string)
        shard = convert_to_tensor(shard, dtype=dtypes.int32, name="shard")
        num_shards = convert_to_tensor(num_shards, dtype=dtypes.int32)
        return (
            get_default_graph()
            .create_op("ShardedFilename", [basename, shard, num_shards], {}, name=scope)
            .outputs[0]
        )


def _merge_kernel(op, device):
    delete_old_dirs = op._attrs.get("delete_old_dirs", True)

    def merge(prefixes, destination):
        sources = [file_access.confine(p) for p in _texts(prefixes)]
        bundle.merge(sources, file_access.confine(_text(destination)), delete_old_dirs)

    return merge


_register_file_op("MergeV2Checkpoints", lambda op: [], _merge_kernel)


def merge_v2_checkpoints(checkpoint_prefixes, destination_prefix, delete_old_dirs=True, name=None):
    """An op merging the shard bundles ``checkpoint_prefixes`` into ``destination_prefix``."""
    from teachflow.ops.joining import stack

    with name_scope(name, "MergeV2Checkpoints") as scope:
        prefixes = stack(list(checkpoint_prefixes), name="checkpoint_prefixes")
        destination = convert_to_tensor(destination_prefix, dtype=dtypes.string)
        return get_default_graph().create_op(
            "MergeV2Checkpoints",
            [prefixes, destination],
            {"delete_old_dirs": bool(delete_old_dirs)},
            name=scope,
        )


# -- StringJoin (a sharded save's temporary prefix) -----------------------------------------
def _infer_string_join(op):
    shape = TensorShape([])
    for t in op.inputs:
        if t.shape.ndims != 0:
            shape = t.shape if shape.ndims == 0 else shape.merge_with(t.shape)
    return [(dtypes.string, shape)]


def _string_join_kernel(op, device):
    sep = op._attrs.get("separator", "").encode()

    def join(*parts):
        if all(isinstance(p, (bytes, str)) for p in parts):
            return sep.join(p.encode() if isinstance(p, str) else p for p in parts)
        arrays = np.broadcast_arrays(*[np.asarray(p, dtype=object) for p in parts])
        out = np.empty(arrays[0].shape, dtype=object)
        for i in np.ndindex(out.shape):
            out[i] = sep.join(bytes(a[i]) for a in arrays)
        return out

    return join


registry.register(
    "StringJoin",
    _infer_string_join,
    kernels={"CPU": _string_join_kernel},
    not_differentiable=True,
)


def string_join(inputs, separator="", name=None):
    """Element-wise concatenation of string tensors (scalars broadcast)."""
    inputs = [convert_to_tensor(x, dtype=dtypes.string) for x in inputs]
    return (
        get_default_graph()
        .create_op("StringJoin", inputs, {"separator": separator}, name=name or "StringJoin")
        .outputs[0]
    )
