"""BLAS threads per product: one for mid-size products unless the session fixes a number."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from teachflow.ops import blas_threads
from tests.float_tolerance import assert_matmul_close


def blas_threads_now(x, y):
    """A stand-in for matmul that reports the BLAS thread count it would run with."""
    return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


@pytest.fixture(autouse=True)
def adaptive():
    blas_threads.set_intra_op_threads(0)
    yield
    blas_threads.set_intra_op_threads(0)


def operands(macs):
    """x, y whose product has about ``macs`` multiply-adds (shape only matters)."""
    k = 64
    return np.empty((max(1, macs // (k * 64)), k)), np.empty((k, 64))


def test_mid_size_products_run_on_one_thread_and_the_default_comes_back():
    default = blas_threads_now(None, None)
    x, y = operands(blas_threads.SMALL_PRODUCT * 4)
    assert blas_threads.product(blas_threads_now, x, y) == 1
    assert blas_threads_now(None, None) == default


@pytest.mark.parametrize("macs", [1024, blas_threads.BIG_PRODUCT * 2])
def test_small_and_big_products_keep_the_librarys_own_setting(macs):
    default = blas_threads_now(None, None)
    x, y = operands(macs)
    assert blas_threads.product(blas_threads_now, x, y) == default


def test_a_session_setting_fixes_the_threads_of_every_product():
    blas_threads.set_intra_op_threads(1)
    x, y = operands(blas_threads.BIG_PRODUCT * 2)
    assert blas_threads.product(blas_threads_now, x, y) == 1
    blas_threads.set_intra_op_threads(0)
    assert blas_threads_now(None, None) == blas_threads._default[blas_threads._controllers()[0]]


def test_products_are_still_the_products():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((80, 300)), rng.standard_normal((300, 90))
    # One thread or several sum in another order: the same product to float64's bound.
    assert_matmul_close(blas_threads.product(np.matmul, a, b), a, b)
