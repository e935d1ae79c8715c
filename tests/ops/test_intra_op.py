"""Intra-op parallelism: chunks run once each, errors come back, splitting is chosen by measure."""

import threading

import numpy as np
import pytest

from teachflow.ops import blas_threads, intra_op
from teachflow.train import training_ops
from tests.float_tolerance import assert_matmul_close


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_every_chunk_runs_exactly_once_across_the_caller_and_a_helper():
    helpers = intra_op.Helpers(1)
    helpers.delay_ns = 0  # judged idle: the work is offered to the helper
    for n in (2, 3, 8):
        seen = []
        lock = threading.Lock()

        def chunk(i, seen=seen, lock=lock):
            with lock:
                seen.append((i, threading.current_thread().name))

        intra_op.run_chunks(chunk, n, helpers=helpers)
        assert sorted(i for i, _ in seen) == list(range(n))
    assert helpers._threads and helpers._threads[0].name == "intra-op-0"


@pytest.mark.parametrize("failing", [0, 1])
def test_an_error_in_any_chunk_is_raised_to_the_caller(failing):
    helpers = intra_op.Helpers(1)
    helpers.delay_ns = 0
    gate = threading.Event()

    def chunk(i):
        if i == 0:
            gate.wait(5)  # let the helper take chunk 1 when it comes
        else:
            gate.set()
        if i == failing:
            raise ValueError(f"chunk {i} failed")

    with pytest.raises(ValueError, match=f"chunk {failing} failed"):
        intra_op.run_chunks(chunk, 2, helpers=helpers)


def test_no_helpers_or_slow_wake_ups_run_everything_on_the_caller():
    me = threading.current_thread().name
    for helpers in (intra_op.Helpers(0), intra_op.Helpers(1)):
        helpers.delay_ns = intra_op.BUSY_DELAY_NS * 10
        helpers._probed = float("inf")  # no probe due
        names = []
        intra_op.run_chunks(
            lambda i, names=names: names.append(threading.current_thread().name), 4, helpers=helpers
        )
        assert names == [me] * 4 and not helpers._threads


def test_while_wake_ups_are_slow_one_split_per_probe_period_measures_again():
    clock = FakeClock()
    helpers = intra_op.Helpers(1, clock=clock)
    helpers.delay_ns = intra_op.BUSY_DELAY_NS * 10
    assert not helpers.worth()
    clock.now += intra_op.PROBE_SECONDS
    assert helpers.worth() and not helpers.worth()
    helpers.delay_ns = intra_op.BUSY_DELAY_NS // 2
    assert helpers.worth() and helpers.worth()


def test_a_choice_takes_the_faster_way_and_tries_the_other_once_per_period():
    clock = FakeClock()
    choice = intra_op.Choice(clock=clock)
    assert choice.split() is True  # nothing measured: try splitting first
    choice.note(True, 300_000)
    assert choice.split() is False  # then the whole
    choice.note(False, 100_000)
    assert [choice.split() for _ in range(5)] == [False] * 5  # whole is faster
    clock.now += intra_op.Choice.EXPLORE_SECONDS
    assert choice.split() is True and choice.split() is False  # one look at the other way
    for _ in range(10):
        choice.note(True, 20_000)  # splitting became faster (the machine went idle)
    assert choice.split() is True


@pytest.mark.parametrize("shapes", [((64, 700), (700, 300)), ((8, 3000), (3000, 700))])
def test_a_product_in_blocks_is_the_product(shapes, monkeypatch):
    # Row blocks (64 rows) and column blocks (8 rows only) against numpy's one product.
    monkeypatch.setattr(blas_threads, "SPLIT_PRODUCT", 1)
    monkeypatch.setattr(intra_op._helpers, "delay_ns", 0)
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s).astype(np.float32) for s in shapes)
    got = blas_threads._in_blocks(a, b)
    assert got.shape == (shapes[0][0], shapes[1][1]) and got.dtype == np.float32
    assert_matmul_close(got, a, b)
    assert_matmul_close(blas_threads._in_blocks(b.T.T, b.T), b.T.T, b.T)


def test_adam_in_chunks_gives_the_same_bits_as_in_one_pass(monkeypatch):
    rng = np.random.default_rng(1)
    shape = (300, 400)
    start = [rng.standard_normal(shape).astype(np.float32) for _ in range(3)]
    start[2] = np.abs(start[2])
    grad = rng.standard_normal(shape).astype(np.float32)
    scalars = [np.float32(s) for s in (0.9**3, 0.999**3, 1e-3, 0.9, 0.999, 1e-8)]
    results = []
    for split in (False, True):
        monkeypatch.setattr(training_ops, "SPLIT_UPDATE", 1 if split else 1 << 60)
        monkeypatch.setattr(intra_op._helpers, "delay_ns", 0)
        var, m, v = (s.copy() for s in start)
        for _ in range(3):
            assert training_ops._adam_in_place(var, m, v, *scalars, grad) is True
        results.append((var, m, v))
    for whole, chunked in zip(*results):
        np.testing.assert_array_equal(whole, chunked)
