"""TF1 readers: ``tf.TextLineReader``, ``tf.WholeFileReader``, ``tf.FixedLengthRecordReader``,
``tf.IdentityReader``, and ``tf.read_file`` / ``tf.write_file`` / ``tf.matching_files``.

A reader op (``TextLineReaderV2``...) outputs a reference to a reader held by its
device's resource manager, as a queue op does; ``read(queue)`` builds ``ReaderReadV2``,
which takes the reader and the filename queue as inputs (so all three are placed
together) and blocks on a pool thread while it waits for a file name. Without
``shared_name`` every session gets its own reader.

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "a.csv")
    >>> _ = open(path, "w").write("1,2\\n3,4\\n")
    >>> filenames = tf.train.string_input_producer([path], num_epochs=1, shuffle=False)
    >>> key, value = tf.TextLineReader().read(filenames)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.local_variables_initializer())
    ...     coord = tf.train.Coordinator()
    ...     threads = tf.train.start_queue_runners(sess, coord)
    ...     print(sess.run(value), sess.run(value))
    ...     coord.request_stop(); coord.join(threads)
    b'1,2' b'3,4'
"""

from __future__ import annotations

import glob
import itertools
import os

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.inference import fixed
from teachflow.framework.scopes import name_scope
from teachflow.ops import file_access, kernel_context, reader_resources

__all__ = [
    "FixedLengthRecordReader",
    "IdentityReader",
    "ReaderBase",
    "TFRecordReader",
    "TextLineReader",
    "WholeFileReader",
    "matching_files",
    "read_file",
    "write_file",
]

_HANDLE = dtypes.string._as_ref  # teachflow's stand-in for TF's DT_RESOURCE handle
_kernel_ids = itertools.count()


# -- the reader ops: create (once per session and device) and return the reader ---------
def _reader_kernel(make_state):
    def make(op, device):
        attrs = op._attrs
        container = attrs.get("container", "")
        # Without shared_name TF gives each kernel instance (each session) its own reader.
        key = attrs.get("shared_name") or f"_{next(_kernel_ids)}_{op.name}"
        resources = device.resources
        name = op.name

        def create():
            return make_state(name, attrs)

        return lambda: resources.lookup_or_create(container, key, create)

    return make


_READERS = {
    "TextLineReaderV2": lambda n, a: reader_resources.TextLineReaderState(
        n, a.get("skip_header_lines", 0)
    ),
    "WholeFileReaderV2": lambda n, a: reader_resources.WholeFileReaderState(n),
    "TFRecordReaderV2": lambda n, a: reader_resources.TFRecordReaderState(
        n, a.get("compression_type", "")
    ),
    "IdentityReaderV2": lambda n, a: reader_resources.IdentityReaderState(n),
    "FixedLengthRecordReaderV2": lambda n, a: reader_resources.FixedLengthRecordReaderState(
        n,
        a["record_bytes"],
        a.get("header_bytes", 0),
        a.get("footer_bytes", 0),
        a.get("hop_bytes", 0),
        a.get("encoding", ""),
    ),
}
for _type, _make in _READERS.items():
    registry.register(
        _type, fixed((_HANDLE, [])), _reader_kernel(_make), stateful=True, not_differentiable=True
    )


# -- the ops on a reader -----------------------------------------------------------------
def _read_kernel(op, device):
    dl = kernel_context.step_deadline
    return lambda reader, queue: reader.read(queue, dl.get())


def _read_up_to_kernel(op, device):
    dl = kernel_context.step_deadline
    return lambda reader, queue, n: reader.read_up_to(queue, int(n), dl.get())


def _int64_of(attr):
    return lambda op, device: lambda reader: np.int64(getattr(reader, attr))


def _serialize_kernel(op, device):
    return lambda reader: reader.serialize_state()


def _restore_kernel(op, device):
    return lambda reader, state: reader.restore_state(reader_resources.as_bytes(state))


def _reset_kernel(op, device):
    return lambda reader: reader.reset()


_STRING_SCALAR = (dtypes.string, [])
_STRING_VECTOR = (dtypes.string, [None])
_VERBS = {
    # op type: (outputs, kernel, blocking, reference inputs)
    "ReaderReadV2": ([_STRING_SCALAR, _STRING_SCALAR], _read_kernel, True, (0, 1)),
    "ReaderReadUpToV2": ([_STRING_VECTOR, _STRING_VECTOR], _read_up_to_kernel, True, (0, 1)),
    "ReaderNumRecordsProducedV2": (
        [(dtypes.int64, [])],
        _int64_of("num_records_produced"),
        False,
        (0,),
    ),
    "ReaderNumWorkUnitsCompletedV2": (
        [(dtypes.int64, [])],
        _int64_of("work_finished"),
        False,
        (0,),
    ),
    "ReaderSerializeStateV2": ([_STRING_SCALAR], _serialize_kernel, False, (0,)),
    "ReaderRestoreStateV2": ([], _restore_kernel, False, (0,)),
    "ReaderResetV2": ([], _reset_kernel, False, (0,)),
}
for _type, (_outs, _kernel, _blocking, _refs) in _VERBS.items():
    # Reads wait for file names (blocking: a pool thread of their own) and read files
    # (never on the scheduling thread); the counters are cheap.
    registry.register(
        _type,
        fixed(*_outs),
        _kernel,
        stateful=True,
        ref_inputs=_refs,
        cheap=not _blocking,
        blocking=_blocking,
        not_differentiable=True,
    )


# -- the Python API ----------------------------------------------------------------------
def _queue_ref(queue):
    return queue if hasattr(queue, "op") else queue.queue_ref


class ReaderBase:
    """What every reader offers: read records of the files a queue hands it.

    ``read`` returns ``(key, value)`` string scalars; ``read_up_to`` string vectors of up
    to ``num_records`` records (never crossing into the next file). OutOfRangeError once
    the filename queue is closed and empty; NotFoundError for a missing file."""

    def __init__(self, reader_ref, supports_serialize=False):
        self._reader_ref = reader_ref
        self._supports_serialize = supports_serialize

    @property
    def reader_ref(self):
        return self._reader_ref

    @property
    def supports_serialize(self):
        return self._supports_serialize

    def _op(self, op_type, inputs, name):
        return get_default_graph().create_op(
            op_type, [self._reader_ref, *inputs], {}, name=name or op_type
        )

    def read(self, queue, name=None):
        """The next record as ``(key, value)``, dequeuing file names from ``queue``."""
        key, value = self._op("ReaderReadV2", [_queue_ref(queue)], name).outputs
        return key, value

    def read_up_to(self, queue, num_records, name=None):
        """Up to ``num_records`` records as ``(keys, values)`` (vectors)."""
        n = convert_to_tensor(num_records, dtype=dtypes.int64, name="num_records")
        keys, values = self._op("ReaderReadUpToV2", [_queue_ref(queue), n], name).outputs
        return keys, values

    def num_records_produced(self, name=None):
        """How many records this reader produced (int64)."""
        return self._op("ReaderNumRecordsProducedV2", [], name).outputs[0]

    def num_work_units_completed(self, name=None):
        """How many work units (files) this reader finished (int64)."""
        return self._op("ReaderNumWorkUnitsCompletedV2", [], name).outputs[0]

    def serialize_state(self, name=None):
        """The reader's state as a string (UnimplementedError for most readers, as TF)."""
        return self._op("ReaderSerializeStateV2", [], name).outputs[0]

    def restore_state(self, state, name=None):
        """Restore a state from `serialize_state`."""
        state = convert_to_tensor(state, dtype=dtypes.string, name="state")
        return self._op("ReaderRestoreStateV2", [state], name)

    def reset(self, name=None):
        """Back to the initial state: no current file, counters at zero."""
        return self._op("ReaderResetV2", [], name)


def _make_reader(op_type, name, attrs):
    attrs = dict(attrs, container="", shared_name="")
    return get_default_graph().create_op(op_type, [], attrs, name=name or op_type).outputs[0]


class TextLineReader(ReaderBase):
    """Reads a file line by line; key ``b"file:line"`` (1-based, headers counted).

    >>> import teachflow as tf
    >>> r = tf.TextLineReader(skip_header_lines=1)
    >>> r.reader_ref.op.type
    'TextLineReaderV2'
    """

    def __init__(self, skip_header_lines=None, name=None):
        ref = _make_reader(
            "TextLineReaderV2", name, {"skip_header_lines": int(skip_header_lines or 0)}
        )
        super().__init__(ref)


class TFRecordReader(ReaderBase):
    """Reads the records of TFRecord files (``tf.python_io.TFRecordWriter``'s); key
    ``b"file:offset"``. ``options`` (a ``tf.python_io.TFRecordOptions``) reads GZIP or ZLIB
    files.

    >>> import teachflow as tf
    >>> tf.TFRecordReader().reader_ref.op.type
    'TFRecordReaderV2'
    """

    def __init__(self, name=None, options=None):
        from teachflow.python_io import TFRecordOptions

        compression = TFRecordOptions.get_compression_type_string(options) if options else ""
        ref = _make_reader("TFRecordReaderV2", name, {"compression_type": compression})
        super().__init__(ref)


class WholeFileReader(ReaderBase):
    """Reads a whole file as one record; key the file name.

    >>> import teachflow as tf
    >>> tf.WholeFileReader().read(tf.FIFOQueue(1, tf.string))[1].shape
    TensorShape([])
    """

    def __init__(self, name=None):
        super().__init__(_make_reader("WholeFileReaderV2", name, {}), supports_serialize=True)


class IdentityReader(ReaderBase):
    """Outputs each work item (the dequeued string) as both key and value.

    >>> import teachflow as tf
    >>> tf.IdentityReader().supports_serialize
    True
    """

    def __init__(self, name=None):
        super().__init__(_make_reader("IdentityReaderV2", name, {}), supports_serialize=True)


class FixedLengthRecordReader(ReaderBase):
    """Reads records of ``record_bytes`` bytes; key ``b"file:index"`` (0-based).

    ``header_bytes`` / ``footer_bytes`` are skipped at the start / end of each file;
    ``hop_bytes`` > 0 starts a record every ``hop_bytes`` (overlapping windows);
    ``encoding`` "GZIP" or "ZLIB" reads compressed files.

    >>> import teachflow as tf
    >>> r = tf.FixedLengthRecordReader(record_bytes=3073)
    >>> r.reader_ref.op.get_attr("record_bytes")
    3073
    """

    def __init__(
        self,
        record_bytes,
        header_bytes=None,
        footer_bytes=None,
        hop_bytes=None,
        name=None,
        encoding=None,
    ):
        ref = _make_reader(
            "FixedLengthRecordReaderV2",
            name,
            {
                "record_bytes": int(record_bytes),
                "header_bytes": int(header_bytes or 0),
                "footer_bytes": int(footer_bytes or 0),
                "hop_bytes": int(hop_bytes or 0),
                "encoding": encoding or "",
            },
        )
        super().__init__(ref)


# -- whole files ---------------------------------------------------------------------------
def _read_file_kernel(op, device):
    return lambda filename: reader_resources.read_whole_file(reader_resources.as_bytes(filename))


def _write_file_kernel(op, device):
    def write(filename, contents):
        path = file_access.confine(reader_resources.as_bytes(filename))
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)  # TF creates missing directories too
        with open(path, "wb") as f:
            f.write(reader_resources.as_bytes(contents))

    return write


def _matching_files_kernel(op, device):
    def match(pattern):
        patterns = [reader_resources.as_bytes(p) for p in np.asarray(pattern, dtype=object).flat]
        found = sorted(
            {
                f.encode()
                for p in patterns
                for f in file_access.confine_matches(p, glob.glob(p.decode()))
            }
        )
        out = np.empty(len(found), dtype=object)
        out[:] = found
        return out

    return match


def _scalar_input(op):
    op.inputs[0].shape.with_rank(0)
    return [(dtypes.string, [])]


# File I/O never runs on the scheduling thread (cheap=False); only writing has an effect.
registry.register(
    "ReadFile", _scalar_input, _read_file_kernel, cheap=False, not_differentiable=True
)
registry.register(
    "WriteFile",
    lambda op: [],
    _write_file_kernel,
    cheap=False,
    stateful=True,
    not_differentiable=True,
)
registry.register(
    "MatchingFiles",
    fixed(_STRING_VECTOR),
    _matching_files_kernel,
    cheap=False,
    not_differentiable=True,
)


def read_file(filename, name=None):
    """The contents of the file ``filename`` (a string scalar); NotFoundError if missing.

    >>> import teachflow as tf
    >>> tf.read_file("data.csv").op.type
    'ReadFile'
    """
    with name_scope(name, "ReadFile") as scope:
        filename = convert_to_tensor(filename, dtype=dtypes.string, name="filename")
        return get_default_graph().create_op("ReadFile", [filename], {}, name=scope).outputs[0]


def write_file(filename, contents, name=None):
    """Write ``contents`` (a string scalar) to ``filename``, creating directories."""
    with name_scope(name, "WriteFile") as scope:
        filename = convert_to_tensor(filename, dtype=dtypes.string, name="filename")
        contents = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
        return get_default_graph().create_op("WriteFile", [filename, contents], {}, name=scope)


def matching_files(pattern, name=None):
    """The sorted file names matching the glob ``pattern`` (a string or vector of them)."""
    with name_scope(name, "MatchingFiles") as scope:
        pattern = convert_to_tensor(pattern, dtype=dtypes.string, name="pattern")
        return get_default_graph().create_op("MatchingFiles", [pattern], {}, name=scope).outputs[0]
