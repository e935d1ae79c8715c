"""``tf.sparse.cross`` and ``tf.sparse.cross_hashed``: feature crosses. For every row of a
batch, every combination of one feature from each input (a SparseTensor's values in that row,
or a dense ``[batch, k]`` tensor's row) becomes one output feature of that row.

As in TensorFlow's kernels, the sparse inputs come first in each combination, then the dense
ones, whatever order they are given in, and the last input varies fastest. ``cross`` joins the
features as strings (``"a_X_d"``; integers written in decimal); ``cross_hashed`` combines
their FarmHash ``Fingerprint64``s (an integer feature is its own hash) with TF's
``FingerprintCat64``, starting from ``hash_key``, modulo ``num_buckets`` (or ``2**63 - 1``).

    >>> import teachflow as tf
    >>> a = tf.SparseTensor([[0, 0], [0, 1]], ["x", "y"], [1, 2])
    >>> crossed = tf.sparse.cross([a, tf.constant([["z"]])])
    >>> with tf.Session() as sess:
    ...     print(sess.run(crossed.values).tolist())
    [b'x_X_z', b'y_X_z']
"""

from __future__ import annotations

import itertools

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.op_builder import invalid, to_host
from teachflow.ops.reader_resources import as_bytes
from teachflow.ops.string_hashes import fingerprint64

__all__ = ["sparse_cross", "sparse_cross_hashed"]

_DEFAULT_HASH_KEY = 0xDECAFCAFFE
_MASK = (1 << 64) - 1
_K_MUL = 0xC6A4A7935BD1E995


def _shift_mix(v):
    return v ^ (v >> 47)


def fingerprint_cat64(fp1: int, fp2: int) -> int:
    """TensorFlow's ``FingerprintCat64``: two 64-bit fingerprints combined into one."""
    result = fp1 ^ _K_MUL
    result ^= (_shift_mix((fp2 * _K_MUL) & _MASK) * _K_MUL) & _MASK
    result = (result * _K_MUL) & _MASK
    result = (_shift_mix(result) * _K_MUL) & _MASK
    return _shift_mix(result)


def _rows(indices, values, shape, dense, batch_size):
    """Per input, per batch row, the list of its features (sparse inputs first)."""
    columns = []
    for idx, vals in zip(indices, values):
        idx, vals = np.asarray(to_host(idx)), np.asarray(to_host(vals))
        rows = [[] for _ in range(batch_size)]
        for b, v in zip(idx[:, 0] if len(idx) else [], vals):
            rows[int(b)].append(v)
        columns.append(rows)
    for d in dense:
        d = np.asarray(to_host(d))
        if d.ndim != 2:
            raise invalid(f"Dense inputs should be a matrix but received shape {list(d.shape)}")
        columns.append([list(d[b]) for b in range(batch_size)])
    return columns


def _as_text(v):
    return as_bytes(v) if isinstance(v, (bytes, str)) else str(int(v)).encode()


def _as_hash(v):
    return fingerprint64(as_bytes(v)) if isinstance(v, (bytes, str)) else int(v) & _MASK


def _cross_kernel(op, device):
    n = op._attrs["N"]
    hashed = op.type == "SparseCross" and op._attrs["hashed_output"]
    num_buckets = op._attrs.get("num_buckets", 0)
    hash_key = op._attrs.get("hash_key", _DEFAULT_HASH_KEY)

    def combine(features, sep):
        if not hashed:
            return sep.join(_as_text(f) for f in features)
        h = hash_key
        for f in features:
            h = fingerprint_cat64(h, _as_hash(f))
        return h % num_buckets if num_buckets > 0 else h % ((1 << 63) - 1)

    def cross(*inputs):
        indices, values, shapes = inputs[:n], inputs[n : 2 * n], inputs[2 * n : 3 * n]
        rest = list(inputs[3 * n :])
        sep = as_bytes(np.asarray(rest.pop())[()]) if op.type == "SparseCrossV2" else b""
        if shapes:
            batch_size = int(np.asarray(to_host(shapes[0]))[0])
        else:
            batch_size = int(np.asarray(to_host(rest[0])).shape[0])
        columns = _rows(indices, values, shapes, rest, batch_size)
        out_idx, out_val, width = [], [], 0
        for b in range(batch_size):
            crossed = [combine(c, sep) for c in itertools.product(*(col[b] for col in columns))]
            out_idx += [[b, j] for j in range(len(crossed))]
            out_val += crossed
            width = max(width, len(crossed))
        dtype = np.int64 if hashed else object
        return (
            np.asarray(out_idx, np.int64).reshape(-1, 2),
            np.asarray(out_val, dtype).reshape(-1),
            np.asarray([batch_size, width], np.int64),
        )

    return cross


def _infer_cross(op):
    out = dtypes.int64 if op.type == "SparseCross" and op._attrs["hashed_output"] else dtypes.string
    return [
        (dtypes.int64, TensorShape([None, 2])),
        (out, TensorShape([None])),
        (dtypes.int64, TensorShape([2])),
    ]


for _type in ("SparseCross", "SparseCrossV2"):
    registry.register(_type, _infer_cross, kernels={"CPU": _cross_kernel}, not_differentiable=True)


def _split_inputs(inputs):
    from teachflow.ops import math_ops

    if not isinstance(inputs, (tuple, list)):
        raise TypeError("Inputs must be a list")
    if not all(isinstance(i, (SparseTensor, Tensor)) for i in inputs):
        raise TypeError("All inputs must be SparseTensors")
    sparse = [i for i in inputs if isinstance(i, SparseTensor)]
    dense = [i for i in inputs if not isinstance(i, SparseTensor)]
    values = [
        v if v.dtype.base_dtype is dtypes.string else math_ops.cast(v, dtypes.int64)
        for v in (s.values for s in sparse)
    ]
    dense = [
        d if d.dtype.base_dtype is dtypes.string else math_ops.cast(d, dtypes.int64) for d in dense
    ]
    return [s.indices for s in sparse], values, [s.dense_shape for s in sparse], dense


def _types(tensors):
    return [t.dtype.base_dtype for t in tensors]


def sparse_cross(inputs, name=None, separator=None):
    """The string crosses of ``inputs`` (SparseTensors and dense ``[batch, k]`` tensors),
    features joined by ``separator`` (``"_X_"``)."""
    sep = convert_to_tensor("_X_" if separator is None else separator, dtypes.string)
    indices, values, shapes, dense = _split_inputs(inputs)
    attrs = {"N": len(indices), "sparse_types": _types(values), "dense_types": _types(dense)}
    tensors = [*indices, *values, *shapes, *dense, sep]
    with name_scope(name, "SparseCrossV2") as scope:
        op = sep.graph.create_op("SparseCrossV2", tensors, attrs, name=scope)
    return SparseTensor(*op.outputs)


def sparse_cross_hashed(inputs, num_buckets=0, hash_key=None, name=None):
    """The hashed crosses of ``inputs``: int64 values in ``[0, num_buckets)`` (or any
    non-negative int64 when ``num_buckets`` is 0)."""
    indices, values, shapes, dense = _split_inputs(inputs)
    internal = (
        dtypes.int64
        if any(t.dtype.base_dtype is dtypes.int64 for t in values + dense)
        else dtypes.string
    )
    attrs = {
        "N": len(indices),
        "hashed_output": True,
        "num_buckets": int(num_buckets),
        "hash_key": int(hash_key or _DEFAULT_HASH_KEY),
        "sparse_types": _types(values),
        "dense_types": _types(dense),
        "out_type": dtypes.int64,
        "internal_type": internal,
    }
    tensors = [*indices, *values, *shapes, *dense]
    with name_scope(name, "SparseCross") as scope:
        op = tensors[0].graph.create_op("SparseCross", tensors, attrs, name=scope)
    return SparseTensor(*op.outputs)
