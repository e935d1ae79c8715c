"""tf.layers.Conv2D / conv2d, MaxPooling2D, AveragePooling2D and the Layer base: variables,
names, reuse, shapes, gradients and errors."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops.layer_base import default_layer_name


def test_default_names_follow_the_class():
    assert default_layer_name(tf.layers.Conv2D) == "conv2d"
    assert default_layer_name(tf.layers.MaxPooling2D) == "max_pooling2d"
    assert default_layer_name(tf.layers.BatchNormalization) == "batch_normalization"


def test_conv2d_variables_ops_and_shapes():
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    y = tf.layers.conv2d(x, 32, 5, padding="same", activation=tf.nn.relu)
    z = tf.layers.conv2d(y, 16, (3, 3), strides=2)
    assert [v.name for v in tf.trainable_variables()] == [
        "conv2d/kernel:0", "conv2d/bias:0", "conv2d_1/kernel:0", "conv2d_1/bias:0",
    ]  # fmt: skip
    assert tf.trainable_variables()[0].shape.as_list() == [5, 5, 1, 32]
    assert y.op.name == "conv2d/Relu" and y.shape.as_list() == [None, 28, 28, 32]
    assert z.op.name == "conv2d_1/BiasAdd" and z.shape.as_list() == [None, 13, 13, 16]
    conv = z.op.inputs[0].op
    assert conv.name == "conv2d_1/Conv2D" and conv.get_attr("padding") == "VALID"
    assert conv.get_attr("strides") == [1, 2, 2, 1]
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert "conv2d/kernel/Initializer/random_uniform" in names  # glorot uniform
    assert "conv2d/bias/Initializer/zeros" in names


def test_conv2d_reuse_by_name(sess):
    x = tf.placeholder(tf.float32, [None, 4, 4, 2])
    a = tf.layers.conv2d(x, 3, 2, name="shared")
    b = tf.layers.conv2d(x, 3, 2, name="shared", reuse=True)
    assert len(tf.global_variables()) == 2 and b.op.name == "shared_1/BiasAdd"
    sess.run(tf.global_variables_initializer())
    feed = {x: np.ones((1, 4, 4, 2))}
    np.testing.assert_array_equal(*sess.run([a, b], feed))
    with pytest.raises(ValueError, match="Variable shared/kernel already exists"):
        tf.layers.conv2d(x, 3, 2, name="shared")


def test_layer_object_called_twice_shares_variables():
    layer = tf.layers.Conv2D(4, 3, padding="same")
    layer(tf.zeros([1, 5, 5, 2]))
    y = layer(tf.ones([2, 5, 5, 2]))
    assert len(tf.global_variables()) == 2 and layer.name == "conv2d"
    # TF1 re-enters the layer's name scope: the second call's ops are conv2d/..._1.
    assert y.op.name == "conv2d/BiasAdd_1" and layer.kernel.shape.as_list() == [3, 3, 2, 4]


def test_conv2d_trains(sess):
    x = tf.constant(np.random.default_rng(0).standard_normal((8, 6, 6, 1)).astype(np.float32))
    y = tf.layers.conv2d(x, 2, 3, kernel_initializer=tf.ones_initializer())
    loss = tf.reduce_mean(tf.square(y))
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    sess.run(tf.global_variables_initializer())
    before = sess.run(loss)
    for _ in range(3):
        sess.run(train)
    assert sess.run(loss) < before


@pytest.mark.parametrize(
    "shape, message",
    [
        ([None, 4, 4], "expected ndim=4, found ndim=3"),
        ([None, 4, 4, None], "The channel dimension of the inputs should be defined"),
    ],
)
def test_conv2d_input_errors(shape, message):
    with pytest.raises(ValueError, match=message):
        tf.layers.conv2d(tf.placeholder(tf.float32, shape), 2, 3)


def test_conv2d_argument_errors():
    x = tf.zeros([1, 4, 4, 1])
    with pytest.raises(ValueError, match='must be one of "valid", "same"'):
        tf.layers.conv2d(x, 2, 3, padding="full")
    with pytest.raises(ValueError, match="`kernel_size` argument must be a tuple of 2"):
        tf.layers.conv2d(x, 2, (3, 3, 3))
    with pytest.raises(ValueError, match='"channels_first", "channels_last"'):
        tf.layers.conv2d(x, 2, 3, data_format="NHWC")


def test_pooling_layers(sess):
    x = np.arange(32, dtype=np.float32).reshape(1, 4, 4, 2)
    m = tf.layers.max_pooling2d(x, 2, 2)
    a = tf.layers.AveragePooling2D(2, 1, padding="same")(x)
    assert m.op.name == "max_pooling2d/MaxPool" and m.shape.as_list() == [1, 2, 2, 2]
    assert a.op.name == "average_pooling2d/AvgPool" and a.shape.as_list() == [1, 4, 4, 2]
    np.testing.assert_array_equal(sess.run(m)[0, :, :, 0], [[10, 14], [26, 30]])
    np.testing.assert_allclose(sess.run(a)[0, 3, 3], x[0, 3, 3])


def test_pooling_strides_default_to_the_pool_size():
    layer = tf.layers.MaxPooling2D((2, 3), None)
    assert layer.strides == (2, 3)
    assert layer(tf.zeros([1, 6, 6, 1])).shape.as_list() == [1, 3, 2, 1]


def test_class_forms_of_flatten_and_dropout(sess):
    x = np.ones((2, 3, 4), np.float32)
    assert tf.layers.Flatten()(x).shape.as_list() == [2, 12]
    y = tf.layers.Dropout(0.5)(x, training=False)
    np.testing.assert_array_equal(sess.run(y), x)


def test_conv2d_transpose_layer_variables_and_shapes():
    x = tf.placeholder(tf.float32, [None, 7, 7, 16])
    y = tf.layers.conv2d_transpose(x, 8, 5, strides=2, padding="same", activation=tf.nn.relu)
    z = tf.layers.conv2d_transpose(y, 1, 4, strides=2)
    assert [v.shape.as_list() for v in tf.trainable_variables()] == [
        [5, 5, 8, 16],
        [8],
        [4, 4, 1, 8],
        [1],
    ]
    assert y.op.name == "conv2d_transpose/Relu" and y.shape.as_list() == [None, 14, 14, 8]
    assert z.shape.as_list() == [None, 30, 30, 1]  # valid: 14 * 2 + max(4 - 2, 0)
    assert y.op.inputs[0].op.inputs[0].op.type == "Conv2DBackpropInput"


def test_conv1d_and_pooling1d_layers():
    x = tf.placeholder(tf.float32, [None, 20, 8])
    h = tf.layers.conv1d(x, 16, 3, padding="same", activation=tf.nn.relu)
    m = tf.layers.max_pooling1d(h, 2, 2)
    a = tf.layers.AveragePooling1D(4, 4)(h)
    assert [v.shape.as_list() for v in tf.trainable_variables()] == [[3, 8, 16], [16]]
    assert h.op.name == "conv1d/Relu" and h.shape.as_list() == [None, 20, 16]
    assert m.op.name == "max_pooling1d/Squeeze" and m.shape.as_list() == [None, 10, 16]
    assert a.shape.as_list() == [None, 5, 16]
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        tf.layers.conv1d(tf.zeros([1, 2, 3, 4]), 2, 1)


@pytest.mark.parametrize(
    "layer, shape, message",
    [
        (tf.layers.conv1d, [None, 4, 4, 2], "expected ndim=3, found ndim=4"),
        (tf.layers.conv1d, [None, 4, None], "The channel dimension of the inputs should be"),
        (tf.layers.conv2d_transpose, [None, 4, 4], "expected ndim=4, found ndim=3"),
        (tf.layers.conv2d_transpose, [1, 4, 4, None], "The channel dimension of the inputs should"),
        (tf.layers.separable_conv2d, [None, 4, 4], "expected ndim=4, found ndim=3"),
        (
            tf.layers.separable_conv2d,
            [None, 4, 4, None],
            "The channel dimension of the inputs to `SeparableConv2D` should be defined",
        ),
    ],
)
def test_every_conv_layer_checks_rank_and_channels(layer, shape, message):
    with pytest.raises(ValueError, match=message):
        layer(tf.placeholder(tf.float32, shape), 2, 3)


def test_conv_layers_without_bias_have_a_kernel_only():
    x = tf.zeros([1, 6, 6, 2])
    kernel_shapes = {
        "conv1d": tf.layers.Conv1D(3, 2, use_bias=False),
        "conv2d": tf.layers.Conv2D(3, 2, use_bias=False),
        "conv2d_transpose": tf.layers.Conv2DTranspose(3, 2, use_bias=False),
    }
    y1 = kernel_shapes["conv1d"](tf.zeros([1, 6, 2]))
    y2 = kernel_shapes["conv2d"](x)
    y3 = kernel_shapes["conv2d_transpose"](x)
    assert [y.op.type for y in (y1, y2, y3)] == ["Squeeze", "Conv2D", "Conv2DBackpropInput"]
    assert {
        name: (layer.bias, layer.kernel.shape.as_list()) for name, layer in kernel_shapes.items()
    } == {
        "conv1d": (None, [2, 2, 3]),
        "conv2d": (None, [2, 2, 2, 3]),
        "conv2d_transpose": (None, [2, 2, 3, 2]),
    }
    assert [v.name for v in tf.trainable_variables()] == [
        "conv1d/kernel:0",
        "conv2d/kernel:0",
        "conv2d_transpose/kernel:0",
    ]


def test_pooling1d_takes_one_pool_size():
    with pytest.raises(ValueError, match="`pool_size` argument must be a tuple of 1 integers"):
        tf.layers.max_pooling1d(tf.zeros([1, 6, 2]), (2, 2), 1)
    with pytest.raises(ValueError, match="`strides` argument must be a tuple of 2 integers"):
        tf.layers.max_pooling2d(tf.zeros([1, 6, 6, 2]), 2, (1, 1, 1))
