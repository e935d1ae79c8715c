"""tf.train.ServerDef / ClusterDef / JobDef: TensorFlow's message classes, byte-compatible."""

import teachflow as tf


def test_server_def_round_trips_and_holds_a_cluster():
    job = tf.train.JobDef(name="worker", tasks={0: "localhost:2222", 1: "localhost:2223"})
    cluster = tf.train.ClusterDef(job=[job])
    server_def = tf.train.ServerDef(
        cluster=cluster, job_name="worker", task_index=1, protocol="grpc"
    )
    again = tf.train.ServerDef.FromString(server_def.SerializeToString())
    assert again.cluster.job[0].tasks[1] == "localhost:2223"
    assert (again.job_name, again.task_index, again.protocol) == ("worker", 1, "grpc")
    assert tf.train.ClusterSpec(cluster).as_dict() == {
        "worker": ["localhost:2222", "localhost:2223"]
    }
