"""tf.nn.ctc_beam_search_decoder (op CTCBeamSearchDecoder) and tf.nn.ctc_unique_labels
against TensorFlow's recorded graphs, values and errors."""

import numpy as np
import pytest

import teachflow as tf
from tests.nn_data_more_cases import check_error, check_program


@pytest.mark.parametrize("name", ["ctc_beam_search", "ctc_beam_search_v2", "ctc_beam_search_wide"])
def test_graph_and_values_are_tensorflows(name):
    check_program(name)


def test_unique_labels_graph_and_values_are_tensorflows():
    # Static shapes too ([2, None] and [2, 4]): map_fn carries its TensorArrays' element
    # shape out of the while loop, as TF does.
    check_program("ctc_unique_labels")


def test_float64_scores_agree_to_float32_precision():
    # The paths are TF's exactly; TF's float64 scores differ from a float64 evaluation of
    # the same recurrences by ~1e-8 relative (TF rounds through float somewhere not
    # identified), so they are checked to float32's epsilon.
    check_program(
        "ctc_beam_search_top_paths", ulps=float(np.finfo(np.float32).eps / np.finfo(np.float64).eps)
    )


@pytest.mark.parametrize(
    "name", ["ctc_beam_search_few_leaves", "ctc_beam_search_seq_len", "ctc_beam_search_batch"]
)
def test_errors_are_tensorflows(name):
    check_error(name)


def test_a_wide_beam_finds_the_greedy_path_of_confident_frames():
    # With one class far above the others in every frame, every decoder agrees.
    labels = [[2], [2], [3], [0], [1], [1]]
    logits = tf.one_hot(labels, 4) * 20.0
    (beam,), beam_scores = tf.nn.ctc_beam_search_decoder(logits, [6])
    (greedy,), _ = tf.nn.ctc_greedy_decoder(logits, [6])
    with tf.Session() as sess:
        b, g, scores = sess.run([beam, greedy, beam_scores])
    assert b.values.tolist() == g.values.tolist() == [2, 0, 1]
    assert scores.shape == (1, 1) and abs(scores[0, 0]) < 1e-3  # log(1), nearly


def test_static_shapes_follow_top_paths():
    x = tf.placeholder(tf.float64, [7, 3, 5])
    decoded, log_probs = tf.nn.ctc_beam_search_decoder(x, [7, 7, 7], top_paths=2)
    assert len(decoded) == 2 and log_probs.dtype == tf.float64
    assert log_probs.shape.as_list() == [3, 2]
    assert decoded[0].indices.shape.as_list() == [None, 2]
    assert decoded[1].dense_shape.shape.as_list() == [2]


def test_ints_are_refused_while_building():
    with pytest.raises(TypeError):
        tf.nn.ctc_beam_search_decoder(np.zeros([2, 1, 3], np.int32), [2])
