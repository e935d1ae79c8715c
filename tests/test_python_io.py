"""tf.python_io: TFRecord files written and read back, compressed or not."""

import gzip
import zlib

import pytest

import teachflow as tf
from teachflow.proto import tf_record


def test_writer_frames_each_record(tmp_path):
    path = str(tmp_path / "a.tfrecord")
    with tf.python_io.TFRecordWriter(path) as writer:
        writer.write(b"one")
        writer.write("two")
    assert open(path, "rb").read() == tf_record.frame(b"one") + tf_record.frame(b"two")
    assert list(tf.python_io.tf_record_iterator(path)) == [b"one", b"two"]


@pytest.mark.parametrize(
    "kind, undo",
    [("GZIP", gzip.decompress), (tf.python_io.TFRecordCompressionType.ZLIB, zlib.decompress)],
)
def test_compressed_files(tmp_path, kind, undo):
    path = str(tmp_path / "c.tfrecord")
    options = tf.python_io.TFRecordOptions(kind)
    with tf.python_io.TFRecordWriter(path, options) as writer:
        writer.write(b"x" * 100)
    assert undo(open(path, "rb").read()) == tf_record.frame(b"x" * 100)
    assert list(tf.python_io.tf_record_iterator(path, options)) == [b"x" * 100]


def test_a_damaged_file_is_data_loss_and_a_torn_one_ends_early(tmp_path):
    path = tmp_path / "bad.tfrecord"
    damaged = bytearray(tf_record.frame(b"abc"))
    damaged[13] ^= 1
    path.write_bytes(bytes(damaged))
    with pytest.raises(tf.errors.DataLossError, match="corrupted record at 12"):
        list(tf.python_io.tf_record_iterator(str(path)))
    # TF 2.21: a torn last record (a file being written) ends the iteration.
    path.write_bytes(tf_record.frame(b"abc") + tf_record.frame(b"def")[:-1])
    assert list(tf.python_io.tf_record_iterator(str(path))) == [b"abc"]
