"""Text ops on string tensors: ``tf.strings.join``, ``length``, ``substr``, ``strip``,
``lower``/``upper``, ``regex_replace``, ``regex_full_match`` and ``reduce_join``.

A string tensor holds bytes, and every op here works on bytes as TensorFlow's kernels do:
``length`` counts bytes (or UTF-8 characters with ``unit="UTF8_CHAR"``), ``lower`` and
``upper`` change ASCII letters only, ``strip`` removes ASCII whitespace. A pattern given as a
Python string becomes an attr of the ``Static...`` op (compiled once); a tensor pattern is an
input of ``RegexReplace``/``RegexFullMatch``. TensorFlow compiles patterns with RE2; Python's
``re`` reads the patterns these programs use the same way (RE2 has no backreferences, and its
rewrite's ``\\0`` is the whole match).

    >>> import teachflow as tf
    >>> s = tf.constant(["Hello World", "  ab c "])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.strings.upper(tf.strings.strip(s))))
    [b'HELLO WORLD' b'AB C']
"""

from __future__ import annotations

import re

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, broadcast_shapes, unknown_shape
from teachflow.ops.op_builder import apply_op
from teachflow.ops.reader_resources import as_bytes
from teachflow.ops.static_value import constant_value

__all__ = [
    "string_join",
    "string_length",
    "substr",
    "string_strip",
    "string_lower",
    "string_upper",
    "regex_replace",
    "regex_full_match",
    "reduce_join",
]


def elementwise(fn, np_dtype=object):
    """``fn`` (bytes -> value) applied to every string of a kernel's input, shape kept."""

    def apply(values):
        arr = np.asarray(values, dtype=object)
        out = np.empty(arr.shape, dtype=np_dtype)
        for i in np.ndindex(arr.shape):
            out[i] = fn(as_bytes(arr[i]))
        return out

    return apply


def _same_shape(out_dtype):
    return lambda op: [(out_dtype, op.inputs[0].shape)]


def _register(op_type, infer, kernel):
    registry.register(op_type, infer, kernels={"CPU": kernel}, not_differentiable=True)


def _utf8_chars(s: bytes) -> int:
    # A UTF-8 character starts at every byte that is not a continuation byte (10xxxxxx).
    return sum(1 for b in s if b & 0xC0 != 0x80)


def _length_kernel(op, device):
    count = _utf8_chars if op._attrs.get("unit", "BYTE") == "UTF8_CHAR" else len
    return elementwise(count, np.int32)


_register("StringLength", _same_shape(dtypes.int32), _length_kernel)
_register("StringStrip", _same_shape(dtypes.string), lambda op, d: elementwise(bytes.strip))
_register("StringLower", _same_shape(dtypes.string), lambda op, d: elementwise(bytes.lower))
_register("StringUpper", _same_shape(dtypes.string), lambda op, d: elementwise(bytes.upper))


# -- Substr --------------------------------------------------------------------------------
def _substr_kernel(op, device):
    utf8 = op._attrs.get("unit", "BYTE") == "UTF8_CHAR"

    def substr(values, pos, length):
        arr = np.asarray(values, dtype=object)
        shape = np.broadcast_shapes(arr.shape, np.shape(pos), np.shape(length))
        arr, pos, length = (
            np.broadcast_to(arr, shape),
            np.broadcast_to(pos, shape),
            np.broadcast_to(length, shape),
        )
        out = np.empty(shape, dtype=object)
        for i in np.ndindex(shape):
            s = as_bytes(arr[i])
            units = s.decode("utf-8", "replace") if utf8 else s
            p, n = int(pos[i]), int(length[i])
            if not -len(units) <= p <= len(units):
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"pos {p} out of range for string {s!r} at index "
                    f"{np.ravel_multi_index(i, shape) if shape else 0}",
                )
            p = p + len(units) if p < 0 else p
            piece = units[p : p + max(n, 0)]
            out[i] = piece.encode("utf-8") if utf8 else piece
        return out

    return substr


def _infer_substr(op):
    shape = op.inputs[0].shape
    for t in op.inputs[1:]:
        shape = broadcast_shapes(shape, t.shape)
    return [(dtypes.string, shape)]


_register("Substr", _infer_substr, _substr_kernel)


# -- regular expressions -------------------------------------------------------------------
def _rewrite(rewrite: bytes) -> bytes:
    # RE2's rewrite names the whole match \0; Python's re calls it \g<0>.
    return re.sub(rb"\\0", rb"\\g<0>", rewrite)


def _compile(pattern: bytes):
    try:
        return re.compile(pattern)
    except re.error as e:
        raise errors.InvalidArgumentError(
            None, None, f"Invalid pattern: {pattern.decode(errors='replace')}, error: {e}"
        ) from None


def _replace_all(values, pattern, rewrite, replace_global):
    compiled = _compile(pattern)
    rewrite = _rewrite(rewrite)
    count = 0 if replace_global else 1
    return elementwise(lambda s: compiled.sub(rewrite, s, count=count))(values)


def _static_regex_replace_kernel(op, device):
    attrs = op._attrs
    pattern, rewrite = attrs["pattern"].encode(), attrs["rewrite"].encode()
    glob = bool(attrs.get("replace_global", True))
    return lambda values: _replace_all(values, pattern, rewrite, glob)


def _regex_replace_kernel(op, device):
    glob = bool(op._attrs.get("replace_global", True))
    return lambda values, pattern, rewrite: _replace_all(
        values, as_bytes(pattern), as_bytes(rewrite), glob
    )


def _full_match(values, pattern):
    compiled = _compile(pattern)
    return elementwise(lambda s: compiled.fullmatch(s) is not None, np.bool_)(values)


_register("StaticRegexReplace", _same_shape(dtypes.string), _static_regex_replace_kernel)
_register("RegexReplace", _same_shape(dtypes.string), _regex_replace_kernel)
_register(
    "StaticRegexFullMatch",
    _same_shape(dtypes.bool_),
    lambda op, d: lambda values: _full_match(values, op._attrs["pattern"].encode()),
)
_register(
    "RegexFullMatch",
    _same_shape(dtypes.bool_),
    lambda op, d: lambda values, pattern: _full_match(values, as_bytes(pattern)),
)


# -- ReduceJoin ----------------------------------------------------------------------------
def _reduce_axes(axes, rank):
    seen = []
    for a in np.ravel(axes).tolist():
        if not -rank <= a < rank:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction dimension {a} for input with {rank} dimensions."
            )
        a = a + rank if a < 0 else a
        if a in seen:
            raise errors.InvalidArgumentError(None, None, f"Duplicate reduction dimension {a}")
        seen.append(a)
    return seen


def _reduce_join_kernel(op, device):
    sep = op._attrs.get("separator", "").encode()
    keep_dims = bool(op._attrs.get("keep_dims", False))

    def reduce_join(values, axes):
        arr = np.asarray(values, dtype=object)
        reduced = _reduce_axes(axes, arr.ndim)
        kept = [a for a in range(arr.ndim) if a not in reduced]
        # The first axis listed varies fastest: TF's reduce_join(a, [0, 1]) of
        # [["a", "b"], ["c", "d"]] is "acbd".
        moved = np.transpose(arr, kept + reduced[::-1])
        rows = moved.reshape([arr.shape[a] for a in kept] + [-1])
        out = np.empty(rows.shape[:-1], dtype=object)
        for i in np.ndindex(out.shape):
            out[i] = sep.join(as_bytes(s) for s in rows[i])
        if keep_dims:
            out = out.reshape([1 if a in reduced else arr.shape[a] for a in range(arr.ndim)])
        return out

    return reduce_join


def _infer_reduce_join(op):
    shape = op.inputs[0].shape
    axes = constant_value(op.inputs[1])
    if axes is None or shape.ndims is None:
        return [(dtypes.string, unknown_shape())]
    rank = shape.ndims
    reduced = {a % rank for a in np.ravel(axes).tolist() if -rank <= a < rank}
    if op._attrs.get("keep_dims", False):
        dims = [1 if a in reduced else d for a, d in enumerate(shape.as_list())]
    else:
        dims = [d for a, d in enumerate(shape.as_list()) if a not in reduced]
    return [(dtypes.string, TensorShape(dims))]


_register("ReduceJoin", _infer_reduce_join, _reduce_join_kernel)


# -- the Python API ------------------------------------------------------------------------
def string_join(inputs, separator="", name=None):
    """Join the strings of ``inputs`` element by element (scalars broadcast), with
    ``separator`` between them: TF's ``StringJoin``."""
    with name_scope(name, "StringJoin", inputs) as scope:
        inputs = [
            convert_to_tensor(x, dtype=dtypes.string, name=f"inputs_{i}" if i else "inputs")
            for i, x in enumerate(inputs)
        ]
        attrs = {"separator": separator}
        return get_default_graph().create_op("StringJoin", inputs, attrs, name=scope).outputs[0]


def string_length(input, name=None, unit="BYTE"):  # noqa: A002 - TF's argument name
    """The length of each string: bytes, or UTF-8 characters with ``unit="UTF8_CHAR"``."""
    _check_unit(unit)
    return apply_op(
        "StringLength", name, [(input, "input", dtypes.string)], {"unit": unit}
    ).outputs[0]


def _check_unit(unit):
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(
            f'Value for attr \'unit\' of "{unit}" is not in the list of allowed values: "BYTE", "UTF8_CHAR"'
        )


def substr(input, pos, len, name=None, unit="BYTE"):  # noqa: A002 - TF's argument names
    """``len`` units of each string from ``pos`` (negative: from the end); ``pos`` and
    ``len`` are scalars or broadcast against ``input``."""
    _check_unit(unit)
    with name_scope(name, "Substr", [input, pos, len]) as scope:
        source = convert_to_tensor(input, dtype=dtypes.string, name="input")
        start = convert_to_tensor(pos, name="pos", preferred_dtype=dtypes.int32)
        count = convert_to_tensor(len, name="len", dtype=start.dtype)
        attrs = {"unit": unit}
        op = get_default_graph().create_op("Substr", [source, start, count], attrs, name=scope)
        return op.outputs[0]


def _unary(op_type, input, name, attrs=None):  # noqa: A002
    return apply_op(op_type, name, [(input, "input", dtypes.string)], attrs).outputs[0]


def string_strip(input, name=None):  # noqa: A002
    """Each string without its leading and trailing ASCII whitespace."""
    return _unary("StringStrip", input, name)


def string_lower(input, encoding="", name=None):  # noqa: A002
    """Each string with its ASCII letters in lower case."""
    return _unary("StringLower", input, name, {"encoding": encoding})


def string_upper(input, encoding="", name=None):  # noqa: A002
    """Each string with its ASCII letters in upper case."""
    return _unary("StringUpper", input, name, {"encoding": encoding})


def _is_python_string(x):
    return isinstance(x, (str, bytes))


def _text(x):
    return x.decode() if isinstance(x, bytes) else x


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    """Each string with the matches of ``pattern`` replaced by ``rewrite`` (all of them, or
    the first with ``replace_global=False``). Python-string patterns and rewrites build
    ``StaticRegexReplace``; tensors build ``RegexReplace``."""
    if _is_python_string(pattern) and _is_python_string(rewrite):
        attrs = {
            "pattern": _text(pattern),
            "rewrite": _text(rewrite),
            "replace_global": bool(replace_global),
        }
        return _unary("StaticRegexReplace", input, name, attrs)
    args = [
        (input, "input", dtypes.string),
        (pattern, "pattern", dtypes.string),
        (rewrite, "rewrite", dtypes.string),
    ]
    return apply_op("RegexReplace", name, args, {"replace_global": bool(replace_global)}).outputs[0]


def regex_full_match(input, pattern, name=None):  # noqa: A002
    """Whether all of each string matches ``pattern``."""
    if _is_python_string(pattern):
        return _unary("StaticRegexFullMatch", input, name, {"pattern": _text(pattern)})
    args = [(input, "input", dtypes.string), (pattern, "pattern", dtypes.string)]
    return apply_op("RegexFullMatch", name, args).outputs[0]


def reduce_join(
    inputs,
    axis=None,
    keep_dims=None,
    separator="",
    name=None,
    reduction_indices=None,
    keepdims=None,
):
    """Join the strings along ``axis`` (all axes, last first, when None). The first axis
    listed varies fastest: for ``[["a", "b"], ["c", "d"]]``, ``[0, 1]`` gives ``"acbd"``."""
    if axis is not None and reduction_indices is not None:
        raise ValueError("Cannot specify both 'axis' and 'reduction_indices'.")
    axis = reduction_indices if axis is None else axis
    keep = keepdims if keepdims is not None else bool(keep_dims)
    with name_scope(None, "ReduceJoin", [inputs, axis]):
        inputs_t = convert_to_tensor(inputs)
        if axis is None:
            if inputs_t.shape.ndims is None:
                raise ValueError("reduce_join with axis=None needs an input of known rank")
            axis = convert_to_tensor(np.arange(inputs_t.shape.ndims - 1, -1, -1, dtype=np.int32))
        args = [(inputs_t, "inputs", None), (axis, "reduction_indices", dtypes.int32)]
        attrs = {"keep_dims": keep, "separator": separator}
        return apply_op("ReduceJoin", name, args, attrs).outputs[0]
