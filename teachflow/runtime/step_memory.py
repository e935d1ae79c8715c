"""The memory books of one step on the reference loop: what each slot holds on its device.

Every output is allocated on its device when its step finishes and freed after its last
reader (a fetched value at the end of the step), as TF's allocators see a step. A device
with a memory limit raises `ResourceExhaustedError` at the node whose output crosses it,
with TF's message (and its list of live tensors when ``report_tensor_allocations_upon_oom``
is asked for).
"""

from __future__ import annotations

import time

from teachflow.framework import errors
from teachflow.runtime.memory import nbytes_of
from teachflow.runtime.plan import Transfer
from teachflow.runtime.resources import VariableState
from teachflow.trace.events import MemoryEvent


class StepMemory:
    """Bytes per slot for one run of ``plan``; ``emit`` receives allocation events when
    ``events`` is true (someone reads them)."""

    def __init__(self, plan, vals, step_id, emit, events):
        self.plan = plan
        self.vals = vals
        self.step_id = step_id
        self.emit = emit
        self.events = events
        self.remaining = plan.consumers.copy()  # readers still to come, per slot
        self.slot_bytes = [0] * plan.num_slots
        self.allocators = [d.allocator for d in plan.devices]

    def allocate(self, slot, value, node, forwarded_from) -> int:
        """Count ``value``'s bytes in ``slot`` on its device (raising past a limit); a value
        that is one of ``forwarded_from``'s slots (an identity, a variable's read) or lives
        in its kernel (a constant, a variable) costs nothing new."""
        if value is None or type(value) is VariableState or node in self.plan.persistent_nodes:
            return 0
        if forwarded_from:
            for s in forwarded_from:
                v = self.vals[s]
                if v is value or (type(v) is VariableState and v.value is value):
                    return 0
        nb = nbytes_of(value)
        if not nb:
            return 0
        dev_i = self.plan.slot_device[slot]
        alloc = self.allocators[dev_i]
        alloc.allocate(nb)
        self.slot_bytes[slot] = nb
        if self.events:
            self._emit(dev_i, alloc, nb, node)
        return nb

    def allocate_outputs(self, step, report_allocations=False) -> int:
        """The bytes of ``step``'s new outputs, counted on their devices; past a device's
        limit, TF's `ResourceExhaustedError` for the step's node."""
        # A transfer's output is a new buffer on the receiving device, even when both
        # devices share the host's memory (simulated GPUs).
        forwarded_from = None if type(step.op) is Transfer else step.ins
        out_bytes = 0
        for o in step.outputs:
            try:
                out_bytes += self.allocate(o, self.vals[o], step.op.name, forwarded_from)
            except errors.ResourceExhaustedError as e:
                device = self.plan.devices[self.plan.slot_device[o]]
                value = self.vals[step.outputs[0]]
                raise self.out_of_memory(e, step.op, device, value, report_allocations) from None
        return out_bytes

    def release(self, slot) -> None:
        """One reader of ``slot`` is done; after the last, its bytes are freed."""
        c = self.remaining[slot] - 1
        self.remaining[slot] = c
        if c == 0:
            self._free(slot)

    def free_all(self) -> None:
        """The step is over: what it still holds (fetched values, a failed step's) goes."""
        for s, nb in enumerate(self.slot_bytes):
            if nb:
                self._free(s)

    def _free(self, slot):
        nb = self.slot_bytes[slot]
        if nb:
            self.slot_bytes[slot] = 0
            dev_i = self.plan.slot_device[slot]
            alloc = self.allocators[dev_i]
            alloc.free(nb)
            if self.events:
                self._emit(dev_i, alloc, -nb, "")

    def _emit(self, dev_i, alloc, delta, node):
        self.emit(
            MemoryEvent(
                self.step_id,
                self.plan.devices[dev_i].name,
                alloc.name,
                time.perf_counter_ns(),
                delta,
                alloc.live_bytes,
                node,
            )
        )

    def out_of_memory(self, e, op, device, value, report_allocations) -> errors.OpError:
        """TF's OOM error for ``op``'s output ``value`` crossing ``device``'s limit."""
        shape = list(getattr(value, "shape", ()))
        dtype = getattr(getattr(value, "dtype", None), "name", "?")
        requested = getattr(e, "requested", 0)
        msg = (
            f"OOM when allocating tensor for {op.name} with shape{shape} and type {dtype} "
            f"on {device.name} by allocator {device.allocator.name}: requested {requested} "
            f"bytes, {getattr(e, 'in_use', 0)} bytes already in use, limit "
            f"{device.allocator.limit} bytes"
        )
        if report_allocations:
            dev_i = self.plan.devices.index(device)
            live = [
                f"  {self.slot_bytes[s]} bytes: {_slot_name(self.plan, s)}"
                for s in range(self.plan.num_slots)
                if self.slot_bytes[s] and self.plan.slot_device[s] == dev_i
            ]
            msg += "\nCurrent usage from device: " + device.name + "\n" + "\n".join(live)
        else:
            msg += (
                "\nHint: If you want to see a list of allocated tensors when OOM happens, add "
                "report_tensor_allocations_upon_oom to RunOptions for current allocation info."
            )
        return errors.ResourceExhaustedError(
            op.node_def, op, f"{msg}\n\t [[{{{{node {op.name}}}}} on {device.name}]]"
        )


def _slot_name(plan, slot):
    for step in plan.steps:
        if slot in step.outputs:
            return step.op.name
    return f"slot {slot}"
