"""Per-step latency of each client/server pairing of teachflow and TensorFlow.

    python bench/run.py --only tf_engine                 # TensorFlow here or TEACHFLOW_TF_PYTHON
    python bench/run.py --only tf_engine --tf-python PATH

The chapter's example on a ps=1, workers=1 cluster of processes (``a = 1.0`` on the ps,
``b = a + 2`` and ``c = a * 3`` on the worker; each step fetches ``[b, c]``, so ``a``
crosses from the ps to the worker every step), with four pairings:

- teachflow client -> teachflow server (teachflow's protocol and side channel),
- TensorFlow client -> TensorFlow server (the reference),
- TensorFlow client -> teachflow server (TensorFlow's MasterService served by teachflow),
- teachflow client -> TensorFlow server (`tf_wire.master_client`);

and, on a mixed cluster (a teachflow ps under a TensorFlow worker, which is the master), a
TensorFlow client and a teachflow client.

The servers are `LocalCluster` processes of either engine; a TensorFlow client runs in a
subprocess of the Python that has TensorFlow. Each figure is the median over 7 repeats of
the mean time of one ``Session.run``; ratios are against TensorFlow -> TensorFlow. Skipped,
saying why, without TensorFlow.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time

REPEATS = 7
MIN_TIME_S = 0.3
_TF_CLIENT_TIMEOUT_S = 600

# The step, written once for both clients (``tf`` is teachflow or tf.compat.v1).
CHAPTER = """
def chapter(tf):
    with tf.device("/job:ps/task:0"):
        a = tf.Variable(1.0, name="a")
    with tf.device("/job:worker/task:0"):
        b = tf.add(a, 2.0, name="b")
        c = tf.multiply(a, 3.0, name="c")
    return [b, c], tf.global_variables_initializer()


def measure(tf, target, repeats, min_time):
    graph = tf.Graph()
    with graph.as_default():
        fetch, init = chapter(tf)
        with tf.Session(target, graph=graph) as sess:
            sess.run(init)
            values = [float(v) for v in sess.run(fetch)]
            assert values == [3.0, 3.0], values
            for _ in range(3):
                sess.run(fetch)
            t0 = time.perf_counter()
            sess.run(fetch)
            n = max(1, int(min_time / max(time.perf_counter() - t0, 1e-6)))
            samples = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                for _ in range(n):
                    sess.run(fetch)
                samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)
"""

TF_CLIENT = (
    """
import json, statistics, sys, time
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
"""
    + CHAPTER
    + """
target, repeats, min_time = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
try:
    seconds = measure(tf, target, repeats, min_time)
    print(json.dumps({"seconds": seconds}))
except tf.errors.OpError as e:
    words = " ".join(e.message.replace("Graph execution error:", "").split())
    print(json.dumps({"error": f"{type(e).__name__}: {words[:200]}"}))
"""
)

_scope = {"time": time, "statistics": statistics}
exec(CHAPTER, _scope)
_measure = _scope["measure"]


def _tf_client(python, target, repeats, min_time):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run(
        [python, "-c", TF_CLIENT, target, str(repeats), str(min_time)],
        capture_output=True,
        text=True,
        timeout=_TF_CLIENT_TIMEOUT_S,
        env=env,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(tf_python=None, repeats=REPEATS, min_time=MIN_TIME_S) -> dict | None:
    """{pairing: seconds per step, or an error string}; None without TensorFlow."""
    import teachflow as tf
    from teachflow.cluster import LocalCluster
    from teachflow.distributed import tf_engine

    if tf_python:
        os.environ[tf_engine.TF_PYTHON_ENV] = tf_python
    try:
        python = tf_engine.tensorflow_python()
    except ImportError as e:
        print(f"tf_engine: skipped: {e}")
        return None
    out = {}
    with LocalCluster(ps=1, workers=1) as cluster:
        target = cluster.target("worker", 0)
        out["teachflow -> teachflow"] = _measure(tf, target, repeats, min_time)
        tf.Session.reset(target)  # our variable "a" makes way for TensorFlow's
        res = _tf_client(python, target, repeats, min_time)
        out["TensorFlow -> teachflow"] = res.get("seconds", res.get("error"))
    with LocalCluster(ps=1, workers=1, engine="tensorflow", startup_timeout=120) as cluster:
        target = cluster.target("worker", 0)
        res = _tf_client(python, target, repeats, min_time)
        out["TensorFlow -> TensorFlow"] = res.get("seconds", res.get("error"))
        tf.Session.reset(target)  # TensorFlow's resource variable "a" makes way for ours
        out["teachflow -> TensorFlow"] = _measure(tf, target, repeats, min_time)
    mixed = {"ps": "teachflow", "worker": "tensorflow"}
    with LocalCluster(ps=1, workers=1, engine=mixed, startup_timeout=120) as cluster:
        target = cluster.target("worker", 0)
        res = _tf_client(python, target, repeats, min_time)
        out["TensorFlow -> TF worker + teachflow ps"] = res.get("seconds", res.get("error"))
        tf.Session.reset(target)
        out["teachflow -> TF worker + teachflow ps"] = _measure(tf, target, repeats, min_time)
    return out


def print_table(results: dict) -> None:
    ref = results.get("TensorFlow -> TensorFlow")
    ref = ref if isinstance(ref, float) else None
    print(f"{'client -> server':42}{'per step':>12}{'vs TF -> TF':>14}")
    print("-" * 68)
    for pairing, value in results.items():
        if isinstance(value, float):
            ratio = f"{value / ref:.2f}x" if ref else "-"
            print(f"{pairing:42}{value * 1e6:>9.0f} us{ratio:>14}")
        else:
            print(f"{pairing:42}{'n/a':>12}  ({value})")


def main(tf_python=None, repeats=REPEATS) -> None:
    results = run(tf_python, repeats)
    if results is not None:
        print_table(results)


if __name__ == "__main__":
    main(os.environ.get("TEACHFLOW_TF_PYTHON"))
