"""Refusing an output before allocating it: the size check of value-shaped kernels.

Most kernels produce an output no larger than their inputs. Some do not: the size of a
``Fill``, ``Tile``, ``Range``, ``Pad`` or ``BroadcastTo`` output comes from the *values*
of its inputs, so a request of a few bytes can ask for terabytes, and a ``MatMul`` or a
``ConcatV2`` can be much larger than any one input. Such a kernel asks first, as
TensorFlow's allocator answers before any memory is touched:

* a shape whose element count does not fit in 63 bits is `InvalidArgumentError`
  ("Shape [...] would have more than 2**63 - 1 elements", TF's TensorShape check);
* an output larger than what its device has left (``allocator.capacity`` minus the bytes
  live on it) is `ResourceExhaustedError` with TF's words: "OOM when allocating tensor with
  shape[1000000,1000000] and type float on /job:.../device:CPU:0 by allocator cpu".

The device is the one the kernel was built for (kernels are written against the
``device`` they are given; ops never import the runtime).

    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> from teachflow.ops.allocation import check_output
    >>> cpu = SimpleNamespace(name="/device:CPU:0", allocator=SimpleNamespace(
    ...     name="cpu", capacity=1 << 20, live_bytes=0))
    >>> check_output(cpu, [256, 256], np.float32)  # 256 KiB: fits
    >>> check_output(cpu, [1024, 1024], np.float32)
    Traceback (most recent call last):
    ...
    teachflow.framework.errors.ResourceExhaustedError: OOM when allocating tensor with shape[1024,1024] and type float on /device:CPU:0 by allocator cpu
    4194304 bytes requested, 0 bytes in use, 1048576 bytes on the device (refused before allocating)
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import errors

_MAX_ELEMENTS = 2**63 - 1

# TensorFlow's DataTypeString spelling where it differs from the dtype's name.
_TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half", "object": "string"}


def check_output(device, dims, np_dtype, itemsize=None) -> None:
    """Raise before a kernel on ``device`` allocates an output of shape ``dims``.

    ``itemsize`` overrides the dtype's (a string tensor's bytes are not known up front: the
    check then counts pointers, 8 bytes each)."""
    dims = [int(d) for d in dims]
    n = math.prod(dims)
    if n > _MAX_ELEMENTS:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Shape [{','.join(map(str, dims))}] would have more than 2**63 - 1 elements",
        )
    allocator = getattr(device, "allocator", None)
    capacity = getattr(allocator, "capacity", None)
    if capacity is None:
        return
    dtype = np.dtype(np_dtype)
    nbytes = n * (itemsize if itemsize is not None else dtype.itemsize)
    if nbytes > capacity - allocator.live_bytes:
        raise errors.ResourceExhaustedError(
            None,
            None,
            f"OOM when allocating tensor with shape[{','.join(map(str, dims))}] and type "
            f"{_TF_TYPE_NAMES.get(dtype.name, dtype.name)} on {device.name} by allocator "
            f"{allocator.name}\n{nbytes} bytes requested, {allocator.live_bytes} bytes in use, "
            f"{capacity} bytes on the device (refused before allocating)",
        )
