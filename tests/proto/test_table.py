"""The table format of a checkpoint's .index: TensorFlow's file reads back and is rewritten
byte for byte; damage is found (magic, checksums)."""

import pathlib

import pytest

from teachflow.proto import table

INDEX = (
    pathlib.Path(__file__).resolve().parents[1]
    / "fixtures/tensorflow/formats/ckpt/model.ckpt-3.index"
)


def test_tensorflows_index_is_read_and_rewritten_byte_for_byte():
    raw = INDEX.read_bytes()
    rows = table.read_table(raw)
    assert [k for k, _ in rows] == [b"", b"b", b"global_step", b"w"]
    assert table.write_table(rows) == raw


def test_many_keys_use_restart_points_and_several_blocks():
    rows = [(f"layer_{i:04d}/kernel".encode(), bytes([i % 256]) * (i % 7)) for i in range(300)]
    small_blocks = table.write_table(rows, block_size=512)
    assert table.read_table(small_blocks) == rows
    assert table.read_table(table.write_table(rows)) == rows
    assert len(small_blocks) != len(table.write_table(rows))  # more index entries


def test_keys_must_increase():
    with pytest.raises(table.TableError, match="keys must increase"):
        table.write_table([(b"b", b""), (b"a", b"")])


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda raw: raw[:20], "too short to be an sstable"),
        (lambda raw: raw[:-1] + b"\0", "bad magic number"),
        (lambda raw: raw[:3] + bytes([raw[3] ^ 1]) + raw[4:], "checksum mismatch"),
    ],
)
def test_damage_is_found(damage, message):
    with pytest.raises(table.TableError, match=message):
        table.read_table(damage(INDEX.read_bytes()))
