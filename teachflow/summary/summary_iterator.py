"""Reading an event file back: ``tf.train.summary_iterator``, what TensorBoard does first.

Each record of the file (`teachflow.summary.event_file`) is one serialized ``Event``: the
``file_version`` event first, then the graph, the summaries with their steps, session logs.

    >>> import glob, tempfile
    >>> import teachflow as tf
    >>> logdir = tempfile.mkdtemp()
    >>> with tf.summary.FileWriter(logdir) as writer:
    ...     writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="x", simple_value=2)]), 7)
    >>> events = list(tf.train.summary_iterator(glob.glob(logdir + "/events.*")[0]))
    >>> events[0].file_version, events[1].step, events[1].summary.value[0].simple_value
    ('brain.Event:2', 7, 2.0)
"""

from __future__ import annotations

from collections.abc import Iterator

from teachflow.framework import errors
from teachflow.proto import messages, tf_record

__all__ = ["summary_iterator"]


def summary_iterator(path) -> Iterator[messages.Event]:
    """The ``Event`` protocol buffers of the event file ``path``, in the order written.

    Raises NotFoundError if the file does not exist and DataLossError (TF's error for a
    torn or corrupted record) when a record's length or CRC is wrong.
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    try:
        records = list(tf_record.records(raw))
    except tf_record.RecordError as e:
        raise errors.DataLossError(None, None, f"{e} of {path}") from None
    for record in records:
        yield messages.Event.FromString(record)
