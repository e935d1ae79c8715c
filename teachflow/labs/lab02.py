"""Lab 02 — placing operations on devices: the exercises of ``notebooks/02_placing_operations.ipynb``."""

from __future__ import annotations

from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import DeviceName, Inspect, SameSet, Value, Verdict
from teachflow.runtime.placement_reason import PlacementRule

_LOCAL = "/job:localhost/replica:0/task:0"
_V100_MEMORY = 16 * 2**30  # teachflow.sim.profiles: the simulated V100's memory


def _check_device_function(fn) -> str | None:
    """Build a small model under ``tf.device(fn)`` and look at where the placer put it."""
    import teachflow as tf

    if not callable(fn):
        return f"Hand in the function itself (a callable taking an op), not a {type(fn).__name__}."
    g = tf.Graph()
    with g.as_default(), tf.device(fn):
        w = tf.Variable(tf.ones([2, 2]), name="w")
        x = tf.constant([[1.0, 2.0]], name="x")
        y = tf.matmul(x, w, name="y")
        total = tf.reduce_sum(y, name="total")
    config = tf.ConfigProto(simulated_gpus=2)
    with tf.Session(graph=g, config=config) as sess:
        sess.run(w.initializer)
        sess.run(total)
        where = {r.node: r.device for r in sess.placement_records()}
    if where["w"] != f"{_LOCAL}/device:CPU:0":
        return f"The variable `w` ran on {where['w']}: variables should stay on the CPU."
    for node in ("x", "y", "total"):
        if where[node] != f"{_LOCAL}/device:GPU:1":
            return f"`{node}` ({g.get_operation_by_name(node).type}) ran on {where[node]}."
    return None


def soft_placement_graph():
    """The graph of exercise ``soft_placed`` (built in the default graph), and its fetches."""
    import teachflow as tf

    with tf.device("/gpu:0"):
        counter = tf.Variable(0, name="counter")
    with tf.device("/gpu:7"):
        scale = tf.constant(2.0, name="scale")
    with tf.device("/gpu:1"):
        label = tf.constant("hello", name="label")
    total = tf.multiply(scale, 3.0, name="total")
    return counter, [total, label, counter]


def _moved_by_soft_placement() -> set[str]:
    import teachflow as tf

    g = tf.Graph()
    with g.as_default():
        counter, fetches = soft_placement_graph()
        config = tf.ConfigProto(simulated_gpus=2, allow_soft_placement=True)
        with tf.Session(config=config) as sess:
            sess.run(counter.initializer)
            sess.run(fetches)
            soft = PlacementRule.SOFT_PLACEMENT
            return {r.node for r in sess.placement_records() if r.reason.rule is soft}


def _check_soft_placed(names) -> Verdict:
    return SameSet(_moved_by_soft_placement(), what="node names")(names)


LAB = Lab(
    "02",
    "Placing operations on devices",
    [
        Exercise(
            "placement_of_c",
            "a is pinned to the CPU, b to GPU:1: on which device does c = a * b run?",
            DeviceName(
                f"{_LOCAL}/device:GPU:0",
                mistakes={
                    "/cpu:0": "Only `a` (and the ops that belong with it) was pinned to the CPU.",
                    "/gpu:1": "`b` was created inside the GPU:1 block, but `c` was not.",
                },
            ),
            hints=(
                "Which of the placer's rules applies to an op that nobody pinned?",
                "Run the graph in a session with 2 simulated GPUs and look at "
                "`viz.show_placement(sess)`: the reason column says which rule was used.",
            ),
            explanation="c asked for no device, so the placer used its default: the first GPU. "
            "Where an op's inputs live does not matter; the data is copied to it.",
            expects='a device name, e.g. "/cpu:0"',
        ),
        Exercise(
            "device_function",
            "Write a device function: variables on /cpu:0, every other op on /gpu:1.",
            Inspect(_check_device_function, expects="your device function"),
            hints=(
                "`tf.device` accepts a function: it is called with each new op and returns "
                "a device string for it.",
                "Look at `op.type`: a variable created with `tf.Variable` is a `VariableV2` op.",
            ),
            explanation="The checker built a variable, a matmul and a sum under your function "
            "and read the placer's records. Note that `w/read` and `w/Assign` followed `w` "
            "to the CPU: ops that use a variable's reference are colocated with it.",
            expects="a function op -> device string",
        ),
        Exercise(
            "soft_placed",
            "Which nodes of the soft-placement graph did soft placement move?",
            Inspect(_check_soft_placed, expects="your list of names"),
            hints=(
                "Run the graph with `allow_soft_placement=True` and read the reason of each "
                "node in the placement table.",
                'Filter the table: `viz.show_placement(sess, filter="soft")`, and list the '
                "node names.",
            ),
            explanation="Two things make the placer fall back: a device that does not exist "
            "(GPU:7), and an op with no kernel for the device asked for (an int32 variable, "
            "a string constant). The ops that use the variable's reference follow it.",
            expects="a list of node names",
        ),
        Exercise(
            "memory_limit",
            "2 simulated V100s, per_process_gpu_memory_fraction=0.25: bytes usable on GPU:1?",
            Value(
                _V100_MEMORY // 4,
                rtol=1e-6,
                mistakes={
                    _V100_MEMORY: "That is the whole card: the fraction limits what this "
                    "process takes from it.",
                    _V100_MEMORY // 8: "Each GPU gets the fraction of its own memory; the "
                    "fraction is not shared out between the GPUs.",
                },
            ),
            hints=(
                "`sess.list_devices()` reports each device's `memory_limit_bytes`.",
                'Create the session with `tf.ConfigProto(simulated_gpus=2, simulated_gpu_profile="v100", '
                "gpu_options=tf.GPUOptions(per_process_gpu_memory_fraction=0.25))`.",
            ),
            explanation="The process may allocate a quarter of each card, and without "
            "`allow_growth` it takes that quarter at once, leaving the rest to other processes.",
            expects="a number of bytes",
        ),
    ],
)
