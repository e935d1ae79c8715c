"""Lab 06 — sharding variables and sharing state: the exercises of
``notebooks/06_sharding_and_sharing_state.ipynb``."""

from __future__ import annotations

from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import Choice, Inspect, Value


def _check_setter_graph(graph) -> str | None:
    """Variables over 2 ps tasks, the rest on worker 0 — read from what each op asks for."""
    import teachflow as tf
    from teachflow.framework.device_spec import DeviceSpec

    if not isinstance(graph, tf.Graph):
        return f"Hand in the `tf.Graph` itself, not a {type(graph).__name__}."
    variables = [op for op in graph.get_operations() if op.type in ("VariableV2", "VarHandleOp")]
    if len(variables) < 4:
        held = f"{len(variables)} variable{'' if len(variables) == 1 else 's'}"
        return f"The graph holds {held}; the exercise asks for four."
    tasks = set()
    for op in variables:
        spec = DeviceSpec.from_string(op.device or "")
        if spec.job != "ps":
            return f"Variable `{op.name}` asks for {op.device or 'no device'}: not a ps task."
        tasks.add(spec.task or 0)
    if tasks != {0, 1}:
        where = ", ".join(map(str, sorted(tasks)))
        on = f"ps task {where}" if len(tasks) == 1 else f"ps tasks {where}"
        return f"The variables all sit on {on}: spread them over both."
    if not any(op.type == "MatMul" for op in graph.get_operations()):
        return "The graph has no matmul (`tf.matmul`)."
    for op in graph.get_operations():
        if op.type in ("MatMul", "Add", "AddV2"):
            spec = DeviceSpec.from_string(op.device or "")
            if (spec.job, spec.task or 0) != ("worker", 0):
                return (
                    f"`{op.name}` asks for {op.device or 'no device'}; compute belongs on worker 0."
                )
    return None


LAB = Lab(
    "06",
    "Sharding variables and sharing state",
    [
        Exercise(
            "ps_of_w4",
            "replica_device_setter(ps_tasks=3), variables w0..w4 made in order: w4's ps task?",
            Value(
                1,
                mistakes={
                    4: "There are only three ps tasks, numbered 0 to 2.",
                    0: "Count again: w0 went to task 0, w1 to task 1, ...",
                },
            ),
            hints=(
                "The default strategy deals variables out like cards, one task after the other.",
                "Build the five variables under the setter and print `w.op.device` for each.",
            ),
            explanation="Round robin: w0 on task 0, w1 on 1, w2 on 2, w3 on 0 again, w4 on 1.",
            expects="a task index (a number)",
        ),
        Exercise(
            "setter_graph",
            "Four variables over 2 ps tasks, a matmul and an add on worker 0: hand in the graph.",
            Inspect(_check_setter_graph, expects="your graph"),
            hints=(
                "One `tf.device(tf.train.replica_device_setter(...))` block does both jobs.",
                'Pass `ps_tasks=2` and `worker_device="/job:worker/task:0"` to the setter.',
            ),
            explanation="The setter sends every variable to the next ps task and every other op "
            "to the worker device: a single block shards a whole model.",
            expects="a tf.Graph",
        ),
        Exercise(
            "shared_value",
            "Client 1 sets counter = 10; client 2 (new graph) runs counter.assign_add(5): result?",
            Value(
                15,
                mistakes={
                    5: "Client 2's initial value would matter only if it ran the initializer.",
                    10: "assign_add returns the value after the addition.",
                },
            ),
            hints=(
                "Where does a variable's value live: in the client, or on a server?",
                "Try it: two `tf.Graph`s, the same variable name and device, sessions on the "
                "same cluster.",
            ),
            explanation="The value lives in a resource container on the task that holds the "
            "variable; any graph naming the same variable on that task sees the same value.",
        ),
        Exercise(
            "after_reset",
            "After tf.Session.reset(target, ['exp']), reading a variable of container exp gives?",
            Choice(
                "b",
                options="abc",
                mistakes={
                    "a": "Reset clears the container: try reading it afterwards.",
                    "c": "A variable has no value until its initializer runs.",
                },
            ),
            hints=(
                "Reset frees every resource of the containers it names.",
                "Run it: reset, then read the variable in a new session, inside a `try`.",
            ),
            explanation="The container's resources are gone, so the variable is uninitialised "
            "again: reading it raises FailedPreconditionError until its initializer runs.",
            expects='a letter, "a" to "c"',
        ),
    ],
)
