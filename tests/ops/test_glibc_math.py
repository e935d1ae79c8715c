"""glibc's logf/sincosf/log as TensorFlow's Box–Muller calls them."""

import json
import math
import pathlib

import numpy as np
import pytest

from teachflow.ops import glibc_math

GLIBC = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/random/glibc.json").read_text()
)
EPS32 = np.finfo(np.float32).eps


def _uniforms(n, seed=0):
    words = np.random.default_rng(seed).integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    u = ((words & 0x7FFFFF) | 0x3F800000).view(np.float32) - np.float32(1)
    return np.maximum(u, np.float32(1e-7))


@pytest.mark.parametrize("name", ["logf", "sinf", "cosf"])
def test_reproduces_the_c_librarys_last_bit(name):
    # Recorded from glibc 2.36: inputs on which glibc is *not* correctly rounded.
    inputs = np.array([x for x, _ in GLIBC[name]], dtype=np.float32)
    expected = np.array([y for _, y in GLIBC[name]], dtype=np.float32)
    if name == "logf":
        got = glibc_math.logf(inputs)
    else:
        got = glibc_math.sincosf(inputs)[0 if name == "sinf" else 1]
    np.testing.assert_array_equal(got, expected)


def test_logf_is_within_one_ulp_of_the_exact_log():
    x = np.concatenate([_uniforms(20000), np.float32([1.0, 0.5, 2.0, 1e-7, 3e38])])
    got = glibc_math.logf(x).astype(np.float64)
    exact = np.log(x.astype(np.float64))
    assert np.all(np.abs(got - exact) <= np.spacing(np.abs(exact).astype(np.float32)))
    assert glibc_math.logf(np.float32([1.0]))[0] == 0.0


def test_sincosf_is_within_one_ulp_over_the_reduced_and_unreduced_ranges():
    x = np.concatenate(
        [_uniforms(20000) * np.float32(2 * np.pi), -_uniforms(2000, 1) * 100, np.float32([0, 1e-5])]
    )
    s, c = glibc_math.sincosf(x)
    for got, exact in ((s, np.sin(x.astype(np.float64))), (c, np.cos(x.astype(np.float64)))):
        ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
        assert np.all(np.abs(got.astype(np.float64) - exact) <= np.maximum(ulp, EPS32 * 2**-30))
    assert s[-1] == np.float32(1e-5) and c[-1] == 1.0  # tiny angles: sin x = x, cos x = 1


def test_sincosf_refuses_large_arguments():
    with pytest.raises(ValueError, match="only \\|x\\| < 120"):
        glibc_math.sincosf(np.float32([200.0]))


def test_double_log_is_the_c_librarys():
    x = np.random.default_rng(2).random(1000)
    assert glibc_math.log(x).tolist() == [math.log(v) for v in x]
    assert glibc_math.log(np.empty(0)).shape == (0,)


def test_double_exp_and_lgamma_are_the_c_librarys():
    x = np.random.default_rng(3).random(500) * 40
    assert glibc_math.exp(-x).tolist() == [math.exp(-v) for v in x]
    # lgamma is exact at the factorials TF's Poisson sampler feeds it (k + 1 for integer k)
    # to within the C library's rounding.
    k = np.arange(1.0, 60.0)
    expected = np.array([math.log(math.factorial(int(v) - 1)) for v in k])
    np.testing.assert_allclose(glibc_math.lgamma(k), expected, rtol=4 * np.finfo(float).eps)
    assert glibc_math.lgamma(np.array([1.0, 2.0])).tolist() == [0.0, 0.0]


def test_float_log1p_and_expm1_are_floats_within_a_unit_in_the_last_place():
    # The candidate samplers' expected counts (TF's float log1p/expm1 calls); that they are
    # TF's bit for bit is checked by tests/ops/test_candidate_sampling_ops.py.
    for ours, exact in ((glibc_math.log1pf, math.log1p), (glibc_math.expm1f, math.expm1)):
        for x in np.float32([-0.6632368, -0.05962546, 0.0, 1e-8, 2.5]):
            got, want = ours(x), np.float32(exact(float(x)))
            assert got.dtype == np.float32
            assert abs(got - want) <= abs(np.spacing(want)), (ours.__name__, x)
