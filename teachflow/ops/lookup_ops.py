"""``tf.lookup``: tables from keys to values, filled by an initializer op.

A `StaticHashTable` is a ``HashTableV2`` resource (`teachflow.ops.lookup_resources`) plus the
initializer op its initializer adds to the ``TABLE_INITIALIZERS`` collection; a program runs
``tf.tables_initializer()`` once, then looks keys up. A `StaticVocabularyTable` sends the keys
the table lacks to ``num_oov_buckets`` extra ids after the vocabulary, by FarmHash bucket.

    >>> import teachflow as tf
    >>> init = tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2])
    >>> table = tf.lookup.StaticHashTable(init, -1)
    >>> ids = table.lookup(tf.constant(["b", "z"]))
    >>> with tf.Session() as sess:
    ...     sess.run(tf.tables_initializer())
    ...     print(sess.run(ids))
    [ 2 -1]
"""

from __future__ import annotations

import uuid

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.graph_keys import GraphKeys
from teachflow.framework.scopes import add_to_collection, device, get_collection, name_scope
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops import lookup_resources
from teachflow.ops.arithmetic_ops import add, cast
from teachflow.ops.comparison_ops import not_equal, where_v2
from teachflow.ops.control_flow_ops import group, no_op
from teachflow.ops.string_conversion_ops import as_string, string_to_hash_bucket_fast

__all__ = ["tables_initializer"]


def _create(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs or {}, name=name or op_type)


class TextFileIndex:
    """Which part of a line is the key or the value: the whole line, or its line number."""

    WHOLE_LINE = lookup_resources.WHOLE_LINE
    LINE_NUMBER = lookup_resources.LINE_NUMBER


def _check_table_dtypes(table, key_dtype, value_dtype):
    if key_dtype.base_dtype != table.key_dtype:
        raise TypeError(
            f"Invalid key dtype for table, expected {table.key_dtype} but got {key_dtype}."
        )
    if value_dtype.base_dtype != table.value_dtype:
        raise TypeError(
            f"Invalid value dtype for table, expected {table.value_dtype} but got {value_dtype}."
        )


class TableInitializerBase:
    """What fills a table: its key and value dtypes and the op that fills it."""

    def __init__(self, key_dtype, value_dtype):
        self._key_dtype = dtypes.as_dtype(key_dtype)
        self._value_dtype = dtypes.as_dtype(value_dtype)

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype

    @property
    def _shared_name(self):
        return None


class KeyValueTensorInitializer(TableInitializerBase):
    """Fills a table from a tensor of keys and a tensor of values (``LookupTableImportV2``)."""

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        self._keys = convert_to_tensor(keys, dtype=key_dtype, name="keys")
        self._values = convert_to_tensor(values, dtype=value_dtype, name="values")
        self._name = name if name is not None else "key_value_init"
        super().__init__(self._keys.dtype, self._values.dtype)

    def initialize(self, table):
        _check_table_dtypes(table, self._keys.dtype, self._values.dtype)
        with name_scope(self._name, values=(table.resource_handle, self._keys, self._values)):
            op = _create("LookupTableImportV2", [table.resource_handle, self._keys, self._values])
        add_to_collection(GraphKeys.TABLE_INITIALIZERS, op)
        return op


class TextFileInitializer(TableInitializerBase):
    """Fills a table from a text file: one entry a line, key and value taken from columns
    split at ``delimiter`` or from `TextFileIndex` (``InitializeTableFromTextFileV2``)."""

    def __init__(
        self,
        filename,
        key_dtype,
        key_index,
        value_dtype,
        value_index,
        vocab_size=None,
        delimiter="\t",
        name=None,
        value_index_offset=0,
    ):
        if vocab_size is not None and vocab_size <= 0:
            raise ValueError(f"`vocab_size` must be greater than 0, got {vocab_size}.")
        if key_index < -2:
            raise ValueError(f"`key_index` should be >= -2, received: {key_index}.")
        if key_index == TextFileIndex.LINE_NUMBER and key_dtype != dtypes.int64:
            raise ValueError(
                "`key_dtype` must be int64 if `key_index` is "
                f"{TextFileIndex.LINE_NUMBER}, received: {key_dtype}"
            )
        if value_index < -2:
            raise ValueError(f"`value_index` should be >= -2, received: {value_index}.")
        self._filename_arg = filename
        self._key_index = key_index
        self._value_index = value_index
        self._vocab_size = vocab_size
        self._delimiter = delimiter
        self._name = name
        self._offset = value_index_offset
        # TF tracks the file as an Asset, whose path is a host constant.
        if isinstance(filename, (str, bytes)):
            with name_scope(None), device("/device:CPU:*"):
                self._filename = convert_to_tensor(filename, dtypes.string, name="asset_path")
        else:
            self._filename = filename
        super().__init__(key_dtype, value_dtype)

    def initialize(self, table):
        _check_table_dtypes(table, self.key_dtype, self.value_dtype)
        with name_scope(self._name, "text_file_init", (table.resource_handle,)):
            filename = convert_to_tensor(self._filename, dtypes.string, name="asset_filepath")
            attrs = {
                "key_index": self._key_index,
                "value_index": self._value_index,
                "vocab_size": -1 if self._vocab_size is None else self._vocab_size,
                "delimiter": self._delimiter,
                "offset": self._offset,
            }
            op = _create("InitializeTableFromTextFileV2", [table.resource_handle, filename], attrs)
        add_to_collection(GraphKeys.TABLE_INITIALIZERS, op)
        if filename.op.type == "Const":
            add_to_collection(GraphKeys.ASSET_FILEPATHS, filename)
        return op

    @property
    def _shared_name(self):
        parts = [self._filename_arg]
        if self._vocab_size:
            parts.append(f"{self._vocab_size:d}")
        parts += [self._key_index, self._value_index]
        if self._offset:
            parts.append(self._offset)
        return "hash_table_" + "_".join(str(p) for p in parts)


class StaticHashTable:
    """A table filled once by ``initializer``; keys it lacks find ``default_value``."""

    def __init__(self, initializer, default_value, name=None, experimental_is_anonymous=False):
        self._initializer = initializer
        self._key_dtype = initializer.key_dtype
        self._value_dtype = initializer.value_dtype
        # A table is shared by every session on a server that names it: TF names a table
        # from a text file after the file, any other table with a fresh uuid.
        self._shared_name = initializer._shared_name or f"hash_table_{uuid.uuid4()}"
        self._default_value = convert_to_tensor(default_value, dtype=self._value_dtype)
        attrs = {
            "container": "",
            "shared_name": self._shared_name,
            "use_node_name_sharing": False,
            "key_dtype": self._key_dtype,
            "value_dtype": self._value_dtype,
        }
        self._resource_handle = _create("HashTableV2", [], attrs, name or "hash_table").outputs[0]
        self._name = self._resource_handle.op.name.split("/")[-1]
        self._init_op = initializer.initialize(self)

    @property
    def resource_handle(self):
        return self._resource_handle

    @property
    def name(self):
        return self._name

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype

    @property
    def default_value(self):
        return self._default_value

    @property
    def initializer(self):
        return self._init_op

    init = initializer

    def size(self, name=None):
        """The number of entries (0 before the initializer has run)."""
        with name_scope(name, f"{self.name}_Size", [self.resource_handle]):
            return _create("LookupTableSizeV2", [self.resource_handle]).outputs[0]

    def lookup(self, keys, name=None):
        """The value of each key (a `SparseTensor`'s values are looked up, its indices kept)."""
        sparse = isinstance(keys, SparseTensor)
        key_tensor = keys.values if sparse else convert_to_tensor(keys)
        if key_tensor.dtype.base_dtype != self._key_dtype:
            raise TypeError(
                f"Dtype of argument `keys` must be {self._key_dtype}, received: {key_tensor.dtype}"
            )
        with name_scope(name, f"{self.name}_Lookup", (self.resource_handle, key_tensor)):
            inputs = [self.resource_handle, key_tensor, self._default_value]
            values = _create("LookupTableFindV2", inputs).outputs[0]
        values.set_shape(key_tensor.shape)
        return SparseTensor(keys.indices, values, keys.dense_shape) if sparse else values


class StaticVocabularyTable:
    """A vocabulary's ids for the keys it has, and for every other key one of
    ``num_oov_buckets`` ids after it: ``size + Fingerprint64(key) % num_oov_buckets``."""

    def __init__(
        self,
        initializer,
        num_oov_buckets,
        lookup_key_dtype=None,
        name=None,
        experimental_is_anonymous=False,
    ):
        if num_oov_buckets <= 0:
            raise ValueError("`num_oov_buckets` must be > 0; use StaticHashTable.")
        if name:
            name = name.rstrip("/")
        if initializer is not None:
            if lookup_key_dtype is None:
                lookup_key_dtype = initializer.key_dtype
            if initializer.key_dtype not in (dtypes.int64, dtypes.string):
                raise TypeError(
                    f"Invalid `key_dtype`, expected one of {(dtypes.int64, dtypes.string)}, "
                    f"but got {initializer.key_dtype}."
                )
            if initializer.value_dtype != dtypes.int64:
                raise TypeError(
                    f"Invalid `value_dtype`, expected {dtypes.int64} but got "
                    f"{initializer.value_dtype}."
                )
            self._table = StaticHashTable(initializer, default_value=-1)
            name = name or self._table.name
        else:
            lookup_key_dtype = dtypes.string
            self._table = None
            name = name or "hash_bucket"
        self._key_dtype = dtypes.as_dtype(lookup_key_dtype)
        self._num_oov_buckets = num_oov_buckets
        self._name = name.split("/")[-1]

    @property
    def name(self):
        return self._name

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return dtypes.int64

    @property
    def resource_handle(self):
        return self._table.resource_handle if self._table else None

    def size(self, name=None):
        """The vocabulary's size plus the out-of-vocabulary buckets."""
        with name_scope(name, f"{self.name}_Size"):
            if self._table is None:
                return convert_to_tensor(self._num_oov_buckets, dtypes.int64)
            return self._table.size() + self._num_oov_buckets

    def lookup(self, keys, name=None):
        sparse = isinstance(keys, SparseTensor)
        values = keys.values if sparse else convert_to_tensor(keys)
        if values.dtype.base_dtype != self._key_dtype:
            raise TypeError(
                f"Dtype of argument `keys` must be {self._key_dtype}, received: {values.dtype}"
            )
        if self._table is not None and self._table.key_dtype == dtypes.int64:
            values = cast(values, dtypes.int64)
        with name_scope(name, f"{self.name}_Lookup"):
            text = values if values.dtype == dtypes.string else as_string(values)
            buckets = string_to_hash_bucket_fast(
                text, num_buckets=self._num_oov_buckets, name="hash_bucket"
            )
            if self._table is not None:
                ids = self._table.lookup(values)
                buckets = add(buckets, self._table.size())
                known = not_equal(ids, self._table.default_value)
                ids = where_v2(known, ids, buckets)
            else:
                ids = buckets
        return SparseTensor(keys.indices, ids, keys.dense_shape) if sparse else ids


def tables_initializer(name="init_all_tables"):
    """One op that runs every table initializer of the graph (``TABLE_INITIALIZERS``)."""
    initializers = get_collection(GraphKeys.TABLE_INITIALIZERS)
    if initializers:
        return group(*initializers, name=name)
    return no_op(name=name)
