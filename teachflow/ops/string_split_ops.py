"""``tf.string_split``: each string of a vector cut into tokens, as one `SparseTensor`.

Row ``i`` of the result holds the tokens of ``source[i]``: the text between any two characters
of ``delimiter`` (every character is a delimiter of its own, as TensorFlow's ``StringSplit``
kernel reads it), or each byte when ``delimiter`` is empty. ``skip_empty`` (the default) drops
the empty tokens two adjacent delimiters make; an empty string has no tokens either way. The
dense shape is ``[rows, most tokens in a row]``.

    >>> import teachflow as tf
    >>> words = tf.string_split(["hello world", "a  b"])
    >>> with tf.Session() as sess:
    ...     value = sess.run(words)
    >>> value.values.tolist(), value.dense_shape.tolist()
    ([b'hello', b'world', b'a', b'b'], [2, 2])
"""

from __future__ import annotations

import re

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.op_builder import check_rank
from teachflow.ops.reader_resources import as_bytes

__all__ = ["string_split"]


def tokens(text: bytes, delimiter: bytes, skip_empty: bool) -> list:
    """The tokens of one string, as the ``StringSplit`` kernel cuts it."""
    if not text:
        return []
    if not delimiter:
        return [text[i : i + 1] for i in range(len(text))]
    parts = re.split(b"[" + re.escape(delimiter) + b"]", text)
    return [p for p in parts if p] if skip_empty else parts


def _string_split_kernel(op, device):
    skip_empty = bool(op._attrs["skip_empty"])

    def string_split(source, delimiter):
        if np.ndim(delimiter) != 0:
            raise errors.InvalidArgumentError(
                None, None, f"delimiter must be a scalar, got shape: {list(np.shape(delimiter))}"
            )
        if np.ndim(source) != 1:
            raise errors.InvalidArgumentError(
                None, None, f"input must be a vector, got shape: {list(np.shape(source))}"
            )
        sep = as_bytes(delimiter)
        rows = [tokens(as_bytes(s), sep, skip_empty) for s in source]
        indices = [(i, j) for i, row in enumerate(rows) for j in range(len(row))]
        values = np.empty(len(indices), dtype=object)
        values[:] = [t for row in rows for t in row]
        longest = max((len(row) for row in rows), default=0)
        return (
            np.array(indices, dtype=np.int64).reshape(-1, 2),
            values,
            np.array([len(rows), longest], dtype=np.int64),
        )

    return string_split


def _infer_string_split(op):
    source, delimiter = op.inputs
    check_rank(source.shape, 1)
    check_rank(delimiter.shape, 0)
    return [
        (dtypes.int64, TensorShape([None, 2])),
        (dtypes.string, TensorShape([None])),
        (dtypes.int64, TensorShape([2])),
    ]


registry.register(
    "StringSplit",
    _infer_string_split,
    kernels={"CPU": _string_split_kernel},
    not_differentiable=True,
)


def string_split(
    source, sep=None, skip_empty=True, delimiter=None, result_type="SparseTensor", name=None
):
    """The tokens of each string of the vector ``source``: a `SparseTensor` whose row ``i``
    holds ``source[i]`` cut at any character of ``sep`` (``delimiter`` is its older name; a
    space by default; every byte when empty). ValueError when ``source`` is not a vector."""
    if sep is not None and delimiter is not None:
        raise ValueError("Cannot specify both 'sep' and 'delimiter'")
    if result_type != "SparseTensor":
        raise ValueError(
            f"result_type {result_type!r}: teachflow has no RaggedTensor; use 'SparseTensor'"
        )
    sep = delimiter if sep is None else sep
    with name_scope(name, "StringSplit", [source]):
        sep = convert_to_tensor(" " if sep is None else sep, dtype=dtypes.string)
        source = convert_to_tensor(source, dtype=dtypes.string)
        op = get_default_graph().create_op(
            "StringSplit", [source, sep], {"skip_empty": bool(skip_empty)}, name="StringSplit"
        )
    return SparseTensor(*op.outputs)


# -- StringSplitV2: tf.strings.split (a SparseTensor under tf.compat.v1) --------------------
def _split_v2_kernel(op, device):
    maxsplit = int(op._attrs.get("maxsplit", -1))

    def string_split_v2(source, sep):
        sep = as_bytes(sep)
        rows = []
        for s in np.ravel(np.asarray(source, dtype=object)):
            s = as_bytes(s)
            # An empty sep splits at runs of whitespace, as Python's str.split() does; a
            # given sep cuts at each occurrence and keeps the empty tokens (an empty string
            # is one empty token).
            rows.append(s.split(sep or None, maxsplit))
        indices = [(i, j) for i, row in enumerate(rows) for j in range(len(row))]
        values = np.empty(len(indices), dtype=object)
        values[:] = [t for row in rows for t in row]
        longest = max((len(row) for row in rows), default=0)
        return (
            np.array(indices, dtype=np.int64).reshape(-1, 2),
            values,
            np.array([len(rows), longest], dtype=np.int64),
        )

    return string_split_v2


registry.register(
    "StringSplitV2",
    _infer_string_split,
    kernels={"CPU": _split_v2_kernel},
    not_differentiable=True,
)


def strings_split(
    input=None, sep=None, maxsplit=-1, result_type="SparseTensor", source=None, name=None
):  # noqa: A002
    """``tf.compat.v1.strings.split``: each string of a vector cut at ``sep`` (at runs of
    whitespace when None), at most ``maxsplit`` times, as a `SparseTensor`. TF's RaggedTensor
    result is not built: teachflow has no RaggedTensor."""
    if input is not None and source is not None:
        raise ValueError("Cannot specify both 'input' and 'source'")
    text = source if input is None else input
    if result_type != "SparseTensor":
        raise ValueError(
            f"result_type {result_type!r}: teachflow has no RaggedTensor; use 'SparseTensor'"
        )
    with name_scope(name, "StringSplit", [text]):
        source = convert_to_tensor(text, dtype=dtypes.string, name="input")
        sep = convert_to_tensor("" if sep is None else sep, dtype=dtypes.string)
        op = get_default_graph().create_op(
            "StringSplitV2", [source, sep], {"maxsplit": int(maxsplit)}, name="StringSplitV2"
        )
    return SparseTensor(*op.outputs)
