"""TF1 readers: keys, values, counters, read_up_to, errors and state, as TensorFlow gives them.

Every expected value below was produced by TensorFlow 1.x semantics (tf.compat.v1) on the
same files.
"""

import gzip
import threading

import numpy as np
import pytest

import teachflow as tf

JOIN_S = 10.0


@pytest.fixture
def files(tmp_path):
    """a.csv: a header, a CRLF line, an empty line, no final newline; b.csv; an empty file."""
    (tmp_path / "a.csv").write_bytes(b"h1,h2\n1,2\n3,4\r\n\n5,6")
    (tmp_path / "b.csv").write_bytes(b"x\ny\n")
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "r.bin").write_bytes(b"HH" + bytes(range(10)) + b"FFF")
    return {p.name: str(p).encode() for p in tmp_path.iterdir()}


def _filled_queue(sess, names):
    q = tf.FIFOQueue(10, tf.string)
    sess.run(q.enqueue_many([names]))
    sess.run(q.close())
    return q


def _drain(sess, fetch, limit=50):
    out = []
    for _ in range(limit):
        try:
            out.append(sess.run(fetch))
        except tf.errors.OutOfRangeError as e:
            return out, e
    raise AssertionError("reader never ran out")


def test_reader_ops_names_types_and_shapes():
    q = tf.FIFOQueue(3, tf.string)
    r = tf.TextLineReader(skip_header_lines=1)
    assert r.reader_ref.op.type == "TextLineReaderV2" and r.reader_ref.op.name == "TextLineReaderV2"
    assert r.reader_ref.op.get_attr("skip_header_lines") == 1
    assert r.reader_ref.op.get_attr("shared_name") == "" and not r.supports_serialize
    key, value = r.read(q)
    assert key.op.type == "ReaderReadV2" and key.op.name == "ReaderReadV2"
    assert key.dtype == tf.string and key.shape == tf.TensorShape([]) and value.shape.rank == 0
    assert [t.name for t in key.op.inputs] == ["TextLineReaderV2:0", "fifo_queue:0"]
    keys, _ = r.read_up_to(q, 3)
    assert keys.op.type == "ReaderReadUpToV2" and keys.shape.as_list() == [None]
    n, w = r.num_records_produced(), r.num_work_units_completed()
    assert (n.op.type, n.dtype, w.op.type, w.dtype) == (
        "ReaderNumRecordsProducedV2",
        tf.int64,
        "ReaderNumWorkUnitsCompletedV2",
        tf.int64,
    )
    assert r.reset().type == "ReaderResetV2"
    assert r.serialize_state().op.type == "ReaderSerializeStateV2"
    assert r.restore_state(b"").type == "ReaderRestoreStateV2"
    fixed = tf.FixedLengthRecordReader(4, header_bytes=2, footer_bytes=3)
    assert fixed.reader_ref.op.type == "FixedLengthRecordReaderV2"
    assert [fixed.reader_ref.op.get_attr(a) for a in ("record_bytes", "hop_bytes")] == [4, 0]
    assert tf.WholeFileReader().reader_ref.op.name == "WholeFileReaderV2"
    assert tf.IdentityReader().supports_serialize


def test_text_line_reader_keys_lines_and_counters(sess, files):
    q = _filled_queue(sess, [files["a.csv"], files["b.csv"]])
    r = tf.TextLineReader(skip_header_lines=1)
    key, value = r.read(q)
    counters = [r.num_records_produced(), r.num_work_units_completed()]
    got = []
    for _ in range(5):
        k, v = sess.run([key, value])
        got.append((k.rsplit(b"/", 1)[-1], v, *sess.run(counters)))
    # Header lines count in the line numbers; "\r\n" and "\n" are removed; an empty line is
    # a record; the last line needs no newline.
    assert got == [
        (b"a.csv:2", b"1,2", 1, 0),
        (b"a.csv:3", b"3,4", 2, 0),
        (b"a.csv:4", b"", 3, 0),
        (b"a.csv:5", b"5,6", 4, 0),
        (b"b.csv:2", b"y", 5, 1),
    ]
    assert isinstance(got[0][2], np.int64)
    with pytest.raises(
        tf.errors.OutOfRangeError,
        match=r"FIFOQueue '_\d+_fifo_queue' is closed and has insufficient elements "
        r"\(requested 1, current size 0\)\n.*node ReaderReadV2",
    ):
        sess.run(key)
    assert sess.run(counters[1]) == 2


def test_read_up_to_stops_at_the_end_of_each_file(sess, files):
    names = [files["a.csv"], files["b.csv"], files["empty"], files["a.csv"]]
    q = _filled_queue(sess, names)
    keys, values = tf.TextLineReader().read_up_to(q, 3)
    out, _ = _drain(sess, [keys, values])
    assert [[k.rsplit(b"/", 1)[-1] for k in ks] for ks, _ in out] == [
        [b"a.csv:1", b"a.csv:2", b"a.csv:3"],
        [b"a.csv:4", b"a.csv:5"],
        [b"b.csv:1", b"b.csv:2"],  # the empty file gives no batch of its own
        [b"a.csv:1", b"a.csv:2", b"a.csv:3"],
        [b"a.csv:4", b"a.csv:5"],
    ]
    assert out[1][1].tolist() == [b"", b"5,6"] and out[1][1].dtype == object


def test_read_up_to_zero_and_negative(sess, files):
    q = _filled_queue(sess, [files["a.csv"]])
    r = tf.TextLineReader()
    keys, values = sess.run(r.read_up_to(q, 0))
    assert keys.shape == (0,) and values.dtype == object
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_records"):
        sess.run(r.read_up_to(q, -1))


def test_header_longer_than_the_file_skips_it(sess, files):
    q = _filled_queue(sess, [files["b.csv"], files["b.csv"]])
    r = tf.TextLineReader(skip_header_lines=9)
    with pytest.raises(tf.errors.OutOfRangeError):
        sess.run(r.read(q))
    assert sess.run(r.num_work_units_completed()) == 2


def test_whole_file_reader(sess, files):
    q = _filled_queue(sess, [files["a.csv"], files["b.csv"], files["empty"]])
    r = tf.WholeFileReader()
    key, value = r.read(q)
    assert sess.run([key, value]) == [files["a.csv"], b"h1,h2\n1,2\n3,4\r\n\n5,6"]
    assert sess.run([key, value]) == [files["b.csv"], b"x\ny\n"]
    keys, values = sess.run(r.read_up_to(q, 3))  # one file, one record
    assert keys.tolist() == [files["empty"]] and values.tolist() == [b""]
    assert sess.run(r.num_work_units_completed()) == 3


def test_fixed_length_records_header_footer_and_partial_record(sess, files):
    q = _filled_queue(sess, [files["r.bin"], files["r.bin"]])
    r = tf.FixedLengthRecordReader(4, header_bytes=2, footer_bytes=3)
    key, value = r.read(q)
    got = [sess.run([key, value]) for _ in range(3)]
    assert [(k.rsplit(b"/", 1)[-1], v) for k, v in got] == [
        (b"r.bin:0", b"\x00\x01\x02\x03"),
        (b"r.bin:1", b"\x04\x05\x06\x07"),  # bytes 8, 9 are a partial record: dropped
        (b"r.bin:0", b"\x00\x01\x02\x03"),
    ]
    keys, _ = sess.run(r.read_up_to(q, 5))
    assert [k.rsplit(b"/", 1)[-1] for k in keys] == [b"r.bin:1"]


def test_fixed_length_hop_bytes_overlapping_windows(sess, files):
    q = _filled_queue(sess, [files["r.bin"]])
    key, value = tf.FixedLengthRecordReader(4, header_bytes=2, footer_bytes=3, hop_bytes=3).read(q)
    out, _ = _drain(sess, value)
    assert out == [b"\x00\x01\x02\x03", b"\x03\x04\x05\x06", b"\x06\x07\x08\t"]


def test_fixed_length_gzip_and_decode_raw(sess, tmp_path):
    records = np.arange(6, dtype=np.int16).tobytes()
    path = tmp_path / "r.gz"
    path.write_bytes(gzip.compress(records))
    q = _filled_queue(sess, [str(path).encode()])
    _, value = tf.FixedLengthRecordReader(4, encoding="GZIP").read(q)
    numbers = tf.decode_raw(value, tf.int16)
    assert numbers.shape.as_list() == [None]
    out, _ = _drain(sess, numbers)
    np.testing.assert_array_equal(np.stack(out), [[0, 1], [2, 3], [4, 5]])
    assert out[0].dtype == np.int16


def test_identity_reader_serialize_reset_restore(sess):
    q = _filled_queue(sess, [b"w1", b"w2", b"w3", b"w4"])
    r = tf.IdentityReader()
    key, value = r.read(q)
    state = r.serialize_state()
    counters = [r.num_records_produced(), r.num_work_units_completed()]
    assert sess.run(state) == b""  # proto3: nothing set, nothing written
    assert sess.run([key, value]) == [b"w1", b"w1"]
    # ReaderBaseState{work_started: 1, work_finished: 1, num_records_produced: 1,
    # current_work: "w1"} in protobuf wire format, byte for byte TensorFlow's.
    assert sess.run(state) == b'\x08\x01\x10\x01\x18\x01"\x02w1'
    keys, _ = sess.run(r.read_up_to(q, 3))
    assert keys.tolist() == [b"w2"] and sess.run(counters) == [2, 2]
    saved = sess.run(state)
    sess.run(r.reset())
    assert sess.run(counters) == [0, 0] and sess.run(state) == b""
    sess.run(r.restore_state(saved))
    assert sess.run(counters) == [2, 2]
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match="Could not parse state for IdentityReader 'IdentityReaderV2': garbage",
    ):
        sess.run(r.restore_state(b"garbage"))


def test_serialize_unsupported_readers(sess):
    r = tf.TextLineReader()
    with pytest.raises(tf.errors.UnimplementedError, match="Reader SerializeState"):
        sess.run(r.serialize_state())
    with pytest.raises(tf.errors.UnimplementedError, match="Reader RestoreState"):
        sess.run(r.restore_state(b""))
    assert sess.run(tf.WholeFileReader().serialize_state()) == b""


def test_missing_files_and_wrong_queue(sess, files, tmp_path):
    missing = str(tmp_path / "nope.csv").encode()
    q = tf.FIFOQueue(10, tf.string)
    sess.run(q.enqueue_many([[missing, files["b.csv"], missing, missing, files["b.csv"]]]))
    text = tf.TextLineReader()
    with pytest.raises(tf.errors.NotFoundError, match=r"nope\.csv; No such file or directory"):
        sess.run(text.read(q))
    # The failed file is skipped: the next read takes the next file.
    assert sess.run(text.read(q))[1] == b"x"
    whole = tf.WholeFileReader()
    read = whole.read(q)
    for _ in range(2):  # TF's WholeFileReader retries the same missing file
        with pytest.raises(tf.errors.NotFoundError):
            sess.run(read)
    assert sess.run(q.size()) == 2
    ints = tf.FIFOQueue(2, tf.int32)
    sess.run(ints.enqueue(3))
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="Expected queue with single string component"
    ):
        sess.run(tf.TextLineReader().read(ints))


def test_each_session_has_its_own_reader_unless_shared(files):
    q = tf.FIFOQueue(10, tf.string, shared_name="names")
    r = tf.TextLineReader()
    key, _ = r.read(q)
    with tf.Session() as s1, tf.Session() as s2:
        s1.run(q.enqueue_many([[files["a.csv"]]]))
        s2.run(q.enqueue_many([[files["b.csv"]]]))
        assert s1.run(key).endswith(b"a.csv:1")
        assert s2.run(key).endswith(b"b.csv:1")  # a fresh reader takes the next file


def test_read_blocks_until_a_filename_arrives(files):
    q = tf.FIFOQueue(2, tf.string)
    key, value = tf.TextLineReader().read(q)
    enqueue = q.enqueue(files["b.csv"])
    with tf.Session() as sess:
        got = []
        t = threading.Thread(target=lambda: got.append(sess.run(value)), daemon=True)
        t.start()
        sess.run(enqueue)
        t.join(JOIN_S)
        assert got == [b"x"]


def test_read_times_out_with_the_step(files):
    q = tf.FIFOQueue(2, tf.string)
    with tf.Session(config=tf.ConfigProto(operation_timeout_in_ms=100)) as sess:
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(tf.TextLineReader().read(q))


def test_read_file_write_file_and_matching_files(sess, tmp_path, files):
    assert sess.run(tf.read_file(files["b.csv"])) == b"x\ny\n"
    op = tf.read_file("x", name="rf")
    assert op.op.name == "rf" and op.op.inputs[0].op.name == "rf/filename"
    target = str(tmp_path / "sub" / "out.txt")
    sess.run(tf.write_file(target, b"hello"))
    assert open(target, "rb").read() == b"hello"
    found = sess.run(tf.matching_files(str(tmp_path / "*.csv")))
    assert [f.rsplit(b"/", 1)[-1] for f in found] == [b"a.csv", b"b.csv"]
    with pytest.raises(tf.errors.NotFoundError, match="No such file or directory"):
        sess.run(tf.io.read_file(str(tmp_path / "missing")))


def test_reader_with_queue_runners_and_coordinator_leaves_no_threads(files):
    filenames = tf.train.string_input_producer(
        [files["a.csv"], files["b.csv"]], num_epochs=2, shuffle=False
    )
    _, line = tf.TextLineReader(skip_header_lines=1).read(filenames)
    before = set(threading.enumerate())
    lines = []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        try:
            while not coord.should_stop():
                lines.append(sess.run(line))
        except tf.errors.OutOfRangeError:
            pass
        finally:
            coord.request_stop()
        coord.join(threads, stop_grace_period_secs=JOIN_S)
    assert lines == [b"1,2", b"3,4", b"", b"5,6", b"y"] * 2
    for t in set(threading.enumerate()) - before:
        t.join(JOIN_S)
        assert not t.is_alive(), t.name


def _examples(path, labels, options=None):
    with tf.python_io.TFRecordWriter(str(path), options=options) as writer:
        for i in labels:
            example = tf.train.Example(
                features=tf.train.Features(
                    feature={
                        "image_raw": tf.train.Feature(
                            bytes_list=tf.train.BytesList(value=[bytes([i, i + 1, 7])])
                        ),
                        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
                    }
                )
            )
            writer.write(example.SerializeToString())
    return str(path)


@pytest.mark.parametrize("compression", [None, "GZIP", "ZLIB"])
def test_tfrecord_reader_reads_tf1s_mnist_pipeline(tmp_path, compression):
    # fully_connected_reader.py's input: string_input_producer, TFRecordReader,
    # parse_single_example, decode_raw. Keys and values recorded from TF 2.21.
    options = tf.python_io.TFRecordOptions(compression) if compression else None
    path = _examples(tmp_path / "train.tfrecords", [0, 1, 2], options)
    queue = tf.train.string_input_producer([path], num_epochs=1, shuffle=False)
    key, serialized = tf.TFRecordReader(options=options).read(queue)
    assert key.op.inputs[0].op.type == "TFRecordReaderV2"
    features = tf.parse_single_example(
        serialized,
        features={
            "image_raw": tf.FixedLenFeature([], tf.string),
            "label": tf.FixedLenFeature([], tf.int64),
        },
    )
    image = tf.decode_raw(features["image_raw"], tf.uint8)
    got = []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        try:
            with pytest.raises(tf.errors.OutOfRangeError):
                while True:
                    k, im, label = sess.run([key, image, features["label"]])
                    got.append((k.decode().replace(path, "F"), im.tolist(), int(label)))
        finally:
            coord.request_stop()
            coord.join(threads, stop_grace_period_secs=10)
    assert got == [("F:0", [0, 1, 7], 0), ("F:56", [1, 2, 7], 1), ("F:112", [2, 3, 7], 2)]


def test_tfrecord_reader_reports_a_corrupted_file_as_tensorflow(tmp_path, sess):
    path = _examples(tmp_path / "bad.tfrecords", [0])
    raw = bytearray(open(path, "rb").read())
    raw[9] ^= 1  # the first record's length CRC
    open(path, "wb").write(bytes(raw))
    queue = tf.FIFOQueue(1, tf.string)
    sess.run(queue.enqueue([path]))
    _, value = tf.TFRecordReader().read(queue)
    with pytest.raises(
        tf.errors.DataLossError, match=r"corrupted record at 0 \(Is this even a TFRecord file\?\)"
    ):
        sess.run(value)
