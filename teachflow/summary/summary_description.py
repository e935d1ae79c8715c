"""``tf.summary.get_summary_description``: the ``SummaryDescription`` a TF1 ``TensorSummary``
node carries in its ``description`` attr (JSON of the message, e.g. a ``type_hint``).

Only the first-generation ``TensorSummary`` op has that attr; ``tf.summary.tensor_summary``
builds ``TensorSummaryV2`` in TensorFlow 1.x's later releases and here, which is
refused with TensorFlow's ValueError.

    >>> import teachflow as tf
    >>> node = tf.NodeDef(name="s", op="TensorSummary")
    >>> node.attr["description"].s = b'{"typeHint": "scalar"}'
    >>> tf.summary.get_summary_description(node).type_hint
    'scalar'
"""

from __future__ import annotations

from google.protobuf import json_format
from tensorboard.compat.proto.summary_pb2 import SummaryDescription

__all__ = ["SummaryDescription", "get_summary_description"]


def get_summary_description(node_def) -> SummaryDescription:
    """The ``SummaryDescription`` of a ``TensorSummary`` node's ``NodeDef``; ValueError for
    a node of any other op."""
    if node_def.op != "TensorSummary":
        raise ValueError(f"Can't get_summary_description on {node_def.op}")
    description = SummaryDescription()
    json_format.Parse(node_def.attr["description"].s.decode("utf-8"), description)
    return description
