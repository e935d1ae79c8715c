"""Kernels whose output size comes from input values refuse it before allocating, with
TensorFlow's words (recorded by tests/fixtures/tensorflow/record_resource_limits.py)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops import filling

TF_SAYS = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/resource_limits/errors.json"
    ).read_text()
)
BIG = 10**12


def shape_fed(rank):
    return tf.placeholder(tf.int64, [rank], name="shape")


# The same programs as the recorder's, fed the same values.
CASES = {
    "tile": (
        lambda: tf.tile(tf.fill([1000, 1000], 1.0), tf.placeholder(tf.int32, [2], name="m")),
        {"m:0": [1000, 1000]},
    ),
    "fill": (lambda: tf.fill(shape_fed(2), 1.0), {"shape:0": [BIG, BIG]}),
    "zeros": (lambda: tf.zeros(shape_fed(1)), {"shape:0": [BIG]}),
    "ones_int32": (lambda: tf.ones(shape_fed(2), tf.int32), {"shape:0": [BIG, 3]}),
    "range": (lambda: tf.range(tf.placeholder(tf.int64, [], name="n")), {"n:0": BIG}),
    "broadcast_to": (lambda: tf.broadcast_to(1.0, shape_fed(2)), {"shape:0": [BIG, BIG]}),
    "pad": (
        lambda: tf.pad(tf.ones([2, 2]), tf.placeholder(tf.int32, [2, 2], name="p")),
        {"p:0": [[0, 2**30], [2**30, 0]]},
    ),
    "pad_int64": (
        lambda: tf.pad(tf.ones([2]), tf.placeholder(tf.int64, [1, 2], name="p")),
        {"p:0": [[0, BIG]]},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_value_shaped_outputs_are_refused_as_tensorflow_refuses_them(case, monkeypatch):
    monkeypatch.delenv("TEACHFLOW_CPU_MEMORY_LIMIT", raising=False)
    build, feeds = CASES[case]
    expected = TF_SAYS[case]
    with tf.Graph().as_default() as g, tf.Session(graph=g) as sess:
        fetch = build()
        feed_dict = {g.get_tensor_by_name(k): v for k, v in feeds.items()}
        with pytest.raises(getattr(tf.errors, expected["error"])) as info:
            sess.run(fetch, feed_dict)
    # TF's oneDNN build names its CPU allocator "mklcpu"; the plain one (ours) "cpu".
    assert info.value.message.split("\n")[0] == expected["message"].replace("mklcpu", "cpu")


def small_cpu():
    return tf.Session(config=tf.ConfigProto(cpu_memory_limit="1MiB"))


@pytest.mark.parametrize(
    "build, shape",
    [
        (lambda: tf.matmul(tf.ones([1024, 1]), tf.ones([1, 1024])), "[1024,1024]"),
        (lambda: tf.matmul(tf.ones([4, 512, 1]), tf.ones([1, 512])), "[4,512,512]"),
        (lambda: tf.concat([tf.ones([200, 1000])] * 2, axis=0), "[400,1000]"),
        (lambda: tf.stack([tf.ones([200, 1000])] * 2), "[2,200,1000]"),
        (lambda: tf.gather(tf.ones([10, 1000]), tf.zeros([500], tf.int32)), "[500,1000]"),
        (lambda: tf.one_hot(tf.zeros([1000], tf.int32), 1000), "[1000,1000]"),
        # the LinSpace op itself (tf.linspace is now TF 2.21's composite: int64 Range first)
        (lambda: filling.lin_space(0.0, 1.0, 1 << 20), "[1048576]"),
        (lambda: tf.scatter_nd([[0]], [1.0], [1 << 20]), "[1048576]"),
        (lambda: tf.pad(tf.ones([300, 300]), [[300, 300], [0, 0]], mode="SYMMETRIC"), "[900,300]"),
    ],
    ids=[
        "matmul",
        "batch_matmul",
        "concat",
        "stack",
        "gather",
        "one_hot",
        "linspace",
        "scatter_nd",
        "mirror_pad",
    ],
)
def test_outputs_larger_than_their_inputs_are_checked_too(build, shape, monkeypatch):
    monkeypatch.delenv("TEACHFLOW_CPU_MEMORY_LIMIT", raising=False)
    out = build()
    with small_cpu() as sess, pytest.raises(tf.errors.ResourceExhaustedError) as info:
        sess.run(out)
    first = info.value.message.split("\n")[0]
    assert first.startswith(f"OOM when allocating tensor with shape{shape} and type float")
    assert first.endswith("by allocator cpu")


def test_outputs_that_fit_are_computed(sess):
    np.testing.assert_array_equal(sess.run(tf.tile([[1, 2]], [2, 1])), [[1, 2], [1, 2]])
    assert sess.run(tf.fill([2, 3], 7)).sum() == 42
    assert sess.run(tf.matmul(tf.ones([2, 3]), tf.ones([3, 2]))).tolist() == [[3, 3], [3, 3]]


def test_broadcasting_two_small_inputs_to_a_huge_output_is_refused(monkeypatch):
    # 800 KB of inputs, 40 GB of output.
    monkeypatch.delenv("TEACHFLOW_CPU_MEMORY_LIMIT", raising=False)
    column = tf.constant(np.ones((100_000, 1), np.float32))
    row = tf.placeholder(tf.float32, [1, None])
    with tf.Session() as sess, pytest.raises(tf.errors.ResourceExhaustedError) as info:
        sess.run(column * row, {row: np.ones((1, 100_000), np.float32)})
    assert info.value.message.startswith(
        "OOM when allocating tensor with shape[100000,100000] and type float"
    )
    assert "{{node mul}}" in info.value.message


def test_broadcasts_that_cannot_grow_keep_the_plain_kernel(sess):
    import operator

    x = tf.placeholder(tf.float32, [None, 10])
    biased = x + tf.zeros([10])  # a bias: the output is x's size
    small = tf.constant(1.0) + 2.0
    out = sess.run([biased, small], {x: np.ones((3, 10), np.float32)})
    assert out[0].shape == (3, 10) and out[1] == 3.0
    assert sess._kernels[small.op] is operator.add  # static shapes fit: no check at all
    with small_cpu() as s:  # the bias case is checked at run time, and passes
        assert s.run(biased, {x: np.ones((3, 10), np.float32)}).shape == (3, 10)


def test_a_server_refuses_a_tiny_request_for_a_huge_tile(monkeypatch):
    # The request: a few hundred bytes on the wire asking a server for 4 TB.
    monkeypatch.delenv("TEACHFLOW_CPU_MEMORY_LIMIT", raising=False)
    server = tf.train.Server.create_local_server()
    try:
        m = tf.placeholder(tf.int32, [2], name="m")
        t = tf.tile(tf.fill([1000, 1000], 1.0), m)
        with tf.Session(server.target) as sess:
            with pytest.raises(tf.errors.ResourceExhaustedError) as info:
                sess.run(t, {m: [1000, 1000]})
            assert sess.run(tf.reduce_sum(t), {m: [1, 2]}) == 2_000_000.0  # still serving
    finally:
        server.stop()
    assert "OOM when allocating tensor with shape[1000000,1000000] and type float" in str(
        info.value
    )


def test_a_strided_slice_gradient_of_a_fed_shape_is_checked(monkeypatch):
    monkeypatch.delenv("TEACHFLOW_CPU_MEMORY_LIMIT", raising=False)
    shape = tf.placeholder(tf.int32, [2])
    attrs = {m: 0 for m in ("begin_mask", "end_mask", "ellipsis_mask")}
    attrs.update(new_axis_mask=0, shrink_axis_mask=0)
    inputs = [shape] + [tf.constant(v) for v in ([0, 0], [1, 1], [1, 1])] + [tf.ones([1, 1])]
    grad = tf.get_default_graph().create_op("StridedSliceGrad", inputs, attrs).outputs[0]
    with tf.Session() as sess:
        assert sess.run(grad, {shape: [2, 2]}).tolist() == [[1, 0], [0, 0]]
        with pytest.raises(tf.errors.ResourceExhaustedError, match=r"shape\[1000000,1000000\]"):
            sess.run(grad, {shape: [10**6, 10**6]})


@pytest.mark.parametrize(
    "sample",
    [
        lambda s: tf.random_normal(s),
        lambda s: tf.random_uniform(s),
        lambda s: tf.truncated_normal(s),
        lambda s: tf.random_uniform(s, 0, 10, tf.int32),
        lambda s: tf.random_gamma(s, [1.0, 2.0]),
    ],
    ids=["normal", "uniform", "truncated", "uniform_int", "gamma"],
)
def test_random_samples_of_a_fed_shape_are_refused_before_sampling(sample, monkeypatch):
    # 10**6 x 10**6 samples: the request is refused before a single counter is drawn.
    monkeypatch.delenv("TEACHFLOW_CPU_MEMORY_LIMIT", raising=False)
    out = sample(shape_fed(2))
    with tf.Session() as sess, pytest.raises(tf.errors.ResourceExhaustedError) as info:
        sess.run(out, {"shape:0": [10**6, 10**6]})
    assert info.value.message.startswith("OOM when allocating tensor with shape[1000000,1000000")
