"""Turning strings into numbers: ``tf.decode_csv``, ``tf.string_to_number``, ``tf.decode_raw``.

These are the decoders a reader's records go through. ``decode_csv`` splits each record
into fields the way TensorFlow's ``DecodeCSV`` kernel does (RFC 4180 quoting, a default
per column, an empty default marking a required column) and gives one tensor per column
with the dtype of that column's default.

    >>> import teachflow as tf
    >>> a, b = tf.decode_csv(["1,x", "2,"], record_defaults=[[0], ["none"]])
    >>> with tf.Session() as sess:
    ...     print(sess.run([a, b]))
    [array([1, 2], dtype=int32), array([b'x', b'none'], dtype=object)]
"""

from __future__ import annotations

import re

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value

__all__ = ["decode_csv", "decode_raw", "string_to_number"]

_CSV_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64, dtypes.string)
_NUMBER_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)
_INT = re.compile(rb"\s*[+-]?[0-9]+\s*\Z")


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


# -- numbers from text, with TensorFlow's rules (safe_strto32, safe_strtof) --------------
def _parse_int(text: bytes, np_type):
    """An int of ``np_type`` or None: decimal digits only, surrounding spaces allowed."""
    if not _INT.match(text):
        return None
    value = int(text)
    info = np.iinfo(np_type)
    return np_type(value) if info.min <= value <= info.max else None


def _parse_float(text: bytes, np_type):
    """A float of ``np_type`` or None; "nan", "inf" and exponents are numbers too."""
    t = text.strip()
    # Python's float() also takes "1_000"; TensorFlow's parser does not.
    if not t or b"_" in t:
        return None
    try:
        return np_type(float(t))
    except ValueError:
        return None


_PARSERS = {
    dtypes.int32: (_parse_int, "int32"),
    dtypes.int64: (_parse_int, "int64"),
    dtypes.float32: (_parse_float, "float"),
    dtypes.float64: (_parse_float, "double"),
}


# -- DecodeCSV -------------------------------------------------------------------------
def split_record(record: bytes, delim: int, use_quote: bool, select_cols) -> list:
    """The fields of one CSV record (TensorFlow's ``DecodeCSVOp::ExtractFields``)."""
    fields = []
    n = len(record)
    i = parsed = chosen = 0
    quote, cr, lf = 0x22, 0x0D, 0x0A

    def wanted():
        return select_cols is None or select_cols[chosen] == parsed

    while i < n:
        if record[i] in (cr, lf):
            i += 1
            continue
        include = wanted()
        field = bytearray()
        if use_quote and record[i] == quote:
            i += 1
            # A quoted field ends with a quote followed by the delimiter or the end; a
            # quote inside it is written twice.
            while i < n - 1 and (record[i] != quote or record[i + 1] != delim):
                if record[i] != quote:
                    field.append(record[i])
                    i += 1
                elif record[i + 1] == quote:
                    field.append(quote)
                    i += 2
                else:
                    raise _invalid("Quote inside a string has to be escaped by another quote")
            if not (i < n and record[i] == quote and (i == n - 1 or record[i + 1] == delim)):
                raise _invalid("Quoted field has to end with quote followed by delim or end")
            i += 2
        else:
            while i < n and record[i] != delim:
                c = record[i]
                if (use_quote and c == quote) or c in (cr, lf):
                    raise _invalid("Unquoted fields cannot have quotes/CRLFs inside")
                field.append(c)
                i += 1
            i += 1
        parsed += 1
        if include:
            fields.append(bytes(field))
            chosen += 1
            if select_cols is not None and chosen == len(select_cols):
                return fields
    # "a," ends with an empty last field.
    if n and record[n - 1] == delim and wanted():
        fields.append(b"")
    return fields


def _column_value(field, f, i, dtype, default, na_value):
    if not field or field == na_value:
        if default is None:
            raise _invalid(f"Field {f} is required but missing in record {i}!")
        return default
    if dtype is dtypes.string:
        return field
    parse, type_name = _PARSERS[dtype]
    value = parse(field, dtype.as_numpy_dtype)
    if value is None:
        raise _invalid(
            f"Field {f} in record {i} is not a valid {type_name}: {field.decode(errors='replace')}"
        )
    return value


def _decode_csv_kernel(op, device):
    attrs = op._attrs
    out_types = list(attrs["OUT_TYPE"])
    delim_text = attrs["field_delim"]
    use_quote = attrs["use_quote_delim"]
    na_value = attrs["na_value"].encode()
    select_cols = list(attrs["select_cols"]) or None

    def decode(records, *defaults):
        if len(delim_text) != 1:
            raise _invalid("field_delim should be only 1 char")
        delim = ord(delim_text)
        first = []
        for f, d in enumerate(defaults):
            d = np.asarray(d, dtype=object if out_types[f] is dtypes.string else None)
            if d.size > 1:
                raise _invalid(f"Shape of a default must be a length-0 or length-1 vector: {f}")
            first.append(d.reshape(-1)[0] if d.size == 1 else None)
        rec = np.asarray(records, dtype=object)
        columns = [[] for _ in out_types]
        for i, record in enumerate(rec.reshape(-1)):
            record = record.encode() if isinstance(record, str) else bytes(record)
            fields = split_record(record, delim, use_quote, select_cols)
            if len(fields) != len(out_types):
                raise _invalid(
                    f"Expect {len(out_types)} fields but have {len(fields)} in record {i}"
                )
            for f, dtype in enumerate(out_types):
                columns[f].append(_column_value(fields[f], f, i, dtype, first[f], na_value))
        outs = []
        for f, dtype in enumerate(out_types):
            np_type = dtype.as_numpy_dtype
            col = np.empty(len(columns[f]), dtype=np_type)
            col[:] = columns[f]
            col = col.reshape(rec.shape)
            outs.append(col[()] if col.ndim == 0 else col)
        return tuple(outs)

    return decode


def _decode_csv_infer(op):
    for d in op.inputs[1:]:
        shape = d.shape
        if shape.rank is not None and (
            shape.rank > 1
            or (
                shape.rank == 1
                and dimension_value(shape[0]) is not None
                and dimension_value(shape[0]) > 1
            )
        ):
            raise ValueError(
                "Shape of a default must be a length-0 or length-1 vector, or a scalar."
            )
    shape = op.inputs[0].shape
    return [(t, shape) for t in op._attrs["OUT_TYPE"]]


registry.register("DecodeCSV", _decode_csv_infer, _decode_csv_kernel, not_differentiable=True)


def decode_csv(
    records,
    record_defaults,
    field_delim=",",
    use_quote_delim=True,
    name=None,
    na_value="",
    select_cols=None,
):
    """Split CSV ``records`` into one tensor per column, typed by ``record_defaults``.

    Each default is a one-element list or tensor (``[0]``, ``[1.0]``, ``["x"]``) used for
    an empty field, or an empty one (``[]`` / ``tf.constant([], tf.int32)``) for a
    required column (InvalidArgumentError "Field 0 is required but missing in record
    0!"). Fields are separated by ``field_delim`` and may be quoted (``"a,b"``, a quote
    written ``""``) when ``use_quote_delim``. ``na_value`` is read as missing;
    ``select_cols`` keeps only those columns (strictly increasing indices).

    >>> import teachflow as tf
    >>> x, y = tf.decode_csv("3,0.5", record_defaults=[[0], [1.0]])
    >>> x.dtype, y.dtype, x.shape
    (tf.int32, tf.float32, TensorShape([]))
    """
    if select_cols is not None:
        select_cols = [int(c) for c in select_cols]
        if any(b <= a for a, b in zip(select_cols, select_cols[1:])):
            raise ValueError("select_cols is not strictly increasing.")
        if select_cols and select_cols[0] < 0:
            raise ValueError("select_cols contains negative values.")
        if len(select_cols) != len(record_defaults):
            raise ValueError("Length of select_cols and record_defaults do not match.")
    with name_scope(name, "DecodeCSV") as scope:
        records = convert_to_tensor(records, dtype=dtypes.string, name="records")
        defaults = []
        for i, d in enumerate(record_defaults):
            if isinstance(d, (list, tuple)) and len(d) == 0:
                d = convert_to_tensor(d, dtype=dtypes.float32, name=f"record_defaults_{i}")
            elif isinstance(d, (list, tuple)):
                # TF reads a list's numpy scalars as Python numbers: [np.int64(1)] is int32.
                d = [x.item() if isinstance(x, np.generic) else x for x in d]
                d = convert_to_tensor(d, name=f"record_defaults_{i}")
            else:
                d = convert_to_tensor(d, name=f"record_defaults_{i}")
            if d.dtype.base_dtype not in _CSV_TYPES:
                raise TypeError(
                    "Value passed to parameter 'record_defaults' has DataType "
                    f"{d.dtype.base_dtype.name} not in list of allowed values: "
                    "float32, float64, int32, int64, string"
                )
            defaults.append(d)
        attrs = {
            "OUT_TYPE": [d.dtype.base_dtype for d in defaults],
            "field_delim": field_delim,
            "use_quote_delim": bool(use_quote_delim),
            "na_value": na_value,
            "select_cols": list(select_cols or []),
        }
        op = get_default_graph().create_op("DecodeCSV", [records, *defaults], attrs, name=scope)
        return list(op.outputs)


# -- StringToNumber ----------------------------------------------------------------------
def _string_to_number_kernel(op, device):
    out = op._attrs["out_type"]
    parse = _PARSERS[out][0]
    np_type = out.as_numpy_dtype

    def convert(strings):
        arr = np.asarray(strings, dtype=object)
        result = np.empty(arr.shape, dtype=np_type)
        flat = result.reshape(-1)
        for k, s in enumerate(arr.reshape(-1)):
            s = s.encode() if isinstance(s, str) else bytes(s)
            value = parse(s, np_type)
            if value is None:
                raise _invalid(
                    "StringToNumberOp could not correctly convert string: "
                    f"{s.decode(errors='replace')}"
                )
            flat[k] = value
        return result[()] if result.ndim == 0 else result

    return convert


registry.register(
    "StringToNumber",
    lambda op: [(op._attrs["out_type"], op.inputs[0].shape)],
    _string_to_number_kernel,
    not_differentiable=True,
)


def string_to_number(string_tensor, out_type=dtypes.float32, name=None):
    """Parse each string as a number of ``out_type`` (float32, float64, int32, int64).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.string_to_number(["1.5", "2"])))
    [1.5 2. ]
    """
    out_type = dtypes.as_dtype(out_type)
    if out_type not in _NUMBER_TYPES:
        raise TypeError(
            f"Value passed to parameter 'out_type' has DataType {out_type.name} not in list "
            "of allowed values: float32, float64, int32, int64"
        )
    with name_scope(name, "StringToNumber") as scope:
        t = convert_to_tensor(string_tensor, dtype=dtypes.string, name="string_tensor")
        op = get_default_graph().create_op(
            "StringToNumber", [t], {"out_type": out_type}, name=scope
        )
        return op.outputs[0]


# -- DecodeRaw ---------------------------------------------------------------------------
def _decode_raw_kernel(op, device):
    out = op._attrs["out_type"]
    little = op._attrs["little_endian"]
    np_type = np.dtype(out.as_numpy_dtype)
    wire = np_type.newbyteorder("<" if little else ">")
    size = np_type.itemsize

    def decode(raw):
        arr = np.asarray(raw, dtype=object)
        items = [s.encode() if isinstance(s, str) else bytes(s) for s in arr.reshape(-1)]
        if not items:
            return np.zeros(arr.shape + (0,), dtype=np_type)
        n = len(items[0])
        if n % size:
            raise _invalid(
                f"Input to DecodeRaw has length {n} that is not a multiple of {size}, the "
                f"size of {out.name}"
            )
        for k, s in enumerate(items):
            if len(s) != n:
                raise _invalid(
                    "DecodeRaw requires input strings to all be the same size, but element "
                    f"{k} has size {n} != {len(s)}"  # TF's words: the first size comes first
                )
        flat = np.frombuffer(b"".join(items), dtype=wire).astype(np_type)
        return flat.reshape(arr.shape + (n // size,))

    return decode


_RAW_TYPES = (
    dtypes.float16,
    dtypes.float32,
    dtypes.float64,
    dtypes.int8,
    dtypes.int16,
    dtypes.int32,
    dtypes.int64,
    dtypes.uint8,
    dtypes.bool_,
)

registry.register(
    "DecodeRaw",
    lambda op: [(op._attrs["out_type"], op.inputs[0].shape.concatenate(TensorShape([None])))],
    _decode_raw_kernel,
    not_differentiable=True,
)


def decode_raw(input_bytes=None, out_type=None, little_endian=True, name=None, bytes=None):  # noqa: A002 - TF's argument name
    """Reinterpret the bytes of each string as a vector of ``out_type`` numbers.

    All strings must have the same length (a multiple of the type's size); the result
    has the input's shape plus one dimension.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.decode_raw(tf.constant(b"\\x01\\x02"), tf.uint8)))
    [1 2]
    """
    if input_bytes is None:
        input_bytes = bytes
    if input_bytes is None:
        raise ValueError("decode_raw needs input_bytes")
    out_type = dtypes.as_dtype(out_type)
    if out_type not in _RAW_TYPES:
        raise TypeError(
            f"Value passed to parameter 'out_type' has DataType {out_type.name} not in list "
            "of allowed values: float16, float32, float64, int32, uint8, int16, int8, int64, "
            "bool"
        )
    with name_scope(name, "DecodeRaw") as scope:
        t = convert_to_tensor(input_bytes, dtype=dtypes.string, name="bytes")
        attrs = {"out_type": out_type, "little_endian": bool(little_endian)}
        return get_default_graph().create_op("DecodeRaw", [t], attrs, name=scope).outputs[0]
