"""Per-device memory accounting: what is allocated, the peak, the limit, and OOM.

Every tensor a kernel produces is *allocated* on its device when it is produced and *freed*
after its last consumer has run (or at the end of the step if it is fetched). Variables are
persistent: their bytes stay allocated between steps. A GPU's limit comes from its memory
and the session's ``GPUOptions``; without ``allow_growth`` the process reserves all of it at
once, as TensorFlow does.

    >>> from teachflow.runtime.memory import Allocator
    >>> a = Allocator("GPU_0_bfc", limit=1000)
    >>> a.allocate(600); a.free(600); a.allocate(900); (a.live_bytes, a.peak_bytes)
    (900, 900)
"""

from __future__ import annotations

import os
import threading

from teachflow.framework import errors


class Allocator:
    """Bytes in use on one device.

    ``limit`` is enforced at every step (a GPU's memory, or a host CPU limit asked for):
    outputs are counted as they are produced and the step fails where the count crosses
    it. ``capacity`` is what kernels whose output size depends on input values check
    before allocating (`teachflow.ops.allocation`); it is the limit when there is one,
    else a guard (a share of the host's memory) that costs the steps nothing."""

    def __init__(
        self,
        name: str,
        limit: int | None = None,
        allow_growth: bool = True,
        capacity: int | None = None,
    ):
        self.name = name
        self.limit = limit
        self.capacity = limit if limit is not None else capacity
        self.allow_growth = allow_growth
        self.live_bytes = 0
        self.peak_bytes = 0
        self.total_allocated = 0  # cumulative, for step stats
        self.persistent_bytes = 0  # variables and other state that outlives a step
        # Without allow_growth the whole limit is taken from the device up front.
        self.reserved_bytes = 0 if (allow_growth or limit is None) else limit
        self._lock = threading.Lock()

    def allocate(self, nbytes: int) -> None:
        """Account for ``nbytes``; raises ResourceExhaustedError (without a node) past the limit."""
        with self._lock:
            live = self.live_bytes + nbytes
            if self.limit is not None and live > self.limit:
                raise OutOfMemory(self, nbytes)
            self.live_bytes = live
            self.total_allocated += nbytes
            if live > self.peak_bytes:
                self.peak_bytes = live
            if live > self.reserved_bytes:
                self.reserved_bytes = live

    def free(self, nbytes: int) -> None:
        with self._lock:
            self.live_bytes -= nbytes

    def set_persistent(self, old_bytes: int, new_bytes: int) -> None:
        """A variable's storage changed size (assign): account for the difference."""
        delta = new_bytes - old_bytes
        if delta > 0:
            self.allocate(delta)
        elif delta < 0:
            self.free(-delta)
        with self._lock:
            self.persistent_bytes += delta

    def stats(self) -> dict:
        return {
            "allocator_name": self.name,
            "live_bytes": self.live_bytes,
            "peak_bytes": self.peak_bytes,
            "limit": self.limit,
            "reserved_bytes": self.reserved_bytes,
            "persistent_bytes": self.persistent_bytes,
        }

    def __repr__(self):
        limit = "unlimited" if self.limit is None else f"{self.limit} B"
        return f"<Allocator {self.name} live={self.live_bytes} B peak={self.peak_bytes} B limit={limit}>"


class OutOfMemory(errors.ResourceExhaustedError):
    """An allocation past the limit; the executor adds the node and tensor to the message."""

    def __init__(self, allocator, requested):
        self.allocator = allocator
        self.requested = requested
        self.in_use = allocator.live_bytes
        super().__init__(
            None,
            None,
            f"OOM when allocating {requested} bytes by allocator {allocator.name}: "
            f"{self.in_use} bytes in use, limit {allocator.limit} bytes",
        )


# The share of physical memory a host CPU device may hand out by default: TF's CPU
# allocator takes all of it; a class's shared machines leave room for the others.
HOST_MEMORY_FRACTION = 0.8
_UNITS = {"": 1, "B": 1, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4}


def physical_memory_bytes() -> int | None:
    """The host's physical memory, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def host_capacity() -> int | None:
    """The default guard for a host CPU device: a share of physical memory."""
    total = physical_memory_bytes()
    return None if total is None else int(total * HOST_MEMORY_FRACTION)


def parse_bytes(text) -> int:
    """``1024``, ``"2GB"``, ``"512MiB"``, ``"1.5G"`` -> bytes.

    >>> parse_bytes("2GiB"), parse_bytes("512MB"), parse_bytes(4096)
    (2147483648, 512000000, 4096)
    """
    if isinstance(text, (int, float)):
        n = int(text)
    else:
        s = str(text).strip().upper().replace(" ", "")
        binary = "IB" in s
        s = s.replace("IB", "").rstrip("B") if s[-1:] == "B" else s
        number = s.rstrip("KMGT")
        unit = s[len(number) :]
        scale = _UNITS.get(unit)
        if binary and unit:
            scale = 1024 ** ("KMGT".index(unit) + 1)
        try:
            n = int(float(number) * scale)
        except (TypeError, ValueError):
            raise ValueError(
                f"Cannot read a memory size from {text!r} (e.g. 2GiB, 512MB, 1024)"
            ) from None
    if n <= 0:
        raise ValueError(f"A memory limit must be positive, got {text!r}")
    return n


def nbytes_of(value) -> int:
    """Bytes a tensor value occupies (strings: the sum of their lengths, as TF counts)."""
    n = getattr(value, "nbytes", None)
    if n is None:
        return 0
    dtype = getattr(value, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", "") == "O":
        return sum(len(x) for x in value.reshape(-1)) if hasattr(value, "reshape") else 0
    return n
