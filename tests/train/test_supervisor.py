"""tf.train.Supervisor: the chief initializes or restores, other workers wait until the
model is ready, services and queue runners stop together."""

import json
import pathlib
import threading
import time

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers
from teachflow.proto import messages
from teachflow.summary.event_file import read_records

WAIT_S = 10.0  # every wait in these tests is bounded


def _events(logdir):
    out = []
    for path in sorted(pathlib.Path(logdir).glob("events.out.tfevents.*")):
        out += [messages.Event.FromString(r) for r in read_records(path.read_bytes())]
    return out


def _model():
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(0.0, name="w")
    train_op = tf.group(tf.assign_add(step, 1), tf.assign_add(w, 0.5))
    return step, w, train_op


def test_chief_initializes_then_a_new_supervisor_restores_from_logdir(tmp_path):
    step, w, train_op = _model()
    sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0, save_summaries_secs=0)
    with sv.managed_session() as sess:
        while not sv.should_stop() and sess.run(step) < 3:
            sess.run(train_op)
        sv.saver.save(sess, sv.save_path, global_step=sv.global_step)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("events")) == [
        "checkpoint",
        "graph.pbtxt",
        "model.ckpt-3.data-00000-of-00001",
        "model.ckpt-3.index",
        "model.ckpt-3.meta",
    ]
    with tf.Graph().as_default():
        step, w, train_op = _model()
        sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0, save_summaries_secs=0)
        with sv.managed_session() as sess:
            assert sess.run([step, w]) == [3, 1.5]  # restored, not initialized


def test_defaults_come_from_the_graph_and_the_graph_is_finalized(tmp_path):
    step, w, _ = _model()
    scalar = tf.summary.scalar("w", w)
    sv = tf.train.Supervisor(logdir=str(tmp_path))
    assert sv.global_step is step and sv.is_chief and sv.logdir == str(tmp_path)
    assert sv.init_op is tf.get_collection(tf.GraphKeys.INIT_OP)[0]
    assert sv.ready_op is tf.get_collection(tf.GraphKeys.READY_OP)[0]
    assert sv.summary_op.op.inputs[0] is scalar and isinstance(sv.saver, tf.train.Saver)
    assert sv.save_model_secs == 600 and sv.save_path == str(tmp_path / "model.ckpt")
    assert sv.recovery_wait_secs == 30 and isinstance(sv.coord, tf.train.Coordinator)
    with pytest.raises(RuntimeError, match="finalized"):
        tf.constant(1.0)
    sv.stop()


def test_summary_computed_and_session_logs_reach_the_event_file(tmp_path):
    step, w, train_op = _model()
    tf.summary.scalar("w_value", w)
    sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0, save_summaries_secs=0)
    with sv.managed_session() as sess:
        sess.run(train_op)
        sv.summary_computed(sess, sess.run(sv.summary_op))
    events = _events(tmp_path)
    kinds = [e.WhichOneof("what") for e in events]
    assert kinds[0] == "file_version" and "graph_def" in kinds and "meta_graph_def" in kinds
    logs = [e.session_log.status for e in events if e.HasField("session_log")]
    assert logs == [messages.SessionLog.START, messages.SessionLog.STOP]
    (summary,) = [e for e in events if e.HasField("summary")]
    assert summary.step == 1 and summary.summary.value[0].tag == "w_value"
    assert summary.summary.value[0].simple_value == 0.5


def test_summary_computed_needs_a_writer():
    _model()
    sv = tf.train.Supervisor(logdir=None)
    with sv.managed_session() as sess:
        with pytest.raises(RuntimeError, match="requires a summary writer"):
            sv.summary_computed(sess, b"")


def test_timer_services_checkpoint_and_count_steps(tmp_path):
    step, w, train_op = _model()
    sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=3600, save_summaries_secs=3600)
    with sv.managed_session() as sess:
        # A LooperThread's first round runs at once: wait (bounded) for its checkpoint.
        deadline = time.monotonic() + WAIT_S
        while tf.train.latest_checkpoint(str(tmp_path)) is None:
            assert time.monotonic() < deadline, "no checkpoint from the saver thread"
            sv.coord.wait_for_stop(0.01)
        sess.run(train_op)
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-0")
    tags = {v.tag for e in _events(tmp_path) if e.HasField("summary") for v in e.summary.value}
    assert "global_step/sec" in tags


def test_an_exception_in_the_block_stops_and_is_raised_again_out_of_range_is_clean():
    _model()
    sv = tf.train.Supervisor(logdir=None)
    with pytest.raises(ValueError, match="boom"):
        with sv.managed_session():
            raise ValueError("boom")
    assert sv.should_stop()
    with sv.managed_session():
        raise tf.errors.OutOfRangeError(None, None, "input ran out")  # ends the block


def test_loop_and_queue_runners_run_on_the_coordinator():
    q = tf.FIFOQueue(4, tf.int32, shapes=[[]])
    counter = tf.Variable(0)
    tf.train.add_queue_runner(tf.train.QueueRunner(q, [q.enqueue(tf.assign_add(counter, 1))]))
    took = q.dequeue()
    sv = tf.train.Supervisor(logdir=None)
    called = threading.Event()
    with sv.managed_session() as sess:
        assert [int(sess.run(took)) for _ in range(3)] == [1, 2, 3]
        looper = sv.loop(3600, called.set)
        assert called.wait(WAIT_S)
    looper.join(WAIT_S)
    assert not looper.is_alive()


def test_only_the_chief_starts_standard_services_and_replicas_need_devices():
    with tf.device("/job:ps/task:0"):
        _model()
    sv = tf.train.Supervisor(is_chief=False, logdir=None)
    with pytest.raises(TypeError, match="Chief only"):
        sv.start_standard_services(None)
    with tf.Graph().as_default():
        tf.Variable(1.0)
        with pytest.raises(ValueError, match="all Variables must have their device set"):
            tf.train.Supervisor(is_chief=False)


@pytest.fixture
def ps_and_workers():
    spec, started = start_servers({"ps": 1, "worker": 2}, tf.train.Server)
    servers = [*started["ps"], *started["worker"]]
    yield spec, servers
    for s in servers:
        s.stop()


def _replica_graph(spec, task):
    graph = tf.Graph()
    with graph.as_default():
        setter = tf.train.replica_device_setter(
            worker_device=f"/job:worker/task:{task}", cluster=spec
        )
        with tf.device(setter):
            step = tf.train.get_or_create_global_step()
            w = tf.Variable(np.float32(1.0), name="w")
            train_op = tf.group(tf.assign_add(step, 1), tf.assign_add(w, 1.0))
    return graph, step, w, train_op


def test_between_graph_worker_waits_for_the_chief(ps_and_workers, tmp_path):
    spec, servers = ps_and_workers
    config = tf.ConfigProto(operation_timeout_in_ms=int(WAIT_S * 1000))
    seen = {}

    def worker():
        graph, step, w, train_op = _replica_graph(spec, 1)
        sv = tf.train.Supervisor(graph=graph, is_chief=False, recovery_wait_secs=0.05)
        with sv.managed_session(servers[2].target, config=config) as sess:
            seen["first"] = sess.run(w)  # initialized by the chief, never by this worker
            sess.run(train_op)

    t = threading.Thread(target=worker)
    t.start()
    graph, step, w, train_op = _replica_graph(spec, 0)
    sv = tf.train.Supervisor(graph=graph, is_chief=True, logdir=str(tmp_path), save_model_secs=0)
    with sv.managed_session(servers[1].target, config=config) as sess:
        t.join(WAIT_S)
        assert not t.is_alive()
        sess.run(train_op)
        assert sess.run(step) == 2 and sess.run(w) == 3.0
    assert seen["first"] in (1.0, 2.0)


TF_RECORD = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/supervisor/cases.json").read_text()
)


def test_a_chief_run_leaves_what_tensorflows_leaves(tmp_path):
    # Recorded from TensorFlow by tests/fixtures/tensorflow/record_supervisor.py.
    def model():
        step, w, train_op = _model()
        tf.summary.scalar("w_value", w)
        return step, w, train_op

    step, w, train_op = model()
    sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0, save_summaries_secs=0)
    defaults = {
        "save_model_secs": sv.save_model_secs,
        "save_summaries_secs": sv.save_summaries_secs,
        "is_chief": sv.is_chief,
        "ready_op_type": sv.ready_op.op.type,
        "init_op_type": sv.init_op.type,
        "summary_op_type": sv.summary_op.op.type,
        "save_path_tail": pathlib.Path(sv.save_path).name,
        "graph_finalized": tf.get_default_graph().finalized,
    }
    assert defaults == TF_RECORD["defaults"]
    with sv.managed_session() as sess:
        while not sv.should_stop() and sess.run(step) < 3:
            sess.run(train_op)
        sv.saver.save(sess, sv.save_path, global_step=sv.global_step)
        sv.summary_computed(sess, sess.run(sv.summary_op))
    files = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("events"))
    assert files == TF_RECORD["files"]
    evs = _events(tmp_path)
    assert [e.WhichOneof("what") for e in evs] == TF_RECORD["event_kinds"]
    assert [e.session_log.status for e in evs if e.HasField("session_log")] == TF_RECORD[
        "session_logs"
    ]
    summaries = [
        [e.step, [[v.tag, v.simple_value] for v in e.summary.value]]
        for e in evs
        if e.HasField("summary")
    ]
    assert summaries == TF_RECORD["summaries"]
    with tf.Graph().as_default():
        step, w, train_op = model()
        sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0, save_summaries_secs=0)
        with sv.managed_session() as sess:
            assert [int(sess.run(step)), float(sess.run(w))] == TF_RECORD["restored"]
