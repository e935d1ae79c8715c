"""tf.nn.conv2d, conv2d_transpose and the Conv2DBackprop* ops: against TensorFlow's recorded
answers (op types, names, attrs, shapes, values, gradients, errors), against a plain
loop-over-pixels NumPy convolution, and against finite differences in float64."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow as tf
from tests.ops.finite_differences import check_gradients
from tests.ops.nn_conv_fixtures import (
    ERROR_CLASSES,
    cases_of,
    check_case,
    check_error,
    errors_of,
)
from tests.ops.nn_conv_fixtures import (
    HERE as FIXTURES,
)

RNG = np.random.default_rng(3)


@pytest.mark.parametrize(
    "name", cases_of("conv2d", "conv2d_transpose", "conv1d", "convolution", "atrous_conv2d")
)
def test_matches_tensorflow(name):
    check_case(name)


@pytest.mark.parametrize("name", errors_of("conv2d"))
def test_errors_match_tensorflow(name):
    check_error(name, ERROR_CLASSES)


def reference_conv2d(x, w, stride, pads, dilation=(1, 1)):
    """The definition, one output pixel at a time (NHWC; pads ((top, bottom), (l, r)))."""
    x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    kh, kw, _, o = w.shape
    eh, ew = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    oh = (x.shape[1] - eh) // stride[0] + 1
    ow = (x.shape[2] - ew) // stride[1] + 1
    out = np.zeros((x.shape[0], oh, ow, o))
    for i in range(oh):
        for j in range(ow):
            top, left = i * stride[0], j * stride[1]
            window = x[:, top : top + eh : dilation[0], left : left + ew : dilation[1], :]
            out[:, i, j, :] = np.tensordot(window, w, axes=((1, 2, 3), (0, 1, 2)))
    return out


@pytest.mark.parametrize(
    "shape, kernel, strides, padding, pads",
    [
        ((2, 6, 6, 3), (3, 3), (1, 1), "SAME", ((1, 1), (1, 1))),
        ((1, 7, 5, 2), (2, 3), (2, 2), "SAME", ((0, 1), (1, 1))),
        ((2, 5, 6, 1), (3, 2), (2, 1), "VALID", ((0, 0), (0, 0))),
    ],
)
def test_values_match_the_definition(sess, shape, kernel, strides, padding, pads):
    x = RNG.standard_normal(shape)
    w = RNG.standard_normal(kernel + (shape[3], 4))
    y = tf.nn.conv2d(x, w, strides=list(strides), padding=padding)
    got = sess.run(y)
    assert y.dtype == tf.float64 and got.dtype == np.float64
    np.testing.assert_allclose(got, reference_conv2d(x, w, strides, pads), rtol=1e-12, atol=1e-12)


def test_dilated_values_match_the_definition(sess):
    x = RNG.standard_normal((1, 9, 9, 2))
    w = RNG.standard_normal((3, 3, 2, 2))
    got = sess.run(tf.nn.conv2d(x, w, strides=1, padding="VALID", dilations=2))
    np.testing.assert_allclose(got, reference_conv2d(x, w, (1, 1), ((0, 0), (0, 0)), (2, 2)))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"strides": [1, 2, 2, 1], "padding": "SAME"},
        {"strides": 1, "padding": "VALID", "dilations": [1, 2, 1, 1]},
        {"strides": [1, 1, 2, 1], "padding": [[0, 0], [1, 0], [2, 1], [0, 0]]},
    ],
)
def test_gradients_match_finite_differences(kwargs):
    x = RNG.standard_normal((2, 5, 5, 2))
    w = RNG.standard_normal((3, 2, 2, 3))
    check_gradients(lambda a, b: tf.nn.conv2d(a, b, **kwargs), x, w)


def test_transpose_gradients_match_finite_differences():
    value = RNG.standard_normal((1, 3, 3, 2))
    w = RNG.standard_normal((3, 3, 1, 2))
    check_gradients(
        lambda v, f: tf.nn.conv2d_transpose(v, f, [1, 6, 6, 1], [1, 2, 2, 1], "SAME"), value, w
    )


def test_second_order_gradient_through_backprop_ops():
    # The gradient ops have gradients: d/dw of (d loss / dx) works, as in TF.
    x = RNG.standard_normal((1, 4, 4, 1))
    w = RNG.standard_normal((2, 2, 1, 1))

    def dx_of(xs, ws):
        (dx,) = tf.gradients(tf.reduce_sum(tf.nn.conv2d(xs, ws, 1, "SAME") ** 2), [xs])
        return dx

    check_gradients(dx_of, x, w, rtol=1e-4, atol=1e-6)


def test_nchw_equals_transposed_nhwc(sess):
    x = RNG.standard_normal((2, 3, 6, 5)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 3, 4)).astype(np.float32)
    nchw = tf.nn.conv2d(x, w, [1, 1, 2, 2], "SAME", data_format="NCHW")
    nhwc = tf.nn.conv2d(x.transpose(0, 2, 3, 1), w, [1, 2, 2, 1], "SAME")
    assert nchw.shape.as_list() == [2, 4, 3, 3]
    a, b = sess.run([nchw, nhwc])
    np.testing.assert_allclose(a, b.transpose(0, 3, 1, 2), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtypes(sess, dtype):
    x = np.ones((1, 4, 4, 2), dtype)
    y = tf.nn.conv2d(x, np.ones((3, 3, 2, 1), dtype), 1, "SAME")
    got = sess.run(y)
    assert y.dtype == tf.as_dtype(dtype) and got.dtype == dtype
    edge, mid = [8, 12, 12, 8], [12, 18, 18, 12]
    np.testing.assert_array_equal(got[0, :, :, 0], [edge, mid, mid, edge])


def test_unknown_batch_and_names():
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    y = tf.nn.conv2d(x, tf.ones([5, 5, 1, 32]), strides=[1, 1, 1, 1], padding="SAME", name="c")
    assert y.op.name == "c" and y.shape.as_list() == [None, 28, 28, 32]
    assert y.op.get_attr("use_cudnn_on_gpu") is True
    dx, dw = tf.gradients(y, [x, y.op.inputs[1]])
    assert dx.op.name == "gradients/c_grad/Conv2DBackpropInput"
    assert dw.op.name == "gradients/c_grad/Conv2DBackpropFilter"
    assert dx.shape.as_list() == [None, 28, 28, 1] and dw.shape.as_list() == [5, 5, 1, 32]


def test_strides_argument_forms():
    x = tf.placeholder(tf.float32, [1, 8, 8, 1])
    w = tf.ones([2, 2, 1, 1])
    for strides in (2, [2], [2, 2], [1, 2, 2, 1]):
        assert tf.nn.conv2d(x, w, strides, "VALID").op.get_attr("strides") == [1, 2, 2, 1]
    with pytest.raises(ValueError, match="strides should be of length 1, 2 or 4 but was 3"):
        tf.nn.conv2d(x, w, [1, 2, 2], "VALID")


def test_filter_dtype_mismatch_is_a_type_error():
    x = tf.placeholder(tf.float32, [1, 4, 4, 1])
    with pytest.raises(TypeError, match="float64"):
        tf.nn.conv2d(x, tf.constant(np.ones((2, 2, 1, 1))), 1, "SAME")


def test_runtime_depth_mismatch_is_invalid_argument(sess):
    x = tf.placeholder(tf.float32, [1, 4, 4, None])
    y = tf.nn.conv2d(x, tf.ones([2, 2, 3, 1]), 1, "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="input depth must be evenly"):
        sess.run(y, {x: np.ones((1, 4, 4, 2), np.float32)})


def test_runtime_window_larger_than_image_is_invalid_argument(sess):
    x = tf.placeholder(tf.float32, [1, None, None, 1])
    y = tf.nn.conv2d(x, tf.ones([5, 5, 1, 1]), 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="Negative dimension size"):
        sess.run(y, {x: np.ones((1, 3, 3, 1), np.float32)})


def test_conv2d_transpose_channel_mismatch():
    with pytest.raises(ValueError, match="input channels does not match filter's"):
        tf.nn.conv2d_transpose(tf.ones([1, 2, 2, 3]), tf.ones([3, 3, 1, 4]), [1, 4, 4, 1], 2)


def test_conv2d_transpose_inverts_the_shape_of_a_strided_conv(sess):
    x = RNG.standard_normal((2, 7, 7, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 3, 4)).astype(np.float32)
    down = tf.nn.conv2d(x, w, 2, "SAME")
    up = tf.nn.conv2d_transpose(down, w, tf.shape(x), 2, "SAME")
    # <conv(x), y> == <x, conv_transpose(y)>: the adjoint identity.
    y = RNG.standard_normal((2, 4, 4, 4)).astype(np.float32)
    lhs = tf.reduce_sum(down * y)
    rhs = tf.reduce_sum(tf.constant(x) * tf.nn.conv2d_transpose(y, w, [2, 7, 7, 3], 2, "SAME"))
    a, b, shape = sess.run([lhs, rhs, tf.shape(up)])
    assert shape.tolist() == [2, 7, 7, 3]
    np.testing.assert_allclose(a, b, rtol=1e-4)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    size=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    strides=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.integers(1, 2),
    padding=st.sampled_from(["SAME", "VALID"]),
    channels=st.tuples(st.integers(1, 3), st.integers(1, 3)),
)
def test_any_geometry_matches_the_definition(size, kernel, strides, dilation, padding, channels):
    eff = [(k - 1) * dilation + 1 for k in kernel]
    if padding == "VALID" and (eff[0] > size[0] or eff[1] > size[1]):
        return  # TF refuses these (tested above)
    rng = np.random.default_rng(sum(size) + sum(kernel))
    x = rng.standard_normal((2, *size, channels[0]))
    w = rng.standard_normal((*kernel, *channels))
    if padding == "SAME":
        pads = []
        for n, s, e in zip(size, strides, eff):
            total = max((-(-n // s) - 1) * s + e - n, 0)
            pads.append((total // 2, total - total // 2))
    else:
        pads = [(0, 0), (0, 0)]
    with tf.Graph().as_default(), tf.Session() as sess:
        got = sess.run(tf.nn.conv2d(x, w, list(strides), padding, dilations=dilation))
    want = reference_conv2d(x, w, strides, pads, (dilation, dilation))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_conv1d_is_a_conv2d_of_height_one():
    y = tf.nn.conv1d(tf.zeros([2, 10, 3]), tf.ones([3, 3, 4]), stride=2, padding="SAME")
    conv = y.op.inputs[0].op
    assert (conv.name, conv.type, conv.get_attr("strides")) == ("conv1d", "Conv2D", [1, 1, 2, 1])
    assert [t.op.type for t in conv.inputs] == ["ExpandDims", "ExpandDims"]
    with pytest.raises(ValueError, match='data_format must be "NWC" or "NCW"'):
        tf.nn.conv1d(tf.zeros([2, 10, 3]), tf.ones([3, 3, 4]), 1, "SAME", data_format="NHW")


def test_a_tensorflow_graph_of_these_ops_imports_and_runs():
    # Recorded by tests/fixtures/tensorflow/record_conv_graph.py: conv, pools, fused batch
    # norm, LRN, depthwise conv, resizes, conv2d_transpose and the gradients TF built.
    from teachflow.proto.messages import GraphDef

    graph_def = GraphDef()
    graph_def.ParseFromString((FIXTURES / "graph.pb").read_bytes())
    want = np.load(FIXTURES / "graph_values.npz")
    fetches = ["out", "dx", "dw", "mean", "variance"]
    with tf.Graph().as_default():
        tf.import_graph_def(graph_def, name="")
        assert (
            tf.get_default_graph().get_operation_by_name("gradients/conv_grad/ShapeN").type
            == "ShapeN"
        )
        with tf.Session() as sess:
            got = sess.run([f"{n}:0" for n in fetches], {"x:0": want["x"]})
    tol = 8 * np.finfo(np.float32).eps * np.sqrt(2 * 8 * 8 * 3)
    for name, value in zip(fetches, got):
        scale = max(1.0, float(np.abs(want[name]).max()))
        np.testing.assert_allclose(value, want[name], rtol=tol, atol=tol * scale, err_msg=name)


def test_gradient_shapes_come_from_shape_n():
    x = tf.placeholder(tf.float32, [None, 6, 6, 2])
    w = tf.ones([3, 3, 2, 4])
    dx, dw = tf.gradients(tf.nn.conv2d(x, w, 1, "SAME"), [x, w])
    assert dx.op.inputs[0].op.type == "ShapeN" and dx.op.inputs[0].op is dw.op.inputs[1].op
    assert dx.shape.as_list() == [None, 6, 6, 2] and dw.shape.as_list() == [3, 3, 2, 4]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    size=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    kernel=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    dilations=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    pads=st.tuples(*[st.integers(0, 5)] * 4),
    channels=st.tuples(st.integers(1, 3), st.integers(1, 3)),
)
def test_stride_one_input_gradient_by_shifts_equals_the_window_adds(
    size, kernel, dilations, pads, channels
):
    # The fast stride-1 path of Conv2DBackpropInput against the reference: per-window adds.
    from teachflow.ops.conv_ops import backprop_input_by_shifts
    from teachflow.ops.sliding_windows import add_patches, window_2d

    try:
        win = window_2d(size, kernel, (1, 1), dilations, "EXPLICIT", (pads[:2], pads[2:]))
    except ValueError:
        return  # the window is larger than the padded image
    c, o = channels
    rng = np.random.default_rng(sum(size) + sum(kernel) + sum(pads) + sum(dilations))
    dy = rng.standard_normal((2, win.out_h, win.out_w, o))
    w = rng.standard_normal((*kernel, c, o))
    got = backprop_input_by_shifts(np, dy, w, win)
    cols = (dy.reshape(-1, o) @ w.reshape(-1, o).T).reshape(*dy.shape[:3], *kernel, c)
    want = add_patches(np, cols, win, 2, c, np.float64)
    assert got.shape == want.shape == (2, *size, c)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
