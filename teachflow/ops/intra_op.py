"""Intra-op parallelism: one kernel's work cut in chunks, run by the calling thread and a helper.

TensorFlow runs a big kernel (a matmul, Adam's update of a large variable) on its intra-op pool:
Eigen cuts the work in shards, the calling thread runs shards too, and the kernel returns when
all are done. teachflow does the same for the kernels that gain from it (`blas_threads.product`,
the optimizers' in-place updates), with numpy releasing the GIL inside each chunk:

- the calling thread never waits for a helper to *start*: both take chunks from one counter, so
  when no helper comes (every core busy with other programs), the caller runs every chunk and
  the kernel costs what it costs on one thread, plus a wake-up call;
- work is split only while a helper's wake-up is measured fast (`Helpers.worth`): on a busy
  machine a woken thread waits milliseconds for a core, and OpenBLAS's own threads, which spin
  while they wait, made a 50x784 by 784x300 product 8x slower there. One split per
  `PROBE_SECONDS` measures again, so a machine that becomes idle is noticed;
- and only where splitting was measured faster than not, per kind of work (`Choice`): a helper
  that wakes fast on a core shared with another program can still be preempted mid-chunk.

A session with ``intra_op_parallelism_threads`` set (lab 03) fixes BLAS threads instead and
nothing is split here (see `blas_threads`).

>>> import numpy as np
>>> out = np.zeros(8)
>>> def fill(i):
...     out[4 * i : 4 * i + 4] = i + 1
>>> run_chunks(fill, 2)
>>> out.tolist()
[1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque

# A helper's wake-up slower than this means no core is free: run every chunk on the caller.
BUSY_DELAY_NS = 150_000
# While wake-ups are judged slow, split once this often anyway to measure them again.
PROBE_SECONDS = 0.2


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Job:
    """One kernel's chunks: a counter both threads claim from, and who is still running one."""

    __slots__ = ("fn", "n", "next", "running", "error", "lock", "done", "submitted")

    def __init__(self, fn, n):
        self.fn, self.n = fn, n
        self.next = 0
        self.running = 0
        self.error = None
        self.lock = threading.Lock()
        self.done = threading.Condition(self.lock)
        self.submitted = time.perf_counter_ns()

    def work(self) -> None:
        """Run chunks until none is left (on any thread)."""
        while True:
            with self.lock:
                if self.next >= self.n or self.error is not None:
                    return
                i = self.next
                self.next += 1
                self.running += 1
            try:
                self.fn(i)
            except Exception as e:  # noqa: BLE001 - the caller raises it
                with self.lock:
                    self.error = self.error or e
            finally:
                with self.lock:
                    self.running -= 1
                    if not self.running:
                        self.done.notify_all()

    def wait(self) -> None:
        with self.lock:
            while self.running:
                self.done.wait()
        if self.error is not None:
            raise self.error


class Helpers:
    """The helper threads (one fewer than the cores) and what waking one costs now."""

    def __init__(self, count: int, clock=time.monotonic):
        self.count = count
        self.delay_ns = 50_000  # moving average of submit -> a helper starting on the job
        self._clock = clock
        self._probed = clock()
        self._jobs: deque = deque()
        self._ready = threading.Condition(threading.Lock())
        self._threads: list = []

    def worth(self) -> bool:
        """Whether to split now: helpers exist and wake fast, or it is time to measure again."""
        if not self.count:
            return False
        if self.delay_ns < BUSY_DELAY_NS:
            return True
        now = self._clock()
        if now - self._probed >= PROBE_SECONDS:
            self._probed = now
            return True
        return False

    def submit(self, job: _Job) -> None:
        with self._ready:
            if not self._threads:
                for k in range(self.count):
                    t = threading.Thread(target=self._loop, name=f"intra-op-{k}", daemon=True)
                    t.start()
                    self._threads.append(t)
            self._jobs.append(job)
            self._ready.notify()

    def _loop(self) -> None:
        while True:
            with self._ready:
                while not self._jobs:
                    self._ready.wait()
                job = self._jobs.popleft()
            delay = time.perf_counter_ns() - job.submitted
            self.delay_ns += (delay - self.delay_ns) // 4
            job.work()


_helpers = Helpers(max(0, _cores() - 1))


class Choice:
    """Whether splitting pays for one kind of work (a product's shapes), by measurement: the
    moving average time of each way, the faster one taken, the other tried again once per
    `EXPLORE_SECONDS`. Splitting loses when the helper's core is shared with another program
    even if it wakes fast (it is preempted mid-chunk and the caller waits), which a wake-up
    time alone does not show."""

    __slots__ = ("split_ns", "whole_ns", "_explored", "_clock")
    EXPLORE_SECONDS = 0.5

    def __init__(self, clock=time.monotonic):
        self.split_ns = self.whole_ns = None
        self._clock = clock
        self._explored = clock()

    def split(self) -> bool:
        if self.split_ns is None or self.whole_ns is None:
            return self.split_ns is None
        faster = self.split_ns < self.whole_ns
        now = self._clock()
        if now - self._explored >= self.EXPLORE_SECONDS:
            self._explored = now
            return not faster
        return faster

    def note(self, split: bool, ns: int) -> None:
        before = self.split_ns if split else self.whole_ns
        after = ns if before is None else before + (ns - before) // 4
        if split:
            self.split_ns = after
        else:
            self.whole_ns = after


_choices: dict = {}


def run_chunks(fn, n: int, key=None, whole=None, helpers: Helpers | None = None) -> None:
    """Call ``fn(i)`` for i in range(n), on this thread and, when it pays, a helper thread;
    when it does not, ``whole()`` (the same work in one piece) if given. Returns when every call
    has; an exception from any call is raised here. ``key`` names the kind of work (equal keys:
    equal work), so that whether splitting it pays is learned."""
    helpers = helpers or _helpers
    choice = _choices.get(key) if key is not None else None
    if choice is None and key is not None:
        choice = _choices.setdefault(key, Choice())
    split = n > 1 and (choice is None or choice.split()) and helpers.worth()
    start = time.perf_counter_ns()
    if split:
        job = _Job(fn, n)
        helpers.submit(job)
        job.work()
        job.wait()
    elif whole is not None:
        whole()
    else:
        for i in range(n):
            fn(i)
    if choice is not None:
        choice.note(split, time.perf_counter_ns() - start)


def bounds(size: int, n: int, i: int) -> tuple[int, int]:
    """The [start, stop) of chunk i of n nearly equal chunks of ``size``."""
    return size * i // n, size * (i + 1) // n
