"""Session.run: fetch structures, feeds, pruning, once-per-run evaluation, errors."""

import collections

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import registry
from teachflow.framework.inference import unary

# An op that counts how often its kernel runs: the way to observe pruning and
# "each node at most once per run".
_CALLS = collections.Counter()


def _counting_kernel(op, device):
    def count(x):
        _CALLS[op.name] += 1
        return x

    return count


registry.register("TestCount", unary, _counting_kernel, stateful=True)


def counted(x, name):
    x = tf.convert_to_tensor(x)
    return x.graph.create_op("TestCount", [x], {}, name=name).outputs[0]


@pytest.fixture(autouse=True)
def reset_calls():
    _CALLS.clear()


def test_the_chapter_first_example(sess):
    x = tf.Variable(3, name="x")
    y = tf.Variable(4, name="y")
    f = x * x * y + y + 2
    sess.run(x.initializer)
    sess.run(y.initializer)
    assert sess.run(f) == 42


def test_fetch_types_match_tensorflow(sess):
    r = sess.run(tf.constant(1.0))
    assert type(r) is np.float32 and r == 1.0
    assert type(sess.run(tf.constant([1, 2]))) is np.ndarray
    assert type(sess.run(tf.constant(True))) is np.bool_
    assert sess.run(tf.constant("ab")) == b"ab"
    np.testing.assert_array_equal(sess.run(tf.constant(["ab", "c"])), [b"ab", b"c"])
    assert sess.run(tf.no_op()) is None


def test_nested_fetch_structures(sess):
    a = tf.constant(1.0)
    b = tf.constant([2, 3])
    Pair = collections.namedtuple("Pair", "first second")
    out = sess.run({"a": a, "nested": [b, (a, tf.no_op())], "pair": Pair(a, b)})
    assert out["a"] == 1.0
    np.testing.assert_array_equal(out["nested"][0], [2, 3])
    assert out["nested"][1] == (1.0, None)
    assert isinstance(out["pair"], Pair) and out["pair"].first == 1.0
    od = sess.run(collections.OrderedDict([("x", a)]))
    assert isinstance(od, collections.OrderedDict)


def test_fetch_by_name_and_variable(sess):
    v = tf.Variable([1.0, 2.0], name="v")
    tf.constant(5, name="five")
    sess.run(tf.global_variables_initializer())
    assert sess.run("five:0") == 5
    np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])
    assert sess.run("v/Assign") is None


def test_fetched_arrays_are_copies_the_variable_is_not_changed(sess):
    v = tf.Variable([1.0, 2.0])
    c = tf.constant([5.0, 6.0])
    sess.run(v.initializer)
    got = sess.run(v)
    got[0] = 100.0
    np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])
    cv = sess.run(c)
    cv[0] = 7.0
    np.testing.assert_array_equal(sess.run(c), [5.0, 6.0])


def test_pruning_runs_only_what_the_fetch_needs(sess):
    a = counted(tf.constant(1.0), "a")
    b = counted(tf.constant(2.0), "b")
    c = a + 1.0
    sess.run(c)
    assert _CALLS == {"a": 1}
    sess.run(b)
    assert _CALLS == {"a": 1, "b": 1}


def test_each_node_runs_at_most_once_per_run(sess):
    a = counted(tf.constant(1.0), "a")
    b = a + 1.0
    c = a * 2.0
    d = b + c
    assert sess.run([d, b, c, a, d]) == [4.0, 2.0, 2.0, 1.0, 4.0]
    assert _CALLS["a"] == 1


def test_feeding_an_intermediate_tensor_cuts_the_graph_above_it(sess):
    a = counted(tf.constant(1.0), "a")
    b = a + 1.0
    c = b * 10.0
    assert sess.run(c, feed_dict={b: 5.0}) == 50.0
    assert _CALLS["a"] == 0
    assert sess.run(c) == 20.0
    assert sess.run(b, {b: 7.0}) == 7.0


def test_feed_by_name_and_feed_conversion(sess):
    x = tf.placeholder(tf.float32, shape=[None, 2], name="x")
    y = x * 2.0
    np.testing.assert_array_equal(sess.run(y, {"x:0": [[1, 2]]}), [[2.0, 4.0]])
    out = sess.run(x, {x: np.array([[1.5, 2.5]], dtype=np.float64)})
    assert out.dtype == np.float32


def test_feed_of_wrong_shape_is_a_value_error(sess):
    x = tf.placeholder(tf.float32, shape=[2], name="x")
    with pytest.raises(ValueError, match=r"Cannot feed value of shape \(3,\) for Tensor 'x:0'"):
        sess.run(x, {x: [1, 2, 3]})


def test_feed_errors(sess):
    x = tf.placeholder(tf.int32, name="x")
    with pytest.raises(TypeError, match="feed cannot be a tf.Tensor"):
        sess.run(x, {x: tf.constant(1)})
    with pytest.raises(TypeError, match="Try explicitly setting the type"):
        sess.run(x, {x: 2**40})
    with pytest.raises(TypeError, match="Cannot interpret feed_dict key"):
        sess.run(x, {"nope:0": 1})
    with pytest.raises(ValueError, match="Cannot feed value"):
        sess.run(x, {x: "abc"})


def test_placeholder_not_fed_names_the_placeholder(sess):
    x = tf.placeholder(tf.float32, shape=[None, 3], name="x")
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sess.run(x * 2.0)
    e = info.value
    assert "You must feed a value for placeholder tensor 'x' with dtype float and shape [?,3]" in (
        e.message
    )
    assert e.op.name == "x" and e.error_code == tf.errors.INVALID_ARGUMENT


def test_uninitialized_variable_is_a_failed_precondition(sess):
    v = tf.Variable(1.0, name="weights")
    with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value weights"):
        sess.run(v + 1.0)
    with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value weights"):
        sess.run(v)


def test_runtime_incompatible_shapes(sess):
    x = tf.placeholder(tf.int32, [None])
    y = x + tf.constant([1, 2])
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[3\] vs. \[2\]"
    ):
        sess.run(y, {x: [1, 2, 3]})


def test_bad_fetches(sess):
    tf.constant(1)
    with pytest.raises(TypeError, match="Fetch argument None has invalid type"):
        sess.run(None)
    with pytest.raises(TypeError, match="Fetch argument 1 has invalid type"):
        sess.run(1)
    with pytest.raises(ValueError, match="cannot be interpreted as a Tensor"):
        sess.run("nope:0")
    other = tf.Graph()
    with other.as_default():
        t = tf.constant(1)
    with pytest.raises(ValueError, match="is not an element of this graph"):
        sess.run(t)


def test_closed_session_and_empty_graph():
    with tf.Graph().as_default():
        s = tf.Session()
        with pytest.raises(RuntimeError, match="graph is empty"):
            s.run([])
        c = tf.constant(1)
        s.close()
        with pytest.raises(RuntimeError, match="closed Session"):
            s.run(c)


def test_unknown_target_is_not_found():
    with pytest.raises(tf.errors.NotFoundError, match="No session factory registered"):
        tf.Session("nonsense://x")


def test_eval_and_run_use_the_default_session():
    v = tf.Variable(2.0)
    with pytest.raises(ValueError, match="No default session is registered"):
        v.eval()
    with tf.Session() as sess:
        v.initializer.run()
        assert (v * 2.0).eval() == 4.0
        assert v.eval(session=sess) == 2.0
    other = tf.Session()
    with pytest.raises(ValueError, match="graph is different"):
        with tf.Graph().as_default():
            with tf.Session().as_default():
                v.eval()
    other.close()


def test_interactive_session_installs_itself():
    sess = tf.InteractiveSession()
    try:
        assert tf.get_default_session() is sess
        assert (tf.constant(2) * 3).eval() == 6
    finally:
        sess.close()
    assert tf.get_default_session() is None


def test_variables_keep_state_across_runs_not_across_sessions():
    v = tf.Variable(0.0)
    inc = v.assign_add(1.0)
    with tf.Session() as s1:
        s1.run(v.initializer)
        for _ in range(3):
            s1.run(inc)
        assert s1.run(v) == 3.0
    with tf.Session() as s2:
        with pytest.raises(tf.errors.FailedPreconditionError):
            s2.run(v)


def test_control_dependencies_order_assign_before_read(sess):
    v = tf.Variable(1.0)
    assign = v.assign(10.0)
    with tf.control_dependencies([assign]):
        read = v.read_value()
    sess.run(v.initializer)
    assert sess.run(read) == 10.0


def test_control_dependency_chapter_example(sess):
    a = counted(tf.constant(1.0), "a")
    b = counted(tf.constant(2.0), "b")
    with tf.control_dependencies([a, b]):
        x = tf.constant(3.0)
        y = tf.constant(4.0)
    z = x + y
    assert sess.run(z) == 7.0
    assert _CALLS == {"a": 1, "b": 1}  # x and y waited for a and b


def test_group_and_tuple(sess):
    v = tf.Variable(0)
    w = tf.Variable(0)
    both = tf.group(v.assign(1), w.assign(2), name="both")
    assert both.name == "both" and both.type == "NoOp"
    sess.run(both)
    assert sess.run([v, w]) == [1, 2]
    t = tf.tuple([v.read_value(), w.read_value()])
    assert [x.name for x in t] == ["tuple/control_dependency:0", "tuple/control_dependency_1:0"]
    assert sess.run(t) == [1, 2]


def test_initialized_value_and_initializer_ordering(sess):
    w1 = tf.Variable(3.0)
    w2 = tf.Variable(w1.initialized_value() * 2.0)
    sess.run(w2.initializer)  # w1 is not initialized: its initial value is used
    assert sess.run(w2) == 6.0
    # w2's guard read w1 through a cond of its own (Variable_1/cond), so this one is cond_1.
    assert w1.initialized_value().name == "cond_1/Merge:0"


def test_plans_are_cached_per_signature(sess):
    a = tf.constant(1.0)
    b = a + 1.0
    sess.run(b)
    sess.run(b)
    sess.run([b])
    assert len(sess._cache) == 2


def test_variable_load(sess):
    v = tf.Variable([1.0, 2.0])
    v.load([3.0, 4.0], sess)
    np.testing.assert_array_equal(sess.run(v), [3.0, 4.0])


def test_report_uninitialized_variables(sess):
    a = tf.Variable(1.0, name="a")
    tf.Variable(2.0, name="b")
    report = tf.report_uninitialized_variables()
    np.testing.assert_array_equal(sess.run(report), [b"a", b"b"])
    sess.run(a.initializer)
    np.testing.assert_array_equal(sess.run(report), [b"b"])
    assert sess.run(tf.is_variable_initialized(a))


def test_make_callable(sess):
    x = tf.placeholder(tf.float32)
    f = sess.make_callable(x * 3.0, [x])
    assert f(2.0) == 6.0


def test_any_tensor_may_be_fed_in_place_of_its_op(sess):
    # CS20 lecture 2: feeding a non-placeholder replaces its value for that run.
    a = tf.add(2, 5)
    b = tf.multiply(a, 3)
    assert tf.get_default_graph().is_feedable(a)
    assert sess.run(b, feed_dict={a: 15}) == 45
    assert sess.run(b) == 21


def test_tensors_marked_unfeedable_or_unfetchable_are_refused(sess):
    a = tf.add(2, 5, name="a")
    b = tf.multiply(a, 3, name="b")
    graph = tf.get_default_graph()
    graph.prevent_feeding(a)
    graph.prevent_fetching(b.op)
    assert not graph.is_feedable(a) and graph.is_feedable(b)
    assert not graph.is_fetchable(b) and not graph.is_fetchable(b.op) and graph.is_fetchable(a)
    with pytest.raises(ValueError, match="Tensor a:0 may not be fed."):
        sess.run(b + 1, feed_dict={a: 15})
    with pytest.raises(ValueError, match="Operation b has been marked as not fetchable"):
        sess.run(b)
    assert sess.run(b + 1) == 22  # computed on the way, only not handed out


def test_session_graph_def_and_target_are_tensorflows():
    x = tf.constant([1.0, 2.0], name="x")
    tf.identity(x, name="y")
    with tf.Session() as sess:
        # print(sess.graph_def) shows TensorFlow's GraphDef message, as in TF1 tutorials.
        assert type(sess.graph_def).__name__ == "GraphDef"
        assert [n.name for n in sess.graph_def.node] == ["x", "y"]
        assert 'node {\n  name: "y"\n  op: "Identity"\n  input: "x"' in str(sess.graph_def)
        assert "_output_shapes" not in sess.graph_def.node[0].attr
        assert sess.sess_str == b""
    config = tf.ConfigProto(graph_options=tf.GraphOptions(infer_shapes=True))
    with tf.Session(config=config) as sess:
        shapes = sess.graph_def.node[0].attr["_output_shapes"].list.shape
        assert [[d.size for d in s.dim] for s in shapes] == [[2]]


def test_an_operation_prints_as_tensorflows_node_def():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = tf.matmul(x, tf.ones([2, 1]), name="y")
    text = str(y.op)
    # TF 2.21's print(op): the NodeDef in protobuf text, every attr of MatMul, TF's order.
    assert text.startswith('name: "y"\nop: "MatMul"\ninput: "x"\ninput: "ones"\nattr {\n')
    keys = [line.split('"')[1] for line in text.splitlines() if line.startswith("  key:")]
    assert keys == ["transpose_b", "transpose_a", "grad_b", "grad_a", "T"]
    assert str(y.op.node_def) == text
