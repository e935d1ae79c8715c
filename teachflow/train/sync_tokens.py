"""The sync token queue's waits, made to explain themselves when the chief is missing.

In synchronous training (`SyncReplicasOptimizer`) a worker's step ends by taking a *token*
from ``sync_token_q`` on a ps task. Tokens are put there by one thread only: the chief's
queue runner, after each aggregated update. If nobody started that queue runner, every
worker waits forever -- TensorFlow's classic silent hang. teachflow keeps TF's queue and
adds two small ops so that the wait can tell what is wrong:

* ``SyncTokenQueueChiefAlive`` runs at the start of each of the chief's updates (before it
  waits for gradients) and marks the token queue as served by a chief queue runner;
* ``SyncTokenDequeue`` is the worker's dequeue of a token (TF's ``QueueDequeueV2`` plus
  one rule): after ``missing_chief_timeout_ms`` without a token while no chief ever marked
  the queue, it fails with FailedPreconditionError saying how to start the queue runner.
  If the step's own deadline comes first, its DeadlineExceededError carries the same hint.

A chief that did start keeps its workers waiting as long as it takes, as in TensorFlow.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> q = tf.FIFOQueue(-1, tf.int64, shapes=[[]], name="sync_token_q")
    >>> token = token_dequeue(q, missing_chief_timeout_s=0.2)
    >>> with tf.Session() as sess:
    ...     sess.run(token)
    Traceback (most recent call last):
    ...
    teachflow.framework.errors.FailedPreconditionError: ...never started...
"""

from __future__ import annotations

import time
import weakref

from teachflow.framework import errors, registry
from teachflow.framework.graph import get_default_graph
from teachflow.ops import kernel_context

__all__ = ["chief_alive", "token_dequeue", "MISSING_CHIEF_HINT"]

# Token queues (the queue objects on their ps task) whose chief update has run at least
# once. Weak: a queue cleared from its container (Session.reset) is forgotten with it.
_served_by_chief: weakref.WeakSet = weakref.WeakSet()

MISSING_CHIEF_HINT = (
    "the chief's queue runner was never started, so no aggregated update will ever put "
    "a token there (TensorFlow would wait here forever). On the chief worker, after "
    "`sess.run(sync_opt.chief_init_op)` and `sess.run(sync_opt.get_init_tokens_op())`, "
    "start it with `sync_opt.get_chief_queue_runner().create_threads(sess, coord=coord, "
    "start=True)`, or pass `hooks=[sync_opt.make_session_run_hook(is_chief=True)]` to "
    "`tf.train.MonitoredTrainingSession` on the chief."
)


def _starved(queue, waited_s):
    return errors.FailedPreconditionError(
        None,
        None,
        f"A worker waited {waited_s:g} s for a token from the sync token queue "
        f"'{queue.name}', but {MISSING_CHIEF_HINT}",
    )


def _dequeue_kernel(op, device):
    timeout_ms = op._attrs.get("missing_chief_timeout_ms", 0)
    timeout_s = timeout_ms / 1000.0 if timeout_ms > 0 else None
    dl = kernel_context.step_deadline

    def dequeue(queue):
        step_dl = dl.get()
        check_at = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            chief_seen = queue in _served_by_chief
            if check_at is None or chief_seen:
                try:
                    return queue.dequeue(step_dl)[0]
                except errors.DeadlineExceededError as e:
                    if chief_seen or queue in _served_by_chief:
                        raise
                    raise errors.DeadlineExceededError(
                        None,
                        None,
                        f"{e.message} while waiting for a sync token: {MISSING_CHIEF_HINT}",
                    ) from None
            # Wait no longer than the check; queue.dequeue takes nothing once it gave up.
            until = check_at if step_dl is None else min(check_at, step_dl)
            try:
                return queue.dequeue(until)[0]
            except errors.DeadlineExceededError as e:
                if queue in _served_by_chief:
                    if step_dl is not None and until == step_dl:
                        raise
                    continue  # the chief came while we waited: wait on, as TF would
                if step_dl is not None and until == step_dl:
                    raise errors.DeadlineExceededError(
                        None,
                        None,
                        f"{e.message} while waiting for a sync token: {MISSING_CHIEF_HINT}",
                    ) from None
                raise _starved(queue, timeout_s) from None

    return dequeue


def _chief_alive_kernel(op, device):
    return lambda queue: _served_by_chief.add(queue)


registry.register(
    "SyncTokenDequeue",
    lambda op: [(op._attrs["component_types"][0], [])],
    _dequeue_kernel,
    stateful=True,
    ref_inputs=(0,),
    cheap=False,
    blocking=True,
    not_differentiable=True,
)
registry.register(
    "SyncTokenQueueChiefAlive",
    lambda op: [],
    _chief_alive_kernel,
    stateful=True,
    ref_inputs=(0,),
    not_differentiable=True,
)


def token_dequeue(token_queue, missing_chief_timeout_s=None, name=None):
    """A worker's dequeue of one token from ``token_queue`` (a one-component queue).

    ``missing_chief_timeout_s``: after this long without a token, and no chief update
    ever seen on the queue, fail with FailedPreconditionError (None: wait as TF does)."""
    ms = 0 if missing_chief_timeout_s is None else max(1, int(missing_chief_timeout_s * 1000))
    op = get_default_graph().create_op(
        "SyncTokenDequeue",
        [token_queue.queue_ref],
        {"component_types": list(token_queue.dtypes), "missing_chief_timeout_ms": ms},
        name=name or f"{token_queue.name}_Dequeue",
    )
    return op.outputs[0]


def chief_alive(token_queue, name=None):
    """The op the chief's update runs first: "a chief queue runner serves this queue"."""
    return get_default_graph().create_op(
        "SyncTokenQueueChiefAlive",
        [token_queue.queue_ref],
        {},
        name=name or f"{token_queue.name}_ChiefAlive",
    )
