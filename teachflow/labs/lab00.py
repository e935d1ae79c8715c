"""Lab 00 — welcome: the exercises of ``notebooks/00_welcome.ipynb``."""

from __future__ import annotations

from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import DeviceName, Value

LAB = Lab(
    "00",
    "Welcome",
    [
        Exercise(
            "value_of_c",
            "What value did the session on worker 1 return for c = a * 3?",
            Value(3.0, mistakes={1.0: "That is `a` itself; `c` multiplies it by 3."}),
            hints=(
                "The answer is printed by the cell that opened the session on worker 1.",
                'Run `sess.run(c)` in a session on `cluster.target("worker", 1)` (after '
                "initialising `a`).",
            ),
            explanation="The notebook only sent the graph and asked for c; the servers held a, "
            "computed c and sent back the number.",
        ),
        Exercise(
            "device_of_c",
            "On which device of the cluster did c run?",
            DeviceName(
                "/job:worker/replica:0/task:1/device:GPU:0",
                defaults="/replica:0",
                mistakes={
                    "/job:ps/task:0/cpu:0": "That is where `a` lives; `c` was not pinned there.",
                    "/job:worker/task:1/cpu:0": "Right task; but which device does a task "
                    "prefer when it has a GPU?",
                },
            ),
            hints=(
                "Look at the colours of the graph view, or at the rows of the timeline.",
                "`%teachflow placement` lists where each node of the last run ran.",
            ),
            explanation="c was not pinned, so the master — the server the session was opened "
            "on, worker 1 — placed it on its own first GPU.",
            expects='a device name, e.g. "/job:ps/task:0/cpu:0"',
        ),
        Exercise(
            "transfers",
            "How many tensors went from one task to another while computing c?",
            Value(
                1,
                mistakes={
                    2: "The result that comes back to this notebook goes to the client, not to "
                    "another task.",
                    0: "`a` and `c` are not on the same task.",
                },
            ),
            hints=(
                "In the graph of the run, an edge between two tasks' boxes is drawn in red.",
                "Count the red arrows of the timeline, or the `_Recv` nodes in the partition graphs.",
            ),
            explanation="Only a's value crossed, from the ps task to worker 1; lab 05 shows how "
            "the master cuts a graph into per-task pieces joined by send/recv pairs.",
        ),
    ],
)
