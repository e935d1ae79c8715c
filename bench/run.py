"""Run the benchmarks and print a table of figures and ratios against their targets.

    python bench/run.py                     # teachflow, plus TensorFlow if importable here
    python bench/run.py --tf-python PATH    # TensorFlow from another interpreter (a venv)
    python bench/run.py --only runtime      # one group: runtime | parallel | tracing | cluster | conv
    python bench/run.py --only tf_engine    # each teachflow/TensorFlow client->server pairing

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
from cluster_workloads import CLUSTER_WORKLOADS  # noqa: E402
from training_steps import TRAINING, measure_training  # noqa: E402
from workloads import MATMUL_FLOPS, WORKLOADS  # noqa: E402

# A case: (name, workload, config overrides, traced)
CASES = {
    "tiny": ("tiny", {}, False),
    "chain1000": ("chain1000", {}, False),
    "fanout1000": ("fanout1000", {}, False),
    "chain1000_traced": ("chain1000", {}, True),
    "mlp_live": ("mlp_train", {}, "live"),
    "matmul_inter1": ("matmul_parallel", {"inter": 1, "intra": 1}, False),
    "matmul_inter2": ("matmul_parallel", {"inter": 2, "intra": 1}, False),
    "cnn_train": ("cnn_train", {}, False),
}
GROUPS = {
    "runtime": ["tiny", "chain1000", "fanout1000"],
    "tracing": ["chain1000", "chain1000_traced", "mlp_live"],
    "parallel": ["matmul_inter1", "matmul_inter2"],
    "conv": ["cnn_train"],
    "cluster": list(CLUSTER_WORKLOADS),
    # Training steps with feeds, default ConfigProto; "_loaded": every core busy meanwhile.
    "training": [f"{c}{v}" for c in TRAINING for v in ("", "_loaded")],
}


def training_case(case):
    """(workload, loaded) of a training case name, or None."""
    name = case.removesuffix("_loaded")
    return (name, case != name) if name in TRAINING else None


def load_engine(name, overrides):
    inter = overrides.get("inter", 0)
    intra = overrides.get("intra", 0)
    if name == "teachflow":
        import teachflow as tf

        cfg = tf.ConfigProto(inter_op_parallelism_threads=inter, intra_op_parallelism_threads=intra)
        return tf, cfg
    import tensorflow.compat.v1 as tf
    from tensorflow.core.protobuf import rewriter_config_pb2

    tf.disable_v2_behavior()
    tf.get_logger().setLevel("ERROR")
    rewrite = rewriter_config_pb2.RewriterConfig(
        disable_meta_optimizer=True,
        constant_folding=rewriter_config_pb2.RewriterConfig.OFF,
        arithmetic_optimization=rewriter_config_pb2.RewriterConfig.OFF,
    )
    cfg = tf.ConfigProto(
        inter_op_parallelism_threads=inter,
        intra_op_parallelism_threads=intra,
        graph_options=tf.GraphOptions(
            rewrite_options=rewrite,
            optimizer_options=tf.OptimizerOptions(opt_level=tf.OptimizerOptions.L0),
        ),
    )
    return tf, cfg


def measure(engine, case, repeats, min_time=0.2):
    """Median over ``repeats`` of the mean seconds per run."""
    workload, overrides, traced = CASES[case]
    tf, config = load_engine(engine, overrides)
    graph = tf.Graph()
    with graph.as_default():
        fetch = WORKLOADS[workload](tf)
        init = tf.global_variables_initializer()
        sess = tf.Session(graph=graph, config=config)
        sess.run(init)
        if traced == "live":
            # teachflow only: the same session with and without a LiveTimeline widget
            # following its runs, in alternating blocks so both see the same machine.
            if engine != "teachflow":
                return None
            # Whole-step times of a BLAS-heavy step move more between blocks than the
            # cost measured: more, longer blocks.
            result = _measure_live(sess, fetch, max(repeats, 11), max(min_time, 0.4))
            sess.close()
            return result
        kwargs = {}
        if traced:
            kwargs = {
                "options": tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                "run_metadata": tf.RunMetadata(),
            }
        for _ in range(2):
            sess.run(fetch, **kwargs)
        t0 = time.perf_counter()
        sess.run(fetch, **kwargs)
        one = max(time.perf_counter() - t0, 1e-7)
        n = max(1, int(min_time / one))
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(n):
                sess.run(fetch, **kwargs)
            samples.append((time.perf_counter() - t0) / n)
        sess.close()
    return statistics.median(samples)


def _measure_live(sess, fetch, repeats, min_time):
    """(median seconds per run without, with) a LiveTimeline attached."""
    from teachflow.viz import LiveTimeline

    live = LiveTimeline()
    for _ in range(3):
        sess.run(fetch)
    t0 = time.perf_counter()
    sess.run(fetch)
    n = max(1, int(min_time / max(time.perf_counter() - t0, 1e-7)))
    off, on = [], []
    for _ in range(repeats):
        for attached, samples in ((False, off), (True, on)):
            if attached:
                live.attach()
            sess.run(fetch)  # settle: the first run after a switch pays for it
            t0 = time.perf_counter()
            for _ in range(n):
                sess.run(fetch)
            samples.append((time.perf_counter() - t0) / n)
            if attached:
                live.detach()
    return [statistics.median(off), statistics.median(on)]


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_cluster(engine, cases, repeats, min_time=0.5):
    """Cluster cases on a ps=1, workers=2 cluster; the session talks to worker 0.

    teachflow's tasks are separate processes (LocalCluster); TensorFlow's servers run in
    its C++ runtime inside the benchmark process."""
    tf, config = load_engine(engine, {})
    if engine == "teachflow":
        from teachflow.cluster import LocalCluster

        cluster = LocalCluster(ps=1, workers=2)
        cluster.__enter__()
        target = cluster.target("worker", 0)
        stop = cluster.stop
    else:
        spec = {
            "ps": [f"localhost:{_free_port()}"],
            "worker": [f"localhost:{_free_port()}", f"localhost:{_free_port()}"],
        }
        servers = [
            tf.train.Server(spec, "ps", 0),
            tf.train.Server(spec, "worker", 0),
            tf.train.Server(spec, "worker", 1),
        ]
        target = servers[1].target

        def stop():
            pass  # TF1 servers cannot be stopped; they end with the process

    out = {}
    try:
        for case in cases:
            graph = tf.Graph()
            with graph.as_default():
                fetch, _ = CLUSTER_WORKLOADS[case](tf)
                init = tf.global_variables_initializer()
                sess = tf.Session(target, graph=graph, config=config)
                sess.run(init)
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
                sess.close()
            out[case] = statistics.median(samples)
    finally:
        stop()
    return out


def run_engine(engine, cases, repeats):
    local = [c for c in cases if c in CASES]
    remote = [c for c in cases if c in CLUSTER_WORKLOADS]
    out = {c: measure(engine, c, repeats) for c in local}
    for c in cases:
        if training_case(c):
            tf, _ = load_engine(engine, {})  # measured with the default ConfigProto
            name, loaded = training_case(c)
            out[c] = measure_training(tf, name, repeats, loaded)
    if remote:
        out.update(measure_cluster(engine, remote, repeats))
    return out


def tf_in_subprocess(python, cases, repeats):
    out = subprocess.run(
        [
            python,
            os.path.abspath(__file__),
            "--engine",
            "tensorflow",
            "--json",
            "--repeats",
            str(repeats),
            "--cases",
            ",".join(cases),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
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


def rows(ours, theirs):
    """(name, figure, reference, ratio, target, ok) for every row we can compute."""
    out = []

    def add(name, figure, ref, ratio, target, higher_is_better=False):
        ok = (
            "-"
            if ratio is None
            else ("yes" if (ratio >= target if higher_is_better else ratio <= target) else "NO")
        )
        out.append(
            (name, figure, ref, ratio, ("≥ " if higher_is_better else "≤ ") + f"{target}x", ok)
        )

    def us(t):
        return f"{t * 1e6:.1f} us"

    for case, target in (("tiny", 0.3), ("chain1000", 3.0), ("fanout1000", 2.0)):
        if case in ours:
            ref = theirs.get(case) if theirs else None
            add(
                case,
                us(ours[case]),
                us(ref) if ref else "-",
                ours[case] / ref if ref else None,
                target,
            )
    if "cnn_train" in ours:
        ref = theirs.get("cnn_train") if theirs else None
        ms = f"{ours['cnn_train'] * 1e3:.1f} ms"
        # No target yet: the figure is recorded to follow numpy-speed convolution.
        out.append(
            (
                "CNN Adam step (conv 5x5x32, batch 32)",
                ms,
                f"{ref * 1e3:.1f} ms" if ref else "-",
                ours["cnn_train"] / ref if ref else None,
                "-",
                "-",
            )
        )
    for case in ours:
        if training_case(case):
            ref = theirs.get(case) if theirs else None
            add(
                case.replace("_", " "),
                us(ours[case]),
                us(ref) if ref else "-",
                ours[case] / ref if ref else None,
                1.0,
            )
    if "chain1000" in ours and "chain1000_traced" in ours:
        r = ours["chain1000_traced"] / ours["chain1000"]
        add(
            "tracing on/off (chain1000)",
            us(ours["chain1000_traced"]),
            us(ours["chain1000"]),
            r,
            1.10,
        )
    if ours.get("mlp_live"):
        off, on = ours["mlp_live"]
        add("live timeline on/off (MLP step)", us(on), us(off), on / off, 1.10)
    if "matmul_inter1" in ours and "matmul_inter2" in ours:
        speedup = ours["matmul_inter1"] / ours["matmul_inter2"]
        add("matmul inter-op 2 vs 1 speedup", f"{speedup:.2f}x", "-", speedup, 1.8, True)
        gflops = MATMUL_FLOPS / ours["matmul_inter2"] / 1e9
        ref = theirs.get("matmul_inter2") if theirs else None
        tf_gflops = MATMUL_FLOPS / ref / 1e9 if ref else None
        add(
            "matmul throughput (inter-op 2)",
            f"{gflops:.0f} GFLOP/s",
            f"{tf_gflops:.0f} GFLOP/s" if tf_gflops else "-",
            gflops / tf_gflops if tf_gflops else None,
            0.95,
            True,
        )
    for case in ("remote_tiny", "cross_task"):
        if case in ours:
            ref = theirs.get(case) if theirs else None
            add(
                case,
                us(ours[case]),
                us(ref) if ref else "-",
                ours[case] / ref if ref else None,
                1.0,
            )
    if "transfer_64mib" in ours:
        from cluster_workloads import TRANSFER_BYTES

        gib = TRANSFER_BYTES / 2**30
        rate = gib / ours["transfer_64mib"]
        ref = theirs.get("transfer_64mib") if theirs else None
        tf_rate = gib / ref if ref else None
        add(
            "64 MiB ps -> worker transfer",
            f"{rate:.2f} GiB/s",
            f"{tf_rate:.2f} GiB/s" if tf_rate else "-",
            rate / tf_rate if tf_rate else None,
            1.0,
            True,
        )
    return out


def print_table(table):
    header = ("measure", "teachflow", "TensorFlow / base", "ratio", "target", "ok")
    widths = [
        max(len(str(r[i] if r[i] is not None else "-")) for r in table + [header]) + 2
        for i in range(6)
    ]
    widths[3] = max(widths[3], 8)

    def fmt(r):
        ratio = r[3] if isinstance(r[3], str) else ("-" if r[3] is None else f"{r[3]:.2f}x")
        cells = [r[0], r[1], r[2], ratio, r[4], r[5]]
        return "".join(str(c).ljust(w) for c, w in zip(cells, widths))

    print(fmt(header))
    print("-" * sum(widths))
    for r in table:
        print(fmt(r))


def _without_blas_settings():
    """Run again without the machine's OPENBLAS_* settings, as a student's laptop has none.

    numpy's OpenBLAS picks its kernels for the CPU when it loads; a setting such as
    ``OPENBLAS_CORETYPE=Haswell`` (seen on shared build machines, for reproducible bits)
    forces older ones: 50x784 by 784x300 took 239 us instead of 145 us here. TensorFlow's
    oneDNN ignores it, so a comparison under it would not be like for like.
    """
    if not any(k.startswith("OPENBLAS_") for k in os.environ):
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    unset = sorted(k for k in os.environ if k.startswith("OPENBLAS_"))
    print(f"(unset for this run: {', '.join(unset)}; --keep-blas-env keeps them)", flush=True)
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--only", choices=sorted([*GROUPS, "tf_engine"]), help="run one group")
    p.add_argument("--cases", help=argparse.SUPPRESS)
    p.add_argument("--engine", default="teachflow", choices=["teachflow", "tensorflow"])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--tf-python", default=os.environ.get("TEACHFLOW_TF_PYTHON"))
    p.add_argument("--json", action="store_true", help="print one JSON line of seconds per run")
    p.add_argument(
        "--keep-blas-env",
        action="store_true",
        help="keep OPENBLAS_* settings of the environment (by default they are unset)",
    )
    args = p.parse_args(argv)
    if argv is None and not args.keep_blas_env:
        _without_blas_settings()
    if args.repeats < 7:
        p.error("--repeats must be at least 7")
    if args.only == "tf_engine":  # its own table: see bench/tf_engine.py
        import tf_engine

        tf_engine.main(args.tf_python, args.repeats)
        return
    if args.cases:
        cases = args.cases.split(",")
    elif args.only:
        cases = GROUPS[args.only]
    else:
        cases = list(dict.fromkeys(c for g in GROUPS.values() for c in g))
    if args.json:
        print(json.dumps(run_engine(args.engine, cases, args.repeats)))
        return
    ours = run_engine("teachflow", cases, args.repeats)
    tf_cases = [
        c
        for c in cases
        if c in ("tiny", "chain1000", "fanout1000", "matmul_inter2", "cnn_train")
        or c in CLUSTER_WORKLOADS
        or training_case(c)
    ]
    theirs = None
    if tf_cases and tensorflow_importable():
        theirs = run_engine("tensorflow", tf_cases, args.repeats)
    elif tf_cases and args.tf_python:
        theirs = tf_in_subprocess(args.tf_python, tf_cases, args.repeats)
    else:
        print("(TensorFlow is not importable here: pass --tf-python to compare)\n")
    print_table(rows(ours, theirs))


if __name__ == "__main__":
    main()
