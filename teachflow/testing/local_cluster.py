"""``tf.test.create_local_cluster``: a real cluster of in-process servers on free ports.

Each task is a `tf.train.Server` (gRPC, this process) listening on ``localhost``; the
cluster's ``ClusterSpec`` has jobs ``worker`` and ``ps``. The caller stops them.

    >>> import teachflow as tf
    >>> workers, ps = tf.test.create_local_cluster(num_workers=1, num_ps=1)
    >>> with tf.device("/job:ps/task:0"):
    ...     v = tf.Variable(3.0)
    >>> with tf.Session(workers[0].target) as sess:
    ...     sess.run(v.initializer)
    ...     float(sess.run(v * 2))
    6.0
    >>> for server in workers + ps:
    ...     server.stop()
"""

from __future__ import annotations

from teachflow.distributed.cluster import ClusterSpec
from teachflow.distributed.ports import free_ports
from teachflow.distributed.server import Server

__all__ = ["create_local_cluster"]


def create_local_cluster(num_workers, num_ps, protocol="grpc", worker_config=None, ps_config=None):
    """Start ``num_workers`` worker and ``num_ps`` ps servers; returns
    ``(workers, ps_servers)``, lists of started `Server` s (``server.target`` is
    ``grpc://localhost:<port>``). ``worker_config``/``ps_config`` are their ConfigProtos.
    """
    ports = free_ports(num_workers + num_ps)
    cluster = ClusterSpec(
        {
            "worker": [f"localhost:{p}" for p in ports[:num_workers]],
            "ps": [f"localhost:{p}" for p in ports[num_workers:]],
        }
    )
    started = []
    try:
        for job, count, config in (
            ("worker", num_workers, worker_config),
            ("ps", num_ps, ps_config),
        ):
            for index in range(count):
                started.append(
                    Server(
                        cluster, job_name=job, protocol=protocol, task_index=index, config=config
                    )
                )
    except BaseException:
        for server in started:
            server.stop()
        raise
    return started[:num_workers], started[num_workers:]
