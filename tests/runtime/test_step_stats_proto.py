"""Step stats and RunMetadata as TensorFlow's bytes: teachflow's records round-trip, thread ids
fit TF's uint32, and a cluster run's partition graphs come out as TF GraphDefs."""

import numpy as np

import teachflow as tf
from teachflow.proto import messages
from teachflow.runtime import step_stats as ss
from teachflow.runtime import step_stats_proto
from teachflow.runtime.config import RunMetadata
from tests.distributed.conftest import cluster, session_config  # noqa: F401 - fixtures

TRACE = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)


def test_records_round_trip_through_tensorflows_message():
    stats = ss.StepStats(
        [
            ss.DeviceStepStats(
                "/job:localhost/replica:0/task:0/device:CPU:0",
                [
                    ss.NodeExecStats(
                        "m",
                        100,
                        op_end_rel_micros=7,
                        memory=[ss.AllocatorMemoryUsed("cpu", 64, 128, 64, 64)],
                        output=[
                            ss.NodeOutput(
                                0,
                                ss.TensorDescription(
                                    "float32", [4, 4], ss.AllocationDescription(64, 64, "cpu")
                                ),
                            )
                        ],
                        timeline_label="m = MatMul(a, a)",
                        thread_id=3,
                    )
                ],
                {3: "inter-op 0"},
            )
        ]
    )
    pb = messages.StepStats.FromString(step_stats_proto.to_proto(stats).SerializeToString())
    out = pb.dev_stats[0].node_stats[0].output[0].tensor_description
    assert out.dtype == messages.DataType.Value("DT_FLOAT") and [d.size for d in out.shape.dim] == [
        4,
        4,
    ]
    assert step_stats_proto.from_proto(pb) == stats


def test_pythons_64_bit_thread_ids_fit_tensorflows_uint32():
    stats = ss.StepStats([ss.DeviceStepStats("d", [ss.NodeExecStats("a", thread_id=2**40 + 5)])])
    pb = step_stats_proto.to_proto(stats)
    assert pb.dev_stats[0].node_stats[0].thread_id == 5


def test_a_cluster_runs_metadata_serializes_with_tensorflow_partition_graphs(
    cluster,  # noqa: F811
    session_config,  # noqa: F811
):
    c = cluster(ps=1, workers=1)
    with tf.device("/job:ps/task:0"):
        a = tf.constant(np.ones((2, 2), np.float32), name="a")
    with tf.device("/job:worker/task:0"):
        b = tf.matmul(a, a, name="b")
    md = tf.RunMetadata()
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        np.testing.assert_array_equal(
            sess.run(b, options=TRACE, run_metadata=md), 2 * np.ones((2, 2))
        )
    pb = messages.RunMetadata.FromString(md.SerializeToString())
    devices = {n.device for g in pb.partition_graphs for n in g.node}
    assert any("/job:ps/" in d for d in devices) and any("/job:worker/" in d for d in devices)
    ops = {n.op for g in pb.partition_graphs for n in g.node}
    assert {"_Send", "_Recv", "MatMul"} <= ops
    back = RunMetadata.FromString(pb)
    assert {d.device for d in back.step_stats.dev_stats} == {
        d.device for d in md.step_stats.dev_stats
    }
