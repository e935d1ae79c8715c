"""``tensorflow.python.client.device_lib``: the devices a local session would have, as TF1
programs check for GPUs (``device_lib.list_local_devices()``).

Each is a ``DeviceAttributes`` message, printed as TensorFlow prints it; with a ``ConfigProto``
the list is that config's (``simulated_gpus``, ``device_count``, memory limits).

    >>> from teachflow.python.client import device_lib
    >>> cpu = device_lib.list_local_devices()[0]
    >>> cpu.name, cpu.device_type, cpu.xla_global_id
    ('/device:CPU:0', 'CPU', -1)
"""

from __future__ import annotations

from teachflow.proto.tf_wire import device_attributes_pb2
from teachflow.runtime.devices import make_local_devices

__all__ = ["list_local_devices"]


def list_local_devices(session_config=None) -> list:
    """The local devices as ``DeviceAttributes`` protos: name (``/device:CPU:0``), type,
    memory limit, locality, incarnation and description."""
    out = []
    for device in make_local_devices(session_config, task_name=""):
        attrs = device.attributes()
        message = device_attributes_pb2.DeviceAttributes(
            name=attrs.name,
            device_type=attrs.device_type,
            memory_limit=attrs.memory_limit_bytes,
            incarnation=attrs.incarnation,
            physical_device_desc=attrs.physical_device_desc,
            xla_global_id=-1,
        )
        message.locality.SetInParent()
        out.append(message)
    return out
