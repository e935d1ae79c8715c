"""Summary ops: ``tf.summary.scalar``, ``histogram``, ``image``, ``audio``, ``text``,
``tensor_summary``, ``merge`` and ``merge_all``.

A summary op is an ordinary graph op whose output is a scalar ``string`` tensor holding a
serialized ``Summary`` protocol buffer: one ``Summary.Value`` per tag, with a
``simple_value``, a ``HistogramProto``, a PNG image, a WAV clip or a tensor. Running it
costs nothing unless it is fetched; a `FileWriter` then writes the bytes into an event file
for TensorBoard. ``merge_all`` gathers the ``GraphKeys.SUMMARIES`` collection into one
``MergeSummary`` op, so one fetch gives every summary of the step.

    >>> import teachflow as tf
    >>> with tf.Graph().as_default():
    ...     loss = tf.summary.scalar("loss", tf.constant(0.5))
    ...     merged = tf.summary.merge_all()
    ...     with tf.Session() as sess:
    ...         summary = tf.Summary.FromString(sess.run(merged))
    >>> loss.op.type, merged.op.name
    ('ScalarSummary', 'Merge/MergeSummary')
    >>> summary.value[0].tag, summary.value[0].simple_value
    ('loss', 0.5)

Op types, attributes, tags and bytes are TensorFlow's (``tf.compat.v1.summary`` in graph
mode); the tests compare them with recorded TensorFlow output.
"""

from __future__ import annotations

import contextlib
import logging
import re

import numpy as np
from google.protobuf.message import DecodeError

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import add_to_collection, get_collection, name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops import histogram as histogram_lib
from teachflow.ops.media_encoding import encode_png, encode_wav
from teachflow.proto import messages

__all__ = [
    "audio",
    "histogram",
    "image",
    "merge",
    "merge_all",
    "scalar",
    "tensor_summary",
    "text",
]

_log = logging.getLogger(__name__)

# The dtypes each op takes, in the order TensorFlow's "allowed values" messages list them.
_REAL_TYPES = "float32, float64, int32, uint8, int16, int8, int64, bfloat16, uint16, float16, "
_REAL_TYPES += "uint32, uint64"
_IMAGE_TYPES = "uint8, float32, float16, float64"
_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w\.]")
_BAD_COLOR = np.array([255, 0, 0, 255], dtype=np.uint8)


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def _check_dtype(tensor, param, allowed: str):
    if tensor.dtype.base_dtype.name not in allowed.split(", "):
        raise TypeError(
            f"Value passed to parameter '{param}' has DataType {tensor.dtype.base_dtype.name} "
            f"not in list of allowed values: {allowed}"
        )


def _text(value) -> str:
    """A string tensor's (first) value as text: kernels get bytes or object arrays."""
    if isinstance(value, np.ndarray):
        value = value.reshape(-1)[0] if value.size else b""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _shape_text(shape) -> str:
    """A shape as TensorFlow's ``TensorShape::DebugString`` writes it: ``[2,3]``."""
    return "[" + ",".join(str(d) for d in shape) + "]"


def _summary_output(summary: messages.Summary):
    return np.array(summary.SerializeToString(), dtype=object)


def _string_scalar(op):
    return [(dtypes.string, TensorShape([]))]


def _register(op_type, kernel):
    # CPU only, as in TensorFlow: a summary is bytes for the host, never a device tensor.
    registry.register(op_type, _string_scalar, kernels={"CPU": kernel}, not_differentiable=True)


# -- kernels ---------------------------------------------------------------------------------
def _scalar_kernel(op, device):
    def scalar_summary(tags, values):
        tags, values = np.asarray(tags, dtype=object), np.asarray(values)
        if tags.shape != values.shape:
            single = f" (tag '{_text(tags)}')" if tags.size == 1 else ""
            raise _invalid(
                f"tags and values are not the same shape: {_shape_text(tags.shape)} != "
                f"{_shape_text(values.shape)}{single}"
            )
        summary = messages.Summary()
        for tag, value in zip(tags.reshape(-1), values.reshape(-1)):
            summary.value.add(tag=_text(tag), simple_value=float(value))
        return _summary_output(summary)

    return scalar_summary


def _histogram_kernel(op, device):
    def histogram_summary(tag, values):
        x = np.asarray(values, dtype=np.float64)
        if np.isnan(x).any():
            raise _invalid(f"Nan in summary histogram for: {op.name}")
        if np.isinf(x).any():
            raise _invalid(f"Infinity in Histogram for: {op.name}")
        summary = messages.Summary()
        summary.value.add(tag=_text(tag), histo=histogram_lib.histogram_proto(x))
        return _summary_output(summary)

    return histogram_summary


def _normalize_image(image, bad_color):
    """A float image as uint8: ``ImageSummaryOp::NormalizeFloatImage``.

    All-non-negative images are scaled so their maximum is 255; others so the largest
    magnitude is 127 around 128. Pixels with a non-finite channel get ``bad_color``.
    """
    compute = np.float64 if image.dtype == np.float64 else np.float32
    pixels = image.astype(compute).reshape(-1, image.shape[-1])
    finite = np.isfinite(pixels).all(axis=1)
    good = pixels[finite]
    low = good.min() if good.size else compute(np.inf)
    high = good.max() if good.size else compute(-np.inf)
    if low < 0:
        biggest = max(abs(low), abs(high))
        scale = compute(0.0 if biggest < 1e-6 else compute(127.0) / compute(biggest))
        offset = compute(128.0)
    else:
        scale = compute(0.0 if high < 1e-6 else compute(255.0) / compute(high))
        offset = compute(0.0)
    out = np.empty(pixels.shape, dtype=np.uint8)
    # C++'s cast to uint8 truncates toward zero.
    out[finite] = (pixels[finite] * scale + offset).astype(np.uint8)
    out[~finite] = bad_color[: pixels.shape[1]]
    return out.reshape(image.shape)


def _image_kernel(op, device):
    max_images = op._attrs["max_images"]
    bad_color = np.asarray(op._attrs["bad_color"], dtype=np.uint8).reshape(-1)

    def image_summary(tag, tensor):
        tensor = np.asarray(tensor)
        if np.ndim(tag) != 0:
            raise _invalid("Tags must be a scalar")
        if tensor.ndim != 4 or tensor.shape[3] not in (1, 3, 4):
            raise _invalid(
                f"Tensor must be 4-D with last dim 1, 3, or 4, not {_shape_text(tensor.shape)}"
            )
        if tensor.dtype != np.uint8 and bad_color.size < tensor.shape[3]:
            raise _invalid(
                f"expected depth <= bad_color.size, got depth = {tensor.shape[3]}, "
                f"bad_color.size = {bad_color.size}"
            )
        base = _text(tag)
        batch, height, width, depth = tensor.shape
        summary = messages.Summary()
        for i in range(min(max_images, batch)):
            image = tensor[i]
            if image.dtype != np.uint8:
                image = _normalize_image(image, bad_color)
            # The tag depends on how many images were asked for, not how many there are.
            suffix = f"/image/{i}" if max_images > 1 else "/image"
            value = summary.value.add(tag=base + suffix)
            value.image.height, value.image.width, value.image.colorspace = height, width, depth
            value.image.encoded_image_string = encode_png(image)
        return _summary_output(summary)

    return image_summary


def _audio_kernel(op, device):
    max_outputs = op._attrs["max_outputs"]

    def audio_summary(tag, tensor, sample_rate):
        tensor = np.asarray(tensor, dtype=np.float32)
        if np.ndim(tag) != 0:
            raise _invalid("Tag must be a scalar")
        if tensor.ndim not in (2, 3):
            raise _invalid(f"Tensor must be 3-D or 2-D, got: {_shape_text(tensor.shape)}")
        if np.size(sample_rate) != 1 or np.ndim(sample_rate) != 0:
            raise _invalid("sample_rate must be rank-0 or contain a single value")
        rate = float(np.float32(sample_rate))
        if not rate > 0.0:
            raise _invalid("sample_rate must be > 0")
        clips = tensor if tensor.ndim == 3 else tensor[..., np.newaxis]
        base = _text(tag)
        summary = messages.Summary()
        for i in range(min(max_outputs, clips.shape[0])):
            value = summary.value.add(tag=base + (f"/audio/{i}" if max_outputs > 1 else "/audio"))
            a = value.audio
            a.sample_rate, a.num_channels, a.length_frames = rate, clips.shape[2], clips.shape[1]
            a.content_type = "audio/wav"
            # lrintf: the WAV header holds a whole number of samples per second.
            a.encoded_audio_string = encode_wav(clips[i], max(int(np.rint(rate)), 1))
        return _summary_output(summary)

    return audio_summary


def tensor_proto(value, dtype) -> messages.TensorProto:
    """A value as TensorFlow's ``TensorProto``: strings one by one, numbers as raw bytes."""
    arr = np.asarray(value, dtype=object if dtype is dtypes.string else dtype.as_numpy_dtype)
    proto = messages.TensorProto(dtype=dtype.enum)
    proto.tensor_shape.SetInParent()  # a scalar's shape is written, empty
    for d in arr.shape:
        proto.tensor_shape.dim.add(size=d)
    if dtype is dtypes.string:
        proto.string_val.extend(s if isinstance(s, bytes) else str(s).encode() for s in arr.flat)
    else:
        proto.tensor_content = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
    return proto


def _tensor_summary_kernel(op, device):
    dtype = op._attrs["T"]

    def tensor_summary_v2(tag, tensor, serialized_summary_metadata):
        summary = messages.Summary()
        value = summary.value.add(tag=_text(tag))
        value.tensor.CopyFrom(tensor_proto(tensor, dtype))
        metadata = np.asarray(serialized_summary_metadata, dtype=object)[()]
        value.metadata.ParseFromString(metadata if isinstance(metadata, bytes) else b"")
        return _summary_output(summary)

    return tensor_summary_v2


def _merge_kernel(op, device):
    def merge_summary(*inputs):
        merged = messages.Summary()
        tags = set()
        for tensor in inputs:
            for serialized in np.asarray(tensor, dtype=object).reshape(-1):
                part = messages.Summary()
                try:
                    part.ParseFromString(bytes(serialized))
                except DecodeError:
                    raise _invalid("Could not parse one of the summary inputs") from None
                for value in part.value:
                    # An empty tag (TensorSummary's) may repeat; a named one may not.
                    if value.tag and value.tag in tags:
                        raise _invalid(f"Duplicate tag {value.tag} found in summary inputs ")
                    tags.add(value.tag)
                    merged.value.add().CopyFrom(value)
        return _summary_output(merged)

    return merge_summary


_register("ScalarSummary", _scalar_kernel)
_register("HistogramSummary", _histogram_kernel)
_register("ImageSummary", _image_kernel)
_register("AudioSummaryV2", _audio_kernel)
_register("TensorSummaryV2", _tensor_summary_kernel)
_register("MergeSummary", _merge_kernel)


# -- building them -----------------------------------------------------------------------
def _clean_tag(name):
    """TensorFlow's ``summary_op_util.clean_tag``: illegal characters become ``_``."""
    if name is not None:
        new_name = _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")
        if new_name != name:
            _log.info("Summary name %s is illegal; using %s instead.", name, new_name)
            name = new_name
    return name


@contextlib.contextmanager
def _summary_scope(name, family=None, default_name=None, values=None):
    """Yields ``(tag, scope)``; a family prefixes both, so TensorBoard shows it as a tab."""
    name, family = _clean_tag(name), _clean_tag(family)
    base = name if family is None else f"{family}/{name}"
    with name_scope(base, default_name, values) as scope:
        tag = scope.rstrip("/") if family is None else f"{family}/{scope.rstrip('/')}"
        yield tag, scope


def _collect(value, collections, default_collections):
    for key in default_collections if collections is None else collections:
        add_to_collection(key, value)


def _create(op_type, inputs, attrs, scope):
    return get_default_graph().create_op(op_type, inputs, attrs, name=scope).outputs[0]


def _tag_tensor(tag, arg_name):
    return convert_to_tensor(tag, dtype=dtypes.string, name=arg_name)


def scalar(name, tensor, collections=None, family=None) -> Tensor:
    """A ``Summary`` with one ``simple_value``: the scalar ``tensor``, tagged ``name``.

    >>> import teachflow as tf
    >>> s = tf.summary.scalar("accuracy", 0.75, family="eval")
    >>> s.op.name, s.op.type
    ('eval/accuracy', 'ScalarSummary')
    """
    with _summary_scope(name, family, values=[tensor]) as (tag, scope):
        tags = _tag_tensor(tag, "tags")
        values = convert_to_tensor(tensor, name="values")
        _check_dtype(values, "values", _REAL_TYPES)
        val = _create("ScalarSummary", [tags, values], {"T": values.dtype.base_dtype}, scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def histogram(name, values, collections=None, family=None) -> Tensor:
    """A ``Summary`` with the ``HistogramProto`` of ``values`` (any shape, finite).

    NaN or infinity fails the run with InvalidArgumentError ("Nan in summary histogram").

    >>> import teachflow as tf
    >>> h = tf.summary.histogram("weights", tf.constant([0.5, 1.0, 1.0]))
    >>> with tf.Session() as sess:
    ...     histo = tf.Summary.FromString(sess.run(h)).value[0].histo
    >>> histo.num, histo.max
    (3.0, 1.0)
    """
    with _summary_scope(name, family, "HistogramSummary", [values]) as (tag, scope):
        tag_t = _tag_tensor(tag, "tag")
        values = convert_to_tensor(values, name="values")
        _check_dtype(values, "values", _REAL_TYPES)
        attrs = {"T": values.dtype.base_dtype}
        val = _create("HistogramSummary", [tag_t, values], attrs, scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def image(name, tensor, max_outputs=3, collections=None, family=None) -> Tensor:
    """A ``Summary`` with up to ``max_outputs`` PNG images of a ``[batch, h, w, c]`` tensor.

    ``c`` is 1 (grey), 3 (RGB) or 4 (RGBA). uint8 images are written as they are; float
    images are rescaled per image (non-negative: max -> 255; else 0 -> 128, largest
    magnitude -> 127 away). Tags are ``name/image/0``, ``name/image/1``... or ``name/image``
    when ``max_outputs`` is 1.

    >>> import teachflow as tf
    >>> im = tf.summary.image("digits", tf.zeros([2, 8, 8, 1]), max_outputs=1)
    >>> with tf.Session() as sess:
    ...     value = tf.Summary.FromString(sess.run(im)).value[0]
    >>> value.tag, value.image.height, value.image.colorspace
    ('digits/image', 8, 1)
    """
    with _summary_scope(name, family, values=[tensor]) as (tag, scope):
        tag_t = _tag_tensor(tag, "tag")
        tensor = convert_to_tensor(tensor, name="tensor")
        _check_dtype(tensor, "tensor", _IMAGE_TYPES)
        attrs = {
            "max_images": int(max_outputs),
            "T": tensor.dtype.base_dtype,
            "bad_color": _BAD_COLOR.copy(),
        }
        val = _create("ImageSummary", [tag_t, tensor], attrs, scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None) -> Tensor:
    """A ``Summary`` with up to ``max_outputs`` WAV clips of a float ``[batch, frames]`` or
    ``[batch, frames, channels]`` tensor with values in [-1, 1].

    >>> import teachflow as tf
    >>> a = tf.summary.audio("beep", tf.zeros([1, 80]), 8000, max_outputs=1)
    >>> with tf.Session() as sess:
    ...     value = tf.Summary.FromString(sess.run(a)).value[0]
    >>> value.tag, value.audio.length_frames, value.audio.content_type
    ('beep/audio', 80, 'audio/wav')
    """
    with _summary_scope(name, family, values=[tensor]) as (tag, scope):
        rate = convert_to_tensor(sample_rate, dtype=dtypes.float32, name="sample_rate")
        tag_t = _tag_tensor(tag, "tag")
        tensor = convert_to_tensor(tensor, dtype=dtypes.float32, name="tensor")
        attrs = {"max_outputs": int(max_outputs)}
        val = _create("AudioSummaryV2", [tag_t, tensor, rate], attrs, scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def tensor_summary(
    name,
    tensor,
    summary_description=None,
    collections=None,
    summary_metadata=None,
    family=None,
    display_name=None,
) -> Tensor:
    """A ``Summary`` holding the whole ``tensor`` as a ``TensorProto`` (plugins read these).

    >>> import teachflow as tf
    >>> t = tf.summary.tensor_summary("t", [[1.0, 2.0]])
    >>> with tf.Session() as sess:
    ...     value = tf.Summary.FromString(sess.run(t)).value[0]
    >>> value.tag, [d.size for d in value.tensor.tensor_shape.dim]
    ('t', [1, 2])
    """
    metadata = messages.SummaryMetadata()
    if summary_metadata is not None:
        metadata.CopyFrom(summary_metadata)
    if summary_description is not None:
        metadata.summary_description = summary_description
    if display_name is not None:
        metadata.display_name = display_name
    with _summary_scope(name, family, values=[tensor]) as (tag, scope):
        tag_t = _tag_tensor(tag, "tag")
        tensor = convert_to_tensor(tensor, name="tensor")
        serialized = convert_to_tensor(
            metadata.SerializeToString(), dtype=dtypes.string, name="serialized_summary_metadata"
        )
        attrs = {"T": tensor.dtype.base_dtype}
        val = _create("TensorSummaryV2", [tag_t, tensor, serialized], attrs, scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def text(name, tensor, collections=None) -> Tensor:
    """A string tensor as a text summary (TensorBoard's Text tab renders it as Markdown).

    >>> import teachflow as tf
    >>> t = tf.summary.text("notes", tf.constant("**lr** = 0.1"))
    >>> t.op.type
    'TensorSummaryV2'
    """
    if not isinstance(tensor, Tensor):
        tensor = convert_to_tensor(tensor)
    if tensor.dtype != dtypes.string:
        raise ValueError(f"Expected tensor {tensor.name} to have dtype string, got {tensor.dtype}")
    metadata = messages.SummaryMetadata(
        plugin_data=messages.SummaryMetadata.PluginData(plugin_name="text")
    )
    return tensor_summary(name, tensor, summary_metadata=metadata, collections=collections)


def merge(inputs, collections=None, name=None) -> Tensor:
    """One ``Summary`` with the values of all ``inputs`` (InvalidArgumentError on a repeated
    tag when run). The op is ``Merge/MergeSummary``, or ``name/name`` when named.

    >>> import teachflow as tf
    >>> a, b = tf.summary.scalar("a", 1.0), tf.summary.scalar("b", 2.0)
    >>> with tf.Session() as sess:
    ...     summary = tf.Summary.FromString(sess.run(tf.summary.merge([a, b])))
    >>> [v.tag for v in summary.value]
    ['a', 'b']
    """
    name = _clean_tag(name)
    inputs = list(inputs)
    with name_scope(name, "Merge", inputs):
        tensors = [convert_to_tensor(t, dtype=dtypes.string) for t in inputs]
        op_name = name if name is not None else "MergeSummary"
        val = _create("MergeSummary", tensors, {"N": len(tensors)}, op_name)
        _collect(val, collections, [])
    return val


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """``merge`` of every summary in collection ``key`` (whose names match ``scope``), or
    None when there is none.

    >>> import teachflow as tf
    >>> with tf.Graph().as_default():
    ...     print(tf.summary.merge_all())
    None
    """
    summary_ops = get_collection(key, scope=scope)
    if not summary_ops:
        return None
    return merge(summary_ops, name=name)
