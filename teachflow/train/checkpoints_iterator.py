"""``tf.train.checkpoints_iterator``: wait for each new checkpoint a trainer writes.

An evaluator runs beside the trainer and reads ``latest_checkpoint(checkpoint_dir)``
every second; each new path is yielded once. With ``timeout`` the iterator ends after
that many seconds without a new checkpoint (unless ``timeout_fn()`` says to keep
waiting); ``min_interval_secs`` spaces the yields.

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> logdir = tempfile.mkdtemp()
    >>> with tf.Graph().as_default():
    ...     v = tf.Variable(1.0)
    ...     saver = tf.train.Saver()
    ...     with tf.Session() as sess:
    ...         sess.run(v.initializer)
    ...         path = saver.save(sess, os.path.join(logdir, "model"), global_step=1)
    >>> [os.path.basename(p) for p in tf.train.checkpoints_iterator(logdir, timeout=0.5)]
    ['model-1']
"""

from __future__ import annotations

import time

from teachflow import logging
from teachflow.train.checkpoint_management import latest_checkpoint

__all__ = ["checkpoints_iterator", "wait_for_new_checkpoint"]


def wait_for_new_checkpoint(checkpoint_dir, last_checkpoint=None, seconds_to_sleep=1, timeout=None):
    """The newest checkpoint of ``checkpoint_dir`` once it differs from
    ``last_checkpoint``; None when ``timeout`` seconds pass first."""
    logging.info("Waiting for new checkpoint at %s", checkpoint_dir)
    stop_time = time.time() + timeout if timeout is not None else None
    while True:
        path = latest_checkpoint(checkpoint_dir)
        if path is not None and path != last_checkpoint:
            logging.info("Found new checkpoint at %s", path)
            return path
        if stop_time is not None and time.time() + seconds_to_sleep > stop_time:
            return None
        time.sleep(seconds_to_sleep)


def checkpoints_iterator(checkpoint_dir, min_interval_secs=0, timeout=None, timeout_fn=None):
    """Yield each new checkpoint path of ``checkpoint_dir`` (see the module docstring)."""
    checkpoint_path = None
    while True:
        new_path = wait_for_new_checkpoint(checkpoint_dir, checkpoint_path, timeout=timeout)
        if new_path is None:
            if not timeout_fn:
                logging.info("Timed-out waiting for a checkpoint.")
                return
            if timeout_fn():
                return
            continue
        start = time.time()
        checkpoint_path = new_path
        yield checkpoint_path
        time_to_next = start + min_interval_secs - time.time()
        if time_to_next > 0:
            time.sleep(time_to_next)
