"""MonitoredTrainingSession writes summaries as TensorFlow does: the chief's SummarySaverHook
(every ``save_summaries_steps``, 100 by default) runs ``Scaffold.summary_op`` (by default
``tf.summary.merge_all()``), the StepCounterHook adds ``global_step/sec``, and both share the
cached writer of ``summary_dir`` (else ``checkpoint_dir``), which writes the graph first.

The event files, kinds, steps and tags, and the graph of a default ``Scaffold().finalize()``,
were recorded from TensorFlow 2.21 by
tests/fixtures/tensorflow/record_monitored_summaries.py."""

import json
import pathlib
import sys

import pytest

import teachflow as tf

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "tensorflow"
sys.path.insert(0, str(FIXTURES))
from monitored_summaries_program import CASES, run_case  # noqa: E402

RECORDED = json.loads((FIXTURES / "monitored_summaries" / "cases.json").read_text())


@pytest.mark.parametrize("case", sorted(CASES))
def test_event_files_follow_tensorflow(case, tmp_path):
    described = json.loads(json.dumps(run_case(tf, case, str(tmp_path))))
    assert described == RECORDED[case]


def test_default_scaffold_builds_tensorflows_graph():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(2.0, name="v")
        tf.summary.scalar("loss", v)
        scaffold = tf.train.Scaffold().finalize()
    recorded = RECORDED["scaffold"]
    nodes = [[n.name, n.op, list(n.input)] for n in g.as_graph_def().node]
    assert nodes == recorded["nodes"]
    for key, name in recorded["fetches"].items():
        assert getattr(scaffold, key).name == name
    # A Variable joins its collections through a set (in TF too), so their first-use order
    # follows the string hash of the process: compare the keys, not their order.
    assert sorted(g.get_all_collection_keys()) == sorted(recorded["collections"])


def test_summary_op_is_none_without_summaries():
    with tf.Graph().as_default():
        tf.Variable(1.0)
        assert tf.train.Scaffold().finalize().summary_op is None


def test_ready_op_reports_uninitialized_variables_then_nothing():
    with tf.Graph().as_default():
        tf.Variable(1.0, name="w")
        scaffold = tf.train.Scaffold().finalize()
        with tf.Session() as sess:
            assert list(sess.run(scaffold.ready_op)) == [b"w"]
            sess.run(scaffold.init_op)
            assert sess.run(scaffold.ready_op).size == 0
