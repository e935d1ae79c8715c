"""Lab 10 — beyond teachflow: the exercises of ``notebooks/10_beyond_teachflow.ipynb``.

The lab reads files that real TensorFlow (2.21, ``tf.compat.v1``) wrote, recorded by
``tests/fixtures/tensorflow/record_formats.py``: a traced run on two CPU devices, a training
graph with resource variables, its checkpoint and meta graph. `recorded` finds them.
"""

from __future__ import annotations

from pathlib import Path

from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import DeviceName, Text, Value

# The recorded TensorFlow files live with the tests' fixtures (one copy, recorded once).
RECORDED = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tensorflow" / "formats"


def recorded(name: str = "") -> Path:
    """The path of a file TensorFlow recorded for this lab (the folder for ``""``)."""
    path = RECORDED / name
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: the lab reads the files recorded by "
            "tests/fixtures/tensorflow/record_formats.py (run it with a TensorFlow venv)."
        )
    return path


LAB = Lab(
    "10",
    "Beyond teachflow",
    [
        Exercise(
            "device_of_c",
            "In TensorFlow's traced run, on which device did the Relu `c` run?",
            DeviceName("/job:localhost/replica:0/task:0/device:CPU:1"),
            hints=(
                "The run metadata says where every node ran: draw it with `viz.show_placement`.",
                "Look for the row of node `c` in `viz.show_placement(run)`.",
            ),
            explanation="The graph pinned `c` with `tf.device('/cpu:1')`, and TF kept it there: "
            "the run's step stats list it under CPU:1, the matmul's result crossed over to it.",
            expects="a device name",
        ),
        Exercise(
            "kernel_of_b",
            "Which op type did TensorFlow really run for the node `b` (built with tf.matmul)?",
            Text(
                "_MklMatMul",
                mistakes={
                    "MatMul": "That is the op in the graph you built; "
                    "look at what the run's step stats say ran."
                },
            ),
            hints=(
                "The timeline labels each bar `name = OpType(inputs)`; so does the placement "
                "table's op column.",
                "Find node `b` in `viz.show_placement(run)` and read its op column.",
            ),
            explanation="TensorFlow rewrote MatMul into its oneDNN kernel `_MklMatMul` before "
            "running it: a graph optimisation teachflow does not make. The step stats tell "
            "what ran, the GraphDef what was asked.",
            expects="an op type",
        ),
        Exercise(
            "loss_after_restore",
            "Import TensorFlow's meta graph, restore its checkpoint: what is `loss` on the "
            "recorded batch?",
            Value(0.2873844, rtol=1e-5),
            hints=(
                "`tf.train.import_meta_graph(path + '.meta')` returns a Saver for the graph.",
                "Restore with `saver.restore(sess, path)`, then run `'loss:0'` fed with the "
                "recorded `x:0` and `y:0` (see the notebook's `batch`).",
            ),
            explanation="The checkpoint holds TF's variables after 3 training steps; restored "
            "into the graph TF wrote (resource variables and all), teachflow computes TF's loss.",
        ),
        Exercise(
            "device_of_read",
            "In the TensorFlow client's traced step, on which device did `c/ReadVariableOp` run?",
            DeviceName(
                "/job:ps/replica:0/task:0/device:CPU:0",
                mistakes={
                    "/job:worker/replica:0/task:0/device:CPU:0": "`c` runs on the worker, but "
                    "the read of `a` is a separate node: look where the step stats put it."
                },
            ),
            hints=(
                "`viz.show_placement(run.run_metadata)` lists every node of the traced step.",
                "Find the row of `c/ReadVariableOp` in `viz.show_placement(run.run_metadata)`; "
                "hand in its device with job and task.",
            ),
            explanation="A resource variable is read where it lives: TensorFlow colocates "
            "`ReadVariableOp` with the `VarHandleOp` of `a` on the ps, and only the value read "
            "(4 bytes) crosses to the worker, through the _Send/_Recv pair of the partitions.",
            expects="a device name",
        ),
    ],
)
