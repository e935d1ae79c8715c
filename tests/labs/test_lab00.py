"""Lab 00 (welcome): the chapter's example on a cluster; reference answers pass."""

import teachflow as tf
from teachflow.cluster import LocalCluster


def test_the_chapters_example(lab):
    with tf.device("/job:ps/task:0"):
        a = tf.Variable(1.0, name="a")
    c = a * 3
    opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)
    meta = tf.RunMetadata()
    with LocalCluster(ps=1, workers=2, gpus_per_task=1) as cluster:
        with tf.Session(cluster.target("worker", 1)) as sess:
            sess.run(a.initializer)
            value = sess.run(c, options=opts, run_metadata=meta)
    assert lab.check("value_of_c", value)
    assert "`a` itself" in lab.check("value_of_c", 1.0).feedback

    ran_on = {ns.node_name: d.device for d in meta.step_stats.dev_stats for ns in d.node_stats}
    assert lab.check("device_of_c", ran_on[c.op.name])
    assert lab.check("device_of_c", "/job:worker/task:1/gpu:0")
    assert "where `a` lives" in lab.check("device_of_c", "/job:ps/task:0/cpu:0").feedback
    assert "job and the task" in lab.check("device_of_c", "/gpu:0").feedback

    # A partition graph is a list of NodeDefs here (a GraphDef with .node in TensorFlow).
    nodes = [n for g in meta.partition_graphs for n in getattr(g, "node", g)]
    recvs = [n for n in nodes if n.op == "_Recv"]
    assert lab.check("transfers", len(recvs))
    assert "client" in lab.check("transfers", 2).feedback
