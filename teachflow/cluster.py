"""A cluster of local server processes, one per task: ``LocalCluster``.

>>> import teachflow as tf
>>> from teachflow.cluster import LocalCluster
>>> with LocalCluster(ps=1, workers=2) as cluster:
...     with tf.Session(cluster.target("worker", 0)) as sess:
...         print(sess.run(tf.constant(1.0) * 3))
3.0
"""

from teachflow.distributed.launcher import LocalCluster

__all__ = ["LocalCluster"]
