"""replica_device_setter: which device each op records, compared with TensorFlow 1.x.

Every expected device string was recorded from TensorFlow (tf.compat.v1) building the same
graph; the greedy strategy's from TF 1.15's tf.contrib.training algorithm.
"""

import logging

import pytest

import teachflow as tf
from teachflow.distributed.protocol import teachflow_pb2
from teachflow.framework.operation import NodeDef
from teachflow.train.device_setter import STANDARD_PS_OPS, _RoundRobinStrategy


def _ops():
    return [(op.name, op.type, op.device) for op in tf.get_default_graph().get_operations()]


def _without_ref_consumers(ops):
    # Assign ops (colocated with their variable) and tf.group's per-device NoOps under "init/".
    return [o for o in ops if o[1] != "Assign" and not o[0].startswith("init/")]


# -- the chapter's model ---------------------------------------------------------------------
def _build_forward_model():
    with tf.device(tf.train.replica_device_setter(ps_tasks=2)):
        w = tf.Variable(tf.zeros([3, 2]), name="w")
        b = tf.Variable(tf.zeros([2]), name="b")
        tf.Variable(1.0, name="c")
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        y = tf.matmul(x, w) + b
        with tf.device("/cpu:0"):
            tf.identity(y, name="z")
        with tf.device("/job:ps/task:3"):
            tf.Variable(2.0, name="d")
        with tf.device("/job:foo"):
            tf.Variable(2.0, name="e")
        with tf.device("/gpu:1"):
            tf.Variable(2.0, name="f")
        tf.get_variable("g", [4], initializer=tf.zeros_initializer())
        tf.get_variable("h", [4, 5])


TF_FORWARD_MODEL = [
    ("zeros", "Const", "/job:worker"),
    ("w", "VariableV2", "/job:ps/task:0"),
    ("w/Assign", "Assign", "/job:ps/task:0"),
    ("w/read", "Identity", "/job:ps/task:0"),
    ("zeros_1", "Const", "/job:worker"),
    ("b", "VariableV2", "/job:ps/task:1"),
    ("b/Assign", "Assign", "/job:ps/task:1"),
    ("b/read", "Identity", "/job:ps/task:1"),
    ("c/initial_value", "Const", "/job:worker"),
    ("c", "VariableV2", "/job:ps/task:0"),
    ("c/Assign", "Assign", "/job:ps/task:0"),
    ("c/read", "Identity", "/job:ps/task:0"),
    ("x", "Placeholder", "/job:worker"),
    ("MatMul", "MatMul", "/job:worker"),
    ("add", "AddV2", "/job:worker"),
    ("z", "Identity", "/job:worker/device:CPU:0"),
    # The op's own job is the ps job: the strategy is consulted (task 1 used up), task:3 wins.
    ("d/initial_value", "Const", "/job:ps/task:3"),
    ("d", "VariableV2", "/job:ps/task:3"),
    ("d/Assign", "Assign", "/job:ps/task:3"),
    ("d/read", "Identity", "/job:ps/task:3"),
    # Another job: left alone, and the strategy is not consulted.
    ("e/initial_value", "Const", "/job:foo"),
    ("e", "VariableV2", "/job:foo"),
    ("e/Assign", "Assign", "/job:foo"),
    ("e/read", "Identity", "/job:foo"),
    ("f/initial_value", "Const", "/job:worker/device:GPU:1"),
    ("f", "VariableV2", "/job:ps/task:0/device:GPU:1"),
    ("f/Assign", "Assign", "/job:ps/task:0/device:GPU:1"),
    ("f/read", "Identity", "/job:ps/task:0/device:GPU:1"),
    # An initializer function runs under tf.device(None): no device at all.
    ("g/Initializer/zeros", "Const", ""),
    ("g", "VariableV2", "/job:ps/task:1"),
    ("g/Assign", "Assign", "/job:ps/task:1"),
    ("g/read", "Identity", "/job:ps/task:1"),
    ("h/Initializer/random_uniform/shape", "Const", ""),
    ("h/Initializer/random_uniform/min", "Const", ""),
    ("h/Initializer/random_uniform/max", "Const", ""),
    ("h/Initializer/random_uniform/RandomUniform", "RandomUniform", ""),
    ("h/Initializer/random_uniform/sub", "Sub", ""),
    ("h/Initializer/random_uniform/mul", "Mul", ""),
    ("h/Initializer/random_uniform", "AddV2", ""),
    ("h", "VariableV2", "/job:ps/task:0"),
    ("h/Assign", "Assign", "/job:ps/task:0"),
    ("h/read", "Identity", "/job:ps/task:0"),
]


def test_forward_model_devices_match_tf():
    _build_forward_model()
    assert _without_ref_consumers(_ops()) == _without_ref_consumers(TF_FORWARD_MODEL)


def test_forward_model_devices_match_tf_including_assign():
    _build_forward_model()
    assert _ops() == TF_FORWARD_MODEL


def _build_training_model():
    cluster = tf.train.ClusterSpec({"ps": ["p0:2222", "p1:2222"], "worker": ["w0:2222", "w1:2222"]})
    setter = tf.train.replica_device_setter(worker_device="/job:worker/task:1", cluster=cluster)
    with tf.device(setter):
        step = tf.train.get_or_create_global_step()
        x = tf.placeholder(tf.float32, [None, 4], name="x")
        y_ = tf.placeholder(tf.float32, [None, 1], name="y_")
        w = tf.Variable(tf.zeros([4, 1]), name="w")
        b = tf.Variable(tf.zeros([1]), name="b")
        y = tf.matmul(x, w) + b
        loss = tf.reduce_mean(tf.square(y - y_), name="loss")
        tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
        tf.global_variables_initializer()


# The ops outside "gradients/" (how a gradient is built is the gradient code's business).
TF_TRAINING_MODEL = [
    ("global_step/Initializer/zeros", "Const", ""),
    ("global_step", "VariableV2", "/job:ps/task:0"),
    ("global_step/Assign", "Assign", "/job:ps/task:0"),
    ("global_step/read", "Identity", "/job:ps/task:0"),
    ("x", "Placeholder", "/job:worker/task:1"),
    ("y_", "Placeholder", "/job:worker/task:1"),
    ("zeros", "Const", "/job:worker/task:1"),
    ("w", "VariableV2", "/job:ps/task:1"),
    ("w/Assign", "Assign", "/job:ps/task:1"),
    ("w/read", "Identity", "/job:ps/task:1"),
    ("zeros_1", "Const", "/job:worker/task:1"),
    ("b", "VariableV2", "/job:ps/task:0"),
    ("b/Assign", "Assign", "/job:ps/task:0"),
    ("b/read", "Identity", "/job:ps/task:0"),
    ("MatMul", "MatMul", "/job:worker/task:1"),
    ("add", "AddV2", "/job:worker/task:1"),
    ("sub", "Sub", "/job:worker/task:1"),
    ("Square", "Square", "/job:worker/task:1"),
    ("Const", "Const", "/job:worker/task:1"),
    ("loss", "Mean", "/job:worker/task:1"),
    ("GradientDescent/learning_rate", "Const", "/job:worker/task:1"),
    ("GradientDescent/update_w/ApplyGradientDescent", "ApplyGradientDescent", "/job:ps/task:1"),
    ("GradientDescent/update_b/ApplyGradientDescent", "ApplyGradientDescent", "/job:ps/task:0"),
    ("GradientDescent/update/NoOp", "NoOp", "/job:ps/task:0"),
    ("GradientDescent/update/NoOp_1", "NoOp", "/job:ps/task:1"),
    ("GradientDescent/update", "NoOp", "/job:worker/task:1"),
    ("GradientDescent/value", "Const", "/job:ps/task:0"),
    ("GradientDescent", "AssignAdd", "/job:ps/task:0"),
    ("init/NoOp", "NoOp", "/job:ps/task:0"),
    ("init/NoOp_1", "NoOp", "/job:ps/task:1"),
    ("init", "NoOp", "/job:worker/task:1"),
]


def _training_ops():
    ops = _ops()
    gradients = [o for o in ops if o[0].startswith("gradients/")]
    return [o for o in ops if not o[0].startswith("gradients/")], gradients


def test_training_model_devices_match_tf():
    _build_training_model()
    ops, gradients = _training_ops()
    assert _without_ref_consumers(ops) == _without_ref_consumers(TF_TRAINING_MODEL)
    # TF records every gradient op on the worker.
    assert gradients and {device for _, _, device in gradients} == {"/job:worker/task:1"}


def test_training_model_devices_match_tf_including_assign():
    _build_training_model()
    assert _training_ops()[0] == TF_TRAINING_MODEL


# -- replica_device_setter's arguments -----------------------------------------------------
def _probe(**kwargs):
    """Variables and constants under a few inner device scopes (the graph TF was given)."""
    with tf.Graph().as_default() as g, tf.device(tf.train.replica_device_setter(**kwargs)):
        tf.Variable(1.0, name="v1")
        with tf.device("/job:worker/task:7"):
            tf.Variable(1.0, name="v2")
            tf.constant(1.0, name="a")
        with tf.device("/job:ps"):
            tf.Variable(1.0, name="v3")
        with tf.device("/device:GPU:0"):
            tf.Variable(1.0, name="v4")
            tf.constant(1.0, name="b")
        with tf.device("/replica:2"):
            tf.Variable(1.0, name="v5")
        with tf.device(None):
            tf.constant(1.0, name="c")
        tf.constant(2.0, name="q")
    return [(op.name, op.device) for op in g.get_operations() if "/" not in op.name]


PROBE_CASES = {
    "basic": (
        {"ps_tasks": 3},
        [
            ("v1", "/job:ps/task:0"),
            ("v2", "/job:worker/task:7"),
            ("a", "/job:worker/task:7"),
            ("v3", "/job:ps/task:1"),
            ("v4", "/job:ps/task:2/device:GPU:0"),
            ("b", "/job:worker/device:GPU:0"),
            ("v5", "/job:ps/replica:2/task:0"),
            ("c", ""),
            ("q", "/job:worker"),
        ],
    ),
    "no_merge": (
        {"ps_tasks": 3, "merge_devices": False},
        [
            ("v1", "/job:ps/task:0"),
            ("v2", "/job:worker/task:7"),
            ("a", "/job:worker/task:7"),
            ("v3", "/job:ps"),
            ("v4", "/device:GPU:0"),
            ("b", "/device:GPU:0"),
            ("v5", "/replica:2"),
            ("c", ""),
            ("q", "/job:worker"),
        ],
    ),
    "full_devices": (
        {
            "ps_tasks": 2,
            "ps_device": "/job:ps/device:GPU:0",
            "worker_device": "/job:worker/task:1/device:GPU:1",
        },
        [
            ("v1", "/job:ps/task:0/device:GPU:0"),
            ("v2", "/job:worker/task:7/device:GPU:0"),
            ("a", "/job:worker/task:7/device:GPU:1"),
            ("v3", "/job:ps/task:1/device:GPU:0"),
            ("v4", "/job:ps/task:0/device:GPU:0"),
            ("b", "/job:worker/task:1/device:GPU:0"),
            ("v5", "/job:ps/replica:2/task:1/device:GPU:0"),
            ("c", ""),
            ("q", "/job:worker/task:1/device:GPU:1"),
        ],
    ),
    "ps_device_without_job": (
        {"ps_tasks": 2, "ps_device": "/device:CPU:0"},
        [
            ("v1", "/device:CPU:0"),
            ("v2", "/job:worker/task:7/device:CPU:0"),
            ("a", "/job:worker/task:7"),
            ("v3", "/job:ps/device:CPU:0"),
            ("v4", "/device:GPU:0"),
            ("b", "/job:worker/device:GPU:0"),
            ("v5", "/replica:2/device:CPU:0"),
            ("c", ""),
            ("q", "/job:worker"),
        ],
    ),
    "empty_ps_device": (
        {"ps_tasks": 2, "ps_device": ""},
        [
            ("v1", "/job:worker"),
            ("v2", "/job:worker/task:7"),
            ("a", "/job:worker/task:7"),
            ("v3", "/job:ps"),
            ("v4", "/job:worker/device:GPU:0"),
            ("b", "/job:worker/device:GPU:0"),
            ("v5", "/job:worker/replica:2"),
            ("c", ""),
            ("q", "/job:worker"),
        ],
    ),
    "no_worker_device": (
        {"ps_tasks": 2, "worker_device": None},
        [
            ("v1", "/job:ps/task:0"),
            ("v2", "/job:worker/task:7"),
            ("a", "/job:worker/task:7"),
            ("v3", "/job:ps/task:1"),
            ("v4", "/job:ps/task:0/device:GPU:0"),
            ("b", "/device:GPU:0"),
            ("v5", "/job:ps/replica:2/task:1"),
            ("c", ""),
            ("q", ""),
        ],
    ),
    "replica_fields": (
        {
            "ps_tasks": 2,
            "ps_device": "/job:ps/replica:0",
            "worker_device": "/job:worker/replica:0/task:3",
        },
        [
            ("v1", "/job:ps/replica:0/task:0"),
            ("v2", "/job:worker/replica:0/task:7"),
            ("a", "/job:worker/replica:0/task:7"),
            ("v3", "/job:ps/replica:0/task:1"),
            ("v4", "/job:ps/replica:0/task:0/device:GPU:0"),
            ("b", "/job:worker/replica:0/task:3/device:GPU:0"),
            ("v5", "/job:ps/replica:2/task:1"),
            ("c", ""),
            ("q", "/job:worker/replica:0/task:3"),
        ],
    ),
    "custom_ps_ops": (
        # Consts go to ps tasks (their initial values use up the round-robin turns too).
        {"ps_tasks": 2, "ps_ops": ["Const"]},
        [
            ("v1", "/job:worker"),
            ("v2", "/job:worker/task:7"),
            ("a", "/job:worker/task:7"),
            ("v3", "/job:ps"),
            ("v4", "/job:worker/device:GPU:0"),
            ("b", "/job:ps/task:1/device:GPU:0"),
            ("v5", "/job:worker/replica:2"),
            ("c", ""),
            ("q", "/job:ps/task:1"),
        ],
    ),
    "custom_strategy": (
        {"ps_tasks": 2, "ps_strategy": lambda op: 5},
        [
            ("v1", "/job:ps/task:5"),
            ("v2", "/job:worker/task:7"),
            ("a", "/job:worker/task:7"),
            ("v3", "/job:ps/task:5"),
            ("v4", "/job:ps/task:5/device:GPU:0"),
            ("b", "/job:worker/device:GPU:0"),
            ("v5", "/job:ps/replica:2/task:5"),
            ("c", ""),
            ("q", "/job:worker"),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(PROBE_CASES))
def test_device_merging_matches_tf(case):
    kwargs, expected = PROBE_CASES[case]
    assert _probe(**kwargs) == expected


@pytest.mark.parametrize(
    "cluster",
    [
        {"ps": ["a", "b", "c"], "worker": ["w"]},
        tf.train.ClusterSpec({"ps": ["a", "b", "c"]}),
        tf.train.ClusterSpec({"ps": ["a", "b", "c"]}).as_cluster_def(),
    ],
    ids=["dict", "ClusterSpec", "ClusterDef"],
)
def test_cluster_sets_ps_tasks(cluster):
    assert _probe(cluster=cluster) == PROBE_CASES["basic"][1]


def test_cluster_with_another_ps_job_name():
    with tf.device(
        tf.train.replica_device_setter(cluster={"param": ["a", "b"]}, ps_device="/job:param")
    ):
        v = [tf.Variable(0.0) for _ in range(3)]
    assert [x.device for x in v] == ["/job:param/task:0", "/job:param/task:1", "/job:param/task:0"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"ps_tasks": 0},
        {"cluster": {"worker": ["a"]}},
        {"cluster": {"ps": []}},
        {"cluster": {"ps": {}}},
        {"cluster": {"ps": ["a"]}, "ps_device": "/job:param"},
    ],
)
def test_no_ps_tasks_gives_none(kwargs):
    assert tf.train.replica_device_setter(**kwargs) is None


def test_none_setter_clears_outer_scopes():
    with tf.device("/job:worker/task:1"):
        with tf.device(tf.train.replica_device_setter(ps_tasks=0)):
            c = tf.constant(1.0)
    assert c.device == ""


def test_errors():
    with pytest.raises(TypeError, match="`cluster` must be a dictionary"):
        tf.train.replica_device_setter(cluster=3)
    with pytest.raises(TypeError, match="^ps_strategy must be callable$"):
        tf.train.replica_device_setter(ps_tasks=2, ps_strategy=3)


def test_merge_devices_false_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="teachflow"):
        tf.train.replica_device_setter(ps_tasks=1, merge_devices=False)
    assert "recommended to set merge_devices=true" in caplog.text


def test_nested_setters_merge_inner_first():
    outer = tf.train.replica_device_setter(ps_tasks=2, worker_device="/job:worker/task:0")
    inner = tf.train.replica_device_setter(
        ps_tasks=3, ps_device="/job:ps2", worker_device="/job:w2"
    )
    with tf.device(outer), tf.device(inner):
        v = tf.Variable(1.0, name="v")
        k = tf.constant(1.0, name="k")
    assert (v.device, k.device) == ("/job:ps2/task:0", "/job:w2/task:0")


def test_worker_task_and_cpu_scopes():
    with tf.device(tf.train.replica_device_setter(ps_tasks=1, worker_device="/job:worker/task:1")):
        v = tf.Variable(tf.zeros([2]), name="v")
        with tf.device("/cpu:0"):
            c = tf.constant(1.0, name="c")
        with tf.device("/gpu:0"):
            y = v * 2.0
    assert v.device == "/job:ps/task:0"
    assert c.device == "/job:worker/task:1/device:CPU:0"
    assert y.device == "/job:worker/task:1/device:GPU:0"


def test_node_defs_are_accepted():
    # TF's device function also takes a bare NodeDef (its type field is "op").
    f = tf.train.replica_device_setter(ps_tasks=2)
    assert f(teachflow_pb2.NodeDef(name="v", op="VariableV2", device="/gpu:0")) == (
        "/job:ps/task:0/device:GPU:0"
    )
    assert f(NodeDef("c", "Const")) == "/job:worker"
    assert f(NodeDef("v2", "VarHandleOp")) == "/job:ps/task:1"


def test_standard_ps_ops():
    assert STANDARD_PS_OPS[:2] == ("Variable", "VariableV2")
    assert {"VarHandleOp", "MutableHashTableV2", "MutableDenseHashTableV2"} <= set(STANDARD_PS_OPS)
    seen = []
    f = tf.train.replica_device_setter(ps_tasks=4, ps_strategy=lambda op: seen.append(op) or 0)
    for op_type in STANDARD_PS_OPS:
        assert f(NodeDef("n", op_type)) == "/job:ps/task:0"
    assert len(seen) == len(STANDARD_PS_OPS)


def test_round_robin_strategy():
    strategy = _RoundRobinStrategy(3)
    assert [strategy(None) for _ in range(7)] == [0, 1, 2, 0, 1, 2, 0]


# -- load balancing by bytes ---------------------------------------------------------------
def test_byte_size_load_fn():
    assert tf.train.byte_size_load_fn(tf.Variable(tf.zeros([3, 4])).op) == 48
    assert tf.train.byte_size_load_fn(tf.Variable(tf.zeros([5], tf.float64)).op) == 40
    assert tf.train.byte_size_load_fn(tf.Variable(tf.zeros([], tf.int8)).op) == 1
    assert tf.train.byte_size_load_fn(tf.constant([[1, 2]], tf.int64).op) == 16


def test_byte_size_load_fn_errors():
    unknown = tf.Variable(tf.placeholder_with_default([1.0], [None]), validate_shape=False)
    with pytest.raises(ValueError, match="is not fully defined"):
        tf.train.byte_size_load_fn(unknown.op)
    pair = tf.split(tf.zeros([4]), 2)[0].op
    with pytest.raises(ValueError, match="must have a single output"):
        tf.train.byte_size_load_fn(pair)


def _greedy_devices(ps_tasks, specs):
    greedy = tf.train.GreedyLoadBalancingStrategy(ps_tasks, tf.train.byte_size_load_fn)
    with tf.device(tf.train.replica_device_setter(ps_tasks=ps_tasks, ps_strategy=greedy)):
        return [tf.Variable(tf.zeros(shape, dtype), name=n).device for n, shape, dtype in specs]


def test_greedy_puts_small_variables_beside_the_big_one():
    specs = [
        ("big", [1000], tf.float32),  # 4000 bytes
        ("small1", [10], tf.float32),
        ("small2", [10], tf.float32),
        ("m1", [500], tf.float64),  # 4000 bytes
        ("m2", [1], tf.int64),
        ("s", [], tf.float32),
        ("m3", [3, 4], tf.float32),
    ]
    assert _greedy_devices(2, specs) == [
        "/job:ps/task:0",
        "/job:ps/task:1",
        "/job:ps/task:1",
        "/job:ps/task:1",
        "/job:ps/task:0",
        "/job:ps/task:0",
        "/job:ps/task:0",
    ]


def test_greedy_three_tasks():
    sizes = [[100], [50], [50], [10], [80], [200]]
    specs = [(f"x{i}", s, tf.float32) for i, s in enumerate(sizes)]
    assert _greedy_devices(3, specs) == [
        "/job:ps/task:0",
        "/job:ps/task:1",
        "/job:ps/task:2",
        "/job:ps/task:1",
        "/job:ps/task:2",
        "/job:ps/task:1",
    ]


def test_greedy_with_a_custom_load_and_ties():
    greedy = tf.train.GreedyLoadBalancingStrategy(3, lambda op: 1)
    assert [greedy(None) for _ in range(5)] == [0, 1, 2, 0, 1]
    assert all(isinstance(greedy(None), int) for _ in range(3))
