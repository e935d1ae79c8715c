"""Lab 05 — clusters and servers: the exercises of ``notebooks/05_cluster_and_servers.ipynb``."""

from __future__ import annotations

from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import DeviceName, Inspect, Value

# Cluster questions name the job and task; a student may leave out the replica.
_IN_CLUSTER = "/replica:0"


def _device_of(op) -> str:
    from teachflow.framework.device_spec import DeviceSpec

    spec = DeviceSpec.from_string(_IN_CLUSTER)
    spec.merge_from(DeviceSpec.from_string(op.device or ""))
    return spec.to_string()


def _variable_feeding(op, seen=None):
    """The first variable op found upstream of ``op``."""
    seen = set() if seen is None else seen
    for t in op.inputs:
        if t.op.name in seen:
            continue
        seen.add(t.op.name)
        if t.op.type in ("VariableV2", "Variable", "VarHandleOp"):
            return t.op
        found = _variable_feeding(t.op, seen)
        if found is not None:
            return found
    return None


def _check_pinned(y) -> str | None:
    import teachflow as tf

    if not isinstance(y, tf.Tensor):
        return f"Hand in the tensor `y`, not a {type(y).__name__}."
    w = _variable_feeding(y.op)
    if w is None:
        return "`y` should be computed from a variable `w`."
    if _device_of(w) != "/job:ps/replica:0/task:0/device:CPU:0":
        return f"The variable asks for {w.device or 'no device'}; it belongs on the ps task's CPU."
    if _device_of(y.op) != "/job:worker/replica:0/task:1/device:GPU:0":
        return f"`y` asks for {y.op.device or 'no device'}; it should run on worker 1's first GPU."
    return None


LAB = Lab(
    "05",
    "Clusters and servers",
    [
        Exercise(
            "master_device",
            "Session opened on worker 0: on which device does the unpinned c run?",
            DeviceName(
                "/job:worker/replica:0/task:0/device:GPU:0",
                defaults=_IN_CLUSTER,
                mistakes={
                    "/job:worker/task:1/gpu:0": "That is where it ran when worker 1 was the master.",
                    "/job:ps/task:0/cpu:0": "c reads a variable on the ps, but where its input lives "
                    "does not decide where c runs.",
                },
            ),
            hints=(
                "The server a session is opened on is its *master*: it places the graph.",
                'Run the graph with `tf.Session(cluster.target("worker", 0), config=tf.ConfigProto('
                "log_device_placement=True))` and read the line for `c`.",
            ),
            explanation="Unpinned ops go to the master's own default device: the GPU of the "
            "task the session was opened on.",
            expects='a device name, e.g. "/job:ps/task:0/cpu:0"',
        ),
        Exercise(
            "partitions",
            "Session on worker 0, fetch [b, c]: how many partition graphs did the master make?",
            Value(
                3,
                mistakes={
                    2: "Count every task that runs part of the step, the master's own task included.",
                    4: "Only tasks that run some node get a partition.",
                },
            ),
            hints=(
                "The master cuts the graph into one partition per task that runs some of it.",
                "Run with `tf.RunOptions(output_partition_graphs=True)` and look at "
                "`len(run_metadata.partition_graphs)`.",
            ),
            explanation="a lives on the ps, b on worker 1 and c on the master (worker 0): three "
            "tasks, three partitions, joined by send/recv pairs.",
        ),
        Exercise(
            "merged_device",
            "Nested tf.device scopes: what device does op d ask for?",
            DeviceName(
                "/job:worker/task:0/device:GPU:1",
                defaults=_IN_CLUSTER,
                mistakes={
                    "/job:worker/device:GPU:1": "The inner scopes did not mention a task: does the "
                    "outer one's task survive?",
                    "/job:ps/task:0/device:GPU:1": "An inner scope that names a job replaces the "
                    "outer job.",
                },
            ),
            hints=(
                "Each inner scope fills in or overrides only the fields it names.",
                "Build it and print `d.op.device`.",
            ),
            explanation="The job comes from the middle scope, the device from the innermost, and "
            "the task from the outer one, which no inner scope overrode.",
            expects="a device name",
        ),
        Exercise(
            "pin_across_tasks",
            "Variable w on the ps task's CPU, y = w * 2 on worker 1's first GPU: hand in y.",
            Inspect(_check_pinned, expects="your tensor"),
            hints=(
                "`tf.device` takes full names: `/job:<job>/task:<index>/device:<TYPE>:<index>`.",
                'Create the variable inside `with tf.device("/job:ps/task:0/cpu:0"):` and `y` '
                "inside a second `tf.device` block.",
            ),
            explanation="The graph records what each op asks for; the master of whatever "
            "session runs it turns those requests into devices of the cluster.",
            expects="a tf.Tensor",
        ),
    ],
)
