"""TensorFlow's recorded answers for tf.nn convolution, pooling and normalisation.

Recorded by tests/fixtures/tensorflow/record_nn_conv.py: each case names a ``tf.nn``
function, its arguments (arrays in ``arrays.npz``) and keyword arguments, and what
TensorFlow built and computed. `run_case` rebuilds a case with teachflow and returns what
to compare; `assert_close` compares with a float32 tolerance scaled by the number of
terms a value sums (``eps * sqrt(n)``), never one machine's rounding.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np

import teachflow as tf

HERE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "nn_conv"
RECORD = json.loads((HERE / "cases.json").read_text())
ARRAYS = dict(np.load(HERE / "arrays.npz"))
CASES = RECORD["cases"]
ERRORS = RECORD["errors"]


def cases_of(*fns):
    return sorted(name for name, case in CASES.items() if case["fn"] in fns)


def errors_of(*fns):
    return sorted(name for name, case in ERRORS.items() if case["fn"] in fns)


def run_case(name):
    """Build case ``name`` in a fresh graph: (ops-side record, outputs, gradients), the
    last two as dicts of numpy arrays keyed like the fixture."""
    case = CASES[name]
    with tf.Graph().as_default() as graph:
        holders, feeds = {}, {}
        for arg in case["args"]:
            value = ARRAYS[f"{name}/in/{arg}"]
            holders[arg] = tf.placeholder(tf.float32, value.shape, name=arg)
            feeds[holders[arg]] = value
        outputs = getattr(tf.nn, case["fn"])(**holders, **case["kwargs"])
        outputs = list(outputs) if isinstance(outputs, tuple) else [outputs]
        y = outputs[0]
        wrt = case["wrt"]
        grads = []
        if wrt:
            w = tf.constant(ARRAYS[f"{name}/grad_ys"])
            grads = tf.gradients(y, [holders[a] for a in wrt], grad_ys=w)
        with tf.Session(graph=graph) as sess:
            values = sess.run(outputs[: case["outputs"]] + grads, feeds)
        built = {
            "op_type": y.op.type,
            "op_name": y.op.name,
            "input_names": [t.name for t in y.op.inputs],
            "shapes": [o.shape.as_list() for o in outputs[: case["outputs"]]],
            "grad_types": [g.op.type for g in grads],
            "op": y.op,
        }
    outs = {f"{name}/out/{i}": v for i, v in enumerate(values[: case["outputs"]])}
    gs = {f"{name}/grad/{a}": v for a, v in zip(wrt, values[case["outputs"] :])}
    return built, outs, gs


def assert_close(got, key, terms):
    """``got`` against the recorded ``key``: float32 rounding of ``terms`` summands."""
    want = ARRAYS[key]
    assert np.shape(got) == want.shape, (key, np.shape(got), want.shape)
    assert np.asarray(got).dtype == want.dtype, (key, np.asarray(got).dtype, want.dtype)
    tol = 8 * np.finfo(np.float32).eps * np.sqrt(max(terms, 1))
    scale = max(float(np.abs(want).max(initial=0.0)), 1.0)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, err_msg=key)


DILATED_BY_SPACE_TO_BATCH = {"atrous"}
OWN_OPS = {
    "Conv2D", "Conv2DBackpropInput", "DepthwiseConv2dNative", "MaxPool", "AvgPool",
    "FusedBatchNormV3", "LRN",
}  # fmt: skip


def check_case(name):
    """Everything recorded for case ``name``: op type, name, inputs, attrs, static shapes,
    gradient op types, values and gradients."""
    case = CASES[name]
    built, outs, grads = run_case(name)
    # TF dilates by SpaceToBatchND / BatchToSpaceND around the op; teachflow sets the op's
    # dilations attribute: the values are compared, not the last op.
    keys = ["shapes"] if name in DILATED_BY_SPACE_TO_BATCH else [
        "op_type", "op_name", "input_names", "shapes",
    ]  # fmt: skip
    if case["fn"] not in ("batch_normalization", "weighted_moments") and (
        name not in DILATED_BY_SPACE_TO_BATCH
    ):
        # A composition's gradients end in the generic broadcasting gradient, where TF adds
        # a Reshape even when the shape is already right; teachflow's own ops are compared.
        keys.append("grad_types")
    for key in keys:
        assert built[key] == case[key], (key, built[key], case[key])
    op = built["op"]
    # The attrs of this module's own ops; a composition ending in another family's op
    # (conv1d's Squeeze) leaves that op's attrs to its own tests.
    attrs = case["attrs"] if op.type in OWN_OPS and case["op_type"] == op.type else {}
    for attr, want in attrs.items():
        got = op.get_attr(attr) if hasattr(op, "get_attr") else op._attrs[attr]
        got = got.name if isinstance(got, tf.DType) else got
        got = got.decode() if isinstance(got, bytes) else got
        if isinstance(want, float):
            assert abs(got - want) <= 1e-7 * abs(want), (attr, got, want)
        else:
            assert (list(got) if isinstance(got, (list, tuple)) else got) == want, (attr, got)
    terms = max(ARRAYS[f"{name}/in/{a}"].size for a in case["args"])
    for key, value in {**outs, **grads}.items():
        assert_close(value, key, terms)


def check_error(name, expected_classes):
    """The error case ``name`` raises TF's class (or, for graph-construction errors, the
    Python class TF raises) with the words before TF's node description."""
    case = ERRORS[name]
    words = case["message"].split(" for '{{node")[0]
    with tf.Graph().as_default():
        holders = {a: tf.placeholder(tf.float32, s, name=a) for a, s in case["args"].items()}
        cls = expected_classes[case["error"]]
        if case["when"] == "construction":
            try:
                getattr(tf.nn, case["fn"])(**holders, **case["kwargs"])
            except cls as e:
                assert words in str(e), (str(e), words)
                return
            raise AssertionError(f"{name}: nothing raised")
        out = getattr(tf.nn, case["fn"])(**holders, **case["kwargs"])
        feeds = {h: np.zeros(h.shape.as_list(), np.float32) for h in holders.values()}
        with tf.Session() as sess:
            try:
                sess.run(out, feeds)
            except cls as e:
                assert words in e.message, (e.message, words)
                return
        raise AssertionError(f"{name}: nothing raised")


ERROR_CLASSES = {
    "ValueError": ValueError,
    "TypeError": TypeError,
    "UnimplementedError": tf.errors.UnimplementedError,
    "InvalidArgumentError": tf.errors.InvalidArgumentError,
}
