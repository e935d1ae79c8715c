"""``tf.train.basic_train_loop``: the smallest training loop a `Supervisor` can drive.

It opens ``supervisor.managed_session(master)`` and calls ``train_step_fn(sess, *args,
**kwargs)`` until the supervisor says stop. An `tf.errors.AbortedError` (a server of the
cluster restarted) reopens the session and goes on, as in TensorFlow.

    >>> import tempfile
    >>> import teachflow as tf
    >>> with tf.Graph().as_default():
    ...     step = tf.train.get_or_create_global_step()
    ...     bump = tf.assign_add(step, 1)
    ...     sv = tf.train.Supervisor(logdir=tempfile.mkdtemp(), save_model_secs=0,
    ...                              save_summaries_secs=0)
    ...     def train_step(sess):
    ...         if sess.run(bump) == 3:
    ...             sv.request_stop()
    ...     tf.train.basic_train_loop(sv, train_step)
"""

from __future__ import annotations

from teachflow.framework import errors

__all__ = ["basic_train_loop"]


def basic_train_loop(supervisor, train_step_fn, args=None, kwargs=None, master=""):
    """Run ``train_step_fn(sess, *args, **kwargs)`` in ``supervisor``'s managed session
    until ``supervisor.should_stop()``; AbortedError restarts the session."""
    args = [] if args is None else args
    kwargs = {} if kwargs is None else kwargs
    should_retry = True
    while should_retry:
        should_retry = False
        try:
            with supervisor.managed_session(master) as sess:
                while not supervisor.should_stop():
                    train_step_fn(sess, *args, **kwargs)
        except errors.AbortedError:
            should_retry = True
