"""How many BLAS threads one matrix product uses: decided by measuring, product by product.

TensorFlow splits a product across its intra-op pool only when it is worth it, and its pool
threads spin briefly between kernels, so a training loop's many mid-size products use every
core of an idle machine. A BLAS library left to itself (the OpenBLAS that numpy ships) threads
every product above a small size across every core too, and on an idle 2-core machine that
makes a 50x784 by 784x300 product 1.6x faster. But its threads spin while they wait for each
other: on a busy laptop (a browser, a video call, the notebook's kernel) the same product takes
eight times longer on two threads than on one, and a training step ten or thirty times longer
than TensorFlow's.

Which way wins depends on the machine and on what else it runs at that moment, so with
``intra_op_parallelism_threads=0`` (the default) teachflow measures: each kind of product (its
shapes, layout and dtype) keeps the moving average time it took on one BLAS thread and on the
library's own count (`Measured`), runs the faster way, and tries the other again now and then
(`EXPLORE_SECONDS`, growing to `MAX_EXPLORE_SECONDS` while it keeps losing): a machine that
becomes busy is noticed at the next product, one that becomes idle again within seconds. Products of fewer than `SMALL_PRODUCT` multiply-adds stay
on one thread anyway (OpenBLAS's own threshold); from `BIG_PRODUCT` every core gains even on a
busy machine. A product that starts while another runs on another thread takes the setting it
finds, and neither it nor the one it runs beside is measured (the BLAS thread count is the
whole process's, and two products on one core each take twice as long).

A session configured with ``intra_op_parallelism_threads=n`` fixes n threads for every product
(TF's explicit setting, which lab 03 uses to show intra-op parallelism).

>>> import numpy as np
>>> a = np.ones((64, 512), np.float32)
>>> float(product(np.matmul, a, a.T)[0, 0])
512.0
"""

from __future__ import annotations

import threading
import time

# Multiply-adds from which a product gains from several threads even on a busy machine.
BIG_PRODUCT = 1 << 27
# Below this OpenBLAS keeps a product on one thread by itself (its GEMM multithreading
# threshold): nothing to decide.
SMALL_PRODUCT = 1 << 18
# How soon the slower way of a kind of product is tried again, and how long that wait grows
# while retries keep confirming the choice.
EXPLORE_SECONDS = 0.5
MAX_EXPLORE_SECONDS = 8.0
# What retries may cost, all kinds of product together: this share of the time, from a
# reserve of at most RETRY_RESERVE_NS (see `RetryBudget`).
RETRY_SHARE = 0.02
RETRY_RESERVE_NS = 20_000_000

_lock = threading.Lock()
_fixed = None  # intra_op_parallelism_threads of the last session that set one, else None
_blas = None  # threadpoolctl's controllers of the loaded BLAS libraries
_default = {}  # controller -> its thread count before teachflow changed it
_running = 0  # products running now (on any thread)
_started = 0  # products started so far: one that another started beside is not measured
_current = None  # the thread count set while they run (None: each library's default)
_measured: dict = {}  # kind of product -> Measured
_budget = None  # the RetryBudget of every kind of product
_seconds = time.monotonic  # the clock of retries
_nanoseconds = time.perf_counter_ns  # the clock of products


class RetryBudget:
    """How much time retries may still lose: it grows by `RETRY_SHARE` of the time that passes,
    up to `RETRY_RESERVE_NS`, and each retry spends what it took beyond the faster way's
    average. On a busy machine a retry on every core costs milliseconds and a CNN step has
    eight kinds of product, so without a budget their retries alone cost a tenth of the time.

    >>> budget = RetryBudget(clock=iter([0.0, 0.0, 0.0, 0.25, 1.0]).__next__)
    >>> budget.allows(); budget.spend(30_000_000); budget.allows()  # 20 ms reserve, 30 spent
    True
    False
    >>> budget.allows(), budget.allows()  # 20 ms back a second: -5 ms at 0.25 s, +10 at 1 s
    (False, True)
    """

    __slots__ = ("ns", "_clock", "_at")

    def __init__(self, clock=None):
        self._clock = clock or (lambda: _seconds())
        self.ns = RETRY_RESERVE_NS
        self._at = self._clock()

    def allows(self) -> bool:
        now = self._clock()
        self.ns = min(RETRY_RESERVE_NS, self.ns + int((now - self._at) * RETRY_SHARE * 1e9))
        self._at = now
        return self.ns > 0

    def spend(self, ns: int) -> None:
        self.ns -= max(ns, 0)


class Measured:
    """One kind of product's moving average time on one thread and on ``many``, and which way
    to run it next: the faster, except that now and then the slower is tried again (its
    average may be stale: the machine was busy then, or idle). A new kind runs once each way
    first. The retry comes `EXPLORE_SECONDS` after the last; each retry that confirms the
    choice doubles that wait (up to `MAX_EXPLORE_SECONDS`: on a busy machine a retry on
    every core costs milliseconds), and one that overturns it brings it back. With a
    ``budget`` (`RetryBudget`), a retry also waits until the budget allows it.

    >>> m = Measured(many=2, clock=iter([0.0, 0.1, 0.6, 1.2, 1.7]).__next__)
    >>> m.threads(); m.note(1, 300_000); m.threads(); m.note(2, 180_000)
    1
    2
    >>> m.threads(), m.threads()  # at 0.1 s the faster; at 0.6 s the other again
    (2, 1)
    >>> m.note(1, 400_000)  # slower still: the next retry waits a second, not half
    >>> m.threads(), m.threads()  # at 1.2 s not yet; at 1.7 s
    (2, 1)
    """

    __slots__ = ("many", "ns", "budget", "_clock", "_explored", "_wait", "_probe")

    def __init__(self, many: int, clock=None, budget: RetryBudget | None = None):
        self.many = many
        self.budget = budget
        self.ns = {}  # threads -> moving average nanoseconds
        self._clock = clock or _seconds
        self._explored = self._clock()
        self._wait = EXPLORE_SECONDS
        self._probe = None  # the way being tried again, until its time is noted

    def threads(self) -> int:
        if 1 not in self.ns:
            return 1
        if self.many not in self.ns:
            return self.many
        best, other = self._ranked()
        now = self._clock()
        due = self._probe is None and now - self._explored >= self._wait
        if due and (self.budget is None or self.budget.allows()):
            self._explored, self._probe = now, other
            return other
        return best

    def note(self, threads: int, ns: int) -> None:
        before = self.ns.get(threads)
        if threads == self._probe:  # a retry: its old average is stale, this time replaces it
            self._probe = None
            if self.budget is not None:
                self.budget.spend(ns - self.ns[self._ranked()[0]])
            self.ns[threads] = ns
            kept = self._ranked()[0] != threads
            self._wait = min(self._wait * 2, MAX_EXPLORE_SECONDS) if kept else EXPLORE_SECONDS
        else:
            self.ns[threads] = ns if before is None else before + (ns - before) // 4

    def abandon(self, threads: int) -> None:
        """A run that cannot be measured (another product ran beside it): a retry is due
        again at its next run."""
        if threads == self._probe:
            self._probe = None
            self._explored -= self._wait

    def _ranked(self):
        one, many = self.ns[1], self.ns[self.many]
        return (1, self.many) if one <= many else (self.many, 1)


def _controllers():
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController().select(user_api="blas").lib_controllers
        for c in _blas:
            _default[c] = c.num_threads
    return _blas


def _set_threads(n) -> None:
    """Every BLAS library to n threads (None: back to its own default); under ``_lock``."""
    global _current
    if n != _current:
        for c in _controllers():
            c.set_num_threads(_default[c] if n is None else n)
        _current = n


def set_intra_op_threads(n: int) -> None:
    """A session's ``intra_op_parallelism_threads``: n > 0 fixes it, 0 measures per product."""
    global _fixed, _current
    with _lock:
        _fixed = n if n and n > 0 else None
        for c in _controllers():
            c.set_num_threads(_fixed or _default[c])
        _current = None


def product(matmul, x, y):
    """``matmul(x, y)`` on as many BLAS threads as measured best for its kind (numpy arrays)."""
    macs = x.size * y.shape[-1]
    if _fixed is not None or not SMALL_PRODUCT <= macs < BIG_PRODUCT:
        return matmul(x, y)
    global _running, _started, _budget
    key = (x.shape, y.shape, x.strides, y.strides, x.dtype, y.dtype)
    with _lock:
        many = max((_default[c] for c in _controllers()), default=1)
        measured = None
        if not _running and many > 1:
            measured = _measured.get(key)
            if measured is None:
                _budget = _budget or RetryBudget()
                measured = _measured[key] = Measured(many, budget=_budget)
            threads = measured.threads()
            _set_threads(None if threads == many else threads)
        elif not _running:
            _set_threads(None)
        _running += 1
        _started += 1
        mine = _started
    start = _nanoseconds()
    try:
        return matmul(x, y)
    finally:
        elapsed = _nanoseconds() - start
        with _lock:
            _running -= 1
            if measured is not None and _started == mine:  # no other product ran beside it
                measured.note(threads, elapsed)
            elif measured is not None:
                measured.abandon(threads)
            if not _running:
                _set_threads(None)
