"""``tf.summary`` (TF1): summary ops and the `FileWriter` that puts them in event files.

    >>> import tempfile
    >>> import teachflow as tf
    >>> tf.summary.scalar("lr", 0.1).op.type
    'ScalarSummary'
    >>> with tf.summary.FileWriter(tempfile.mkdtemp()) as writer:
    ...     writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="x", simple_value=1)]), 0)

``summary_ops`` builds the ops (in `teachflow.ops.summary_ops`), `writer` writes event files
(`event_file` holds the TFRecord framing), `writer_cache` shares one writer per directory.
"""

from teachflow.ops.summary_ops import (
    audio,
    histogram,
    image,
    merge,
    merge_all,
    scalar,
    tensor_summary,
    text,
)
from teachflow.proto.messages import Event, SessionLog, Summary, TaggedRunMetadata
from teachflow.summary.summary_description import SummaryDescription, get_summary_description
from teachflow.summary.writer import FileWriter
from teachflow.summary.writer_cache import FileWriterCache

__all__ = [
    "Event",
    "FileWriter",
    "FileWriterCache",
    "SessionLog",
    "Summary",
    "SummaryDescription",
    "TaggedRunMetadata",
    "audio",
    "get_summary_description",
    "histogram",
    "image",
    "merge",
    "merge_all",
    "scalar",
    "tensor_summary",
    "text",
]
