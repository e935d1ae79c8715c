"""``tf.fingerprint``: an 8-byte FarmHash fingerprint of each row of a tensor.

Row ``i`` of ``data`` (everything under its first index) is hashed with FarmHash's
``Fingerprint64`` (`teachflow.ops.string_hashes.fingerprint64`) and written as 8
little-endian bytes. A number tensor's row is its raw bytes; a string row of one element is
that string; a longer string row is the fingerprints of its strings, concatenated and
fingerprinted again (TF's ``FingerprintOp``), so the strings' boundaries matter.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.fingerprint(tf.constant(["abc"]))))
    [[105 243 231 116 160 179 165  36]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.array_ops import to_host
from teachflow.ops.random_ops import finish
from teachflow.ops.string_hashes import fingerprint64

__all__ = ["fingerprint"]

FINGERPRINT_SIZE = 8


def _fingerprint_bytes(rows: list[bytes]) -> np.ndarray:
    """Each row's Fingerprint64 as 8 little-endian bytes: a [len(rows), 8] uint8 array."""
    hashes = np.array([fingerprint64(r) for r in rows], dtype="<u8")
    return hashes.view(np.uint8).reshape(len(rows), FINGERPRINT_SIZE)


def fingerprint_rows(data: np.ndarray) -> np.ndarray:
    """The Fingerprint op's output for ``data`` (at least 1-D)."""
    dim0 = data.shape[0]
    if dim0 == 0:
        return np.zeros((0, FINGERPRINT_SIZE), np.uint8)
    if data.dtype.kind in "OSU":
        flat = [s if isinstance(s, bytes) else str(s).encode() for s in data.reshape(-1)]
        if data.size == dim0:
            return _fingerprint_bytes(flat).reshape(dim0, FINGERPRINT_SIZE)
        per_string = _fingerprint_bytes(flat).reshape(dim0, -1)
        return _fingerprint_bytes([row.tobytes() for row in per_string])
    raw = np.ascontiguousarray(data).reshape(dim0, -1)
    return _fingerprint_bytes([row.tobytes() for row in raw]).reshape(dim0, FINGERPRINT_SIZE)


def _infer(op):
    data, method = op.inputs
    if data.shape.ndims == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    dim0 = dimension_value(data.shape[0]) if data.shape.ndims else None
    return [(dtypes.uint8, TensorShape([dim0, FINGERPRINT_SIZE]))]


def _kernel(op, device):
    def compute(data, method):
        method = to_host(method)
        method = method.item() if isinstance(method, np.ndarray) else method
        if method != b"farmhash64":
            raise errors.InvalidArgumentError(
                None, None, f"Unsupported fingerprint method: {method.decode(errors='replace')}"
            )
        data = np.asarray(to_host(data))
        if data.ndim == 0:
            raise errors.InvalidArgumentError(
                None, None, "`data` should have at least one dimension."
            )
        return finish(fingerprint_rows(data), device)

    return compute


registry.register("Fingerprint", _infer, kernels={"CPU": _kernel}, not_differentiable=True)


def fingerprint(data, method="farmhash64", name=None):
    """8 bytes of FarmHash ``Fingerprint64`` per row of ``data``: uint8 ``[data.shape[0], 8]``.

    The fingerprint depends on the values, the dtype and the shape below the first index,
    and is the same on every machine. Raises InvalidArgumentError when run for a ``method``
    other than "farmhash64".
    """
    with name_scope(name, "Fingerprint", [data]) as scope:
        data = convert_to_tensor(data, name="data")
        method = convert_to_tensor(method, dtype=dtypes.string, name="method")
        return data.graph.create_op(
            "Fingerprint", [data, method], {"T": data.dtype.base_dtype}, name=scope
        ).outputs[0]
