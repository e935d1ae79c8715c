"""Datasets read from files: ``tf.data.TextLineDataset``, ``tf.data.TFRecordDataset``,
``tf.data.FixedLengthRecordDataset``.

>>> import os, tempfile
>>> import teachflow as tf
>>> path = os.path.join(tempfile.mkdtemp(), "a.csv")
>>> _ = open(path, "w").write("1,2\\n3,4\\n")
>>> ds = tf.data.TextLineDataset(path).map(lambda line: tf.decode_csv(line, [[0], [0]]))
>>> nxt = ds.make_one_shot_iterator().get_next()
>>> with tf.Session() as sess:
...     print(sess.run(nxt), sess.run(nxt))
(np.int32(1), np.int32(2)) (np.int32(3), np.int32(4))
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.shapes import TensorShape

from .dataset_ops import Dataset
from .structure import TensorSpec

_BUFFER_BYTES = 256 * 1024  # TF's default read buffer


def _filenames(filenames):
    t = convert_to_tensor(filenames, dtype=dtypes.string, name="filenames")
    if t.shape.rank is not None and t.shape.rank > 1:
        raise ValueError("`filenames` must be a `tf.Tensor` of dtype `tf.string` and rank 0 or 1")
    return t


def _optional(value, default, dtype, name):
    return convert_to_tensor(default if value is None else value, dtype=dtype, name=name)


class TextLineDataset(Dataset):
    """The lines of the files ``filenames``, one after the other, as scalar strings
    (``\\n`` and a trailing ``\\r`` removed). ``compression_type``: "", "GZIP" or "ZLIB"."""

    def __init__(self, filenames, compression_type=None, buffer_size=None):
        inputs = [
            _filenames(filenames),
            _optional(compression_type, "", dtypes.string, "compression_type"),
            _optional(buffer_size, _BUFFER_BYTES, dtypes.int64, "buffer_size"),
        ]
        made = Dataset._op("TextLineDataset", inputs, TensorSpec(dtypes.string, TensorShape([])))
        super().__init__(made._variant_tensor, made._element_spec)


class TFRecordDataset(Dataset):
    """The records of the TFRecord files ``filenames`` (as ``tf.python_io.TFRecordWriter``
    writes them), one after the other, as scalar strings. ``compression_type``: "", "GZIP"
    or "ZLIB"."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None):
        if num_parallel_reads is not None:
            # TF reads that many files at once, taking one record from each in turn (its
            # deterministic order): an interleave of one-file datasets.
            made = Dataset.from_tensor_slices(_filenames(filenames)).interleave(
                lambda name: TFRecordDataset(name, compression_type, buffer_size),
                cycle_length=num_parallel_reads,
                block_length=1,
            )
            super().__init__(made._variant_tensor, made._element_spec)
            return
        inputs = [
            _filenames(filenames),
            _optional(compression_type, "", dtypes.string, "compression_type"),
            _optional(buffer_size, _BUFFER_BYTES, dtypes.int64, "buffer_size"),
        ]
        made = Dataset._op("TFRecordDataset", inputs, TensorSpec(dtypes.string, TensorShape([])))
        super().__init__(made._variant_tensor, made._element_spec)


class FixedLengthRecordDataset(Dataset):
    """Records of ``record_bytes`` bytes from each file, after ``header_bytes`` and before
    ``footer_bytes`` (a partial last record is dropped), as scalar strings."""

    def __init__(
        self,
        filenames,
        record_bytes,
        header_bytes=None,
        footer_bytes=None,
        buffer_size=None,
        compression_type=None,
    ):
        inputs = [
            _filenames(filenames),
            _optional(header_bytes, 0, dtypes.int64, "header_bytes"),
            convert_to_tensor(record_bytes, dtype=dtypes.int64, name="record_bytes"),
            _optional(footer_bytes, 0, dtypes.int64, "footer_bytes"),
            _optional(buffer_size, _BUFFER_BYTES, dtypes.int64, "buffer_size"),
            _optional(compression_type, "", dtypes.string, "compression_type"),
        ]
        made = Dataset._op(
            "FixedLengthRecordDatasetV2", inputs, TensorSpec(dtypes.string, TensorShape([]))
        )
        super().__init__(made._variant_tensor, made._element_spec)
