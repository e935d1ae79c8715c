"""Lab 08 (loading data from the graph): reference answers pass, typical wrong ones get
feedback."""

import pytest

import teachflow as tf


@pytest.fixture
def files(tmp_path):
    paths = []
    for part in range(2):
        path = tmp_path / f"part{part}.csv"
        rows = "".join(f"0.{i},0.{9 - i},{i % 2}\n" for i in range(10))
        path.write_text("x1,x2,label\n" + rows)
        paths.append(str(path))
    return paths


def parse(line):
    a, b, y = tf.decode_csv(line, record_defaults=[[0.0], [0.0], [0]])
    return tf.stack([a, b]), y


def test_first_key_line(lab, files):
    queue = tf.train.string_input_producer(files, shuffle=False)
    key, _ = tf.TextLineReader(skip_header_lines=1).read(queue)
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        first = sess.run(key)
        coord.request_stop()
        coord.join(threads)
    answer = int(first.decode().rsplit(":", 1)[1])
    assert lab.check("first_key_line", answer)
    assert "still counted" in lab.check("first_key_line", 1).feedback


def test_required_field(lab):
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="is required but missing"):
            sess.run(tf.decode_csv(["1.5,"], record_defaults=[[0.0], []]))
    assert lab.check("required_field", "c")
    assert "empty default" in lab.check("required_field", "a").feedback


def test_interleave_order(lab):
    ds = tf.data.Dataset.range(1, 4).interleave(
        lambda x: tf.data.Dataset.range(x), cycle_length=3, block_length=1
    )
    nxt = ds.make_one_shot_iterator().get_next()
    answer = []
    with tf.Session() as sess:
        try:
            while True:
                answer.append(int(sess.run(nxt)))
        except tf.errors.OutOfRangeError:
            pass
    assert lab.check("interleave_order", answer)
    assert "flat_map" in lab.check("interleave_order", [0, 0, 1, 0, 1, 2]).feedback


def _lines(files):
    return tf.data.Dataset.from_tensor_slices(files).interleave(
        lambda f: tf.data.TextLineDataset(f).skip(1), cycle_length=2
    )


def test_batched_pipeline(lab, files):
    answer = _lines(files).map(parse).shuffle(20, seed=1).batch(8)
    assert lab.check("batched_pipeline", answer)

    unshuffled = _lines(files).map(parse).batch(8)
    assert "ShuffleDataset" in lab.check("batched_pipeline", unshuffled).feedback
    wrong_size = _lines(files).map(parse).shuffle(20).batch(5)
    assert "batches of 8" in lab.check("batched_pipeline", wrong_size).feedback
    raw = _lines(files).shuffle(20).batch(8)
    assert "float32 features" in lab.check("batched_pipeline", raw).feedback
    iterator = answer.make_one_shot_iterator()
    assert "tf.data.Dataset" in lab.check("batched_pipeline", iterator).feedback
