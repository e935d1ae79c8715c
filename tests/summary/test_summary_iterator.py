"""tf.train.summary_iterator reads back what a FileWriter wrote, and TF's own files."""

import json
import pathlib

import pytest

import teachflow as tf
from teachflow.proto.tf_record import frame as frame_record


def _write(logdir):
    with tf.summary.FileWriter(str(logdir)) as writer:
        for step in (3, 5):
            value = tf.Summary.Value(tag="loss", simple_value=step / 2)
            writer.add_summary(tf.Summary(value=[value]), step)
    (path,) = pathlib.Path(logdir).glob("events.out.tfevents.*")
    return path


def test_events_come_back_in_the_order_written(tmp_path):
    events = list(tf.train.summary_iterator(str(_write(tmp_path))))
    assert events[0].file_version == "brain.Event:2"
    assert [(e.step, e.summary.value[0].simple_value) for e in events[1:]] == [(3, 1.5), (5, 2.5)]


def test_tensorflows_event_file_reads_back(tmp_path):
    fixture = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/summaries/summaries.json"
    path = tmp_path / "events.out.tfevents.0.tensorflow"
    path.write_bytes(bytes.fromhex(json.loads(fixture.read_text())["event_file"]["raw_hex"]))
    events = list(tf.train.summary_iterator(str(path)))
    assert events[0].file_version == "brain.Event:2"
    assert len(events) > 1


def test_a_torn_last_record_ends_the_events_as_in_tensorflow(tmp_path):
    # A file still being written: TF 2.21's iterator stops at its last whole record.
    path = _write(tmp_path)
    whole = list(tf.train.summary_iterator(str(path)))
    path.write_bytes(path.read_bytes() + frame_record(b"torn")[:-2])
    assert len(list(tf.train.summary_iterator(str(path)))) == len(whole)


def test_a_missing_file_is_not_found(tmp_path):
    with pytest.raises(tf.errors.NotFoundError, match="No such file"):
        list(tf.train.summary_iterator(str(tmp_path / "none")))
