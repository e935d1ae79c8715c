"""A real TensorFlow client's session on a teachflow cluster, for lab 10.

`run_tensorflow_client` runs the chapter's example (``a = 1.0`` on the ps, ``b = a + 2`` and
``c = a * 3`` on the worker) as a TensorFlow program would: ``tf.compat.v1.Session(target)``
in TensorFlow's own client, speaking TensorFlow's master protocol to the teachflow server at
``target``. With TensorFlow installed (``TEACHFLOW_TF_PYTHON`` names a Python that has it, or
this one imports it) the program runs in that Python. Without it, the requests TensorFlow's
client sent when the example was recorded (``tests/fixtures/tensorflow/wire/master``,
recorded by ``record_wire_master.py``) are sent again, byte for byte: the cluster sees the
same messages either way.

    >>> from teachflow.cluster import LocalCluster                       # doctest: +SKIP
    >>> cluster = LocalCluster(ps=1, workers=1)                          # doctest: +SKIP
    >>> run = run_tensorflow_client(cluster.target("worker", 0))         # doctest: +SKIP
    >>> run.result("list_fetch")                                         # doctest: +SKIP
    [3.0, 3.0]
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from teachflow.distributed.tf_wire import convert
from teachflow.distributed.tf_wire.replay import replay_master_calls
from teachflow.proto import messages

__all__ = ["ClientStep", "TensorFlowClientRun", "run_tensorflow_client", "find_tf_python"]

TF_PYTHON_ENV = "TEACHFLOW_TF_PYTHON"
RECORDED = (
    Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tensorflow" / "wire" / "master"
)
# Importing TensorFlow takes seconds, more on a loaded laptop.
TF_TIMEOUT_S = 180

# The program a student would write, as TensorFlow 2's tf.compat.v1 runs it.
CHAPTER_PROGRAM = r"""
import base64, json, sys
import numpy as np
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
g = tf.Graph()
with g.as_default():
    with tf.device("/job:ps/task:0"):
        a = tf.compat.v1.Variable(1.0, name="a")
    with tf.device("/job:worker/task:0"):
        b = tf.add(a, 2.0, name="b")
        c = tf.multiply(a, 3.0, name="c")
        x = tf.compat.v1.placeholder(tf.float32, [None], name="x")
        d = tf.multiply(x, a, name="d")
    init = tf.compat.v1.global_variables_initializer()
steps, meta = [], tf.compat.v1.RunMetadata()
with tf.compat.v1.Session(sys.argv[1], graph=g) as sess:
    sess.run(init)
    steps.append(["init", None])
    steps.append(["list_fetch", [float(v) for v in sess.run([b, c])]])
    steps.append(["feed", sess.run(d, {x: np.array([1.0, 2.0, 3.0], np.float32)}).tolist()])
    opts = tf.compat.v1.RunOptions(
        trace_level=tf.compat.v1.RunOptions.FULL_TRACE, output_partition_graphs=True)
    steps.append(["full_trace", float(sess.run(c, options=opts, run_metadata=meta))])
    steps.append(["make_callable", [float(v) for v in sess.make_callable([b, c])()]])
    steps.append(["list_devices", sorted(dev.name for dev in sess.list_devices())])
    try:
        sess.run(d)
    except tf.errors.InvalidArgumentError as e:
        # TF's Python client opens its message with "Graph execution error:".
        line = next(ln for ln in e.message.splitlines() if "placeholder" in ln)
        steps.append(["error_unfed", {"error": type(e).__name__, "message": line.strip()}])
print("RESULT " + json.dumps({
    "tensorflow": tf.__version__, "steps": steps,
    "run_metadata": base64.b64encode(meta.SerializeToString()).decode()}))
"""


@dataclass(slots=True)
class ClientStep:
    """One call of the client program (``name``) and what the client got back."""

    name: str
    result: object


@dataclass(slots=True)
class TensorFlowClientRun:
    """What the TensorFlow client saw: ``source`` says whether a real TensorFlow client ran
    or its recorded requests were replayed; ``run_metadata`` is the traced step's
    ``RunMetadata`` (TensorFlow's message: step stats and partition graphs)."""

    source: str
    steps: list = field(default_factory=list)
    run_metadata: messages.RunMetadata = field(default_factory=messages.RunMetadata)

    def result(self, name: str):
        """The result of the step called ``name`` (KeyError naming the steps if none)."""
        for step in self.steps:
            if step.name == name:
                return step.result
        raise KeyError(f"No step {name!r}; the steps are {[s.name for s in self.steps]}")

    def __repr__(self) -> str:
        lines = [f"TensorFlow client ({self.source}):"]
        lines += [f"  {s.name:<28} {s.result}" for s in self.steps]
        return "\n".join(lines)


def find_tf_python() -> str | None:
    """A Python that has TensorFlow: ``TEACHFLOW_TF_PYTHON``, or this one if it imports
    tensorflow; None without one."""
    named = os.environ.get(TF_PYTHON_ENV)
    if named:
        return named
    if importlib.util.find_spec("tensorflow") is not None:
        return sys.executable
    return None


def run_tensorflow_client(target: str, python: str | None = None, replay: bool | None = None):
    """Run the chapter's TensorFlow client program against ``target`` (``grpc://host:port``
    of a teachflow server of a cluster with a ``ps`` and a ``worker`` job).

    ``python``: the Python with TensorFlow (default `find_tf_python`). ``replay``: True
    sends the recorded requests even when TensorFlow is installed; None replays only
    without TensorFlow. Returns a `TensorFlowClientRun`.
    """
    python = python or find_tf_python()
    if replay or (replay is None and python is None):
        return _replay(target)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run(
        [python, "-c", CHAPTER_PROGRAM, target],
        capture_output=True,
        text=True,
        timeout=TF_TIMEOUT_S,
        env=env,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"The TensorFlow client failed:\n{done.stderr[-3000:]}")
    out = json.loads(lines[-1][len("RESULT ") :])
    return TensorFlowClientRun(
        f"TensorFlow {out['tensorflow']}, a real client in {python}",
        [ClientStep(name, result) for name, result in out["steps"]],
        messages.RunMetadata.FromString(base64.b64decode(out["run_metadata"])),
    )


def _decode(method: str, response):
    """What a TF client makes of a response: values, device names, or an error."""
    if method == "RunStep":
        if response.status_code:
            cls = convert.error_class(response.status_code).__name__
            return {"error": cls, "message": response.status_error_message.splitlines()[0]}
        values = [convert.to_numpy(t.tensor).tolist() for t in response.tensor]
        return values[0] if len(values) == 1 else (values or None)
    if method == "RunCallable":
        return [convert.to_numpy(t).tolist() for t in response.fetch]
    if method == "ListDevices":
        return sorted(d.name for d in response.local_device)
    return None


def _replay(target: str) -> TensorFlowClientRun:
    index = json.loads((RECORDED / "index.json").read_text())
    run = TensorFlowClientRun(f"TensorFlow {index['tensorflow']}'s recorded requests, replayed")
    results = {}  # step name -> the result of its last call that has one
    for call in replay_master_calls(target, RECORDED):
        if call.step == "full_trace":
            run.run_metadata.CopyFrom(call.response.metadata)
        result = _decode(call.method, call.response)
        if result is not None or call.step not in results:
            results[call.step] = result
    run.steps = [ClientStep(name, result) for name, result in results.items()]
    return run
