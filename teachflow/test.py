"""``tf.test``: TensorFlow's ``TestCase`` for unit tests of graphs, and ``tf.test.main``.

Each test method starts in a fresh default graph whose random seed is TensorFlow's test
seed (87654321, as ``TensorFlowTestCase.setUp`` sets it), so seeded random ops give the
values they give under TensorFlow's own tests. ``self.cached_session()`` (and TF1's
``self.test_session()``) is one session per test method; ``self.session()`` a new one each
time; ``self.evaluate(t)`` runs ``t`` in the default session, or in the cached one.

    >>> import teachflow as tf
    >>> class SquareTest(tf.test.TestCase):
    ...     def test_square(self):
    ...         with self.cached_session():
    ...             self.assertAllEqual(self.evaluate(tf.square([2, 3])), [4, 9])
    >>> import io, unittest
    >>> unittest.TextTestRunner(stream=io.StringIO()).run(
    ...     SquareTest("test_square")).wasSuccessful()
    True
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import re
import tempfile
import unittest
from unittest import mock

import numpy as np

from teachflow.framework import dtypes, errors
from teachflow.framework.graph import get_default_graph, get_default_session, reset_default_graph
from teachflow.framework.operation import Tensor
from teachflow.framework.random_seed import set_random_seed
from teachflow.testing.benchmark import Benchmark, benchmark_config
from teachflow.testing.build_info import (
    gpu_device_name,
    is_built_with_gpu_support,
    is_built_with_rocm,
    is_built_with_xla,
    is_cpu_target_available,
    test_src_dir_path,
)
from teachflow.testing.gradient_checker import compute_gradient, compute_gradient_error
from teachflow.testing.graph_def_equality import assert_equal_graph_def
from teachflow.testing.local_cluster import create_local_cluster

__all__ = [
    "TestCase",
    "get_temp_dir",
    "main",
    "is_built_with_cuda",
    "is_gpu_available",
    "Benchmark",
    "benchmark_config",
    "compute_gradient",
    "compute_gradient_error",
    "assert_equal_graph_def",
    "create_local_cluster",
    "gpu_device_name",
    "is_built_with_gpu_support",
    "is_built_with_rocm",
    "is_built_with_xla",
    "is_cpu_target_available",
    "mock",
    "test_src_dir_path",
]

# random_seed.DEFAULT_GRAPH_SEED: the seed every TensorFlow test graph starts with.
DEFAULT_GRAPH_SEED = 87654321

_temp_dir = None


def get_temp_dir() -> str:
    """A directory for this test process's files (made once, removed by the OS)."""
    global _temp_dir
    if _temp_dir is None:
        _temp_dir = tempfile.mkdtemp(prefix="teachflow_test_")
    return _temp_dir


def main(argv=None):
    """Run the ``TestCase`` tests of ``__main__`` (``if __name__ == "__main__": tf.test.main()``)."""
    return unittest.main(argv=argv)


def is_built_with_cuda() -> bool:
    """Whether teachflow can run kernels on CUDA GPUs (CuPy is installed)."""
    import importlib.util

    return importlib.util.find_spec("cupy") is not None


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None) -> bool:
    """Whether a session would get a GPU device (a real one, or a simulated one)."""
    from teachflow.runtime.config import ConfigProto
    from teachflow.runtime.devices import physical_gpus

    return bool(physical_gpus(ConfigProto()))


def _as_ndarray(a):
    if isinstance(a, Tensor):
        raise TypeError(
            "Expected a NumPy value, got a Tensor: evaluate it first (self.evaluate(t))."
        )
    return a if isinstance(a, np.ndarray) else np.array(a)


def _tolerance(a, b, rtol, atol, half_rtol, half_atol, bfloat16_rtol, bfloat16_atol):
    # TensorFlow loosens the tolerance for the dtypes that cannot meet 1e-6.
    kinds = {a.dtype, b.dtype}
    if np.dtype(np.float16) in kinds:
        rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
    if any(getattr(k, "name", "") == "bfloat16" for k in kinds):
        rtol, atol = max(rtol, bfloat16_rtol), max(atol, bfloat16_atol)
    return rtol, atol


class _NotATest:
    """A method whose name starts with "test" but is no test (``test_session``).

    unittest collects every callable class attribute named ``test*``; read from the class
    this is a plain object, so it is not collected, while read from an instance it is the
    bound method.
    """

    __test__ = False  # and pytest, which reads this flag

    def __init__(self, method):
        self._method = method
        self.__doc__ = method.__doc__

    def __get__(self, instance, owner=None):
        return self if instance is None else self._method.__get__(instance, owner)


class TestCase(unittest.TestCase):
    """``unittest.TestCase`` with TensorFlow's sessions and array assertions."""

    def setUp(self):
        super().setUp()
        self._cached_session = None
        random.seed(DEFAULT_GRAPH_SEED)
        np.random.seed(DEFAULT_GRAPH_SEED)
        reset_default_graph()
        set_random_seed(DEFAULT_GRAPH_SEED)

    def tearDown(self):
        self._clear_cached_session()
        super().tearDown()

    def _clear_cached_session(self):
        if self._cached_session is not None:
            self._cached_session.close()
            self._cached_session = None

    def get_temp_dir(self) -> str:
        """A directory of this test method's own, inside the process's temp dir."""
        path = os.path.join(get_temp_dir(), self.id().replace("/", "_"))
        os.makedirs(path, exist_ok=True)
        return path

    # -- sessions ------------------------------------------------------------------------------
    def _new_session(self, graph, config):
        from teachflow.runtime.session import Session

        return Session(graph=graph, config=config)

    @contextlib.contextmanager
    def session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """A new session on ``graph`` (the default graph), as the default session."""
        graph = get_default_graph() if graph is None else graph
        with self._new_session(graph, config) as sess:
            with graph.as_default(), sess.as_default():
                yield sess

    @contextlib.contextmanager
    def cached_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """This test method's one session (made on first use), as the default session."""
        graph = get_default_graph() if graph is None else graph
        if self._cached_session is None:
            self._cached_session = self._new_session(graph, config)
        elif self._cached_session.graph is not graph:
            raise ValueError(
                "The graph used to get the cached session is different than the one that was "
                "used to create the session. Maybe create a new session with "
                "self.session()"
            )
        with graph.as_default(), self._cached_session.as_default():
            yield self._cached_session

    @_NotATest
    @contextlib.contextmanager
    def test_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """TF1's name: the cached session, or a new one when ``graph`` is given."""
        manager = self.cached_session if graph is None else self.session
        with manager(graph, config, use_gpu, force_gpu) as sess:
            yield sess

    def evaluate(self, tensors):
        """The values of ``tensors`` (any structure), run in the default session."""
        sess = get_default_session()
        if sess is not None:
            return sess.run(tensors)
        with self.test_session() as sess:
            return sess.run(tensors)

    # -- assertions ----------------------------------------------------------------------------
    def assertNear(self, f1, f2, err, msg=None):  # noqa: N802 - TensorFlow's names
        self.assertTrue(
            f1 == f2 or math.fabs(f1 - f2) <= err,
            f"{f1:f} != {f2:f} +/- {err:f}{' (' + msg + ')' if msg is not None else ''}",
        )

    def assertArrayNear(self, farray1, farray2, err, msg=None):  # noqa: N802
        self.assertEqual(len(farray1), len(farray2), msg=msg)
        for f1, f2 in zip(farray1, farray2):
            self.assertNear(float(f1), float(f2), err, msg=msg)

    def assertNDArrayNear(self, ndarray1, ndarray2, err, msg=None):  # noqa: N802
        self.assertTrue(np.linalg.norm(ndarray1 - ndarray2) <= err, msg=msg)

    def assertAllClose(  # noqa: N802
        self,
        a,
        b,
        rtol=1e-6,
        atol=1e-6,
        msg=None,
        half_rtol=1e-3,
        half_atol=1e-3,
        bfloat16_rtol=1e-2,
        bfloat16_atol=1e-2,
    ):
        """``a`` and ``b`` (arrays, or dicts, lists and tuples of them) agree within
        ``atol + rtol * |b|``, NaN matching NaN."""
        if isinstance(a, dict) or isinstance(b, dict):
            self.assertEqual(sorted(a), sorted(b), msg=msg)
            for key in a:
                self.assertAllClose(a[key], b[key], rtol, atol, msg)
            return
        if isinstance(a, (list, tuple)) and any(isinstance(x, (dict, list, tuple)) for x in a):
            self.assertEqual(len(a), len(b), msg=msg)
            for x, y in zip(a, b):
                self.assertAllClose(x, y, rtol, atol, msg)
            return
        a, b = _as_ndarray(a), _as_ndarray(b)
        rtol, atol = _tolerance(
            a, b, rtol, atol, half_rtol, half_atol, bfloat16_rtol, bfloat16_atol
        )
        self.assertEqual(
            a.shape, b.shape, f"Shape mismatch: expected {a.shape}, got {b.shape}. {msg or ''}"
        )
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=msg or "", equal_nan=True)

    def assertAllCloseAccordingToType(self, a, b, rtol=1e-6, atol=1e-6, msg=None, **tols):  # noqa: N802
        a, b = _as_ndarray(a), _as_ndarray(b)
        if np.float64 in (a.dtype, b.dtype):
            rtol, atol = tols.get("float_rtol", 1e-6), tols.get("float_atol", 1e-6)
        self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)

    def assertNotAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):  # noqa: N802
        try:
            self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)
        except AssertionError:
            return
        raise AssertionError(msg or "The two values are close at all elements")

    def assertAllEqual(self, a, b, msg=None):  # noqa: N802
        """``a`` and ``b`` have the same shape and the same elements."""
        a, b = _as_ndarray(a), _as_ndarray(b)
        # A scalar may stand for an array of one element, as in TensorFlow.
        if b.ndim <= 1 and a.ndim <= 1 and a.size == b.size == 1:
            a, b = a.reshape(-1), b.reshape(-1)
        self.assertEqual(
            a.shape, b.shape, f"Shape mismatch: expected {a.shape}, got {b.shape}. {msg or ''}"
        )
        np.testing.assert_array_equal(a, b, err_msg=msg or "")

    def assertNotAllEqual(self, a, b, msg=None):  # noqa: N802
        try:
            self.assertAllEqual(a, b, msg)
        except AssertionError:
            return
        raise AssertionError(msg or "Expected unequal arrays, but all elements are equal")

    def _assert_all(self, a, compare, target, words):
        a = _as_ndarray(a)
        self.assertTrue(np.all(compare(a, target)), f"{a} is not {words} {target}")

    def assertAllGreater(self, a, comparison_target):  # noqa: N802
        self._assert_all(a, np.greater, comparison_target, "all greater than")

    def assertAllGreaterEqual(self, a, comparison_target):  # noqa: N802
        self._assert_all(a, np.greater_equal, comparison_target, "all greater than or equal to")

    def assertAllLess(self, a, comparison_target):  # noqa: N802
        self._assert_all(a, np.less, comparison_target, "all less than")

    def assertAllLessEqual(self, a, comparison_target):  # noqa: N802
        self._assert_all(a, np.less_equal, comparison_target, "all less than or equal to")

    def assertAllInRange(  # noqa: N802
        self, target, lower_bound, upper_bound, open_lower_bound=False, open_upper_bound=False
    ):
        """Every element of ``target`` lies between the bounds (closed unless opened)."""
        target = _as_ndarray(target)
        if not np.issubdtype(target.dtype, np.number):
            raise AssertionError(
                f"The value of {target} does not have an ordered numeric type, instead it "
                f"has type: {target.dtype}"
            )
        low = np.less_equal if open_lower_bound else np.less
        high = np.greater_equal if open_upper_bound else np.greater
        bad = low(target, lower_bound) | high(target, upper_bound) | np.isnan(target)
        if np.any(bad):
            interval = (
                f"{'(' if open_lower_bound else '['}{lower_bound}, {upper_bound}"
                f"{')' if open_upper_bound else ']'}"
            )
            raise AssertionError(
                f"{np.argwhere(bad).tolist()} elements fail to fall in the range {interval}."
            )

    def assertAllInSet(self, target, expected_set):  # noqa: N802
        target = _as_ndarray(target).reshape(-1)
        missing = set(target.tolist()) - set(np.asarray(list(expected_set)).reshape(-1).tolist())
        if missing:
            raise AssertionError(f"{sorted(missing)} not in {expected_set}.")

    def assertAllTrue(self, a):  # noqa: N802
        self.assertAllEqual(a, np.ones_like(_as_ndarray(a), dtype=bool))

    def assertAllFalse(self, a):  # noqa: N802
        self.assertAllEqual(a, np.zeros_like(_as_ndarray(a), dtype=bool))

    def assertDTypeEqual(self, target, expected_dtype):  # noqa: N802
        target = _as_ndarray(target)
        expected = dtypes.as_dtype(expected_dtype).as_numpy_dtype
        self.assertEqual(target.dtype, np.dtype(expected))

    def assertShapeEqual(self, np_array, tf_tensor, msg=None):  # noqa: N802
        """The NumPy value's shape is the tensor's static shape."""
        if not isinstance(np_array, (np.ndarray, np.generic)):
            raise TypeError("np_array must be a Numpy ndarray or Numpy scalar")
        if not isinstance(tf_tensor, Tensor):
            raise TypeError("tf_tensor must be a Tensor")
        self.assertAllEqual(np_array.shape, tf_tensor.get_shape().as_list(), msg=msg)

    def assertDeviceEqual(self, device1, device2, msg=None):  # noqa: N802
        from teachflow.framework.device_spec import DeviceSpec

        canonical = [DeviceSpec.from_string(d or "").to_string() for d in (device1, device2)]
        self.assertEqual(canonical[0], canonical[1], msg)

    @contextlib.contextmanager
    def assertRaisesWithPredicateMatch(self, exception_type, expected_err_re_or_predicate):  # noqa: N802
        """The block raises ``exception_type`` whose message matches the regex (or which
        the predicate accepts)."""
        if callable(expected_err_re_or_predicate):
            predicate = expected_err_re_or_predicate
        else:

            def predicate(e):
                message = getattr(e, "message", None) or str(e)
                return re.search(expected_err_re_or_predicate, message) is not None

        try:
            yield
        except exception_type as e:
            if not predicate(e):
                raise AssertionError(
                    f"Exception of type {type(e)}: {e} does not match "
                    f"{expected_err_re_or_predicate!r}"
                ) from e
        else:
            self.fail(f"{exception_type.__name__} not raised")

    def assertRaisesOpError(self, expected_err_re_or_predicate):  # noqa: N802
        return self.assertRaisesWithPredicateMatch(errors.OpError, expected_err_re_or_predicate)
