"""The ``_Send`` and ``_Recv`` ops that a partitioned graph uses at a cut edge.

Both read the running step (id, rendezvous, peers) from `rendezvous.current_step`, which
the worker sets around each step. ``_Recv`` blocks, so it runs off the scheduling thread.
"""

from __future__ import annotations

import time

from teachflow.distributed.rendezvous import current_step
from teachflow.framework import dtypes, registry
from teachflow.framework.device_spec import DeviceSpec
from teachflow.framework.inference import no_outputs
from teachflow.framework.shapes import TensorShape
from teachflow.runtime.rendezvous_key import make_key


def _key(op):
    a = op._attrs
    # The attr is an int64; a TensorFlow device's incarnation is a uint64 with the same
    # bits, and the key spells it unsigned, as TF's Rendezvous::CreateKey does.
    incarnation = a["send_device_incarnation"] & _UINT64
    return make_key(a["send_device"], incarnation, a["recv_device"], a["tensor_name"])


_UINT64 = (1 << 64) - 1


def _task_of(device_name: str) -> str:
    d = DeviceSpec.from_string(device_name)
    return f"/job:{d.job}/replica:{d.replica or 0}/task:{d.task}"


def _send_kernel(op, device):
    key = _key(op)

    def send(value):
        frame = current_step.get()
        frame.rendezvous.send(frame.step_id, key, value)

    return send


def _recv_kernel(op, device):
    key = _key(op)
    src_task = _task_of(op._attrs["send_device"])
    own_task = _task_of(device.name)
    # Numeric tensors come as raw bytes on the side channel; strings through gRPC.
    bulk = op._attrs["T"] is not dtypes.string
    # A client-terminated receive (TensorFlow's feed into a partition) finds its value in
    # this task's rendezvous, where the RunGraph that carried it left it.
    local = src_task == own_task or bool(op._attrs.get("client_terminated"))

    def recv():
        frame = current_step.get()
        timeout = None if frame.deadline is None else max(frame.deadline - time.monotonic(), 0.001)
        if local:
            return frame.rendezvous.recv(frame.step_id, key, timeout)
        peer = frame.peers(src_task)
        if bulk:
            return peer.recv_tensor_bulk(frame.step_id, key, timeout)
        return peer.recv_tensor(frame.step_id, key, timeout)

    return recv


def _infer_recv(op):
    return [(op._attrs["T"], TensorShape(op._attrs.get("shape")))]


registry.register("_Send", no_outputs, _send_kernel, stateful=True, not_differentiable=True)
# A receive waits for another task: never run it inline on the scheduling thread.
registry.register(
    "_Recv",
    _infer_recv,
    _recv_kernel,
    stateful=True,
    cheap=False,
    blocking=True,
    not_differentiable=True,
)

# TF's master sends host-memory tensors (a cond's bool pred, int32 shapes) with _HostSend and
# _HostRecv: the same rendezvous keys and wire, so the same kernels.
registry.register("_HostSend", no_outputs, _send_kernel, stateful=True, not_differentiable=True)
registry.register(
    "_HostRecv",
    _infer_recv,
    _recv_kernel,
    stateful=True,
    cheap=False,
    blocking=True,
    not_differentiable=True,
)
