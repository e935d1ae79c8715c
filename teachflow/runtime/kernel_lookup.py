"""Finding a node's kernel for a device: the registry's constructor, or TensorFlow's error.

The local session and a worker running its partition both build each node's kernel once
per device type; when the op has none for that type (a node pinned to a device the placer
did not check, a graph received from elsewhere) they raise TensorFlow's message.

    >>> import teachflow as tf
    >>> from teachflow.runtime.devices import make_local_devices
    >>> cpu = make_local_devices(tf.ConfigProto())[0]
    >>> kernel_constructor(tf.constant(1.0).op, cpu) is not None
    True
"""

from __future__ import annotations

from teachflow.framework import errors


def kernel_constructor(op, device):
    """The function that builds ``op``'s kernel on ``device`` (called ``make(op, device)``).

    Raises `tf.errors.InvalidArgumentError` ("No OpKernel was registered to support Op
    ...") when the op has no kernel for the device's type."""
    kernels = op._op_def.kernels
    make = kernels.get(device.device_type)
    if make is None:
        registered = "\n".join(f"  device='{t}'" for t in sorted(kernels))
        raise errors.InvalidArgumentError(
            op.node_def,
            op,
            f"No OpKernel was registered to support Op '{op.type}' used by "
            f"{{{{node {op.name}}}}} on device {device.name}\nRegistered kernels:\n"
            f"{registered or '  <no registered kernels>'}",
        )
    return make
