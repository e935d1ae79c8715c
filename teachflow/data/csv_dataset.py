"""``tf.data.experimental.CsvDataset``: the records of CSV files as typed columns (op
``CSVDatasetV2``), without a ``map(decode_csv)``.

A record ends at a newline outside quotes, so a quoted field may hold newlines and
delimiters; ``header=True`` skips each file's first record. Each column has a type from
``record_defaults``: a dtype (or an empty tensor) makes it required, a one-value list or tensor
gives its default for an empty field or one equal to ``na_value``. ``select_cols`` picks
the columns parsed. A bad record fails that element with TF's words
(``Field 0 is required but missing in record!``); the next ``get_next`` reads on.

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(path, "w").write('x,y\\n1,"a,b"\\n2,\\n')
    >>> ds = tf.data.experimental.CsvDataset([path], [tf.int32, ["none"]], header=True)
    >>> nxt = tf.data.make_one_shot_iterator(ds).get_next()
    >>> with tf.Session() as sess:
    ...     print([sess.run(nxt)[1] for _ in range(2)])
    [b'a,b', b'none']
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.inference import fixed
from teachflow.framework.shapes import TensorShape
from teachflow.ops.reader_resources import as_bytes

from . import datasets as ds
from .dataset_ops import Dataset
from .structure import TensorSpec

__all__ = ["CsvDataset"]

_TYPES = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64, dtypes.string)
_NAMES = {dtypes.int32: "int32", dtypes.int64: "int64", dtypes.float32: "float",
          dtypes.float64: "double"}  # fmt: skip


def _is_dtype(d) -> bool:
    return isinstance(d, dtypes.DType) or (isinstance(d, type) and issubclass(d, np.generic))


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


class _RecordError(Exception):
    """A record that fails: its message, and where the scan stopped (its line is skipped)."""

    def __init__(self, message, pos):
        super().__init__(message)
        self.pos = pos


def _field(data: bytes, pos: int, delim: int, use_quote: bool):
    """One field at ``pos``: ``(value, end)``, ``end`` at the delimiter, newline or end that
    follows it (a quoted field may hold delimiters, newlines and doubled quotes)."""
    n = len(data)
    if use_quote and pos < n and data[pos] == 0x22:
        out, i = bytearray(), pos + 1
        while True:
            if i >= n:
                raise _RecordError("Quoted field has to end with quote followed by delim or end", i)
            if data[i] == 0x22:
                if i + 1 < n and data[i + 1] == 0x22:
                    out.append(0x22)
                    i += 2
                    continue
                if i + 1 >= n or data[i + 1] in (delim, 0x0A, 0x0D):
                    return bytes(out), i + 1
                raise _RecordError("Quote inside a string has to be escaped by another quote", i)
            out.append(data[i])
            i += 1
    i = pos
    while i < n and data[i] not in (delim, 0x0A, 0x0D):
        if use_quote and data[i] == 0x22:
            raise _RecordError("Unquoted fields cannot have quotes inside", i)
        i += 1
    return data[pos:i], i


def _end_of_line(data: bytes, pos: int) -> int:
    """Past the newline ending the line that holds ``pos`` (CRLF too)."""
    i = data.find(b"\n", pos)
    return len(data) if i < 0 else i + 1


class CsvRecords(ds.DatasetValue):
    """The parsed records of every file in turn (see the module's docstring)."""

    def __init__(self, filenames, compression, header, delim, use_quote, na_value, select,
                 exclude, defaults, types):  # fmt: skip
        self.filenames = [bytes(f) for f in np.asarray(filenames, dtype=object).reshape(-1)]
        self.decompress = ds._decompressor(compression)
        self.header, self.use_quote = bool(header), bool(use_quote)
        if len(delim) != 1:
            raise _invalid("field_delim should be only 1 char")
        self.delim = delim[0]
        self.na_value = na_value
        self.select = [int(c) for c in np.reshape(select, -1)] or None
        self.exclude = {int(c) for c in np.reshape(exclude, -1)}
        if self.select is not None and self.exclude:
            raise _invalid("Either select_cols or exclude_cols should be empty")
        self.types = types
        self.defaults = []
        for i, (d, t) in enumerate(zip(defaults, types)):
            d = np.asarray(d, dtype=object if t is dtypes.string else None).reshape(-1)
            if d.size > 1:
                raise _invalid(f"Shape of a default must be a length-0 or length-1 vector: {i}")
            self.defaults.append(d[0] if d.size else None)

    def iterate(self):
        for filename in self.filenames:
            data = ds._file_contents(filename, self.decompress)
            pos = _end_of_line(data, 0) if self.header else 0
            while pos < len(data):
                try:
                    values, pos = self._record(data, pos)
                    yield values
                except _RecordError as e:
                    pos = _end_of_line(data, e.pos)
                    yield ds.ElementError(_invalid(str(e)))

    def _record(self, data: bytes, pos: int):
        """One record's values, parsed field by field as TF's CSVDatasetV2 does (a required
        field that is empty fails at once); and where the next record starts."""
        n, want = len(data), len(self.types)
        values, column, parsed = [], 0, 0
        while True:
            field, pos = _field(data, pos, self.delim, self.use_quote)
            kept = (self.select is None or column in self.select) and column not in self.exclude
            if kept:
                if parsed >= want:
                    raise _RecordError(f"Expect {want} fields but have more in record", pos)
                values.append(self._value(field, parsed, pos))
                parsed += 1
            column += 1
            if pos < n and data[pos] == self.delim:
                pos += 1
                continue
            break  # a newline or the end ends the record
        if pos < n and data[pos] == 0x0D:
            pos += 1
        if pos < n and data[pos] == 0x0A:
            pos += 1
        if parsed < want:
            raise _RecordError(f"Expect {want} fields but have {parsed} in record", pos - 1)
        return tuple(values), pos

    def _value(self, field: bytes, f: int, pos: int):
        dtype, default = self.types[f], self.defaults[f]
        if not field or field == self.na_value:
            if default is None:
                raise _RecordError(f"Field {f} is required but missing in record!", pos)
            if dtype is dtypes.string:
                return bytes(default)
            return np.asarray(default, dtype=dtype.as_numpy_dtype)[()]
        if dtype is dtypes.string:
            return field
        try:
            return self._number(field, f, dtype)
        except errors.InvalidArgumentError as e:
            raise _RecordError(e.message, pos) from None

    @staticmethod
    def _number(field, f, dtype):
        np_type = dtype.as_numpy_dtype
        try:
            if dtype.is_integer:
                value = int(field)
                if np.iinfo(np_type).min <= value <= np.iinfo(np_type).max:
                    return np_type(value)
            else:
                return np_type(float(field))
        except ValueError:
            pass
        raise _invalid(
            f"Field {f} in record is not a valid {_NAMES[dtype]}: {field.decode(errors='replace')}"
        )


def _csv_kernel(op, device):
    types = list(op._attrs["output_types"])

    def build(filenames, compression, buffer_size, header, delim, use_quote, na_value,
              select, *rest):  # fmt: skip
        defaults, exclude = rest[:-1], rest[-1]
        return CsvRecords(
            filenames, as_bytes(compression), header, as_bytes(delim), use_quote,
            as_bytes(na_value), select, exclude, defaults, types,
        )  # fmt: skip

    return build


registry.register(
    "CSVDatasetV2",
    fixed((dtypes.variant, [])),
    kernels={"CPU": _csv_kernel},
    not_differentiable=True,
)


class CsvDataset(Dataset):
    """A dataset of CSV records, each a tuple of scalars typed by ``record_defaults`` (see
    the module's docstring); TF's ``tf.data.experimental.CsvDataset``."""

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None,
                 header=False, field_delim=",", use_quote_delim=True, na_value="",
                 select_cols=None):  # fmt: skip
        names = convert_to_tensor(filenames, dtype=dtypes.string, name="filenames")
        compression = convert_to_tensor(
            compression_type or "", dtype=dtypes.string, name="compression_type"
        )
        # As TF: a dtype becomes an empty constant first, then the rest are converted.
        defaults = [
            convert_to_tensor([], dtype=dtypes.as_dtype(d)) if _is_dtype(d) else d
            for d in record_defaults
        ]
        defaults = [
            d if hasattr(d, "op") else convert_to_tensor(d, name=f"record_defaults_{i}")
            for i, d in enumerate(defaults)
        ]
        for d in defaults:
            if d.dtype.base_dtype not in _TYPES:
                raise TypeError(f"{d.dtype.name} is not a valid CSV column type")
        scalars = [
            convert_to_tensor(buffer_size or 4 * 1024 * 1024, dtype=dtypes.int64,
                              name="buffer_size"),
            convert_to_tensor(bool(header), dtype=dtypes.bool_, name="header"),
            convert_to_tensor(field_delim, dtype=dtypes.string, name="field_delim"),
            convert_to_tensor(bool(use_quote_delim), dtype=dtypes.bool_, name="use_quote_delim"),
            convert_to_tensor(na_value, dtype=dtypes.string, name="na_value"),
            convert_to_tensor(list(select_cols or []), dtype=dtypes.int64, name="select_cols"),
        ]  # fmt: skip
        # TF 1's CsvDataset has no exclude_cols; its op input is empty.
        exclude = convert_to_tensor([], dtype=dtypes.int64, name="exclude_cols")
        spec = tuple(TensorSpec(d.dtype.base_dtype, TensorShape([])) for d in defaults)
        inputs = [names, compression, *scalars, *defaults, exclude]
        attrs = {"output_types": [s.dtype for s in spec],
                 "output_shapes": [TensorShape([]) for _ in spec]}  # fmt: skip
        variant = names.graph.create_op("CSVDatasetV2", inputs, attrs, name="CSVDatasetV2")
        super().__init__(variant.outputs[0], spec)
