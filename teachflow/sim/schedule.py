"""The virtual clock: a step's work run on simulated lanes, deterministically.

A step is a list of work items (ops and transfers), each with a duration in virtual
nanoseconds, the items it waits for (its data inputs, its control inputs, the transfer
that brings an input over), and the *resource* it runs on: a GPU's compute stream, one of
its copy engines, the host CPU's inter-op pool, a network link. A resource has a number of
lanes (a GPU stream has one: TensorFlow runs a GPU's kernels in order on one stream; the
CPU has ``inter_op_parallelism_threads``).

The simulation is the executor's own rule, in virtual time: each item keeps a dependency
counter; when it reaches zero the item joins its resource's queue; a free lane takes the
item that became ready first, ties going to the earlier item in plan order. Nothing reads
a real clock, so the result is the same on every machine.

    >>> from teachflow.sim.schedule import WorkItem, schedule
    >>> items = [WorkItem("a", 10, "gpu"), WorkItem("b", 5, "gpu"), WorkItem("c", 1, "cpu", (0, 1))]
    >>> [(s.start_ns, s.end_ns) for s in schedule(items, {"gpu": 1, "cpu": 2})]
    [(0, 10), (10, 15), (15, 16)]
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

__all__ = ["Scheduled", "WorkItem", "schedule"]


@dataclass(frozen=True)
class WorkItem:
    """One op or transfer to run: ``preds`` are the indices of the items it waits for."""

    name: str
    duration_ns: int
    resource: str
    preds: tuple = ()


@dataclass(frozen=True)
class Scheduled:
    """When an item ran: ``ready_ns`` is when its last input arrived; it then waited
    ``start_ns - ready_ns`` for a free lane of its resource (``lane``: 0, 1, ...)."""

    ready_ns: int
    start_ns: int
    end_ns: int
    lane: int

    @property
    def queued_ns(self) -> int:
        return self.start_ns - self.ready_ns


def schedule(items, lanes) -> list:
    """A `Scheduled` per item of ``items`` (`WorkItem`s, in plan order); ``lanes`` maps
    each resource to its number of lanes. Raises ValueError if the items wait in a cycle."""
    n = len(items)
    pending = [len(it.preds) for it in items]
    succ = [[] for _ in range(n)]
    for j, it in enumerate(items):
        for p in it.preds:
            succ[p].append(j)
    queues = {r: [] for r in lanes}  # resource -> heap of (ready_ns, item index)
    free = {r: list(range(k)) for r, k in lanes.items()}  # resource -> heap of free lanes
    missing = sorted({it.resource for it in items} - set(lanes))
    if missing:
        raise ValueError(f"No lanes given for resources {missing}")
    result = [None] * n
    for j in range(n):
        if not pending[j]:
            heapq.heappush(queues[items[j].resource], (0, j))
    running = []  # heap of (end_ns, item index)
    now = 0
    while True:
        for r, q in queues.items():
            lanes_free = free[r]
            while q and lanes_free:
                ready, j = heapq.heappop(q)
                lane = heapq.heappop(lanes_free)
                end = now + items[j].duration_ns
                result[j] = Scheduled(ready, now, end, lane)
                heapq.heappush(running, (end, j))
        if not running:
            break
        # Everything that finishes at this instant finishes before anything new starts.
        now = running[0][0]
        while running and running[0][0] == now:
            _, j = heapq.heappop(running)
            heapq.heappush(free[items[j].resource], result[j].lane)
            for s in succ[j]:
                pending[s] -= 1
                if not pending[s]:
                    heapq.heappush(queues[items[s].resource], (now, s))
    stuck = [items[j].name for j in range(n) if result[j] is None]
    if stuck:
        raise ValueError(f"These items wait for each other in a cycle: {stuck[:10]}")
    return result
