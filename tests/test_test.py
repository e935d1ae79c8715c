"""tf.test.TestCase: fresh seeded graphs per test (values recorded from TensorFlow by
tests/fixtures/tensorflow/record_everyday_api.py), sessions and the array assertions."""

import io
import json
import os
import pathlib
import unittest

import numpy as np
import pytest

import teachflow as tf

RECORDED = json.loads(
    (
        pathlib.Path(__file__).parent / "fixtures/tensorflow/everyday_api/everyday_api.json"
    ).read_text()
)["test_case"]


def _run(case_class):
    result = unittest.TextTestRunner(stream=io.StringIO()).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(case_class)
    )
    assert result.wasSuccessful(), result.errors + result.failures
    return result


def test_each_test_gets_a_fresh_graph_with_tensorflows_test_seed():
    seen = {}

    class Seeded(tf.test.TestCase):
        def test_a(self):
            seen["a"] = self.evaluate([tf.random_uniform([3]), tf.random_normal([2])])
            seen["a_ops"] = len(tf.get_default_graph().get_operations())

        def test_b(self):
            with self.cached_session() as sess:
                seen["b"] = [
                    sess.run(tf.random_uniform([2], seed=7)),
                    self.evaluate(tf.constant(1)),
                ]
                seen["b_same"] = self.cached_session().__enter__() is sess
                seen["b_graph_seed"] = tf.get_default_graph().seed

    assert _run(Seeded).testsRun == 2
    for got, want in zip(seen["a"] + seen["b"], RECORDED["a"] + RECORDED["b"]):
        np.testing.assert_array_equal(got, np.asarray(want, np.asarray(got).dtype))
    assert seen["a_ops"] == RECORDED["a_ops"]
    assert seen["b_same"] is RECORDED["b_same"] is True
    assert seen["b_graph_seed"] == RECORDED["b_graph_seed"]


def test_sessions_and_temp_dirs():
    class Sessions(tf.test.TestCase):
        def test_sessions(self):
            x = tf.constant(2.0)
            with self.session() as first, self.session() as second:
                self.assertIsNot(first, second)
                self.assertIs(tf.get_default_session(), second)
            with self.test_session() as cached:
                self.assertIs(cached, self.cached_session().__enter__())
                self.assertEqual(self.evaluate(x * 2), 4.0)
            other = tf.Graph()
            with self.assertRaisesRegex(ValueError, "different than the one"):
                with self.cached_session(graph=other):
                    pass
            path = self.get_temp_dir()
            self.assertTrue(os.path.isdir(path))
            self.assertTrue(path.startswith(tf.test.get_temp_dir()))

    _run(Sessions)


def test_the_array_assertions():
    class Assertions(tf.test.TestCase):
        def test_pass(self):
            self.assertAllClose([1.0, 2.0], np.array([1.0, 2.0 + 1e-7]))
            self.assertAllClose({"a": [1.0], "b": (2.0, [3.0])}, {"a": [1.0], "b": (2.0, [3.0])})
            self.assertAllClose(np.float16([1.0]), np.float16([1.0005]))
            self.assertAllEqual([[1, 2]], np.array([[1, 2]]))
            self.assertAllInRange([0.0, 0.5, 1.0], 0.0, 1.0)
            self.assertAllGreater([2, 3], 1)
            self.assertAllGreaterEqual([1, 3], 1)
            self.assertAllLess([2, 3], 4)
            self.assertAllLessEqual([2, 4], 4)
            self.assertNear(1.0, 1.05, 0.1)
            self.assertArrayNear([1.0, 2.0], [1.01, 2.0], 0.02)
            self.assertShapeEqual(np.zeros([2, 3]), tf.zeros([2, 3]))
            self.assertAllTrue([True, True])
            self.assertDTypeEqual(np.zeros(2, np.float32), tf.float32)
            with self.assertRaisesOpError("assertion failed"):
                self.evaluate(tf.Assert(tf.constant(False), ["no"]))

        def test_fail(self):
            checks = [
                lambda: self.assertAllClose([1.0], [1.1]),
                lambda: self.assertAllClose([1.0], [1.0, 1.0]),
                lambda: self.assertAllEqual([1, 2], [1, 3]),
                lambda: self.assertAllInRange([0.0, 1.0], 0.0, 1.0, open_upper_bound=True),
                lambda: self.assertAllGreater([1, 2], 1),
                lambda: self.assertNear(1.0, 1.2, 0.1),
                lambda: self.assertShapeEqual(np.zeros([2]), tf.zeros([3])),
            ]
            for check in checks:
                with self.assertRaises(AssertionError):
                    check()
            with self.assertRaisesRegex(TypeError, "np_array must be a Numpy ndarray"):
                self.assertShapeEqual([1, 2], tf.zeros([2]))

    _run(Assertions)


def test_main_runs_the_tests_of_main(monkeypatch):
    calls = []
    monkeypatch.setattr(unittest, "main", lambda argv=None: calls.append(argv))
    tf.test.main(["prog"])
    assert calls == [["prog"]]
    assert "test_session" not in unittest.defaultTestLoader.getTestCaseNames(tf.test.TestCase)


@pytest.mark.parametrize("name", ["is_gpu_available", "is_built_with_cuda"])
def test_device_questions_answer_with_a_bool(name):
    assert isinstance(getattr(tf.test, name)(), bool)
