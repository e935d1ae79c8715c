"""``Server.server_def``: TensorFlow's ``ServerDef`` (tensorflow_server.proto) as a record
that prints as TensorFlow prints the message, in protobuf text format.

TensorFlow's generated ``ServerDef`` class is not among the messages tensorboard ships, so
this record writes the same text by hand, field by field in the proto's order
(cluster = 1, job_name = 2, task_index = 3, default_session_config = 4, protocol = 5,
port = 6), leaving out fields at their default as proto3 does.

    >>> from teachflow.proto.server_def import ServerDef
    >>> print(ServerDef(cluster=None, job_name="worker", task_index=1))
    job_name: "worker"
    task_index: 1
    protocol: "grpc"
    <BLANKLINE>
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from google.protobuf import text_encoding

__all__ = ["ServerDef"]


def _message_text(message) -> str:
    """A message's text format, as ``str`` of a protobuf message gives it (map entries
    keep ``key: 0``, which ``text_format.MessageToString`` would drop); teachflow's records
    (ConfigProto) write the same text from their own ``__str__``."""
    return "" if message is None else str(message)


def _block(name: str, text: str) -> str:
    return f"{name} {{\n{textwrap.indent(text, '  ')}}}\n" if text else ""


def _string(name: str, value: str) -> str:
    return f'{name}: "{text_encoding.CEscape(value, as_utf8=True)}"\n' if value else ""


@dataclass(slots=True)
class ServerDef:
    """Which task of which cluster a server is, and how it talks."""

    cluster: object  # a ClusterDef message
    job_name: str = ""
    task_index: int = 0
    protocol: str = "grpc"
    default_session_config: object = None  # a tf.ConfigProto, or None
    port: int = 0

    def __str__(self) -> str:
        return "".join(
            [
                _block("cluster", _message_text(self.cluster)),
                _string("job_name", self.job_name),
                f"task_index: {self.task_index}\n" if self.task_index else "",
                _block("default_session_config", _message_text(self.default_session_config)),
                _string("protocol", self.protocol),
                f"port: {self.port}\n" if self.port else "",
            ]
        )

    # A protobuf message's repr is its text too: a notebook cell shows what print shows.
    __repr__ = __str__
