"""TFRecord framing and CRC-32C, against published vectors and TensorFlow's own file."""

from __future__ import annotations

import json
import pathlib
import struct

import pytest

from teachflow.proto import crc32c as crc32c_
from teachflow.proto import messages
from teachflow.proto.tf_record import frame as frame_record
from teachflow.summary.event_file import EventsWriter, read_records


def crc32c(data):
    return crc32c_.value(data)


def masked_crc32c(data):
    return crc32c_.mask(crc32c_.value(data))


FIXTURE = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/summaries/summaries.json"
TF_FILE = bytes.fromhex(json.loads(FIXTURE.read_text())["event_file"]["raw_hex"])


@pytest.mark.parametrize(
    ("data", "crc"),
    [
        (b"", 0x00000000),
        (b"123456789", 0xE3069283),  # the CRC-32C check value
        (bytes(32), 0x8A9136AA),  # RFC 3720 (iSCSI) B.4 test vectors
        (b"\xff" * 32, 0x62A8AB43),
        (bytes(range(32)), 0x46DD794E),
    ],
)
def test_crc32c_matches_published_vectors(data, crc):
    assert crc32c(data) == crc


def test_mask_rotates_right_by_15_and_adds_the_constant():
    crc = crc32c(b"abc")
    rotated = ((crc >> 15) | (crc << 17)) & 0xFFFFFFFF
    assert masked_crc32c(b"abc") == (rotated + 0xA282EAD8) & 0xFFFFFFFF


def test_records_framed_here_are_tensorflows_bytes():
    records = read_records(TF_FILE)
    assert len(records) == 5
    assert b"".join(frame_record(r) for r in records) == TF_FILE


def test_a_record_is_length_crc_data_crc():
    framed = frame_record(b"hello")
    assert struct.unpack("<Q", framed[:8]) == (5,)
    assert struct.unpack("<I", framed[8:12]) == (masked_crc32c(framed[:8]),)
    assert framed[12:17] == b"hello"
    assert struct.unpack("<I", framed[17:]) == (masked_crc32c(b"hello"),)


def test_a_corrupted_or_truncated_record_is_detected():
    framed = bytearray(frame_record(b"hello"))
    framed[13] ^= 1
    with pytest.raises(ValueError, match="corrupted record at 12"):
        read_records(bytes(framed))
    # A torn last record (a file still being written) ends the records, as in TF 2.
    assert read_records(frame_record(b"hi") + frame_record(b"hello")[:-2]) == [b"hi"]


def test_events_writer_starts_each_file_with_the_file_version(tmp_path):
    writer = EventsWriter(str(tmp_path / "events"), ".suffix")
    writer.write_event(messages.Event(step=7))
    writer.close()
    name = pathlib.Path(writer.filename).name
    assert name.startswith("events.out.tfevents.")
    assert name.endswith(".suffix")
    seconds = name.split(".")[3]
    assert len(seconds) == 10 and seconds.isdigit()
    first, second = (
        messages.Event.FromString(r)
        for r in read_records(pathlib.Path(writer.filename).read_bytes())
    )
    assert first.file_version == "brain.Event:2"
    assert first.wall_time > 0
    assert second.step == 7


def test_a_deleted_event_file_is_started_again(tmp_path):
    logdir = tmp_path / "logs"
    logdir.mkdir()
    writer = EventsWriter(str(logdir / "events"))
    writer.write_event(messages.Event(step=1))
    pathlib.Path(writer.filename).unlink()
    logdir.rmdir()
    writer.write_event(messages.Event(step=2))
    writer.close()
    events = [
        messages.Event.FromString(r)
        for r in read_records(pathlib.Path(writer.filename).read_bytes())
    ]
    assert [e.file_version for e in events] == ["brain.Event:2", ""]
    assert events[1].step == 2
