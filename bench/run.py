"""Run the benchmarks and print a table of figures and teachflow/TensorFlow ratios.

    python bench/run.py                     # teachflow, plus TensorFlow if importable here
    python bench/run.py --tf-python PATH    # TensorFlow from another interpreter (a venv)

Each figure is the median over >= 7 repeats of the mean time of one ``Session.run``.
TensorFlow runs with its graph rewriting off, so both runtimes execute every node.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import TARGETS, WORKLOADS  # noqa: E402


def load_engine(name):
    if name == "teachflow":
        import teachflow as tf

        return tf, tf.ConfigProto()
    import tensorflow.compat.v1 as tf
    from tensorflow.core.protobuf import rewriter_config_pb2

    tf.disable_v2_behavior()
    tf.get_logger().setLevel("ERROR")
    rewrite = rewriter_config_pb2.RewriterConfig(
        disable_meta_optimizer=True,
        constant_folding=rewriter_config_pb2.RewriterConfig.OFF,
        arithmetic_optimization=rewriter_config_pb2.RewriterConfig.OFF,
    )
    config = tf.ConfigProto(
        graph_options=tf.GraphOptions(
            rewrite_options=rewrite,
            optimizer_options=tf.OptimizerOptions(opt_level=tf.OptimizerOptions.L0),
        )
    )
    return tf, config


def measure(engine, workload, repeats, min_time=0.2):
    """Median over ``repeats`` of the mean seconds per run."""
    tf, config = load_engine(engine)
    graph = tf.Graph()
    with graph.as_default():
        fetch = WORKLOADS[workload](tf)
        init = tf.global_variables_initializer()
        sess = tf.Session(graph=graph, config=config)
        sess.run(init)
        for _ in range(3):
            sess.run(fetch)
        # Size one repeat so that it lasts about min_time.
        n = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(n):
                sess.run(fetch)
            if time.perf_counter() - t0 >= min_time / 4 or n >= 1 << 16:
                break
            n *= 2
        n = max(1, int(n * (min_time / 4) / max(time.perf_counter() - t0, 1e-9)) or 1)
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(n):
                sess.run(fetch)
            samples.append((time.perf_counter() - t0) / n)
        sess.close()
    return statistics.median(samples)


def run_engine(engine, names, repeats):
    return {name: measure(engine, name, repeats) for name in names}


def tf_in_subprocess(python, names, repeats):
    out = subprocess.run(
        [
            python,
            os.path.abspath(__file__),
            "--engine",
            "tensorflow",
            "--json",
            "--repeats",
            str(repeats),
            *names,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    if out.returncode != 0:
        raise SystemExit(f"TensorFlow run failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def tensorflow_importable():
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True


def print_table(ours, theirs):
    header = (
        f"{'workload':<14}{'teachflow us/run':>18}{'TF us/run':>12}{'ratio':>8}{'target':>9}  ok"
    )
    print(header)
    print("-" * len(header))
    for name, t in ours.items():
        tf_t = theirs.get(name) if theirs else None
        if tf_t:
            ratio = t / tf_t
            target = TARGETS.get(name)
            ok = "yes" if target is None or ratio <= target else "NO"
            print(f"{name:<14}{t * 1e6:>18.1f}{tf_t * 1e6:>12.1f}{ratio:>7.2f}x{target:>8}x  {ok}")
        else:
            print(f"{name:<14}{t * 1e6:>18.1f}{'-':>12}{'-':>8}{TARGETS.get(name, '-'):>8}x  -")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    p.add_argument("--engine", default="teachflow", choices=["teachflow", "tensorflow"])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--tf-python", default=os.environ.get("TEACHFLOW_TF_PYTHON"))
    p.add_argument("--json", action="store_true", help="print one JSON line of seconds per run")
    args = p.parse_args(argv)
    if args.repeats < 7:
        p.error("--repeats must be at least 7")
    if args.json:
        print(json.dumps(run_engine(args.engine, args.workloads, args.repeats)))
        return
    ours = run_engine("teachflow", args.workloads, args.repeats)
    theirs = None
    if tensorflow_importable():
        theirs = run_engine("tensorflow", args.workloads, args.repeats)
    elif args.tf_python:
        theirs = tf_in_subprocess(args.tf_python, args.workloads, args.repeats)
    else:
        print("(TensorFlow is not importable here: pass --tf-python to compare)\n")
    print_table(ours, theirs)


if __name__ == "__main__":
    main()
