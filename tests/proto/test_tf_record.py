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


def test_a_corrupted_record_is_an_error_at_its_bad_bytes_and_a_torn_one_ends_the_file():
    # TF 2.21's reader, checked on the same damage: a bad data CRC is reported at the data's
    # offset (the record's + 12), a bad length CRC at the record's (with a hint at offset 0),
    # and a torn last record (a file being written) just ends the records.
    raw = tf_record.frame(b"first") + tf_record.frame(b"second")
    damaged = bytearray(raw)
    damaged[len(tf_record.frame(b"first")) + 13] ^= 1  # a byte of "second"
    got = tf_record.records(bytes(damaged))
    assert next(got) == b"first"
    with pytest.raises(tf_record.RecordError, match="corrupted record at 33") as e:
        next(got)
    assert e.value.offset == 33
    header = bytearray(raw)
    header[9] ^= 1  # the first record's length CRC
    with pytest.raises(
        tf_record.RecordError, match=r"^corrupted record at 0 \(Is this even a TFRecord file\?\)$"
    ):
        list(tf_record.records(bytes(header)))
    assert list(tf_record.records(raw[:-3])) == [b"first"]
    assert list(tf_record.records(raw[:5])) == []
