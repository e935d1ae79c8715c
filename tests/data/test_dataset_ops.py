"""tf.data chains: element values in order, structures, shapes and op names.

Every expected sequence here was produced by TensorFlow (tf.compat.v1, graph mode) for the
same pipeline; interleave orders in particular follow TF's InterleaveDataset step by step.
"""

import numpy as np
import pytest

import teachflow as tf

D = tf.data.Dataset


def drain(ds, limit=100):
    """All elements of a one-shot iterator over ``ds``; "END" marks OutOfRange, the class
    name marks an element that failed."""
    nxt = tf.data.make_one_shot_iterator(ds).get_next()
    out = []
    with tf.Session() as sess:
        for _ in range(limit):
            try:
                out.append(sess.run(nxt))
            except tf.errors.OutOfRangeError as e:
                assert e.message.startswith("End of sequence")
                out.append("END")
                return out
            except tf.errors.OpError as e:
                out.append(type(e).__name__)
    raise AssertionError("dataset did not end")


def ints(values):
    return [v if isinstance(v, str) else int(v) for v in values]


def test_graph_ops_names_and_element_structure():
    ds = D.from_tensor_slices((np.arange(6), np.arange(6) * 2.0))
    assert ds.output_types == (tf.int64, tf.float64)
    assert ds.output_shapes == (tf.TensorShape([]), tf.TensorShape([]))
    assert ds.output_classes == (tf.Tensor, tf.Tensor)
    chain = ds.map(lambda a, b: (a * 2, b + 1)).repeat(2).batch(4).shuffle(3, seed=1)
    chain = chain.skip(1).take(2)
    assert chain.output_shapes == (tf.TensorShape([None]), tf.TensorShape([None]))
    it = tf.data.make_one_shot_iterator(chain)
    nxt = it.get_next()
    assert [t.name for t in nxt] == ["IteratorGetNext:0", "IteratorGetNext:1"]
    types = [op.type for op in tf.get_default_graph().get_operations()]
    for t in [
        "TensorSliceDataset",
        "MapDataset",
        "RepeatDataset",
        "BatchDatasetV2",
        "ShuffleDataset",
        "SkipDataset",
        "TakeDataset",
        "OneShotIterator",
        "IteratorGetNext",
    ]:
        assert t in types
    g = tf.get_default_graph()
    assert g.get_operation_by_name("normalize_element/component_0").type == "Const"
    assert [t.op.name for t in g.get_operation_by_name("RepeatDataset").inputs] == [
        "MapDataset",
        "count",
    ]
    one_shot = it._iterator_resource.op
    assert one_shot.get_attr("_class") == [b"loc:@TakeDataset"]
    assert one_shot.get_attr("output_types") == [tf.int64, tf.float64]


def test_map_values_and_dtypes():
    out = drain(D.from_tensor_slices(([1, 2], [3, 4])).map(lambda a, b: {"s": a + b}))
    assert out == [{"s": 4}, {"s": 6}, "END"]
    assert isinstance(out[0]["s"], np.int32)
    out = drain(
        D.from_tensor_slices({"a": [1, 2], "b": [[1.0, 2.0], [3.0, 4.0]]}).map(lambda d: d["a"] + 1)
    )
    assert out == [2, 3, "END"]
    ds = D.range(3).map(lambda x: [[x, x], x])  # a returned list is a tuple (TF)
    assert ds.output_types == (tf.int64, tf.int64)
    assert ds.output_shapes == (tf.TensorShape([2]), tf.TensorShape([]))


def test_map_captures_outer_tensors_and_parallel_map_keeps_order():
    offset = tf.constant(10, tf.int64)
    ds = D.range(4).map(lambda x: x + offset, num_parallel_calls=tf.data.experimental.AUTOTUNE)
    assert ds._variant_tensor.op.type == "ParallelMapDataset"
    assert [t.op.name for t in ds._variant_tensor.op.inputs][1] == offset.op.name
    assert ints(drain(ds)) == [10, 11, 12, 13, "END"]


def test_range_repeat_take_skip_zip_concatenate():
    assert ints(drain(D.range(2, 10, 3))) == [2, 5, 8, "END"]
    assert ints(drain(D.range(5).skip(2).take(2).repeat(2))) == [2, 3, 2, 3, "END"]
    assert ints(drain(D.range(3).take(-1))) == [0, 1, 2, "END"]
    assert drain(D.range(3).skip(-1)) == ["END"]
    assert ints(drain(D.range(0).repeat())) == ["END"]  # repeating nothing ends
    zipped = drain(D.zip((D.range(3), D.range(10, 15))))
    assert [tuple(map(int, z)) for z in zipped[:-1]] == [(0, 10), (1, 11), (2, 12)]
    named = drain(D.zip({"a": D.range(2), "b": D.from_tensor_slices(["x", "y", "z"])}))
    assert named == [{"a": 0, "b": b"x"}, {"a": 1, "b": b"y"}, "END"]
    assert ints(drain(D.range(3).concatenate(D.range(10, 12)))) == [0, 1, 2, 10, 11, "END"]
    with pytest.raises(TypeError, match="different types"):
        D.range(3).concatenate(D.from_tensors(1.0))


def test_from_tensors_and_batch_shapes():
    out = drain(D.from_tensors([1, 2]).repeat(2))
    np.testing.assert_array_equal(out[0], [1, 2])
    assert out[0].dtype == np.int32 and len(out) == 3
    batches = drain(D.range(5).batch(2))
    assert [b.tolist() for b in batches[:-1]] == [[0, 1], [2, 3], [4]]
    assert batches[0].dtype == np.int64
    assert [b.tolist() for b in drain(D.range(5).batch(2, drop_remainder=True))[:-1]] == [
        [0, 1],
        [2, 3],
    ]
    assert D.range(5).batch(2, drop_remainder=True).output_shapes == tf.TensorShape([2])
    strings = drain(D.from_tensor_slices(["a", "bb"]).batch(2))
    assert strings[0].dtype == object and strings[0].tolist() == [b"a", b"bb"]


def test_batch_of_different_shapes_fails_that_batch_only():
    out = drain(D.range(1, 4).map(lambda x: tf.range(x)).batch(2))
    assert out[0] == "InvalidArgumentError"
    np.testing.assert_array_equal(out[1], [[0, 1, 2]])
    assert out[2] == "END"


def test_padded_batch():
    seqs = D.range(1, 4).map(lambda x: tf.range(x))
    out = drain(seqs.padded_batch(2, padded_shapes=[None]))
    np.testing.assert_array_equal(out[0], [[0, 0], [0, 1]])
    np.testing.assert_array_equal(out[1], [[0, 1, 2]])
    out = drain(seqs.padded_batch(2, padded_shapes=[4], padding_values=tf.constant(-1, tf.int64)))
    np.testing.assert_array_equal(out[0], [[0, -1, -1, -1], [0, 1, -1, -1]])
    assert seqs.padded_batch(2, [None], drop_remainder=True).output_shapes.as_list() == [2, None]


@pytest.mark.parametrize(
    "cycle_length, block_length, expected",
    [
        (3, 1, [0, 0, 0, 1, 1, 0, 2, 1, 0, 2, 1, 3, 2, 3, 4]),
        (2, 3, [0, 0, 1, 0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 3, 4]),
        (1, 1, [0, 0, 1, 0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 3, 4]),
    ],
)
def test_interleave_order_matches_tensorflow(cycle_length, block_length, expected):
    ds = D.range(1, 6).interleave(lambda x: D.range(x), cycle_length, block_length)
    assert ds._variant_tensor.op.type == "InterleaveDataset"
    assert ints(drain(ds)) == expected + ["END"]


def test_interleave_blocks_across_the_cycle():
    ds = D.range(10).interleave(
        lambda x: D.from_tensors(x).repeat(3), cycle_length=2, block_length=2
    )
    expected = []
    for a in range(0, 10, 2):
        expected += [a, a, a + 1, a + 1, a, a + 1]
    assert ints(drain(ds)) == expected + ["END"]


def test_flat_map_and_filter():
    assert ints(drain(D.range(1, 4).flat_map(lambda x: D.range(x)))) == [0, 0, 1, 0, 1, 2, "END"]
    assert ints(drain(D.range(5).filter(lambda x: tf.equal(x % 2, 1)))) == [1, 3, "END"]
    with pytest.raises(ValueError, match="scalar boolean"):
        D.range(3).filter(lambda x: x)
    with pytest.raises(TypeError, match="must return a `Dataset`"):
        D.range(3).flat_map(lambda x: x)


def test_shuffle_with_a_seed_is_deterministic_and_reshuffles_each_epoch():
    def run_once():
        tf.reset_default_graph()
        ds = D.range(8).shuffle(8, seed=3).repeat(3)
        return ints(drain(ds))[:-1]

    first, second = run_once(), run_once()
    assert first == second  # same seed, new session: same order
    epochs = [first[i : i + 8] for i in (0, 8, 16)]
    assert all(sorted(e) == list(range(8)) for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1  # each epoch its own order
    tf.reset_default_graph()
    fixed = ints(drain(D.range(8).shuffle(8, seed=3, reshuffle_each_iteration=False).repeat(2)))
    assert fixed[:8] == fixed[8:16]


def test_shuffle_small_buffer_only_mixes_nearby_elements():
    tf.set_random_seed(1)
    out = ints(drain(D.range(20).shuffle(2)))[:-1]
    assert sorted(out) == list(range(20))
    # With a buffer of 2, the element at position p was read among the first p + 2.
    assert all(v <= p + 1 for p, v in enumerate(out))
    assert out != list(range(20))


def test_initializable_iterator_reinit_repeats_a_seeded_shuffle():
    it = D.range(6).shuffle(6, seed=3).make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        orders = []
        for _ in range(2):
            sess.run(it.initializer)
            orders.append([int(sess.run(nxt)) for _ in range(6)])
    assert orders[0] == orders[1] and sorted(orders[0]) == list(range(6))


def test_a_failing_map_element_does_not_end_the_iteration(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("1,2\nbad\n3,4\n")
    parsed = tf.data.TextLineDataset(str(path)).map(lambda line: tf.decode_csv(line, [[0], [0]]))
    assert drain(parsed) == [(1, 2), "InvalidArgumentError", (3, 4), "END"]
    batched = drain(parsed.batch(2))
    assert batched[0] == "InvalidArgumentError"  # the partial batch goes with the error
    assert [b.tolist() for b in batched[1]] == [[3], [4]]


def test_map_error_names_the_inner_node_and_the_iterator(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("\n")
    ds = tf.data.TextLineDataset(str(path)).map(
        lambda line: tf.decode_csv(line, [[0], [0]], name="dc")
    )
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(nxt)
    message = info.value.message
    assert "Expect 2 fields but have 0 in record 0" in message
    assert "{{node dc}}" in message and "{{node IteratorGetNext}}" in message


def test_cache_replays_the_first_pass():
    ds = D.range(3).map(lambda x: tf.cast(x, tf.float32)).cache().repeat(2)
    out = drain(ds)
    assert out == [0.0, 1.0, 2.0, 0.0, 1.0, 2.0, "END"] and isinstance(out[0], np.float32)


def test_prefetch_apply_and_iterating_in_a_graph():
    ds = D.range(3).prefetch(1).apply(lambda d: d.map(lambda x: x * 3))
    assert ints(drain(ds)) == [0, 3, 6, "END"]
    with pytest.raises(RuntimeError, match="eager execution"):
        iter(D.range(3))


def test_unbatch_splits_every_component_along_dimension_0():
    ds = D.zip((D.range(5), D.range(5).map(lambda x: -x))).batch(2)
    flat = ds.apply(tf.data.experimental.unbatch())
    assert flat.output_shapes == (tf.TensorShape([]), tf.TensorShape([]))
    assert [tuple(int(v) for v in e) for e in drain(flat)[:-1]] == [(i, -i) for i in range(5)]
    with pytest.raises(ValueError, match="scalar components"):
        D.range(3).unbatch()


def test_padded_batch_of_string_scalars_holds_bytes():
    ds = D.zip(
        (D.from_tensor_slices(["a", "bb"]), D.range(1, 3).map(lambda n: tf.range(n) * 0 + 1))
    )
    ds = ds.padded_batch(2, padded_shapes=([], [None]))
    (names, ones), end = drain(ds)
    assert names.tolist() == [b"a", b"bb"] and ones.tolist() == [[1, 0], [1, 1]] and end == "END"


def test_a_dataset_prints_as_in_tf1():
    # TF 1.15's DatasetV2.__repr__: shapes by str(), types by repr(), quotes dropped.
    zipped = tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(10, 14)))
    assert repr(zipped) == "<DatasetV1Adapter shapes: ((), ()), types: (tf.int64, tf.int64)>"
    batched = tf.data.Dataset.from_tensor_slices({"a": np.ones((5, 3)), "b": np.arange(5)})
    assert repr(batched.batch(2)) == (
        "<DatasetV1Adapter shapes: {a: (?, 3), b: (?,)}, types: {a: tf.float64, b: tf.int64}>"
    )


def test_padded_shapes_may_hold_tensors_as_in_tensorflow(sess):
    ds = tf.data.Dataset.range(1, 4).map(lambda n: tf.fill([n], n))
    by_constant = ds.padded_batch(2, padded_shapes=[tf.constant(5, tf.int64)])
    n = tf.placeholder(tf.int64, [])
    by_feed = ds.padded_batch(2, padded_shapes=tf.stack([n]))
    # TF 2.21: a constant dim is known statically, a fed one is not.
    assert str(by_constant.output_shapes) == "(?, 5)" and str(by_feed.output_shapes) == "(?, ?)"
    first = tf.data.make_one_shot_iterator(by_constant).get_next()
    assert sess.run(first).tolist() == [[1, 0, 0, 0, 0], [2, 2, 0, 0, 0]]
    it = tf.data.make_initializable_iterator(by_feed)
    sess.run(it.initializer, {n: 4})
    assert sess.run(it.get_next()).tolist() == [[1, 0, 0, 0], [2, 2, 0, 0]]
    with pytest.raises(ValueError, match=r"must be a `tf.int64` vector tensor, but its shape"):
        ds.padded_batch(2, padded_shapes=tf.constant([[1]], tf.int64))


def test_enumerate_is_tensorflows_zip_of_a_range(sess):
    ds = tf.data.Dataset.from_tensor_slices([7, 8, 9]).enumerate(start=5)
    also = tf.data.Dataset.range(2).apply(tf.data.experimental.enumerate_dataset())
    assert ds.output_types == (tf.int64, tf.int32) and also.output_types == (tf.int64, tf.int64)
    # TF 2.21's graph: RangeDataset to int64's max, RewriteDataset, ZipDataset.
    types = [op.type for op in tf.get_default_graph().get_operations()]
    assert types[1:10] == ["TensorSliceDataset", "Const", "Const", "Const", "RangeDataset",
                           "Const", "RewriteDataset", "ZipDataset", "Const"]  # fmt: skip
    nxt = tf.data.make_one_shot_iterator(ds).get_next()
    assert [tuple(int(v) for v in sess.run(nxt)) for _ in range(3)] == [(5, 7), (6, 8), (7, 9)]
    assert int(sess.run(tf.data.experimental.cardinality(ds))) == 3
