"""tf.data.TextLineDataset and FixedLengthRecordDataset: lines, records, files, errors."""

import gzip

import numpy as np
import pytest

import teachflow as tf

from .test_dataset_ops import drain


@pytest.fixture
def csv_files(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"h1,h2\n1,2\n3,4\r\n\n5,6")
    (tmp_path / "b.csv").write_bytes(b"x\ny\n")
    return [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]


def test_text_line_dataset_lines_like_tf(csv_files):
    ds = tf.data.TextLineDataset(csv_files)
    assert ds.output_types == tf.string and ds.output_shapes == tf.TensorShape([])
    op = ds._variant_tensor.op
    assert op.type == "TextLineDataset"
    assert [t.op.name for t in op.inputs] == ["filenames", "compression_type", "buffer_size"]
    # "\r\n" loses both characters, an empty line is an element, no final newline needed.
    assert drain(ds.skip(1)) == [b"1,2", b"3,4", b"", b"5,6", b"x", b"y", "END"]


def test_interleave_over_files_skipping_headers(csv_files):
    files = tf.data.Dataset.from_tensor_slices(csv_files)
    ds = files.interleave(lambda f: tf.data.TextLineDataset(f).skip(1), cycle_length=2)
    assert drain(ds) == [b"1,2", b"y", b"3,4", b"", b"5,6", "END"]


def test_text_line_dataset_gzip_and_missing_file(tmp_path):
    path = tmp_path / "z.txt.gz"
    path.write_bytes(gzip.compress(b"p\nq\n"))
    assert drain(tf.data.TextLineDataset(str(path), compression_type="GZIP")) == [
        b"p",
        b"q",
        "END",
    ]
    nxt = tf.data.TextLineDataset(str(tmp_path / "nope.txt")).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.NotFoundError, match=r"nope\.txt; No such file or directory"):
            sess.run(nxt)


def test_csv_pipeline_decode_shuffle_batch(csv_files):
    ds = (
        tf.data.TextLineDataset(csv_files[0])
        .skip(1)
        .filter(lambda line: tf.not_equal(line, ""))
        .map(lambda line: tf.decode_csv(line, [[0], [0.0]]))
        .batch(2)
    )
    assert ds.output_types == (tf.int32, tf.float32)
    out = drain(ds)
    np.testing.assert_array_equal(out[0][0], [1, 3])
    np.testing.assert_array_equal(out[1][1], np.array([6.0], np.float32))
    assert out[0][1].dtype == np.float32 and out[-1] == "END"


def test_fixed_length_record_dataset_with_decode_raw(tmp_path):
    path = tmp_path / "r.bin"
    path.write_bytes(b"HH" + np.arange(5, dtype=np.int16).tobytes() + b"FFF")
    ds = tf.data.FixedLengthRecordDataset(str(path), 4, header_bytes=2, footer_bytes=3)
    assert ds._variant_tensor.op.type == "FixedLengthRecordDatasetV2"
    numbers = drain(ds.map(lambda r: tf.decode_raw(r, tf.int16)))
    # 10 data bytes: two 4-byte records; the last 2 bytes are a partial record, dropped.
    assert [n.tolist() for n in numbers[:-1]] == [[0, 1], [2, 3]]
    assert numbers[0].dtype == np.int16 and numbers[-1] == "END"


def _tfrecord(path, records):
    with tf.python_io.TFRecordWriter(str(path)) as writer:
        for r in records:
            writer.write(r)
    return str(path)


def test_tfrecord_dataset_reads_every_file_in_turn(tmp_path):
    a = _tfrecord(tmp_path / "a.tfrecord", [b"a0", b"a1", b"a2"])
    b = _tfrecord(tmp_path / "b.tfrecord", [b"b0"])
    ds = tf.data.TFRecordDataset([a, b])
    assert ds._variant_tensor.op.type == "TFRecordDataset" and ds.output_types == tf.string
    assert drain(ds) == [b"a0", b"a1", b"a2", b"b0", "END"]
    # num_parallel_reads: one record from each open file in turn, as TF's deterministic order.
    assert drain(tf.data.TFRecordDataset([a, b], num_parallel_reads=2)) == [
        b"a0",
        b"b0",
        b"a1",
        b"a2",
        "END",
    ]


def test_tfrecord_dataset_gzip_and_data_loss(tmp_path):
    path = tmp_path / "g.tfrecord"
    with tf.python_io.TFRecordWriter(str(path), "GZIP") as writer:
        writer.write(b"zipped")
    assert drain(tf.data.TFRecordDataset(str(path), compression_type="GZIP")) == [b"zipped", "END"]
    torn = _tfrecord(tmp_path / "t.tfrecord", [b"whole", b"torn"])
    (tmp_path / "t.tfrecord").write_bytes(open(torn, "rb").read()[:-2])
    nxt = tf.data.TFRecordDataset(torn).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert sess.run(nxt) == b"whole"
        # TF 2.21: a torn last record ends the file (one being written reads so far).
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(nxt)
