"""TFRecord framing: what the writer frames the reader gives back; damage is found."""

import pytest

from teachflow.proto import tf_record


def test_a_record_is_its_length_then_data_each_with_a_masked_crc():
    for data in (b"", b"x", bytes(range(256)) * 3):
        framed = tf_record.frame(data)
        assert len(framed) == 16 + len(data) and framed[12 : 12 + len(data)] == data
        assert framed[:8] == len(data).to_bytes(8, "little")


def test_records_come_back_in_order():
    raw = b"".join(tf_record.frame(d) for d in (b"a", b"", b"ccc"))
    assert list(tf_record.records(raw)) == [b"a", b"", b"ccc"]


def test_a_corrupted_or_torn_record_is_a_record_error_at_its_offset():
    raw = tf_record.frame(b"first") + tf_record.frame(b"second")
    damaged = bytearray(raw)
    damaged[len(tf_record.frame(b"first")) + 13] ^= 1  # a byte of "second"
    got = tf_record.records(bytes(damaged))
    assert next(got) == b"first"
    with pytest.raises(tf_record.RecordError, match="corrupted record at 21") as e:
        next(got)
    assert e.value.offset == 21
    with pytest.raises(tf_record.RecordError, match="truncated record at 21"):
        list(tf_record.records(raw[:-3]))
