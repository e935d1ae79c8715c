"""BLAS threads per product: measured per kind of product, unless the session fixes a number."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from teachflow.ops import blas_threads
from tests.float_tolerance import assert_matmul_close


def blas_threads_now(x=None, y=None):
    """A stand-in for matmul that reports the BLAS thread count it would run with."""
    return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


@pytest.fixture(autouse=True)
def adaptive(monkeypatch):
    blas_threads.set_intra_op_threads(0)
    blas_threads._measured.clear()
    monkeypatch.setattr(blas_threads, "_budget", None)
    yield
    blas_threads.set_intra_op_threads(0)
    blas_threads._measured.clear()


def operands(macs, k=64):
    """x, y whose product has about ``macs`` multiply-adds (shape only matters)."""
    return np.empty((max(1, macs // (k * 64)), k)), np.empty((k, 64))


class Machine:
    """Fake clocks and a fake product whose time depends on its BLAS threads: ``cost[n]``
    nanoseconds on n threads. ``product()`` returns the thread count it ran on."""

    def __init__(self, monkeypatch, cost):
        self.cost, self.ns, self.seconds = cost, 0, 0.0
        monkeypatch.setattr(blas_threads, "_nanoseconds", lambda: self.ns)
        monkeypatch.setattr(blas_threads, "_seconds", lambda: self.seconds)

    def matmul(self, x, y):
        n = blas_threads_now()
        self.ns += self.cost[n]
        return n

    def product(self, x, y, seconds_later=0.01):
        self.seconds += seconds_later
        return blas_threads.product(self.matmul, x, y)


many = blas_threads_now()
needs_cores = pytest.mark.skipif(many < 2, reason="the BLAS library runs one thread here")


@needs_cores
def test_a_product_runs_the_way_measured_faster_and_follows_the_machine(monkeypatch):
    machine = Machine(monkeypatch, {1: 300_000, many: 180_000})  # idle: every core gains
    x, y = operands(blas_threads.SMALL_PRODUCT * 4)
    assert [machine.product(x, y) for _ in range(4)] == [1, many, many, many]
    assert blas_threads_now() == many  # the library's default is back between products
    machine.cost[many] = 2_400_000  # other programs take the cores: spinning threads crawl
    assert [machine.product(x, y) for _ in range(3)] == [many, 1, 1]
    machine.cost[many] = 150_000  # idle again: a retry, half a second on, notices
    runs = [machine.product(x, y, seconds_later=0.1) for _ in range(8)]
    assert runs[:4] == [1, 1, 1, 1] and runs[4:] == [many, many, many, many]


@needs_cores
def test_retries_that_keep_losing_come_less_often(monkeypatch):
    machine = Machine(monkeypatch, {1: 300_000, many: 3_000_000})  # a busy machine
    x, y = operands(blas_threads.SMALL_PRODUCT * 4)
    runs = [machine.product(x, y, seconds_later=0.125) for _ in range(200)]  # 25 s of steps
    retries = [i for i, n in enumerate(runs) if n == many][1:]  # after the first try
    # Waits of 0.5, 1, 2, 4, 8, 8 s: six retries in 25 s rather than fifty.
    assert retries == [4, 12, 28, 60, 124, 188]


@needs_cores
def test_retries_together_cost_at_most_their_share_of_the_time(monkeypatch):
    # Every core busy and many kinds of product: a retry on every core costs 100 ms here.
    machine = Machine(monkeypatch, {1: 300_000, many: 100_000_000})
    kinds = [operands(blas_threads.SMALL_PRODUCT * 4, k=k) for k in range(16, 128, 8)]
    runs = [machine.product(*kind, seconds_later=0.01) for _ in range(200) for kind in kinds]
    assert machine.seconds == pytest.approx(28.0)
    retries = runs.count(many) - len(kinds)  # beyond each kind's first try
    retry = 100_000_000 - 300_000  # what one costs beyond the faster way
    share = blas_threads.RETRY_RESERVE_NS + 28.0 * blas_threads.RETRY_SHARE * 1e9
    assert 0 < retries * retry <= share + retry  # the last one allowed may overdraw
    # Without the budget, each kind's own waits (0.5, 1, 2, 4, 8 s...) allow more than four
    # times as many.
    assert retries * 4 < len(kinds) * 6


@needs_cores
def test_each_kind_of_product_is_measured_on_its_own(monkeypatch):
    machine = Machine(monkeypatch, {1: 300_000, many: 180_000})
    a = operands(blas_threads.SMALL_PRODUCT * 4)
    b = operands(blas_threads.SMALL_PRODUCT * 4, k=32)
    assert [machine.product(*a) for _ in range(3)] == [1, many, many]
    assert machine.product(*b) == 1  # a new kind starts with its own first try
    x_t = np.empty(a[0].shape[::-1]).T  # a's shapes, another layout (a transposed view)
    assert machine.product(x_t, a[1]) == 1


@needs_cores
def test_products_side_by_side_share_a_setting_and_neither_is_measured(monkeypatch):
    machine = Machine(monkeypatch, {1: 300_000, many: 180_000})
    outer, inner = operands(blas_threads.SMALL_PRODUCT * 4), operands(1 << 20, k=128)
    seen = []

    def nested(x, y):  # another thread's product starting while this one runs
        seen.append(blas_threads.product(machine.matmul, *inner))
        return machine.matmul(x, y)

    assert blas_threads.product(nested, *outer) == 1
    assert seen == [1]
    assert [m.ns for m in blas_threads._measured.values()] == [{}]  # the outer's: no time
    assert machine.product(*outer) == 1  # so its first try is still to come
    assert machine.product(*outer) == many


@pytest.mark.parametrize("macs", [1024, blas_threads.BIG_PRODUCT * 2])
def test_small_and_big_products_keep_the_librarys_own_setting(macs):
    default = blas_threads_now()
    x, y = operands(macs)
    assert blas_threads.product(blas_threads_now, x, y) == default
    assert not blas_threads._measured


def test_a_session_setting_fixes_the_threads_of_every_product():
    blas_threads.set_intra_op_threads(1)
    for macs in (blas_threads.SMALL_PRODUCT * 4, blas_threads.BIG_PRODUCT * 2):
        x, y = operands(macs)
        assert blas_threads.product(blas_threads_now, x, y) == 1
    assert not blas_threads._measured
    blas_threads.set_intra_op_threads(0)
    assert blas_threads_now() == blas_threads._default[blas_threads._controllers()[0]]


def test_products_are_still_the_products():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((80, 300)), rng.standard_normal((300, 90))
    for _ in range(3):  # one thread, then the library's count, then the faster
        # One thread or several sum in another order: the same product to float64's bound.
        assert_matmul_close(blas_threads.product(np.matmul, a, b), a, b)
