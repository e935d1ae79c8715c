"""The classic TF1 programs of tests/programs/, run with teachflow and compared with
TensorFlow's run of the same files (recorded by tests/fixtures/tensorflow/record_programs.py,
which changes only the import line).

Most run in this process (``runpy``, a fresh default graph each); the cluster programs run
as subprocesses, so their servers end with them.
"""

import contextlib
import io
import json
import pathlib
import runpy
import subprocess
import sys
import threading

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.ports import free_ports

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE.parents[0] / "fixtures" / "tensorflow" / "programs"
EPS32 = float(np.finfo(np.float32).eps)
# Tolerance per program: float32 rounding (eps) grown with the number of rounded operations
# a recorded value went through (sums over the data, times the training steps).
WORK = {
    "hello_world": 1,
    "basic_operations": 1,
    "linear_regression_normal_equation": 200 * 4 * 1e4,  # sums of 200 rows; cond(X^T X)^2
    "linear_regression_gd": 17 * 50 * 17,
    "logistic_regression": 30 * 120,
    "nearest_neighbor": 1,
    "mlp_raw": 48 * 30 * 30,
    "save_restore": 21 * 10,
    "name_scopes": 1,
    "gradient_clipping": 8 * 12 * 12,
    "learning_rate_schedules": 6 * 25 * 25,
    "supervisor_between_graph": 16 * 10 * 10,
    "replica_flags": 12 * 8 * 8,
    "rnn_sequence_classifier": 60 * 8 * 9 * 64,  # Adam steps x time steps x terms x rows
    # Hands-On Machine Learning (1st ed.), chapters 9, 11, 13 and 15
    "up_and_running": 20 * 200 * 9,  # epochs x rows x features
    "reusing_pretrained_layers": 30 * 120 * 16,  # steps x rows x units
    "batch_norm_clipping": 12 * 50 * 20,
    "regularization_early_stopping": 52 * 40 * 16,
    "cnn_metrics": 9 * 32 * 54,  # Adam steps x rows x conv terms
    "stacked_autoencoder": 48 * 16 * 16 * 4,  # steps x rows x pixels x layers
    # TensorFlow-Examples, part 2
    "word2vec": 60 * 16 * 9,  # steps x embedding size x sampled logits
    "autoencoder": 40 * 16 * 16,
    "variational_autoencoder": 40 * 25 * 16,
    "gan": 30 * 8 * 32,
    "tensorboard_advanced": 18 * 8 * 20,
    "multigpu_cnn": 12 * 36 * 64,  # steps x conv taps x pixels
    # tf.data input pipelines
    "data_shuffle_batch": 40 * 16 * 4,  # steps x rows x terms
    "data_transformations": 1,
    "data_iterator_switch": 36 * 10 * 3,
    "data_files": 25 * 8 * 3,
    "data_images": 8 * 8 * 3,  # the pixels one standardization sums
    "data_generator_sequences": 24 * 6 * 6 * 4,  # Adam steps x words x embedding size
    # Udacity Deep Learning (TF1 assignments) and Stanford CS20 (2018)
    "udacity_fullyconnected": 41 * 64 * 4,  # steps x pixels x classes
    "udacity_regularization": 41 * 64 * 32,
    "udacity_convolutions": 31 * 72 * 16,  # steps x conv taps x hidden units
    "udacity_lstm": 41 * 5 * 16 * 4,  # steps x unrollings x nodes x gates
    "cs20_lazy_loading": 1,
    "cs20_linreg_huber": 30 * 60,  # epochs x samples, one step each
    "cs20_logreg": 40 * 784,  # Adam steps x pixels
    "cs20_convnet_layers": 18 * 72 * 32,  # Adam steps x conv taps x dense units
    # TensorFlow's own TF1 tutorials
    "mnist_deep": 30 * 200 * 64,  # Adam steps x conv taps x hidden units
    "mnist_with_summaries": 12 * 64 * 24,  # Adam steps x pixels x hidden units
    "fully_connected_feed": 50 * 64 * 32,
    "cifar10": 20 * 200 * 32,  # steps x conv taps x hidden units
    # TensorFlow Machine Learning Cookbook (1st ed.), chapters 2-4
    "cookbook_loss_functions": 300 * 20,  # steps x rows
    "cookbook_linear_regression": 300 * 50 * 7,  # steps x rows x features
    "cookbook_svm": 100 * 350 * 350,  # steps x kernel entries summed in the dual loss
    # TensorFlow Machine Learning Cookbook (1st ed.), chapters 5-7 and 9
    "cookbook_nearest_neighbors": 48 * 5 * 5,  # training rows x features x weight products
    "cookbook_neural_networks": 40 * 50 * 81,  # steps x boards x hidden units
    "cookbook_nlp": 30 * 16 * 17,  # steps x rows x vocabulary
    "cookbook_rnn_spam": 12 * 32 * 10 * 10,  # steps x rows x time steps x units
    # more tf.train optimizers
    "optimizers": 5 * 6 * 3 * 4,  # steps x rows x features x optimizer ops
}
IN_PROCESS = [name for name in WORK if name not in ("supervisor_between_graph", "replica_flags")]


def _results(stdout):
    line = [ln for ln in stdout.splitlines() if ln.startswith("results: ")][-1]
    return json.loads(line[len("results: ") :])


def _assert_matches(got, expected, tol, where="results"):
    if isinstance(expected, dict):
        assert sorted(got) == sorted(expected), where
        for key in expected:
            _assert_matches(got[key], expected[key], tol, f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), where
        for i, (g, e) in enumerate(zip(got, expected)):
            _assert_matches(g, e, tol, f"{where}[{i}]")
    elif isinstance(expected, float):
        assert abs(got - expected) <= tol * max(1.0, abs(expected)), (where, got, expected)
    else:
        assert got == expected, where


def _expected(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _run_in_process(name, *args):
    tf.reset_default_graph()
    out = io.StringIO()
    argv = sys.argv
    sys.argv = [str(HERE / f"{name}.py"), *args]
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
    except SystemExit as done:  # tf.app.run ends the program with sys.exit(main(argv))
        assert done.code in (None, 0), done.code
    finally:
        sys.argv = argv
    return out.getvalue()


@pytest.mark.parametrize("name", IN_PROCESS)
def test_program_matches_tensorflow(name):
    stdout = _run_in_process(name)
    _assert_matches(_results(stdout), _expected(name), EPS32 * np.sqrt(WORK[name]))


def test_multigpu_towers_run_on_two_simulated_gpus_with_tensorflows_values(monkeypatch):
    # TensorFlow ran the towers on its CPU (no GPU, allow_soft_placement); teachflow places
    # them on two simulated GPUs, and the numbers are the same.
    monkeypatch.setenv("TEACHFLOW_SIMULATED_GPUS", "2")
    stdout = _run_in_process("multigpu_cnn", "--log")
    tol = EPS32 * np.sqrt(WORK["multigpu_cnn"])
    _assert_matches(_results(stdout), _expected("multigpu_cnn"), tol)
    placed = dict(line.split(": (", 1) for line in stdout.splitlines() if ": (" in line)
    assert placed["ConvNet/Conv2D"].endswith("device:GPU:0")
    assert placed["ConvNet_2/Conv2D"].endswith("device:GPU:1")
    assert placed["ConvNet/conv1/kernel"].endswith("device:CPU:0")


def _run_script(name, *args):
    done = _run_process(name, *args)
    assert done.returncode == 0, done.stderr[-3000:]
    return _results(done.stdout)


def _run_process(name, *args):
    return subprocess.run(
        [sys.executable, str(HERE / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _port_taken(stderr: str) -> bool:
    return "Could not bind" in stderr


def _ps_then_worker(script, hosts, log):
    """Start the ps, wait until it serves, run the worker. None when a port was taken by
    another socket between choosing and binding it (the caller picks fresh ports)."""
    ps = subprocess.Popen(
        [sys.executable, script, "--job_name=ps", "--task_index=0", *hosts],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        # The worker's session waits for the ps only so long (its operation timeout): start
        # it once the ps says it serves, however slowly a loaded machine imported it.
        first_line = []
        said = threading.Thread(target=lambda: first_line.append(ps.stdout.readline()))
        said.start()
        said.join(120)
        if first_line != ["ps ready\n"]:
            log.seek(0)
            stderr = log.read()
            if _port_taken(stderr):
                return None
            raise AssertionError(f"the ps process never said it was ready: {stderr[-3000:]}")
        worker = _run_process("replica_flags", "--job_name=worker", "--task_index=0", *hosts)
        if worker.returncode != 0 and _port_taken(worker.stderr):
            return None
        assert worker.returncode == 0, worker.stderr[-3000:]
        return _results(worker.stdout)
    finally:
        ps.kill()
        ps.wait(30)


def test_supervisor_between_graph_matches_tensorflow():
    tol = EPS32 * np.sqrt(WORK["supervisor_between_graph"])
    _assert_matches(
        _run_script("supervisor_between_graph"), _expected("supervisor_between_graph"), tol
    )


def test_replica_flags_alone_and_as_a_worker_of_a_flag_built_cluster(tmp_path):
    expected = _expected("replica_flags")
    tol = EPS32 * np.sqrt(WORK["replica_flags"])
    _assert_matches(_run_script("replica_flags"), expected["alone"], tol)
    script = str(HERE / "replica_flags.py")
    worker = None
    for attempt in range(3):  # a port taken in between: fresh ports, as start_servers does
        ps_port, worker_port = free_ports(2)
        hosts = [f"--ps_hosts=127.0.0.1:{ps_port}", f"--worker_hosts=127.0.0.1:{worker_port}"]
        with open(tmp_path / f"ps{attempt}.log", "w+") as log:
            worker = _ps_then_worker(script, hosts, log)
        if worker is not None:
            break
    assert worker is not None, "three sets of free ports were all taken before binding"
    _assert_matches(worker, expected["worker"], tol)
