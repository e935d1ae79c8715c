"""A variable's storage: what a TF1 *ref* tensor points at.

A ``VariableV2`` kernel creates one in its device's resource manager the first time a step
runs it (``lookup_or_create``), so the value outlives the step, the graph and the client;
``Assign`` writes into it in place and ``v/read`` reads it. The kernels act on it; the
runtime only keeps it (teachflow/runtime/resources.py).

    >>> v = VariableState("v", None, ())
    >>> v.is_initialized
    False
    >>> v.write(3.0)
    >>> float(v.read())
    3.0
"""

from __future__ import annotations

import threading

import numpy as np

from teachflow.framework import errors


class VariableState:
    """The storage behind one ``VariableV2`` op: what a *ref* tensor points at."""

    __slots__ = ("name", "dtype", "shape", "value", "lock", "allocator", "_bytes", "_buffer")

    def __init__(self, name, dtype, shape, allocator=None):
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.value = None
        self.lock = threading.Lock()
        self.allocator = allocator  # the memory of the device that holds the variable
        self._bytes = 0
        self._buffer = None  # (writable buffer, the read-only view handed out) once owned

    def assign(self, value) -> None:
        """Store ``value``; its bytes stay allocated on the device between steps."""
        if self.allocator is not None:
            nb = getattr(value, "nbytes", 0)
            if nb != self._bytes:
                self.allocator.set_persistent(self._bytes, nb)
                self._bytes = nb
        self.value = value

    def writable(self):
        """The variable's own buffer, for an update kernel to write into in place (as TF's
        ``Apply*`` kernels do), or None while the variable does not own one."""
        owned = self._buffer
        if owned is not None and self.value is owned[1]:
            return owned[0]
        return None

    def write(self, value) -> None:
        """Store ``value`` *in place*, as TF1's ``Assign`` writes into a ref variable's
        buffer: a read taken earlier in the step (``v/read``, which aliases the buffer in
        TensorFlow) sees the new value, so ``v + 1`` built under
        ``control_dependencies([v.assign(5.0)])`` gives 6.

        The variable owns its buffer (the first write copies ``value``) and hands out a
        read-only view of it, so kernels cannot write into it and a fetch copies it."""
        owned = self._buffer
        if (
            owned is not None
            and self.value is owned[1]
            and getattr(value, "shape", ()) == owned[0].shape
            and getattr(value, "dtype", None) == owned[0].dtype
        ):
            owned[0][...] = value
            return
        buffer = value.copy() if hasattr(value, "copy") else value
        if isinstance(buffer, np.generic):
            buffer = np.array(buffer)
        view = buffer
        if isinstance(buffer, np.ndarray):
            view = buffer.view()
            view.flags.writeable = False
        self._buffer = (buffer, view) if hasattr(buffer, "shape") else None
        self.assign(view)

    def read(self):
        v = self.value
        if v is None:
            raise errors.FailedPreconditionError(
                None, None, f"Attempting to use uninitialized value {self.name}"
            )
        return v

    @property
    def is_initialized(self) -> bool:
        return self.value is not None

    def __repr__(self):
        state = "uninitialized" if self.value is None else f"value={self.value!r}"
        return f"<VariableState {self.name} {state}>"
