"""Lookup tables as resources: the ``HashTableV2`` op and the ops that fill and read it.

A table lives in its device's resource manager as a queue or a variable does; ``HashTableV2``
outputs a handle (dtype ``resource``) to it, and ``LookupTableImportV2``,
``InitializeTableV2``, ``InitializeTableFromTextFileV2``, ``LookupTableFindV2`` and
``LookupTableSizeV2`` take that handle as input 0. A table starts empty and uninitialized:
finding in it is a FailedPreconditionError until an initializer has run, its size is 0.
Running an initializer again is allowed when it adds the same pairs (a key may not change
its value), so ``sess.run(tf.tables_initializer())`` twice is harmless, as in TensorFlow.

    >>> import numpy as np
    >>> table = HashTableState("t")
    >>> table.insert(np.array([b"a", b"b"], dtype=object), np.array([1, 2]))
    >>> table.find(np.array([b"b", b"z"], dtype=object), np.int64(-1)).tolist()
    [2, -1]
"""

from __future__ import annotations

import itertools
import threading

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.inference import fixed
from teachflow.ops.reader_resources import as_bytes, open_file

_kernel_ids = itertools.count()


def _key(k):
    if isinstance(k, (bytes, str, np.str_, np.bytes_)):
        return as_bytes(k)
    return k.item() if isinstance(k, np.generic) else k


def _text(k) -> str:
    return k.decode(errors="replace") if isinstance(k, bytes) else str(k)


class HashTableState:
    """An immutable-once-filled map from keys to values (TF's ``HashTable``)."""

    def __init__(self, name):
        self.name = name
        self.lock = threading.Lock()
        self.initialized = False
        self.map: dict = {}

    def insert(self, keys, values):
        keys, values = np.ravel(np.asarray(keys, dtype=object)), np.ravel(np.asarray(values))
        if keys.size != values.size:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Expected shape {list(np.shape(keys))} for value, got {list(np.shape(values))}",
            )
        with self.lock:
            for k, v in zip(keys, values):
                k = _key(k)
                old = self.map.get(k)
                if old is not None and old != v:
                    raise errors.FailedPreconditionError(
                        None,
                        None,
                        "HashTable has different value for same key. Key "
                        f"{_text(k)} has {_text(old)} and trying to add value {_text(v)}",
                    )
                self.map[k] = v
            self.initialized = True

    def find(self, keys, default):
        if not self.initialized:
            raise errors.FailedPreconditionError(None, None, "Table not initialized.")
        arr = np.asarray(keys, dtype=object)
        kind = np.asarray(default).dtype
        text = kind.kind in "SUO"
        default = as_bytes(default) if text else default
        out = np.empty(arr.shape, dtype=object if text else kind)
        for i in np.ndindex(arr.shape):
            out[i] = self.map.get(_key(arr[i]), default)
        return out

    def size(self) -> int:
        return len(self.map)


# -- HashTableV2 ---------------------------------------------------------------------------
def _hash_table_kernel(op, device):
    attrs = op._attrs
    container = attrs.get("container", "") or ""
    name = attrs.get("shared_name") or ""
    if not name:
        # TF: the node's name when use_node_name_sharing, else one table per kernel.
        name = op.name if attrs.get("use_node_name_sharing") else f"_{next(_kernel_ids)}_{op.name}"
    resources = device.resources
    return lambda: resources.lookup_or_create(container, name, lambda: HashTableState(name))


registry.register(
    "HashTableV2",
    fixed((dtypes.resource, [])),
    _hash_table_kernel,
    stateful=True,
    not_differentiable=True,
)


def _register(op_type, infer, kernel):
    registry.register(op_type, infer, kernel, stateful=True, not_differentiable=True)


def _import_kernel(op, device):
    def insert(table, keys, values):
        table.insert(keys, values)

    return insert


_register("LookupTableImportV2", lambda op: [], _import_kernel)
_register("InitializeTableV2", lambda op: [], _import_kernel)
_register(
    "LookupTableFindV2",
    lambda op: [(op.inputs[2].dtype.base_dtype, op.inputs[1].shape)],
    lambda op, device: lambda table, keys, default: table.find(keys, default),
)
_register(
    "LookupTableSizeV2",
    fixed((dtypes.int64, [])),
    lambda op, device: lambda table: np.int64(table.size()),
)


# -- InitializeTableFromTextFileV2 ---------------------------------------------------------
WHOLE_LINE, LINE_NUMBER = -2, -1


def _column(filename, index, dtype, line, number, tokens):
    if index == WHOLE_LINE:
        text = line
    elif index == LINE_NUMBER:
        return number
    else:
        text = tokens[index]
    if dtype is dtypes.string:
        return text
    try:
        return dtype.as_numpy_dtype(float(text) if dtype.is_floating else int(text))
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, f"Field {_text(text)} in line {number} is not a valid {dtype.name}."
        ) from None


def read_table_file(filename: bytes, key_index, value_index, key_dtype, value_dtype, attrs):
    """The (keys, values) a text file gives, as TF's ``TextFileLineIterator`` reads it."""
    delimiter = attrs.get("delimiter", "\t").encode()
    vocab_size = attrs.get("vocab_size", -1)
    offset = attrs.get("offset", 0)
    keys, values = [], []
    position = 0
    name = filename.decode(errors="replace")
    with open_file(filename) as f:
        for number, raw in enumerate(f):
            if vocab_size != -1 and number >= vocab_size:
                break
            position += len(raw)
            line = raw.rstrip(b"\n").rstrip(b"\r")
            if not line:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Invalid content in {name}: empty line found at position {position}.",
                )
            tokens = line.split(delimiter)
            needed = max(key_index, value_index)
            if needed >= len(tokens):
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Invalid number of columns in {name} line {number} "
                    f"({line.decode(errors='replace')}) : expected at least {needed + 1} got {len(tokens)}",
                )
            keys.append(_column(filename, key_index, key_dtype, line, number, tokens))
            value = _column(filename, value_index, value_dtype, line, number, tokens)
            values.append(value + offset if value_index == LINE_NUMBER else value)
    if vocab_size != -1 and len(keys) != vocab_size:
        raise errors.InvalidArgumentError(
            None, None, f"Invalid vocab_size in {name}: expected {vocab_size} but got {len(keys)}"
        )
    return keys, values


def _from_text_file_kernel(op, device):
    attrs = op._attrs
    producer = op.inputs[0].op
    key_dtype = dtypes.as_dtype(producer._attrs.get("key_dtype", dtypes.string))
    value_dtype = dtypes.as_dtype(producer._attrs.get("value_dtype", dtypes.int64))

    def initialize(table, filename):
        keys, values = read_table_file(
            as_bytes(filename),
            attrs["key_index"],
            attrs["value_index"],
            key_dtype,
            value_dtype,
            attrs,
        )
        key_arr = np.empty(len(keys), dtype=object)
        key_arr[:] = keys
        table.insert(key_arr, np.array(values, dtype=value_dtype.as_numpy_dtype))

    return initialize


_register("InitializeTableFromTextFileV2", lambda op: [], _from_text_file_kernel)
