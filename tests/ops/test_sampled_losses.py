"""Unigram samplers, accidental hits and sampled softmax against TensorFlow's recorded values.

The program is `program` in tests/fixtures/tensorflow/record_sampled_losses.py; its
TensorFlow results are random/sampled_losses.json. Sampled ids and expected counts must be
TF's exactly; losses and gradients to float32 rounding.
"""

import importlib.util
import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "tensorflow"
_spec = importlib.util.spec_from_file_location(
    "record_sampled_losses", FIXTURES / "record_sampled_losses.py"
)
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)
EXPECTED = json.loads((FIXTURES / "random" / "sampled_losses.json").read_text())
SAMPLER_CASES = [k for k in EXPECTED if k.startswith(("learned/", "fixed/")) and "error" not in k]
LOSS_CASES = [k for k in EXPECTED if "num_true" in k]


@pytest.fixture(scope="module")
def results():
    tf.reset_default_graph()
    try:
        yield recorder.program(tf)
    finally:
        tf.reset_default_graph()


@pytest.mark.parametrize("case", SAMPLER_CASES)
def test_unigram_samplers_draw_tensorflows_candidates_and_expected_counts(results, case):
    assert len(results[case]) == len(EXPECTED[case])
    for run, (got, want) in enumerate(zip(results[case], EXPECTED[case])):
        # float32 values written as Python floats: equal means bit for bit.
        assert got == want, (case, run)


def test_learned_sampler_learns_from_the_true_classes(results):
    runs = results["learned/unique=False"]
    # The first run draws from counts of 1; later runs favour the true classes fed.
    true_counts = [run[1] for run in runs]
    assert true_counts[0] != true_counts[-1]


def test_fixed_sampler_range_must_match_its_weights(results):
    assert results["fixed/range_error"] == EXPECTED["fixed/range_error"]


def test_compute_accidental_hits_matches_tensorflow(results):
    assert results["accidental_hits"] == EXPECTED["accidental_hits"]
    rows, ids, weights = EXPECTED["accidental_hits"]
    assert weights[0] == -float(np.finfo(np.float32).max)


@pytest.mark.parametrize("case", LOSS_CASES)
def test_sampled_losses_and_gradients_match_tensorflow(results, case):
    eps = float(np.finfo(np.float32).eps)
    for got_run, want_run in zip(results[case], EXPECTED[case], strict=True):
        for got, want in zip(got_run, want_run, strict=True):
            np.testing.assert_allclose(got, want, rtol=16 * eps, atol=16 * eps)


# Names that differ from TF's for reasons outside the sampled losses: teachflow's tf.stack
# names the Python numbers of a mixed list "stack/Const" (TF: "stack/1"), ones_like of a
# known shape names its constant "Shape" (TF: "Shape/shape_as_tensor"), and TF's recorder
# ran with resource variables (ResourceGather under embedding_lookup).
_ELSEWHERE = ("/stack", "/ones_like/", "/embedding_lookup")


def test_sampled_softmax_graph_is_tensorflows(results):
    def ours(pairs):
        return sorted(tuple(p) for p in pairs if not any(s in p[0] for s in _ELSEWHERE))

    assert ours(results["sampled_softmax/graph"]) == ours(EXPECTED["sampled_softmax/graph"])
    types = {t for _, t in results["sampled_softmax/graph"]}
    assert {"ComputeAccidentalHits", "SparseToDense", "LogUniformCandidateSampler"} <= types


def test_accidental_hits_take_no_gradient_and_have_unknown_length():
    tf.reset_default_graph()
    labels = tf.placeholder(tf.int64, [None, 2])
    rows, ids, weights = tf.nn.compute_accidental_hits(labels, [3, 1], num_true=2)
    assert (rows.dtype, ids.dtype, weights.dtype) == (tf.int32, tf.int64, tf.float32)
    assert rows.shape.as_list() == [None]
    assert tf.gradients(tf.reduce_sum(weights), [labels]) == [None]
    any_shape = tf.placeholder(tf.int64)
    hits = tf.nn.compute_accidental_hits(any_shape, [3, 1], num_true=2)[0]
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="batch_size \\* num_true"):
            sess.run(hits, {any_shape: [[3], [1]]})


def test_a_true_class_outside_the_range_is_invalid_argument():
    tf.reset_default_graph()
    sampled = tf.nn.learned_unigram_candidate_sampler([[7]], 1, 2, False, 5, seed=1)[0]
    with (
        tf.Session() as sess,
        pytest.raises(tf.errors.InvalidArgumentError, match=r"out of range \[0, 5\), received 7"),
    ):
        sess.run(sampled)


def test_fixed_sampler_needs_exactly_one_source_of_weights(tmp_path):
    tf.reset_default_graph()
    neither = tf.nn.fixed_unigram_candidate_sampler([[0]], 1, 1, False, 2, seed=1)[0]
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("a,1\nb,x\n")
    bad_line = tf.nn.fixed_unigram_candidate_sampler(
        [[0]], 1, 1, False, 2, vocab_file=str(vocab), seed=1
    )[0]
    missing = tf.nn.fixed_unigram_candidate_sampler(
        [[0]], 1, 1, False, 2, vocab_file=str(tmp_path / "none.txt"), seed=1
    )[0]
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="either vocab_file or unigrams"):
            sess.run(neither)
        with pytest.raises(tf.errors.InvalidArgumentError, match="Wrong vocabulary format"):
            sess.run(bad_line)
        with pytest.raises(tf.errors.NotFoundError, match="none.txt"):
            sess.run(missing)


def test_sampled_softmax_trains_a_word2vec_style_embedding():
    tf.reset_default_graph()
    tf.set_random_seed(0)
    embeddings = tf.Variable(tf.random_uniform([12, 3], -1.0, 1.0))
    softmax_w = tf.Variable(tf.truncated_normal([12, 3], stddev=0.5))
    softmax_b = tf.Variable(tf.zeros([12]))
    embed = tf.nn.embedding_lookup(embeddings, [1, 4, 7])
    loss = tf.reduce_mean(
        tf.nn.sampled_softmax_loss(softmax_w, softmax_b, inputs=embed, labels=[[2], [5], [8]],
                                   num_sampled=6, num_classes=12)
    )  # fmt: skip
    train = tf.train.AdagradOptimizer(1.0).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = np.mean([sess.run(loss) for _ in range(5)])
        for _ in range(60):
            sess.run(train)
        last = np.mean([sess.run(loss) for _ in range(5)])
    assert np.isfinite(first) and last < first
