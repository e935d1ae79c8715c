"""Candidate samplers and nce_loss against TensorFlow's recorded values.

The program is `program` in tests/fixtures/tensorflow/record_candidate_sampling.py; its
TensorFlow results are random/candidate_sampling.json. Sampled ids and expected counts
must be TF's exactly (they are draws and float formulas of the draws); the NCE loss and its
gradients to float32 rounding.
"""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "tensorflow"
_spec = importlib.util.spec_from_file_location(
    "record_candidate_sampling", FIXTURES / "record_candidate_sampling.py"
)
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)
EXPECTED = json.loads((FIXTURES / "random" / "candidate_sampling.json").read_text())


@pytest.fixture(scope="module")
def results():
    tf.reset_default_graph()
    try:
        yield recorder.program(tf)
    finally:
        tf.reset_default_graph()


@pytest.mark.parametrize("case", [k for k in EXPECTED if k != "nce_loss"])
def test_sampler_draws_tensorflows_candidates_and_expected_counts(results, case):
    for run, (got, want) in enumerate(zip(results[case], EXPECTED[case])):
        sampled, true_count, sampled_count = got
        assert sampled == want[0], (case, run)
        # float32 values written as Python floats: equal means bit for bit.
        assert true_count == want[1], (case, run)
        assert sampled_count == want[2], (case, run)


def test_unique_draws_are_distinct_and_runs_continue_the_stream(results):
    runs = results["log_uniform_candidate_sampler/unique=True"]
    for sampled, _, _ in runs:
        assert len(set(sampled)) == len(sampled) == 9
    assert runs[0][0] != runs[1][0]


def test_nce_loss_and_its_gradients_match_tensorflow(results):
    eps = float(np.finfo(np.float32).eps)
    for got_run, want_run in zip(results["nce_loss"], EXPECTED["nce_loss"]):
        for got, want in zip(got_run, want_run):
            np.testing.assert_allclose(got, want, rtol=16 * eps, atol=16 * eps)


def test_sampler_outputs_have_static_shapes_and_no_gradient():
    tf.reset_default_graph()
    labels = tf.placeholder(tf.int64, [None, 2])
    sampled, true_count, sampled_count = tf.nn.log_uniform_candidate_sampler(
        labels, 2, 5, True, 30, seed=1
    )
    assert sampled.dtype == tf.int64 and sampled.shape.as_list() == [5]
    assert true_count.shape.as_list() == [None, 2] and sampled_count.shape.as_list() == [5]
    assert tf.gradients(tf.reduce_sum(true_count), [labels]) == [None]


def test_unique_sampler_over_a_too_small_range_is_invalid_argument():
    tf.reset_default_graph()
    sampled = tf.nn.uniform_candidate_sampler([[0]], 1, 6, True, 4, seed=1)[0]
    with (
        tf.Session() as sess,
        pytest.raises(tf.errors.InvalidArgumentError, match="range is too small"),
    ):
        sess.run(sampled)


def test_true_classes_must_have_num_true_columns():
    tf.reset_default_graph()
    labels = tf.placeholder(tf.int64)
    sampled = tf.nn.log_uniform_candidate_sampler(labels, 2, 3, False, 10, seed=1)[0]
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="num_true columns"):
            sess.run(sampled, {labels: [[1, 2, 3]]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="must be a matrix"):
            sess.run(sampled, {labels: [1, 2]})


def test_nce_loss_trains_an_embedding_with_sparse_updates():
    tf.reset_default_graph()
    tf.set_random_seed(0)
    embedding = tf.Variable(tf.random_uniform([12, 3], -1.0, 1.0))
    weights = tf.Variable(tf.zeros([12, 3]))
    ids = tf.constant([1, 4, 7])
    loss = tf.reduce_mean(
        tf.nn.nce_loss(weights, tf.zeros([12]), [[2], [5], [8]],
                       tf.nn.embedding_lookup(embedding, ids), num_sampled=4, num_classes=12)
    )  # fmt: skip
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(embedding)
        first = sess.run(loss)
        for _ in range(20):
            sess.run(train)
        after = sess.run(embedding)
    untouched = [i for i in range(12) if i not in (1, 4, 7)]
    np.testing.assert_array_equal(before[untouched], after[untouched])
    assert first > 0
