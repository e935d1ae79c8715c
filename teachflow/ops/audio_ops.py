"""``tf.audio.decode_wav`` and ``encode_wav``: 16-bit PCM WAV files as float32 samples, as
TensorFlow's ``DecodeWav``/``EncodeWav`` kernels read and write them (the speech-command
tutorials' input pipeline).

A sample is an int16 over 32768: ``[-1, 1)``. Encoding rounds ``x * 32768`` half away from
zero and clamps it to int16, so decoding gives back every value that is a multiple of
1/32768 in range.

    >>> import teachflow as tf
    >>> wav = tf.audio.encode_wav(tf.constant([[0.5], [-1.0]]), sample_rate=16000)
    >>> audio, rate = tf.audio.decode_wav(wav)
    >>> with tf.Session() as sess:
    ...     print(sess.run(audio).tolist(), sess.run(rate))
    [[0.5], [-1.0]] 16000
"""

from __future__ import annotations

import collections
import struct

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.reader_resources import as_bytes
from teachflow.ops.sliding_windows import shapes_text

__all__ = ["decode_wav", "encode_wav"]

DecodeWav = collections.namedtuple("DecodeWav", ["audio", "sample_rate"])


def _invalid(text):
    return errors.InvalidArgumentError(None, None, text)


class _Reader:
    """Reads a WAV file's fields in order, with TF's error for a file cut short."""

    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def take(self, n: int) -> bytes:
        if self.offset + n > len(self.data):
            raise _invalid("Data too short when trying to read string")
        out = self.data[self.offset : self.offset + n]
        self.offset += n
        return out

    def value(self, fmt: str):
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]

    def expect(self, token: bytes):
        found = self.take(4)
        if found != token:
            raise _invalid(
                f"Header mismatch: Expected {token.decode()} but found {found.decode('latin-1')}"
            )


def read_wav(data: bytes):
    """``(samples [n, channels] int16, sample rate)`` of a 16-bit PCM WAV file."""
    r = _Reader(data)
    r.expect(b"RIFF")
    r.value("I")  # the RIFF chunk's size: TF does not check it
    r.expect(b"WAVE")
    chunk = r.take(4)
    if chunk != b"fmt ":
        raise _invalid(f"Unexpected field {chunk.decode('latin-1')}")
    fmt_size = r.value("I")
    audio_format, channels, rate = r.value("H"), r.value("H"), r.value("I")
    bytes_per_second, block, bits = r.value("I"), r.value("H"), r.value("H")
    r.take(fmt_size - 16)
    if audio_format != 1:
        raise _invalid(f"Bad audio format for WAV: Expected 1 (PCM), but got{audio_format}")
    if channels < 1:
        raise _invalid(f"Bad number of channels for WAV: Expected at least 1, but got {channels}")
    if bits != 16:
        raise _invalid(f"Can only read 16-bit WAV files, but received {bits}")
    if block != channels * 2:
        raise _invalid(
            f"Bad bytes per sample in WAV header: Expected {channels * 2} but got {block}"
        )
    if bytes_per_second != rate * block:
        raise _invalid(
            f"Bad bytes per second in WAV header: Expected {rate * block} but got "
            f"{bytes_per_second} (sample_rate={rate}, bytes_per_sample={block})"
        )
    # The chunks that follow, until "data" (LIST and the like are skipped, unpadded as TF).
    while r.offset < len(data):
        chunk, size = r.take(4), r.value("I")
        if chunk == b"data":
            if size % block:
                raise _invalid("Data too short when trying to read string")
            samples = np.frombuffer(r.take(size), dtype="<i2")
            return samples.reshape(-1, channels), rate
        r.offset += size
    raise _invalid("No data chunk found in WAV")


def _decode_wav_kernel(op, device):
    desired_channels = op._attrs["desired_channels"]
    desired_samples = op._attrs["desired_samples"]

    def decode(contents):
        samples, rate = read_wav(as_bytes(contents))
        audio = samples.astype(np.float32) / np.float32(32768)
        if desired_channels > 0:  # fewer: the first ones; more: the last one repeated
            picks = np.minimum(np.arange(desired_channels), audio.shape[1] - 1)
            audio = audio[:, picks]
        if desired_samples >= 0:  # fewer: the first ones; more: zeros after them
            out = np.zeros((desired_samples, audio.shape[1]), np.float32)
            n = min(desired_samples, len(audio))
            out[:n] = audio[:n]
            audio = out
        return np.ascontiguousarray(audio), np.int32(rate)

    return decode


def _check_rank(op, index, rank):
    shape = op.inputs[index].shape
    if shape.ndims is not None and shape.ndims != rank:
        raise ValueError(
            f"Shape must be rank {rank} but is rank {shape.ndims} for '{op.name}' "
            f"(op: '{op.type}') with input shapes: "
            f"{shapes_text(*(t.shape for t in op.inputs))}."
        )


def _infer_decode_wav(op):
    _check_rank(op, 0, 0)
    channels, samples = op._attrs["desired_channels"], op._attrs["desired_samples"]
    dims = [samples if samples >= 0 else None, channels if channels > 0 else None]
    return [(dtypes.float32, TensorShape(dims)), (dtypes.int32, TensorShape([]))]


def _encode_wav_kernel(op, device):
    def encode(audio, sample_rate):
        audio = np.asarray(audio, dtype=np.float32)
        if audio.ndim != 2:
            raise _invalid("audio must be 2-dimensional[" + ",".join(map(str, audio.shape)) + "]")
        channels, rate = audio.shape[1], int(sample_rate)
        scaled = audio * np.float32(32768)
        rounded = np.sign(scaled) * np.floor(np.abs(scaled) + np.float32(0.5))  # std::round
        samples = np.clip(rounded, -32768, 32767).astype("<i2").tobytes()
        header = struct.pack(
            "<4sI4s4sIHHIIHH4sI",
            b"RIFF", 36 + len(samples), b"WAVE", b"fmt ", 16, 1, channels, rate,
            rate * channels * 2, channels * 2, 16, b"data", len(samples),
        )  # fmt: skip
        return header + samples

    return encode


def _infer_encode_wav(op):
    _check_rank(op, 0, 2)
    _check_rank(op, 1, 0)
    return [(dtypes.string, TensorShape([]))]


registry.register(
    "DecodeWav", _infer_decode_wav, kernels={"CPU": _decode_wav_kernel}, not_differentiable=True
)
registry.register(
    "EncodeWav", _infer_encode_wav, kernels={"CPU": _encode_wav_kernel}, not_differentiable=True
)


def decode_wav(contents, desired_channels=-1, desired_samples=-1, name=None):
    """``(audio [samples, channels] float32, sample_rate int32)`` of a 16-bit PCM WAV file
    (a string scalar). ``desired_channels`` keeps the first channels or repeats the last;
    ``desired_samples`` cuts the file or pads it with silence."""
    with name_scope(name, "DecodeWav") as scope:
        contents = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
        attrs = {"desired_channels": int(desired_channels), "desired_samples": int(desired_samples)}
        op = get_default_graph().create_op("DecodeWav", [contents], attrs, name=scope)
    return DecodeWav(*op.outputs)


def encode_wav(audio, sample_rate, name=None):
    """A 16-bit PCM WAV file (a string scalar) of ``audio`` ([samples, channels] float32 in
    [-1, 1], clamped) at ``sample_rate`` samples per second."""
    with name_scope(name, "EncodeWav") as scope:
        audio = convert_to_tensor(audio, name="audio")
        if audio.dtype.base_dtype is not dtypes.float32:
            raise TypeError(
                f"Input 'audio' of 'EncodeWav' Op has type {audio.dtype.base_dtype.name} that "
                "does not match expected type of float32."
            )
        rate = convert_to_tensor(sample_rate, dtype=dtypes.int32, name="sample_rate")
        op = get_default_graph().create_op("EncodeWav", [audio, rate], {}, name=scope)
    return op.outputs[0]
