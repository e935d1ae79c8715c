"""Dataset.from_generator (and padded_batch's padding values) against TensorFlow's results,
recorded by tests/fixtures/tensorflow/record_from_generator.py."""

import gc

import numpy as np
import pytest

import teachflow as tf
from tests.fixtures.tensorflow.from_generator_programs import run
from tests.tensorflow_record import same_results_as_tensorflow

test_same_results_as_tensorflow = same_results_as_tensorflow("from_generator", run)


def test_the_graph_is_tensorflows():
    ds = tf.data.Dataset.from_generator(lambda: iter([1]), tf.int32, tf.TensorShape([]))
    flat_map = ds._variant_tensor.op
    assert flat_map.type == "FlatMapDataset"
    assert flat_map.inputs[0].op.type == "TensorDataset"
    body = [node for node in flat_map.get_attr("f").nodes if node[1] == "GeneratorDataset"]
    assert len(body) == 1
    attrs = dict(body[0][4])
    assert {"init_func", "next_func", "finalize_func", "Tinit_func_args"} <= set(attrs)
    assert attrs["Tinit_func_args"] == [tf.int32]  # the dummy element; no args captured


def test_each_pass_is_a_new_call_and_a_dropped_pass_closes_its_call(sess):
    calls, closed = [], []

    def gen():
        calls.append(1)
        try:
            yield from range(3)
        finally:
            closed.append(len(calls))

    ds = tf.data.Dataset.from_generator(gen, tf.int64, tf.TensorShape([]))
    it = tf.data.make_initializable_iterator(ds)
    nxt = it.get_next()
    sess.run(it.initializer)
    assert [int(sess.run(nxt)) for _ in range(2)] == [0, 1]
    sess.run(it.initializer)  # the first call is abandoned: finalize forgets it
    gc.collect()
    assert closed == [1]
    assert [int(sess.run(nxt)) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(tf.errors.OutOfRangeError):
        sess.run(nxt)
    assert len(calls) == 2 and closed == [1, 2]


def test_args_reach_the_generator_as_numpy_values(sess):
    seen = []

    def gen(word, n):
        seen.append((type(word), word, type(n)))
        yield np.float32(n)

    ds = tf.data.Dataset.from_generator(gen, tf.float32, tf.TensorShape([]), args=("w", 2.5))
    assert sess.run(tf.data.make_one_shot_iterator(ds).get_next()) == np.float32(2.5)
    assert seen == [(bytes, b"w", np.float32)]  # TF's py_func: scalars as numpy scalars


def test_wrong_arguments_say_so():
    with pytest.raises(TypeError, match="`generator` must be a Python callable"):
        tf.data.Dataset.from_generator([1, 2], tf.int32)
    with pytest.raises(TypeError, match="`output_types` argument can not be None"):
        tf.data.Dataset.from_generator(lambda: iter([1]))


def test_a_pass_outliving_its_graph_closes_quietly(monkeypatch):
    unraisable = []
    monkeypatch.setattr("sys.unraisablehook", unraisable.append)
    graph = tf.Graph()
    with graph.as_default():
        ds = tf.data.Dataset.from_generator(lambda: iter(range(5)), tf.int64)
        nxt = tf.data.make_one_shot_iterator(ds).get_next()
        sess = tf.Session()
        assert sess.run(nxt) == 0  # a pass is open
    sess.close()
    del sess, graph, ds, nxt
    gc.collect()
    assert unraisable == []
