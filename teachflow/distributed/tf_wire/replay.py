"""Send a recorded TensorFlow client's requests again, to any master.

``tests/fixtures/tensorflow/record_wire_master.py`` wrote down, byte for byte, what
TensorFlow's client sent its master (``NNN_Method.req.bin`` files and an ``index.json``
naming each call's method and client step). `replay_master_calls` sends those requests,
in order, to the ``tensorflow.MasterService`` at ``target`` — a teachflow server or a
TensorFlow one — with the one change a new master needs: the session handle it answers
replaces the recorded one.

    >>> import teachflow as tf
    >>> from teachflow.distributed.tf_wire.replay import replay_master_calls
    >>> from pathlib import Path
    >>> RECORDED = Path(tf.__file__).parents[1] / "tests/fixtures/tensorflow/wire/master"
    >>> from teachflow.distributed.ports import start_servers
    >>> spec, servers = start_servers(
    ...     {"ps": 1, "worker": 1}, lambda spec, job, i: tf.train.Server(spec, job, i))
    >>> calls = replay_master_calls(spec["worker"][0], RECORDED)
    >>> [c.method for c in calls[:3]]
    ['CreateSession', 'RunStep', 'RunStep']
    >>> calls[2].response == calls[2].recorded  # [b, c] -> [3.0, 3.0], TF's bytes
    True
    >>> for job in servers.values():
    ...     for s in job:
    ...         s.stop()
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from teachflow.distributed.tf_wire.methods import MASTER, stub
from teachflow.distributed.worker_client import make_channel

__all__ = ["ReplayedCall", "replay_master_calls"]

CALL_TIMEOUT_S = 60


@dataclass(slots=True)
class ReplayedCall:
    """One recorded call sent again: the client ``step`` that made it, the ``method``,
    the ``request`` sent, the ``recorded`` response and the ``response`` received
    (TensorFlow's messages)."""

    step: str
    method: str
    request: object
    recorded: object
    response: object


def replay_master_calls(target: str, directory) -> list:
    """Send every call recorded in ``directory`` to the master at ``target``
    (``grpc://host:port`` or ``host:port``); returns the `ReplayedCall` records in order.
    A call the master refuses raises its ``grpc.RpcError``."""
    directory = Path(directory)
    index = json.loads((directory / "index.json").read_text())
    address = target[len("grpc://") :] if target.startswith("grpc://") else target
    out, ours, theirs = [], None, None
    channel = make_channel(address)
    try:
        for call in index["calls"]:
            method = MASTER.methods[call["method"]]
            request = method.request.FromString((directory / call["request"]).read_bytes())
            recorded = method.response.FromString((directory / call["response"]).read_bytes())
            if call["method"] == "CreateSession":
                theirs = recorded.session_handle
            elif getattr(request, "session_handle", "") == theirs:
                request.session_handle = ours
            response = stub(channel, MASTER, call["method"])(request, timeout=CALL_TIMEOUT_S)
            if call["method"] == "CreateSession":
                ours = response.session_handle
            out.append(ReplayedCall(call["step"], call["method"], request, recorded, response))
    finally:
        channel.close()
    return out
