"""The ``%teachflow`` magics, run in an IPython shell as a notebook would run them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from IPython.core.error import UsageError

import teachflow as tf
from teachflow.magics import current_cluster
from teachflow.magics.cluster_status import ClusterStatus
from teachflow.trace.events import bus
from teachflow.viz import GraphView, LiveTimeline, PlacementTable


def run(ip, code):
    """Run a notebook cell; its error, if any, fails the test."""
    result = ip.run_cell(code)
    result.raise_error()
    return result


def tf_magic(ip, line):
    return ip.run_line_magic("teachflow", line)


def pid_exists(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


VARIABLE_ON_PS = """
import teachflow as tf
with tf.device("/job:ps/task:0"):
    w = tf.Variable([1.0, 2.0], name="w")
with tf.device("/job:worker/task:0"):
    y = tf.multiply(w, 2.0, name="y")
"""


# -- cluster start / status / stop -----------------------------------------------------------
def test_process_cluster_start_status_trace_stop_leaves_no_process(ip, magics, capsys):
    tf_magic(ip, "cluster start --ps 1 --workers 1")
    out = capsys.readouterr().out
    cluster = ip.user_ns["cluster"]
    assert current_cluster() is cluster
    assert "Started a cluster of 2 server processes (ps: 1, worker: 1)" in out
    assert "ClusterSpec: " in out and cluster.spec.task_address("ps", 0) in out
    assert cluster.target("worker", 0) in out
    assert "Cluster: 1 machine, 2 tasks (ps: 1, worker: 1), 2 up" in out  # the topology view
    pids = [cluster.pid("ps", 0), cluster.pid("worker", 0)]
    assert all(pid_exists(p) for p in pids)

    run(ip, VARIABLE_ON_PS)
    run(
        ip,
        "%%teachflow trace\n"
        'with tf.Session(cluster.target("worker", 0)) as sess:\n'
        "    sess.run(w.initializer)\n"
        "    result = sess.run(y)\n",
    )
    assert list(ip.user_ns["result"]) == [2.0, 4.0]
    timeline = magics.last_trace
    assert isinstance(timeline, LiveTimeline) and not timeline.attached
    ops = {(e["op"], e["device"]) for e in timeline.events}
    # Events from both server processes, streamed back: the variable on ps, y on worker.
    assert ("VariableV2", "/job:ps/replica:0/task:0/device:CPU:0") in ops
    assert ("Mul", "/job:worker/replica:0/task:0/device:CPU:0") in ops

    status = tf_magic(ip, "cluster status")
    assert isinstance(status, ClusterStatus)
    page = status._repr_html_()
    for name, target in cluster.targets.items():
        assert name in page and target.removeprefix("grpc://") in page
    assert [t.state for t in status.tasks] == ["up", "up"]
    ps = status.task("/job:ps/replica:0/task:0")
    assert [r.describe() for r in ps.variables] == ["w float32 (2,) on CPU:0"]
    assert "w float32 (2,) on CPU:0" in repr(status)
    assert "2 tasks, 2 up; 1 variable and 0 queues held" in repr(status)

    tf_magic(ip, "cluster stop")
    assert "Stopped the cluster (2 tasks)." in capsys.readouterr().out
    assert not any(pid_exists(p) for p in pids)
    assert "cluster" not in ip.user_ns and current_cluster() is None


def test_in_process_cluster_with_simulated_gpus_and_a_queue(ip, capsys):
    tf_magic(ip, "cluster start --in-process --workers 2 --gpus 2 --simulated")
    assert "Started a cluster of 3 in-process servers" in capsys.readouterr().out
    run(
        ip,
        'with tf.device("/job:ps/task:0"):\n'
        '    q = tf.FIFOQueue(10, tf.float32, shapes=[[]], shared_name="jobs")\n'
        'with tf.Session(cluster.target("worker", 1)) as sess:\n'
        "    sess.run(q.enqueue(1.0)); sess.run(q.enqueue(2.0))\n",
    )
    status = tf_magic(ip, "cluster status")
    devices = {t.task: [d.rpartition("/device:")[2] for d in t.devices] for t in status.tasks}
    assert devices == {
        "/job:ps/replica:0/task:0": ["CPU:0"],
        "/job:worker/replica:0/task:0": ["CPU:0", "GPU:0", "GPU:1"],
        "/job:worker/replica:0/task:1": ["CPU:0", "GPU:0", "GPU:1"],
    }
    (queue,) = status.task("/job:ps/replica:0/task:0").queues
    assert (queue.name, queue.kind, queue.size, queue.capacity) == ("jobs", "FIFOQueue", 2, 10)
    assert "jobs FIFOQueue 2/10 float32" in status._repr_html_()

    # A machine fails: status says so, and the others still answer.
    cluster = current_cluster()
    cluster.server("worker", 1).stop()
    status = tf_magic(ip, "cluster status --timeout 1")
    assert [t.state for t in status.tasks] == ["up", "up", "down"]
    assert status.tasks[2].detail == "stopped"

    tf_magic(ip, "cluster stop")
    assert set(cluster.status().values()) == {"stopped"}


def test_options_from_config(ip, magics, capsys):
    ip.run_line_magic("config", "TeachflowMagics.simulated_gpus = 2")
    ip.run_line_magic("config", "TeachflowMagics.workers = 1")
    ip.run_line_magic("config", "TeachflowMagics.in_process = True")
    ip.run_line_magic("config", "TeachflowMagics.cluster_name = 'c'")
    assert (magics.simulated_gpus, magics.workers, magics.in_process) == (2, 1, True)
    tf_magic(ip, "cluster start")
    assert "in-process servers (ps: 1, worker: 1) as `c`" in capsys.readouterr().out
    status = tf_magic(ip, "cluster status")
    assert [len(t.devices) for t in status.tasks] == [1, 3]  # ps: CPU; worker: CPU + 2 GPUs
    assert ip.user_ns["c"] is current_cluster()
    tf_magic(ip, "cluster stop")
    assert "c" not in ip.user_ns


def test_a_second_start_is_refused_and_stop_without_cluster_says_so(ip, capsys):
    tf_magic(ip, "cluster start --in-process --ps 0 --workers 1")
    with pytest.raises(UsageError, match="already running.*cluster stop"):
        tf_magic(ip, "cluster start --in-process")
    tf_magic(ip, "cluster stop")
    capsys.readouterr()
    tf_magic(ip, "cluster stop")
    assert capsys.readouterr().out == "No cluster is running.\n"


def test_unload_stops_the_cluster_and_the_recorder(ip):
    tf_magic(ip, "cluster start --in-process --ps 0 --workers 1")
    cluster = current_cluster()
    ip.run_line_magic("unload_ext", "teachflow")
    assert set(cluster.status().values()) == {"stopped"} and current_cluster() is None
    assert not bus.active
    ip.run_line_magic("load_ext", "teachflow")  # for the fixture's unload


# -- views of the last run --------------------------------------------------------------------
LOCAL_RUN = """
import teachflow as tf
a = tf.constant([1.0, 2.0], name="a")
with tf.device("/gpu:1"):
    b = tf.multiply(a, 3.0, name="b")
with tf.Session(config=tf.ConfigProto(simulated_gpus=2)) as sess:
    out = sess.run(b)
"""


def test_graph_placement_and_timeline_of_the_last_local_run(ip):
    run(ip, LOCAL_RUN)
    view = tf_magic(ip, "graph")
    assert isinstance(view, GraphView)
    assert view.node("b").device == "/job:localhost/replica:0/task:0/device:GPU:1"
    assert "<svg" in view._repr_html_()

    table = tf_magic(ip, "placement --filter GPU:1")
    assert isinstance(table, PlacementTable)
    (row,) = [r for r in table.rows if r.node == "b"]
    assert (row.requested, row.reason) == ("/device:GPU:1", "explicit")

    fig = tf_magic(ip, "timeline")
    assert "ops" in fig.axes[0].get_title()
    assert any("GPU:1" in t.get_text() for t in fig.axes[0].get_yticklabels())


def test_placement_of_a_remote_run_says_why_the_master_placed_each_node(ip):
    tf_magic(ip, "cluster start --in-process --workers 1")
    run(
        ip,
        VARIABLE_ON_PS + 'with tf.Session(cluster.target("worker", 0)) as s:\n'
        "    s.run(w.initializer); s.run(y)\n",
    )
    table = tf_magic(ip, "placement")
    devices = {r.node: r.device for r in table.rows}
    assert devices["y"] == "/job:worker/replica:0/task:0/device:CPU:0"
    assert devices["w"] == "/job:ps/replica:0/task:0/device:CPU:0"
    rows = {r.node: r for r in table.rows}
    assert (rows["w"].requested, rows["w"].reason) == ("/job:ps/task:0", "explicit")
    assert (rows["y"].requested, rows["y"].reason) == ("/job:worker/task:0", "explicit")
    transfers = [r for r in table.rows if r.op_type in ("_Send", "_Recv")]
    assert {r.op_type for r in transfers} == {"_Send", "_Recv"}
    assert all(r.reason.startswith("transfer: ") for r in transfers)
    view = tf_magic(ip, "graph --color-by task")
    assert view.node("y").device == "/job:worker/replica:0/task:0/device:CPU:0"


def test_timeline_switched_off_and_on(ip, magics, capsys):
    tf_magic(ip, "timeline --off")
    assert not magics.trace and not magics.recorder.recording
    with pytest.raises(UsageError, match="Tracing is off"):
        tf_magic(ip, "timeline")
    tf_magic(ip, "timeline --on")
    assert "Tracing on" in capsys.readouterr().out
    with pytest.raises(UsageError, match="No run recorded yet"):
        tf_magic(ip, "timeline")
    run(
        ip,
        LOCAL_RUN
        + "with tf.Session(config=tf.ConfigProto(simulated_gpus=2)) as s2:\n    s2.run(b); s2.run(b)\n",
    )
    fig = tf_magic(ip, "timeline --steps 2")
    assert "2 steps" in fig.axes[0].get_title()


def test_steps_of_a_remote_run_are_numbered_1_2_3_in_every_view(ip, magics):
    tf_magic(ip, "cluster start --in-process --workers 1")
    tf_magic(ip, "timeline --on")
    run(
        ip,
        "%%teachflow trace --keep-steps 5\n"
        + VARIABLE_ON_PS
        + 'with tf.Session(cluster.target("worker", 0)) as s:\n'
        + "    s.run(w.initializer); s.run(y); s.run(y)\n",
    )
    # A cluster's step ids are random 64-bit numbers; people count 1, 2, 3.
    assert max(magics.recorder.step_ids()) > 1000
    fig = tf_magic(ip, "timeline --steps 3")
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_text().startswith("step ")]
    assert labels == ["step 1", "step 2", "step 3"]
    assert magics.last_trace.numbers == [1, 2, 3]


def test_trace_cell_collects_the_local_runs(ip, magics):
    run(
        ip,
        "%%teachflow trace --keep-steps 3\n"
        + LOCAL_RUN
        + "with tf.Session(config=tf.ConfigProto(simulated_gpus=2)) as s2:\n"
        + "    for _ in range(4): s2.run(b)\n",
    )
    timeline = magics.last_trace
    assert timeline.keep_steps == 3 and len(timeline.steps) == 3
    assert {e["op"] for e in timeline.events} == {"Const", "Mul"}
    assert not timeline.attached


# -- errors and help ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line, words",
    [
        ("", "required: SUBCOMMAND"),
        ("cluster", "required: start|status|stop"),
        ("cluster launch", "invalid choice: 'launch'"),
        ("cluster start --ps x", "argument --ps: invalid int value: 'x'"),
        ("cluster start --ps 0 --workers 0", "A cluster needs at least one task"),
        ("cluster start --workers -1", "A cluster needs at least one task"),
        ("cluster start --simulated", "give --gpus N too"),
        ("cluster start --gpu-profile nope --in-process", "nope"),
        ("cluster status", "No cluster is running"),
        ("graph --color-by colour", "invalid choice: 'colour'"),
        ("timeline --on --off", "not allowed with argument"),
        ("timeline --steps 0", "--steps must be >= 1"),
        ("trace", "trace is a cell magic"),
        ("nonsense", "invalid choice: 'nonsense'"),
    ],
)
def test_bad_arguments_are_usage_errors(ip, line, words):
    with pytest.raises(UsageError, match=words.replace("|", r"\|").replace("(", r"\(")):
        tf_magic(ip, line)


def test_a_cell_on_a_line_subcommand_is_a_usage_error(ip):
    with pytest.raises(UsageError, match="takes no cell"):
        ip.run_cell_magic("teachflow", "graph", "x = 1")


def test_real_gpus_that_are_not_there_ask_for_simulated(ip):
    from teachflow.runtime.devices import physical_gpus

    if physical_gpus(tf.ConfigProto(simulated_gpus=0)):
        pytest.skip("this machine has real GPUs")
    with pytest.raises(UsageError, match="add --simulated"):
        tf_magic(ip, "cluster start --gpus 2")


def test_placement_before_any_run_says_what_to_do(ip):
    import teachflow.runtime.session as session_module

    session_module._last_run[0] = None
    with pytest.raises(UsageError, match="No session has run yet"):
        tf_magic(ip, "placement")


def test_help_lists_every_subcommand(ip):
    doc = ip.find_line_magic("teachflow").__doc__
    for words in (
        "%teachflow cluster start",
        "--in-process",
        "%teachflow cluster status",
        "%teachflow cluster stop",
        "%teachflow graph",
        "%teachflow placement",
        "%teachflow timeline",
        "%%teachflow trace",
        "%config TeachflowMagics",
    ):
        assert words in doc
    assert ip.find_cell_magic("teachflow") is not None


def test_importing_teachflow_does_not_import_ipython():
    code = "import sys, teachflow; print('IPython' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize(
    "line, usage, words",
    [
        ("--help", "usage: %teachflow [-h] SUBCOMMAND", "tensorboard"),
        ("cluster --help", "usage: %teachflow cluster [-h] start|status|stop", "Stop every task"),
        ("cluster start --help", "usage: %teachflow cluster start [-h] [--ps N]", "--in-process"),
        ("cluster status --help", "usage: %teachflow cluster status [-h]", "--timeout S"),
        ("cluster stop --help", "usage: %teachflow cluster stop [-h]", "Stop every task"),
        ("graph --help", "usage: %teachflow graph [-h]", "--color-by {device,task,op}"),
        ("placement -h", "usage: %teachflow placement [-h]", "--filter TEXT"),
        ("timeline --help", "usage: %teachflow timeline [-h]", "record the next runs"),
        ("tensorboard --help", "usage: %teachflow tensorboard [-h]", "--port"),
        ("trace --help", "usage: %%teachflow trace [-h]", "--keep-steps N"),
    ],
)
def test_every_subcommand_takes_help(ip, magics, capsys, line, usage, words):
    assert tf_magic(ip, line) is None
    out = capsys.readouterr().out
    assert out.startswith(usage) and words in out and "show this help message" in out
    assert magics.cluster is None  # --help only prints


def test_a_bad_argument_shows_the_subcommands_usage_and_where_to_read_more(ip):
    with pytest.raises(UsageError) as error:
        tf_magic(ip, "cluster start --bogus 1")
    lines = str(error.value).splitlines()
    assert lines[0] == "unrecognized arguments: --bogus 1"
    assert lines[1].startswith("usage: %teachflow cluster start [-h] [--ps N]")
    assert lines[-1] == (
        "(%teachflow cluster start --help lists its options; "
        "%teachflow? describes every subcommand)"
    )
    with pytest.raises(UsageError, match=r"(?s)invalid choice: 'colour'.*usage: %teachflow graph"):
        tf_magic(ip, "graph --color-by colour")


def test_graph_of_an_empty_default_graph_says_so(ip, capsys):
    tf.reset_default_graph()
    assert tf_magic(ip, "graph") is None
    assert "The default graph has no operations yet" in capsys.readouterr().out


def test_trace_cell_in_a_terminal_prints_a_summary_after_the_cell(ip, magics, capsys):
    run(
        ip,
        "%%teachflow trace\n"
        "print('the cell runs')\n"
        "import teachflow as tf\n"
        "with tf.Session(config=tf.ConfigProto(simulated_gpus=1)) as s:\n"
        "    with tf.device('/gpu:0'):\n"
        "        y = tf.constant(2.0, name='x') * 3.0\n"
        "    for _ in range(2): s.run(y)\n",
    )
    out = capsys.readouterr().out
    assert "LiveTimeline(" not in out
    first, summary = out.strip().splitlines()
    assert first == "the cell runs"
    assert summary == (
        "Traced 2 steps (1, 2): 6 ops and 0 transfers on 1 device. "
        "%teachflow timeline --steps 2 draws them."
    )


def test_a_one_task_cluster_is_counted_in_the_singular(ip, capsys):
    tf_magic(ip, "cluster start --in-process --ps 0 --workers 1")
    tf_magic(ip, "cluster stop")
    out = capsys.readouterr().out
    assert "Started a cluster of 1 in-process server (worker: 1)" in out
    assert "Stopped the cluster (1 task)." in out
