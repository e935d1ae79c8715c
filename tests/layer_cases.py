"""Small tf.layers graphs written once against the TF1 API, built by teachflow in
tests/test_layers.py and by TensorFlow in tests/fixtures/tensorflow/record_layers.py.

Each case takes the ``tf`` module and returns ``(fetches, feeds, steps)``: the named
tensors to fetch, the feeds, and how many times to run the ``"update"`` fetch (batch
norm's UPDATE_OPS) before fetching everything. Initializers are constants, so both
engines start from the same weights.
"""

import numpy as np

RNG = np.random.default_rng(21)
IMAGES = RNG.standard_normal((4, 6, 6, 2)).astype(np.float32)
FEATURES = (RNG.standard_normal((5, 3)) * 2 + 1).astype(np.float32)


def _kernel(shape, phase=0.0):
    n = int(np.prod(shape))
    return (0.3 * np.sin(np.arange(n) + phase)).reshape(shape).astype(np.float32)


def conv_same_relu(tf):
    y = tf.layers.conv2d(
        IMAGES, 3, 3, padding="same", activation=tf.nn.relu,
        kernel_initializer=tf.constant_initializer(_kernel([3, 3, 2, 3])),
        bias_initializer=tf.constant_initializer(0.1),
    )  # fmt: skip
    return {"y": y}, {}, 0


def conv_strided_dilated(tf):
    a = tf.layers.conv2d(
        IMAGES, 2, (2, 3), strides=(2, 1), padding="valid",
        kernel_initializer=tf.constant_initializer(_kernel([2, 3, 2, 2], 1.0)),
    )  # fmt: skip
    b = tf.layers.conv2d(
        IMAGES, 2, 2, dilation_rate=2, use_bias=False,
        kernel_initializer=tf.constant_initializer(_kernel([2, 2, 2, 2], 2.0)),
    )  # fmt: skip
    return {"a": a, "b": b}, {}, 0


def conv_channels_first(tf):
    x = np.transpose(IMAGES, (0, 3, 1, 2))
    y = tf.layers.conv2d(
        x, 3, 3, padding="same", data_format="channels_first",
        kernel_initializer=tf.constant_initializer(_kernel([3, 3, 2, 3], 3.0)),
        bias_initializer=tf.constant_initializer(0.5),
    )  # fmt: skip
    return {"y": y}, {}, 0


def conv_transpose(tf):
    a = tf.layers.conv2d_transpose(
        IMAGES, 3, 3, strides=2, padding="same",
        kernel_initializer=tf.constant_initializer(_kernel([3, 3, 3, 2], 6.0)),
        bias_initializer=tf.constant_initializer(0.2),
    )  # fmt: skip
    b = tf.layers.conv2d_transpose(
        IMAGES, 2, (3, 2), strides=(2, 3), activation=tf.nn.relu,
        kernel_initializer=tf.constant_initializer(_kernel([3, 2, 2, 2], 7.0)),
    )  # fmt: skip
    return {"a": a, "b": b}, {}, 0


def separable(tf):
    y = tf.layers.separable_conv2d(
        IMAGES, 3, 3, padding="same", depth_multiplier=2, activation=tf.nn.relu,
        depthwise_initializer=tf.constant_initializer(_kernel([3, 3, 2, 2], 9.0)),
        pointwise_initializer=tf.constant_initializer(_kernel([1, 1, 4, 3], 10.0)),
        bias_initializer=tf.constant_initializer(0.3),
    )  # fmt: skip
    z = tf.layers.separable_conv2d(
        IMAGES, 2, (2, 3), strides=2,
        depthwise_initializer=tf.constant_initializer(_kernel([2, 3, 2, 1], 11.0)),
        pointwise_initializer=tf.constant_initializer(_kernel([1, 1, 2, 2], 12.0)),
    )  # fmt: skip
    return {"y": y, "z": z}, {}, 0


def sequences(tf):
    x = IMAGES.reshape(4, 12, 6)
    h = tf.layers.conv1d(
        x, 3, 3, strides=2, padding="same", activation=tf.nn.relu,
        kernel_initializer=tf.constant_initializer(_kernel([3, 6, 3], 8.0)),
        bias_initializer=tf.constant_initializer(0.1),
    )  # fmt: skip
    return (
        {
            "conv": h,
            "max": tf.layers.max_pooling1d(x, 3, 2, padding="same"),
            "avg": tf.layers.average_pooling1d(x, 2, 2),
        },
        {},
        0,
    )


def pooling(tf):
    return (
        {
            "max_valid": tf.layers.max_pooling2d(IMAGES, 2, 2),
            "max_same": tf.layers.max_pooling2d(IMAGES, 3, 2, padding="same"),
            "avg_same": tf.layers.average_pooling2d(IMAGES, 3, 2, padding="same"),
            "avg_valid": tf.layers.average_pooling2d(IMAGES, (2, 3), (1, 2)),
            "flatten": tf.layers.flatten(IMAGES),
        },
        {},
        0,
    )


def _bn_fetches(tf, y):
    fetches = {"y": y, "update": tf.get_collection(tf.GraphKeys.UPDATE_OPS)}
    for v in tf.global_variables():
        fetches[v.name] = v
    return fetches


def batch_norm_fused_training(tf):
    y = tf.layers.batch_normalization(IMAGES, training=True, momentum=0.9)
    return _bn_fetches(tf, y), {}, 3


def batch_norm_fused_inference(tf):
    y = tf.layers.batch_normalization(
        IMAGES, training=False,
        moving_mean_initializer=tf.constant_initializer([0.5, -0.5]),
        moving_variance_initializer=tf.constant_initializer([2.0, 0.5]),
    )  # fmt: skip
    return _bn_fetches(tf, y), {}, 0


def batch_norm_composed_training(tf):
    y = tf.layers.batch_normalization(FEATURES, training=True)
    return _bn_fetches(tf, y), {}, 2


def batch_norm_no_center_no_scale(tf):
    y = tf.layers.batch_normalization(IMAGES, training=True, center=False, scale=False)
    z = tf.layers.batch_normalization(FEATURES, training=True, center=False, scale=False)
    fetches = _bn_fetches(tf, y)
    fetches["z"] = z
    return fetches, {}, 1


def batch_norm_channels_first(tf):
    x = np.transpose(IMAGES, (0, 3, 1, 2))
    y = tf.layers.batch_normalization(x, axis=1, training=True, epsilon=0.01)
    return _bn_fetches(tf, y), {}, 2


def batch_norm_training_tensor(tf):
    training = tf.placeholder(tf.bool, [])
    a = tf.layers.batch_normalization(IMAGES, training=training, momentum=0.5)
    b = tf.layers.batch_normalization(FEATURES, training=training, momentum=0.5)
    fetches = _bn_fetches(tf, a)
    fetches["b"] = b
    return fetches, {training: True}, 2


def batch_norm_training_tensor_false(tf):
    training = tf.placeholder(tf.bool, [])
    a = tf.layers.batch_normalization(IMAGES, training=training, momentum=0.5)
    b = tf.layers.batch_normalization(FEATURES, training=training, momentum=0.5)
    fetches = _bn_fetches(tf, a)
    fetches["b"] = b
    return fetches, {training: False}, 2


def dense_after_conv(tf):
    h = tf.layers.conv2d(
        IMAGES, 2, 3, kernel_initializer=tf.constant_initializer(_kernel([3, 3, 2, 2], 4.0))
    )
    h = tf.layers.flatten(h)
    y = tf.layers.dense(h, 3, kernel_initializer=tf.constant_initializer(_kernel([32, 3], 5.0)))
    return {"y": y}, {}, 0


CASES = {
    f.__name__: f
    for f in (
        conv_same_relu,
        conv_strided_dilated,
        conv_channels_first,
        conv_transpose,
        separable,
        sequences,
        pooling,
        batch_norm_fused_training,
        batch_norm_fused_inference,
        batch_norm_composed_training,
        batch_norm_no_center_no_scale,
        batch_norm_channels_first,
        batch_norm_training_tensor,
        batch_norm_training_tensor_false,
        dense_after_conv,
    )
}

# Op types that belong to how variables are stored (TF's resource variables vs teachflow's
# reference variables), left out when graphs are compared.
VARIABLE_OP_TYPES = frozenset(
    "VarHandleOp VarIsInitializedOp AssignVariableOp ReadVariableOp AssignSubVariableOp "
    "VariableV2 Assign Identity AssignSub Const Fill".split()
)


def run(tf, name):
    """Build and run case ``name``: (values by fetch name, [(op name, type)] of the graph)."""
    graph = tf.Graph()
    with graph.as_default():
        fetches, feeds, steps = CASES[name](tf)
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(steps):
                sess.run(fetches["update"], feeds)
            values = sess.run({k: v for k, v in fetches.items() if k != "update"}, feeds)
        ops = [
            (op.name, op.type)
            for op in graph.get_operations()
            if op.type not in VARIABLE_OP_TYPES and "Initializer" not in op.name
        ]
    return values, ops
