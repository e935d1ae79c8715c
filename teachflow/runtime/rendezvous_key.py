"""The rendezvous key: how a ``_Send`` and its ``_Recv`` name the tensor they pass.

TensorFlow's ``Rendezvous::CreateKey``: ``send_device;incarnation;recv_device;tensor_name;
frame:iter``. The incarnation (a random number per device per process, written as 16 hex
digits) keeps a restarted task from receiving a tensor meant for its predecessor;
``frame:iter`` is ``0:0`` outside loops. The same key names a copy between two devices of
one process (runtime/plan.py) and a transfer between two tasks (distributed/send_recv.py).

    >>> make_key("/job:ps/replica:0/task:0/device:CPU:0", 1,
    ...          "/job:worker/replica:0/task:0/device:CPU:0", "w/read:0")
    '/job:ps/replica:0/task:0/device:CPU:0;0000000000000001;/job:worker/replica:0/task:0/device:CPU:0;w/read:0;0:0'
"""

from __future__ import annotations


def make_key(send_device: str, incarnation: int, recv_device: str, tensor_name: str) -> str:
    """The rendezvous key of ``tensor_name`` sent from ``send_device`` to ``recv_device``."""
    return f"{send_device};{incarnation:016x};{recv_device};{tensor_name};0:0"
