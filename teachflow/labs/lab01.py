"""Lab 01 — graphs and sessions: the exercises of ``notebooks/01_graphs_and_sessions.ipynb``."""

from __future__ import annotations

import numpy as np

from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import Choice, Inspect, Text, Value


def _doubling_graph(graph) -> str | None:
    """The graph asked for in ``doubling_graph``: placeholder ``x`` [None, 3] float32, ``y = 2x``."""
    import teachflow as tf

    if not isinstance(graph, tf.Graph):
        return f"Pass the `tf.Graph` object itself, not a {type(graph).__name__}."
    names = {op.name for op in graph.get_operations()}
    for needed in ("x", "y"):
        if needed not in names:
            return (
                f"Your graph has no operation named {needed!r} (pass `name=` when you create it)."
            )
    x = graph.get_operation_by_name("x")
    if x.type != "Placeholder":
        return f"`x` should be a placeholder, but it is a {x.type} op."
    xt = x.outputs[0]
    if xt.dtype != tf.float32:
        return f"The placeholder holds {xt.dtype.name}; the exercise asks for float32."
    if xt.shape.as_list() != [None, 3]:
        return "The placeholder must accept any number of rows of 3 values (shape [None, 3])."
    batch = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tf.Session(graph=graph) as sess:
        got = sess.run(graph.get_operation_by_name("y").outputs[0], {xt: batch})
    if not np.allclose(got, 2 * batch):
        return "Fed with a batch of rows, your `y` does not give twice its input."
    return None


LAB = Lab(
    "01",
    "Graphs and sessions",
    [
        Exercise(
            "value_of_f",
            "With x = 5 and y = 2, what value does a session give for f = x*x*y + y + 2?",
            Value(54),
            hints=(
                "Build the graph with two variables, then open a `tf.Session()`.",
                "Variables hold no value until initialised: run `tf.global_variables_initializer()` "
                "first, then `sess.run(f)`.",
            ),
            explanation="The graph only describes f; the session computed it, after the "
            "initialiser gave x and y their values.",
        ),
        Exercise(
            "name_of_f",
            "What is the name of the operation that computes f?",
            Text("add_1"),
            hints=(
                "Every tensor knows the operation that produces it: `f.op`.",
                "Look at `f.op.name`, or list `tf.get_default_graph().get_operations()` in order.",
            ),
            explanation="Two additions were created, `add` then `add_1`: TF makes each name "
            "unique by adding a counter, and `+ 2` is the last operation of the expression.",
            expects="a string",
        ),
        Exercise(
            "evaluations_of_w",
            "How many times is w evaluated by sess.run([y, z]) (see the notebook's options)?",
            Choice(
                "a",
                options="abc",
                mistakes={
                    "b": "That is what two separate `sess.run(y)` and `sess.run(z)` calls cost.",
                },
            ),
            hints=(
                "One `run` call executes each node it needs at most once.",
                "Trace the run (`trace_level=FULL_TRACE`) and count the nodes named `w` in "
                "`run_metadata.step_stats`.",
            ),
            explanation="One run evaluates each needed node once and shares its value; two runs "
            "evaluate w and x again, since nothing but variables lives between runs.",
            expects='a letter, "a" to "c"',
        ),
        Exercise(
            "doubling_graph",
            "Build a new graph with a float32 placeholder x of shape [None, 3] and y = 2 * x.",
            Inspect(_doubling_graph, expects="your graph"),
            hints=(
                "Create `g = tf.Graph()` and build inside `with g.as_default():`.",
                'Use `tf.placeholder(tf.float32, [None, 3], name="x")` and give the product '
                '`name="y"` with `tf.multiply`.',
            ),
            explanation="The checker fed your placeholder a batch of two rows and ran y in a "
            "session on your graph: graphs are values you can pass around.",
            expects="a tf.Graph",
        ),
    ],
)
