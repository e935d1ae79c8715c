"""``tf.train.maybe_batch`` and friends: only the examples ``keep_input`` marks are enqueued
(a scalar: all or nothing through a Switch/Merge cond; a vector with ``enqueue_many``: the
marked rows, through a dynamic_partition), and every batching queue reports its fullness as
TF's ``fraction_of_N_full`` summary.

Graphs (TF1 control flow) and batches recorded from TensorFlow 2.21 by
tests/fixtures/tensorflow/record_maybe_batch.py."""

import json
import pathlib
import sys

import pytest

import teachflow as tf

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "tensorflow"
sys.path.insert(0, str(FIXTURES))
from maybe_batch_program import CASES, run_case  # noqa: E402

RECORDED = json.loads((FIXTURES / "maybe_batch" / "cases.json").read_text())


def _teachflow_spelling(nodes):
    # teachflow's queue handles are string refs (TF: resources), so the cond forwards a
    # queue with a RefSwitch where TF uses a Switch; every other node is TF's.
    queues = {n for n, op, _ in nodes if op.endswith("QueueV2")}
    return [[n, "RefSwitch" if op == "Switch" and i[0] in queues else op, i] for n, op, i in nodes]


@pytest.mark.parametrize("case", CASES)
def test_graph_and_batches_follow_tensorflow(case):
    got = json.loads(json.dumps(run_case(tf, case)))
    assert got["batches"] == RECORDED[case]["batches"]
    assert got["nodes"] == _teachflow_spelling(RECORDED[case]["nodes"])


def test_batch_queues_report_their_fullness():
    with tf.Graph().as_default():
        tf.train.batch([tf.constant(1)], 2, capacity=8)
        tf.train.shuffle_batch([tf.constant(1)], 2, capacity=10, min_after_dequeue=4)
        tf.train.range_input_producer(3)
        tags = [s.op.name for s in tf.get_collection(tf.GraphKeys.SUMMARIES)]
    assert tags == [
        "batch/fraction_of_8_full",
        "shuffle_batch/fraction_over_4_of_6_full",
        "input_producer/fraction_of_32_full",
    ]


def test_keep_input_is_checked_as_in_tensorflow():
    x = tf.constant([1, 2])
    with pytest.raises(ValueError, match="cannot be a vector when `enqueue_many=False`"):
        tf.train.maybe_batch([x], [True, False], 2)
    with pytest.raises(ValueError, match="must be 0 or 1 dimensions"):
        tf.train.maybe_batch([x], [[True]], 2, enqueue_many=True)
    with pytest.raises(ValueError, match="must be known at graph construction"):
        tf.train.maybe_batch([x], tf.placeholder(tf.bool), 2)
    with pytest.raises(ValueError, match="capacity 4 must be bigger than min_after_dequeue 4"):
        tf.train.maybe_shuffle_batch([x], 2, 4, 4, True)
