"""``tf.summary.FileWriter``: TensorFlow's event files, read back by TensorBoard itself."""

from __future__ import annotations

import json
import pathlib
import re
import socket

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator

import teachflow as tf
from teachflow.proto import messages
from teachflow.runtime import step_stats
from teachflow.summary.event_file import read_records

FIXTURE = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/summaries/summaries.json"
TF_EVENT_FILE = json.loads(FIXTURE.read_text())["event_file"]
CPU0 = "/job:localhost/replica:0/task:0/cpu:0"


def event_files(logdir) -> list:
    return sorted(pathlib.Path(logdir).glob("events.out.tfevents.*"))


def events_of(path) -> list:
    return [messages.Event.FromString(r) for r in read_records(pathlib.Path(path).read_bytes())]


def accumulator(logdir):
    acc = event_accumulator.EventAccumulator(
        str(logdir), size_guidance={"scalars": 0, "histograms": 0}
    )
    acc.Reload()
    return acc


def test_event_file_records_are_tensorflows_but_for_wall_time(tmp_path):
    """The sequence record_summaries.py wrote with TensorFlow, written by teachflow."""
    with tf.Graph().as_default():
        s = tf.summary.scalar("loss", tf.constant(0.5))
        with tf.Session() as sess:
            summary = sess.run(s)
    writer = tf.summary.FileWriter(str(tmp_path), filename_suffix=".v1")
    writer.add_summary(summary, global_step=3)
    writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="b", simple_value=2.0)]), 4)
    writer.add_session_log(tf.SessionLog(status=tf.SessionLog.START), 5)
    run_metadata = tf.RunMetadata(
        step_stats=step_stats.StepStats(dev_stats=[step_stats.DeviceStepStats(device=CPU0)])
    )
    writer.add_run_metadata(run_metadata, "step1", global_step=6)
    writer.close()

    (path,) = event_files(tmp_path)
    seconds, host, suffix = TF_EVENT_FILE["file_name_pattern"].split(".")[3:]
    assert (len(seconds), host, suffix) == (10, "<host>", "v1")
    assert re.fullmatch(
        rf"events\.out\.tfevents\.\d{{10}}\.{re.escape(socket.gethostname())}\.v1", path.name
    )
    mine = events_of(path)
    assert mine[0].source_metadata.writer == "teachflow.summary.event_file"
    theirs = [
        messages.Event.FromString(bytes.fromhex(h))
        for h in TF_EVENT_FILE["events_without_wall_time"]
    ]
    assert theirs[0].source_metadata.writer == "tensorflow.core.util.events_writer"
    mine[0].source_metadata.writer = theirs[0].source_metadata.writer
    for event in mine:
        assert event.wall_time > 0
        event.wall_time = 0
    assert [e.SerializeToString() for e in mine] == [e.SerializeToString() for e in theirs]


def test_tensorboard_reads_graph_scalars_histograms_and_run_metadata(tmp_path):
    with tf.Graph().as_default() as graph:
        x = tf.placeholder(tf.float32, [None], name="x")
        w = tf.Variable([1.0, 2.0, 3.0], name="w")
        loss = tf.reduce_mean(tf.square(x * w), name="loss")
        tf.summary.scalar("loss", loss)
        tf.summary.histogram("w", w)
        merged = tf.summary.merge_all()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            with tf.summary.FileWriter(str(tmp_path), sess.graph) as writer:
                expected = []
                for step in range(4):
                    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
                    metadata = tf.RunMetadata()
                    feed = {x: np.full(3, float(step), np.float32)}
                    summary, value = sess.run(
                        [merged, loss], feed, options=options, run_metadata=metadata
                    )
                    writer.add_summary(summary, step)
                    expected.append((step, float(value)))
                    if step == 2:
                        writer.add_run_metadata(metadata, "step_2", step)
    acc = accumulator(tmp_path)
    tags = acc.Tags()
    assert tags["scalars"] == ["loss_1"]  # "loss" is the reduce_mean op's name
    # simple_value is a float32: the fetched float32 loss, exactly.
    assert [(e.step, e.value) for e in acc.Scalars("loss_1")] == expected
    assert tags["histograms"] == ["w_1"]
    assert [e.histogram_value.num for e in acc.Histograms("w_1")] == [3.0] * 4
    assert tags["graph"] and tags["meta_graph"]
    nodes = {n.name: n for n in acc.Graph().node}
    assert [n.name for n in acc.Graph().node] == [op.name for op in graph.get_operations()]
    assert nodes["loss"].op == "Mean"
    assert list(nodes["w/read"].input) == ["w"]
    assert nodes["w"].attr["dtype"].type == tf.float32.enum
    assert [d.size for d in nodes["x"].attr["_output_shapes"].list.shape[0].dim] == [-1]
    assert tags["run_metadata"] == ["step_2"]
    (device,) = acc.RunMetadata("step_2").step_stats.dev_stats
    ran = {n.node_name for n in device.node_stats}
    assert {"loss", "w/read", "Merge/MergeSummary"} <= ran


def test_text_metadata_is_kept_on_the_first_summary_of_a_tag_only(tmp_path):
    with tf.Graph().as_default():
        t = tf.summary.text("note", tf.constant("hi"))
        with tf.Session() as sess, tf.summary.FileWriter(str(tmp_path)) as writer:
            writer.add_summary(sess.run(t), 0)
            writer.add_summary(sess.run(t), 1)
    first, second = (e.summary.value[0] for e in events_of(event_files(tmp_path)[0])[1:])
    assert first.metadata.plugin_data.plugin_name == "text"
    assert not second.HasField("metadata")


def test_a_run_metadata_tag_is_used_once(tmp_path):
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        writer.add_run_metadata(tf.RunMetadata(), "a")
        with pytest.raises(ValueError, match="already used"):
            writer.add_run_metadata(tf.RunMetadata(), "a")


def test_flush_makes_pending_events_readable(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path), max_queue=1, flush_secs=3600)
    for step in range(20):  # more than max_queue: add_summary waits for the thread
        writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="v", simple_value=step)]), step)
    writer.flush()
    events = events_of(event_files(tmp_path)[0])
    assert [e.step for e in events[1:]] == list(range(20))
    writer.close()


def test_closed_writer_warns_and_reopen_starts_a_new_file(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path), filename_suffix=".a")
    assert writer.get_logdir() == str(tmp_path)
    first = writer.event_writer.filename
    writer.close()
    with pytest.warns(UserWarning, match="closed FileWriter"):
        writer.add_summary(tf.Summary(), 1)
    writer.reopen()
    writer.add_session_log(tf.SessionLog(status=tf.SessionLog.STOP), 2)
    writer.close()
    files = {str(p) for p in event_files(tmp_path)}
    assert first in files
    # Within one second the new file has the same name: the events are appended to it.
    all_events = [e for p in sorted(files) for e in events_of(p)]
    assert [e.file_version for e in all_events].count("brain.Event:2") == 2
    assert [e.session_log.status for e in all_events if e.HasField("session_log")] == [
        tf.SessionLog.STOP
    ]
    assert not any(e.step == 1 for e in all_events)


def test_writer_creates_the_logdir_and_rejects_a_non_graph(tmp_path):
    logdir = tmp_path / "a" / "b"
    with tf.summary.FileWriter(str(logdir)) as writer:
        with pytest.raises(TypeError, match="must be an instance of `Graph`"):
            writer.add_graph(42)
    assert len(event_files(logdir)) == 1


def test_a_tag_seen_without_metadata_gets_none_later_as_in_tensorflow(tmp_path):
    plain = tf.Summary(value=[tf.Summary.Value(tag="x", simple_value=1.0)])
    described = tf.Summary()
    described.value.add(tag="x", simple_value=2.0).metadata.display_name = "late"
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        writer.add_summary(plain, 0)
        writer.add_summary(described, 1)
    last = events_of(event_files(tmp_path)[0])[-1].summary.value[0]
    assert last.simple_value == 2.0
    assert not last.HasField("metadata")


def test_a_failed_write_is_raised_to_the_caller_and_closes_the_writer(tmp_path, monkeypatch):
    from teachflow.summary.event_file import EventsWriter

    writer = tf.summary.FileWriter(str(tmp_path))

    def disk_full(self, event):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(EventsWriter, "write_event", disk_full)
    writer.add_summary(tf.Summary(), 0)  # queued: the writer thread fails on it
    with pytest.raises(OSError, match="No space left"):
        writer.flush()
    assert not writer.event_writer._worker.is_alive()
    writer.add_summary(tf.Summary(), 1)  # a closed EventFileWriter drops events quietly


def test_a_writer_never_closed_still_writes_its_events_when_the_program_ends(tmp_path):
    import subprocess
    import sys

    script = (
        "import sys, teachflow as tf\n"
        "w = tf.summary.FileWriter(sys.argv[1], flush_secs=1000)\n"
        "for step in range(3):\n"
        "    w.add_summary(tf.Summary(value=[tf.Summary.Value(tag='a', simple_value=step)]), step)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=120)
    (events_file,) = tmp_path.glob("events.out.tfevents.*")
    events = list(tf.train.summary_iterator(str(events_file)))
    assert [(e.step, [v.simple_value for v in e.summary.value]) for e in events[1:]] == [
        (0, [0.0]),
        (1, [1.0]),
        (2, [2.0]),
    ]
