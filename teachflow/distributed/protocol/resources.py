"""What a task holds, as ``ResourceInfo`` messages: its variables and queues.

State lives on the servers, in containers of the task's resource manager (see
``teachflow.runtime.resources``). ``GetStatus(include_resources=True)`` lists it, so a
client can show which task holds which variable and how full each queue is:

    >>> import teachflow as tf
    >>> from teachflow.runtime.resources import ResourceManager, VariableState
    >>> rm = ResourceManager()
    >>> v = rm.lookup_or_create("", "w", lambda: VariableState("w", tf.float32, tf.TensorShape([2])))
    >>> [(r.name, r.kind, r.dtype, r.shape, r.initialized) for r in resource_infos(rm, [])]
    [('w', 'Variable', 'float32', '(2,)', False)]
"""

from __future__ import annotations

from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.framework.dtypes import as_dtype
from teachflow.framework.shapes import TensorShape

__all__ = ["resource_infos"]


def resource_infos(resources, devices) -> list:
    """A ``ResourceInfo`` per resource in every container of ``resources``.

    ``devices``: the task's devices; a variable's device is the one whose allocator
    accounts for its value.
    """
    device_of = {id(d.allocator): d.name for d in devices if getattr(d, "allocator", None)}
    out = []
    for container in resources.containers():
        for name, r in sorted(resources.resources(container).items()):
            info = pb.ResourceInfo(container=container, name=name)
            if hasattr(r, "is_initialized"):
                _describe_variable(info, r, device_of)
            elif hasattr(r, "np_dtypes"):
                _describe_queue(info, r)
            else:
                info.kind = type(r).__name__
            out.append(info)
    return out


def _describe_variable(info, v, device_of) -> None:
    info.kind = "Variable"
    info.dtype = v.dtype.base_dtype.name
    info.shape = str(v.shape)
    info.device = device_of.get(id(v.allocator), "")
    info.initialized = v.is_initialized
    value = v.value
    info.bytes = int(getattr(value, "nbytes", 0)) if value is not None else 0


def _describe_queue(info, q) -> None:
    info.kind = q.kind
    info.dtype = ", ".join(as_dtype(d).name for d in q.np_dtypes)
    if q.shapes is not None:
        info.shape = ", ".join(str(TensorShape(list(s))) for s in q.shapes)
    info.size = q.size()
    info.capacity = -1 if q.capacity is None else q.capacity
    info.closed = q.closed
