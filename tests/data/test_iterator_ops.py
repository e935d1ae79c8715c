"""Iterators: one element per step, End of sequence, initializers, sharing, remote tasks."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers

D = tf.data.Dataset


def test_get_next_fetched_twice_in_one_run_is_one_element(sess):
    nxt = tf.data.make_one_shot_iterator(D.range(3)).get_next()
    assert nxt.op.type == "IteratorGetNext" and nxt.dtype == tf.int64 and nxt.shape == []
    a, b = sess.run([nxt, nxt])
    assert a == b == 0 and isinstance(a, np.int64)
    assert sess.run({"x": nxt, "y": nxt + 1}) == {"x": 1, "y": 2}
    assert sess.run(nxt) == 2


def test_end_of_sequence_is_out_of_range_every_time(sess):
    nxt = D.range(1).make_one_shot_iterator().get_next()
    assert sess.run(nxt) == 0
    for _ in range(2):
        with pytest.raises(
            tf.errors.OutOfRangeError, match=r"End of sequence\n\t \[\[\{\{node IteratorGetNext\}\}"
        ):
            sess.run(nxt)


def test_initializable_iterator_with_placeholders(sess):
    x = tf.placeholder(tf.float32, [None])
    it = D.from_tensor_slices(x).make_initializable_iterator()
    nxt = it.get_next(name="nxt")
    init = it.initializer
    assert init.type == "MakeIterator" and init.name == "MakeIterator"
    assert [t.name for t in init.inputs] == ["TensorSliceDataset:0", "IteratorV2:0"]
    assert it._iterator_resource.op.get_attr("_class") == [b"loc:@TensorSliceDataset"]
    with pytest.raises(tf.errors.FailedPreconditionError, match="has not been initialized"):
        sess.run(nxt)
    sess.run(init, {x: [1, 2]})
    assert sess.run(nxt) == np.float32(1.0)
    sess.run(init, {x: [5, 6]})  # starts over, on the new feed
    assert [sess.run(nxt) for _ in range(2)] == [5.0, 6.0]
    with pytest.raises(tf.errors.OutOfRangeError):
        sess.run(nxt)


def test_one_shot_iterator_refuses_placeholders_and_variables():
    x = tf.placeholder(tf.float32, [None])
    with pytest.raises(
        ValueError, match=r"Cannot capture a placeholder \(name:Placeholder, type:Placeholder\)"
    ):
        D.from_tensor_slices(x).make_one_shot_iterator()
    v = tf.Variable(1.0)
    with pytest.raises(ValueError, match="Cannot capture a stateful node.*VariableV2"):
        D.from_tensors(v).make_one_shot_iterator()
    with pytest.raises(ValueError, match="does not have an initializer"):
        _ = D.range(2).make_one_shot_iterator().initializer


def test_map_reads_a_variable_captured_when_the_iterator_starts(sess):
    v = tf.Variable(10, dtype=tf.int64)
    it = D.range(3).map(lambda x: x + v).make_initializable_iterator()
    nxt = it.get_next()
    sess.run(v.initializer)
    sess.run(it.initializer)
    assert sess.run(nxt) == 10
    sess.run(v.assign(100))
    sess.run(it.initializer)
    assert sess.run(nxt) == 100


def test_from_structure_switches_between_datasets(sess):
    train = D.range(10, 13)
    valid = D.range(100, 102)
    it = tf.data.Iterator.from_structure(train.output_types, train.output_shapes)
    nxt = it.get_next()
    to_train, to_valid = it.make_initializer(train), it.make_initializer(valid)
    sess.run(to_train)
    assert [sess.run(nxt) for _ in range(2)] == [10, 11]
    sess.run(to_valid)
    assert [sess.run(nxt) for _ in range(2)] == [100, 101]
    with pytest.raises(TypeError, match="Expected output types"):
        it.make_initializer(D.from_tensors(1.0))
    pairs = tf.data.Iterator.from_structure((tf.int32, tf.string), ([2], []))
    assert [t.shape.as_list() for t in pairs.get_next()] == [[2], []]


def test_each_session_gets_its_own_iterator_unless_shared():
    nxt = D.range(3).make_one_shot_iterator().get_next()
    with tf.Session() as s1, tf.Session() as s2:
        assert [s1.run(nxt), s2.run(nxt), s1.run(nxt)] == [0, 0, 1]
    server = tf.train.Server.create_local_server()
    try:
        it = D.range(5).make_initializable_iterator(shared_name="shared_it")
        shared = it.get_next()
        with tf.Session(server.target) as s1, tf.Session(server.target) as s2:
            s1.run(it.initializer)
            assert [s1.run(shared), s2.run(shared), s1.run(shared)] == [0, 1, 2]
    finally:
        server.stop()


@pytest.fixture
def two_workers():
    _, started = start_servers({"worker": 2}, tf.train.Server)
    servers = started["worker"]
    yield servers
    for s in servers:
        s.stop()


def test_a_pipeline_on_a_remote_task(two_workers):
    offset = tf.constant(10, tf.int64)
    with tf.device("/job:worker/task:1"):
        ds = D.range(6).map(lambda x: x + offset).filter(lambda x: tf.equal(x % 2, 0)).batch(2)
        one_shot = ds.make_one_shot_iterator()
        x = tf.placeholder(tf.int64, [None])
        fed = D.from_tensor_slices(x).interleave(lambda n: D.range(n), cycle_length=2)
        init_it = fed.make_initializable_iterator()
    nxt, nxt2 = one_shot.get_next(), init_it.get_next()
    assert nxt.op.device == "/job:worker/task:1"
    config = tf.ConfigProto(operation_timeout_in_ms=10_000)
    with tf.Session(two_workers[0].target, config=config) as sess:
        assert [sess.run(nxt).tolist() for _ in range(2)] == [[10, 12], [14]]
        with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
            sess.run(nxt)
        # The initializer and get_next are separate steps: one iterator for the session.
        sess.run(init_it.initializer, {x: [2, 3]})
        assert [int(sess.run(nxt2)) for _ in range(5)] == [0, 0, 1, 1, 2]
    held = two_workers[1].worker_service.resources.resources("")
    assert any(k.endswith("OneShotIterator") for k in held)
    assert not two_workers[0].worker_service.resources.resources("")


def test_feedable_iterator_reads_the_iterator_its_handle_names(sess):
    handle = tf.placeholder(tf.string, [])
    it = tf.data.Iterator.from_string_handle(handle, tf.int64, tf.TensorShape([]))
    nxt = it.get_next()
    assert it._iterator_resource.op.type == "IteratorFromStringHandleV2"
    evens = D.range(0, 6, 2).make_one_shot_iterator()
    odds = D.range(1, 4, 2).make_initializable_iterator()
    sess.run(odds.initializer)
    e, o = sess.run([evens.string_handle(), odds.string_handle()])
    assert evens.string_handle().op.type == "IteratorToStringHandle"
    assert [sess.run(nxt, {handle: h}) for h in (e, o, e, o)] == [0, 1, 2, 3]
    with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
        sess.run(nxt, {handle: o})
    assert sess.run(nxt, {handle: e}) == 4


def test_string_handle_is_tensorflows_resource_handle_proto(sess):
    from teachflow.proto import messages

    it = D.range(3).make_one_shot_iterator()
    proto = messages.ResourceHandleProto.FromString(sess.run(it.string_handle()))
    assert proto.device == "/job:localhost/replica:0/task:0/device:CPU:0"
    assert proto.name.endswith("_OneShotIterator")
    assert proto.maybe_type_name == "N10tensorflow4data16IteratorResourceE"


def test_a_handle_that_is_not_an_iterator_is_an_invalid_argument(sess):
    handle = tf.placeholder(tf.string, [])
    nxt = tf.data.Iterator.from_string_handle(handle, tf.int64).get_next()
    with pytest.raises(tf.errors.InvalidArgumentError, match="iterator handle"):
        sess.run(nxt, {handle: b"\xff\xff"})
