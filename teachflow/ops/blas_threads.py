"""How many BLAS threads one matrix product uses.

TensorFlow sizes the work of each product by its cost (Eigen's cost model): a small product runs
on the calling thread alone, only a big one is split across the intra-op pool. A BLAS library left
to itself (the OpenBLAS that numpy ships) threads every product above a small size across every
core, and its threads spin while they wait for each other: on a busy laptop (a browser, a video
call, the notebook's kernel) a 50x784 by 784x300 product then takes eight times longer on two
threads than on one, and a training step ten or thirty times longer than TensorFlow's.

So with ``intra_op_parallelism_threads=0`` (the default) teachflow does as TensorFlow does:
a product of fewer than `BIG_PRODUCT` multiply-adds runs on one BLAS thread, a bigger one with
the BLAS library's own thread count. A session configured with ``intra_op_parallelism_threads=n``
fixes n threads for every product (TF's explicit setting, which lab 03 uses to show intra-op
parallelism).

>>> import numpy as np
>>> a = np.ones((64, 512), np.float32)
>>> float(product(np.matmul, a, a.T)[0, 0])
512.0
"""

from __future__ import annotations

import threading

# Multiply-adds from which a product gains from several threads even on a busy machine.
BIG_PRODUCT = 1 << 27
# Below this OpenBLAS keeps a product on one thread by itself (its GEMM multithreading
# threshold): nothing to set.
SMALL_PRODUCT = 1 << 18

_lock = threading.Lock()
_fixed = None  # intra_op_parallelism_threads of the last session that set one, else None
_blas = None  # threadpoolctl's controllers of the loaded BLAS libraries
_default = {}  # controller -> its thread count before teachflow changed it
_single = 0  # products running now on one thread


def _controllers():
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController().select(user_api="blas").lib_controllers
        for c in _blas:
            _default[c] = c.num_threads
    return _blas


def set_intra_op_threads(n: int) -> None:
    """A session's ``intra_op_parallelism_threads``: n > 0 fixes it, 0 sizes it per product."""
    global _fixed
    with _lock:
        _fixed = n if n and n > 0 else None
        for c in _controllers():
            c.set_num_threads(_fixed or _default[c])


def product(matmul, x, y):
    """``matmul(x, y)`` with as many BLAS threads as its size is worth (numpy arrays)."""
    macs = x.size * y.shape[-1]
    if _fixed is not None or not SMALL_PRODUCT <= macs < BIG_PRODUCT:
        return matmul(x, y)
    global _single
    with _lock:
        if not _single:
            for c in _controllers():
                c.set_num_threads(1)
        _single += 1
    try:
        return matmul(x, y)
    finally:
        with _lock:
            _single -= 1
            if not _single and _fixed is None:
                for c in _controllers():
                    c.set_num_threads(_default[c])
