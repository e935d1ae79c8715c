"""Shared by the input-pipeline tests: run a fetch while queue-runner threads feed it."""

from __future__ import annotations

import teachflow as tf


def run_pipeline(sess, fetch, n):
    """``n`` runs of ``fetch`` with the graph's queue runners started; every runner thread
    has ended when this returns (a thread left behind fails the test)."""
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord)
    try:
        return [sess.run(fetch) for _ in range(n)]
    finally:
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=5)
        for t in threads:
            t.join(5)
        assert not any(t.is_alive() for t in threads)
