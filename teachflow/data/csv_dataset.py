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

import functools
import re

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.inference import fixed
from teachflow.framework.shapes import TensorShape
from teachflow.ops.reader_resources import as_bytes

from . import datasets as ds
from .dataset_ops import Dataset
from .structure import TensorSpec

__all__ = ["CsvDataset", "make_csv_dataset"]

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
    found = _stops(delim).search(data, pos)
    end = found.start() if found else n
    field = data[pos:end]
    if use_quote and b'"' in field:
        raise _RecordError("Unquoted fields cannot have quotes inside", pos + field.index(b'"'))
    return field, end


@functools.cache
def _stops(delim: int):
    """What ends an unquoted field: the delimiter or a line break (one regex search, not a
    Python loop per character)."""
    return re.compile(b"[" + re.escape(bytes([delim])) + b"\r\n]")


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


# -- make_csv_dataset ------------------------------------------------------------------------
_INFERRED = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64, dtypes.string)


def _valid(text: str, dtype) -> bool:
    try:
        if dtype is dtypes.int32:
            return np.int32(text) == np.int64(text)
        if dtype is dtypes.int64:
            np.int64(text)
            return True
        if dtype in (dtypes.float32, dtypes.float64):
            return dtype.as_numpy_dtype(text) < np.inf
    except (ValueError, OverflowError):
        return False
    return True


def _infer_type(text: str, na_value: str, previous):
    """TF's _infer_type: the least permissive type that still admits the column so far."""
    if text in ("", na_value):
        return previous
    for i, dtype in enumerate(_INFERRED):
        if _valid(text, dtype) and (previous is None or previous in _INFERRED[: i + 1]):
            return dtype
    return dtypes.string


def _csv_rows(filename, delim, use_quote, compression):
    import csv
    import gzip

    opener = (lambda f: gzip.open(f, "rt")) if compression == "GZIP" else open
    quoting = csv.QUOTE_MINIMAL if use_quote else csv.QUOTE_NONE
    with opener(filename) as f:
        yield from csv.reader(f, delimiter=delim, quoting=quoting)


def _column_names(filenames, delim, use_quote, compression):
    names = None
    for filename in filenames:
        try:
            header = next(_csv_rows(filename, delim, use_quote, compression))
        except StopIteration:
            raise ValueError(
                f"Failed when reading the header line of {filename}. Is it an empty file?"
            ) from None
        if names is None:
            names = header
        elif header != names:
            raise ValueError(
                "All input CSV files should have the same column names in the header row. "
                f"File {filename} has different column names."
            )
    return names


def _column_defaults(filenames, names, delim, use_quote, na_value, header, rows, select,
                     compression):  # fmt: skip
    """Constants of the types TF infers from the first ``rows`` records (0 or "")."""
    from teachflow.ops.constant_op import constant

    columns = select if select is not None else range(len(names))
    types = [None] * len(columns)
    seen = 0
    for filename in filenames:
        reader = _csv_rows(filename, delim, use_quote, compression)
        if header:
            next(reader, None)
        for row_number, row in enumerate(reader, start=2 if header else 1):
            if rows is not None and seen >= rows:
                break
            if len(row) != len(names):
                raise ValueError(
                    f"Problem inferring types: CSV row {row_number} has {len(row)} number of "
                    f"fields. Expected: {len(names)}."
                )
            for j, c in enumerate(columns):
                types[j] = _infer_type(row[c], na_value, types[j])
            seen += 1
    types = [t or dtypes.string for t in types]
    return [constant([0 if t is not dtypes.string else ""], dtype=t) for t in types]


def _selected_indices(select_columns, names):
    index = {n: i for i, n in enumerate(names)}
    out = []
    for v in select_columns:
        if isinstance(v, int):
            if not 0 <= v < len(names):
                raise ValueError(
                    f"Column index {v} specified in `select_columns` should be > 0  and <= "
                    f"{len(names)}, which is the number of columns."
                )
            out.append(v)
        elif v not in index:
            raise ValueError(
                f"Column {v} specified in `select_columns` must be of one of the columns: "
                f"{index.keys()}."
            )
        else:
            out.append(index[v])
    result = sorted(set(out))
    if len(result) != len(select_columns):
        raise ValueError("The `select_columns` argument contains duplicate columns.")
    return result


def make_csv_dataset(
    file_pattern, batch_size, column_names=None, column_defaults=None, label_name=None,
    select_columns=None, field_delim=",", use_quote_delim=True, na_value="", header=True,
    num_epochs=None, shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
    prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False,
    num_rows_for_inference=100, compression_type=None, ignore_errors=False,
):  # fmt: skip
    """Batches of ``(features, label)`` (an OrderedDict of columns, and the ``label_name``
    column) from CSV files, as TF builds it: the file names (shuffled), a
    ``parallel_interleave`` of one `CsvDataset` per file, shuffle, repeat ``num_epochs``
    (None: forever, then every batch is full), batch, a map into the dict, prefetch. Column
    names come from the header and column types from the first ``num_rows_for_inference``
    rows when not given (int32, int64, float32, float64 or string, TF's inference)."""
    from collections import OrderedDict

    from teachflow.gfile import Glob

    from .dataset_ops import AUTOTUNE
    from .experimental import ignore_errors as ignore
    from .experimental import parallel_interleave

    if num_parallel_reads is None:
        num_parallel_reads = 1
    if prefetch_buffer_size is None:
        prefetch_buffer_size = AUTOTUNE
    patterns = file_pattern if isinstance(file_pattern, list) else [file_pattern]
    if isinstance(file_pattern, list) and not file_pattern:
        raise ValueError("Argument `file_pattern` should not be empty.")
    filenames = [name for p in patterns for name in Glob(p)]
    if not filenames:
        raise ValueError(f"No files match `file_pattern` {file_pattern}.")
    dataset = Dataset.from_tensor_slices(filenames)
    if shuffle:
        dataset = dataset.shuffle(len(filenames), shuffle_seed)
    compression = compression_type or ""
    if column_names is None:
        if not header:
            raise ValueError("Expected `column_names` or `header` arguments. Neither is provided.")
        column_names = _column_names(filenames, field_delim, use_quote_delim, compression)
    if len(column_names) != len(set(column_names)):
        raise ValueError(
            "Either `column_names` argument or CSV header row contains duplicate column names."
        )
    if select_columns is not None:
        select_columns = _selected_indices(select_columns, column_names)
    if column_defaults is None:
        column_defaults = _column_defaults(
            filenames, column_names, field_delim, use_quote_delim, na_value, header,
            num_rows_for_inference, select_columns, compression,
        )  # fmt: skip
    if select_columns is not None and len(column_defaults) != len(select_columns):
        raise ValueError(
            "If specified, `column_defaults` and `select_columns` must have the same length: "
            f"`column_defaults` has length {len(column_defaults)}, `select_columns` has length "
            f"{len(select_columns)}."
        )
    if select_columns is not None and len(column_names) > len(select_columns):
        column_names = [column_names[i] for i in select_columns]
    if label_name is not None and label_name not in column_names:
        raise ValueError(
            f"`label_name` provided must be one of the columns: {column_names}. "
            f"Received: {label_name}."
        )

    def filename_to_dataset(filename):
        ds_ = CsvDataset(
            filename, record_defaults=column_defaults, field_delim=field_delim,
            use_quote_delim=use_quote_delim, na_value=na_value, select_cols=select_columns,
            header=header, compression_type=compression,
        )  # fmt: skip
        return ds_.apply(ignore()) if ignore_errors else ds_

    def map_fn(*columns):
        features = OrderedDict(zip(column_names, columns))
        if label_name is not None:
            label = features.pop(label_name)
            return features, label
        return features

    dataset = dataset.apply(
        parallel_interleave(filename_to_dataset, cycle_length=num_parallel_reads, sloppy=sloppy)
    )
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer_size, shuffle_seed)
    if num_epochs != 1:
        dataset = dataset.repeat(num_epochs)
    dataset = dataset.batch(batch_size=batch_size, drop_remainder=num_epochs is None)
    fn = dataset._trace(map_fn, "make_csv_dataset")
    attrs = {
        "f": fn.as_attr(),
        "Targuments": [t.dtype.base_dtype for t in fn.captured],
        "use_inter_op_parallelism": False,
        "preserve_cardinality": True,
    }
    dataset = dataset._unary("MapDataset", list(fn.captured), fn.output_structure, attrs)
    return dataset.prefetch(prefetch_buffer_size)
