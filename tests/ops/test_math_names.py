"""tf.math's names that classic TF1 programs use, against TensorFlow's recorded graphs, values
and errors (tests/fixtures/tensorflow/record_math_names.py): the Bessel functions,
ndtri/erfinv/erfcinv, the no-NaN products, nextafter, xlog1py, polyval, cumulative_logsumexp,
the unsorted segment means, tf.bitwise and saturate_cast."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

RECORDS = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/math_names/math_names.json"
    ).read_text()
)

# Values computed by a different algorithm than TensorFlow's in the dtype (Cephes' series in
# float64, rounded once, where TF's float32 kernels run the float32 series): a few units in
# the last place apart. Everything else must be equal to the bit.
ULPS = {
    "bessel": 8,
    "bessel_gradients": 8,
    "bessel_k": 8,
    "bessel_jy": 8,
    "bessel_kjy_gradients": 8,
    "special_integrals": 8,
    "special_integrals_gradients": 8,
    "inverse_erf": 8,
    "inverse_erf_gradients": 8,
    "cumulative_logsumexp": 4,
    "cumulative_logsumexp_gradients": 16,
    "xlog1py": 2,
    # tf.nn.softmax over axis 0 (transposed in teachflow, not in TF) is 1 ulp off in one place.
    "aliases": 1,
}
# Gradients that subtract nearly equal terms (I1e(x) - sign(x) I0e(x)): TensorFlow's float64
# terms and teachflow's differ in their last bits, so the difference is compared against
# the size of the terms (the largest value of the output), not against itself.
CANCELLING = {"bessel_gradients", "bessel_kjy_gradients", "cumulative_logsumexp_gradients"}
# J and Y oscillate about 0 with values of order 1: TensorFlow's float32 series for them
# (Cephes' j0f...) are accurate to a few ulps of 1, not of the value near a zero.
ABSOLUTE = {"bessel_jy"}
# Programs of names that alias older teachflow functions (tf.math.softmax is tf.nn.softmax...):
# their values are TensorFlow's; their graphs are those functions' own (softmax over a
# non-last axis and zero_fraction are still built differently), tested with them.
VALUES_ONLY = {"aliases"}


def _comparable(ops):
    # A shape known while building is a Const named Shape in teachflow, Shape/shape_as_tensor
    # in TensorFlow (as in the other recorded-graph tests).
    return sorted(op.replace("/shape_as_tensor:", ":") for op in ops)


def _want(values, dtype):
    if dtype.startswith("complex"):
        return np.asarray(values[0], np.float64) + 1j * np.asarray(values[1], np.float64)
    if dtype.startswith("float"):
        return np.asarray(values, object).astype(np.float64)
    return np.asarray(values, dtype)


def _assert_values(got, want, dtype, ulps, cancelling=False, absolute=False):
    got = np.asarray(got)
    assert got.dtype.name == dtype
    want = _want(want, dtype).astype(got.dtype)
    if got.dtype.kind != "f" or not ulps:
        np.testing.assert_array_equal(got, want)
        return
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    size = np.abs(want[finite]).max(initial=0.0) if cancelling else np.abs(want[finite])
    if absolute:
        size = np.maximum(size, 1.0)
    spacing = np.spacing(np.asarray(size, got.dtype))
    assert np.all(np.abs(got[finite] - want[finite]) <= ulps * spacing), (got, want)


def _run(record):
    with tf.Graph().as_default() as g:
        scope = {"tf": tf}
        exec(record["program"], scope)
        ops = [f"{op.name}:{op.type}" for op in g.get_operations()]
        with tf.Session() as sess:
            values = sess.run(scope["outs"])
    return ops, values


@pytest.mark.parametrize("name", sorted(RECORDS["programs"]))
def test_graph_and_values_are_tensorflows(name):
    record = RECORDS["programs"][name]
    ops, values = _run(record)
    if name not in VALUES_ONLY:
        assert _comparable(ops) == _comparable(record["ops"])
    assert len(values) == len(record["values"])
    for got, want, dtype in zip(values, record["values"], record["dtypes"]):
        _assert_values(got, want, dtype, ULPS.get(name, 0), name in CANCELLING, name in ABSOLUTE)


def _allowed(message):
    head, _, allowed = message.partition("allowed values: ")
    return head, allowed.split(", ")


@pytest.mark.parametrize("name", sorted(RECORDS["build_errors"]))
def test_build_errors_are_tensorflows(name):
    record = RECORDS["build_errors"][name]
    with tf.Graph().as_default():
        with pytest.raises(getattr(__builtins__, record["error"], None) or Exception) as caught:
            exec(record["program"], {"tf": tf})
    assert type(caught.value).__name__ == record["error"]
    got_head, got_allowed = _allowed(str(caught.value))
    want_head, want_allowed = _allowed(record["message"])
    assert got_head == want_head
    # teachflow has no bfloat16: its lists are TensorFlow's without it, in TF's order.
    assert got_allowed == [d for d in want_allowed if d != "bfloat16"]


@pytest.mark.parametrize("name", sorted(RECORDS["run_errors"]))
def test_run_errors_are_tensorflows(name):
    record = RECORDS["run_errors"][name]
    with tf.Graph().as_default():
        scope = {"tf": tf}
        exec(record["program"], scope)
        with tf.Session() as sess:
            with pytest.raises(getattr(tf.errors, record["error"])) as caught:
                sess.run(scope["outs"])
    assert caught.value.message.split("\n\t [[")[0] == record["message"]


def test_math_names_are_the_ops_they_alias():
    assert tf.math.divide_no_nan is tf.div_no_nan
    assert tf.math.softmax is tf.nn.softmax and tf.math.log_softmax is tf.nn.log_softmax
    assert tf.math.softplus is tf.nn.softplus and tf.math.softsign is tf.nn.softsign
    assert tf.math.l2_normalize is tf.nn.l2_normalize
    assert tf.math.zero_fraction is tf.nn.zero_fraction
    assert tf.math.segment_sum is tf.segment_sum
    assert tf.math.unsorted_segment_sqrt_n is tf.unsorted_segment_sqrt_n
    assert tf.math.accumulate_n is tf.accumulate_n
    assert tf.math.invert_permutation is tf.invert_permutation
    assert tf.math.special.bessel_i1e is tf.math.bessel_i1e


def test_bessel_functions_follow_their_identities():
    x = np.arange(-400, 401) / 10.0
    with tf.Graph().as_default(), tf.Session() as sess:
        i0, i0e, i1, i1e = sess.run(
            [f(tf.constant(x)) for f in (tf.math.bessel_i0, tf.math.bessel_i0e,
                                        tf.math.bessel_i1, tf.math.bessel_i1e)]
        )  # fmt: skip
    np.testing.assert_allclose(i0, np.i0(x), rtol=1e-14)
    np.testing.assert_allclose(i0e, np.exp(-np.abs(x)) * np.i0(x), rtol=1e-14)
    np.testing.assert_array_equal(i1, -i1[::-1])  # odd
    np.testing.assert_allclose(i1e * np.exp(np.abs(x)), i1, rtol=1e-14)


def test_ndtri_inverts_the_normal_cdf():
    from math import erfc, sqrt

    p = np.linspace(1e-6, 1 - 1e-6, 999)
    with tf.Graph().as_default(), tf.Session() as sess:
        x, e = sess.run([tf.math.ndtri(tf.constant(p)), tf.math.erfinv(tf.constant(2 * p - 1))])
    cdf = np.array([0.5 * erfc(-v / sqrt(2)) for v in x])
    np.testing.assert_allclose(cdf, p, rtol=1e-12)
    # 2p - 1 rounds away p's last digits near 0: erfinv is compared where that is harmless.
    np.testing.assert_allclose(e[100:-100], x[100:-100] / sqrt(2), rtol=1e-12)


def test_polyval_is_numpys():
    coeffs = [0.5, -1.0, 2.0, 3.0]
    x = np.linspace(-2.0, 2.0, 9)
    with tf.Graph().as_default(), tf.Session() as sess:
        got = sess.run(tf.math.polyval([np.float64(c) for c in coeffs], tf.constant(x)))
    np.testing.assert_allclose(got, np.polyval(coeffs, x), rtol=1e-15)
