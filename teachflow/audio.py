"""``tf.audio``: WAV files as tensors (re-exports of `teachflow.ops.audio_ops`).

>>> import teachflow as tf
>>> tf.audio.decode_wav(tf.constant(b"")).audio.op.type
'DecodeWav'
"""

from teachflow.ops.audio_ops import decode_wav, encode_wav

__all__ = ["decode_wav", "encode_wav"]
