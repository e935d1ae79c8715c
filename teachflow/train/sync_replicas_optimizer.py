"""``tf.train.SyncReplicasOptimizer``: synchronous data parallelism between graphs.

Every worker builds the same model in its own graph and wraps its optimizer:

    opt = tf.train.SyncReplicasOptimizer(tf.train.GradientDescentOptimizer(0.1),
                                         replicas_to_aggregate=2, total_num_replicas=3)
    train_op = opt.minimize(loss, global_step=global_step)

What ``apply_gradients`` builds, as TensorFlow 1.x does:

* per variable, on the variable's device, a `ConditionalAccumulator` shared by all workers
  (``shared_name="<var>/grad_accum"``); a worker's ``train_op`` *applies* its gradient
  tagged with its ``sync_rep_local_step`` (a local variable: the global step the worker
  last saw), then dequeues a *token* from ``sync_token_q`` and makes it its new local step;
* the chief's update: ``take_grad(replicas_to_aggregate)`` from every accumulator, the
  wrapped optimizer's update with their means, ``global_step += 1``, then one token per
  replica (each holding the new global step) into ``sync_token_q``. It runs in a loop on
  the chief's queue runner (`get_chief_queue_runner`).

So the global step grows by one per aggregated update, not per worker step. With more
replicas than are aggregated (``total_num_replicas > replicas_to_aggregate``) the slowest
ones are *backup workers*: their gradients arrive after the take advanced the
accumulators' time step, are older than it, and are dropped as stale.

The chief runs ``chief_init_op``, ``get_init_tokens_op()`` and starts the queue runner;
other workers run ``local_step_init_op``. ``make_session_run_hook(is_chief)`` does exactly
that in a `MonitoredTrainingSession`. Forgetting the queue runner makes TF hang; teachflow
fails the workers' step after ``missing_chief_timeout_s`` with a message saying what to
start (see teachflow/train/sync_tokens.py).

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> step = tf.train.get_or_create_global_step()
    >>> w = tf.Variable(1.0, name="w")
    >>> opt = tf.train.SyncReplicasOptimizer(tf.train.GradientDescentOptimizer(0.25), 1)
    >>> train = opt.minimize(w * w, global_step=step)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     sess.run([opt.chief_init_op, opt.get_init_tokens_op()])
    ...     coord = tf.train.Coordinator()
    ...     threads = opt.get_chief_queue_runner().create_threads(sess, coord, start=True)
    ...     for _ in range(2):  # step 2 waits for the token of update 1
    ...         _ = sess.run(train)
    ...     print(*sess.run([w, step]))
    ...     coord.request_stop()
    ...     coord.join(threads)
    [None, None]
    0.5 1
"""

from __future__ import annotations

import logging

from teachflow.framework.graph import GraphKeys
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import colocate_with, control_dependencies, device, name_scope
from teachflow.ops import control_flow_ops, state_ops
from teachflow.ops.accumulator_ops import ConditionalAccumulator
from teachflow.ops.data_flow_ops import FIFOQueue
from teachflow.ops.filling import fill
from teachflow.ops.variables import Variable, global_variables, report_uninitialized_variables
from teachflow.train import sync_tokens
from teachflow.train.optimizer import Optimizer
from teachflow.train.queue_runner import QueueRunner
from teachflow.train.session_run_hook import SessionRunHook

__all__ = ["SyncReplicasOptimizer"]

_logger = logging.getLogger("teachflow")


class SyncReplicasOptimizer(Optimizer):
    """Aggregates ``replicas_to_aggregate`` gradients per variable, then applies ``opt``.

    Args:
      opt: the optimizer that applies the averaged gradients (its slots live with the
        variables, as usual).
      replicas_to_aggregate: gradients averaged per update.
      total_num_replicas: workers computing gradients (default ``replicas_to_aggregate``);
        more than ``replicas_to_aggregate`` means backup workers.
      variable_averages, variables_to_average: an ``ExponentialMovingAverage``-like
        object (with ``apply(var_list)``) the chief runs after each update.
      use_locking, name: as for every optimizer.
      missing_chief_timeout_s: teachflow's addition (keyword only): how long a worker
        waits for a token while no chief queue runner has ever served the token queue
        before its step fails with FailedPreconditionError. None waits forever, as TF.

    Raises ValueError from ``apply_gradients`` without gradients or without a global
    step (it is what tells stale gradients apart).
    """

    def __init__(
        self,
        opt,
        replicas_to_aggregate,
        total_num_replicas=None,
        variable_averages=None,
        variables_to_average=None,
        use_locking=False,
        name="sync_replicas",
        *,
        missing_chief_timeout_s=10.0,
    ):
        if total_num_replicas is None:
            total_num_replicas = replicas_to_aggregate
        super().__init__(use_locking, name)
        _logger.info(
            "SyncReplicasV2: replicas_to_aggregate=%s; total_num_replicas=%s",
            replicas_to_aggregate,
            total_num_replicas,
        )
        self._opt = opt
        self._replicas_to_aggregate = replicas_to_aggregate
        self._gradients_applied = False
        self._variable_averages = variable_averages
        self._variables_to_average = variables_to_average
        self._total_num_replicas = total_num_replicas
        # Enough tokens after each update for every replica, backups included.
        self._tokens_per_step = max(total_num_replicas, replicas_to_aggregate)
        self._missing_chief_timeout_s = missing_chief_timeout_s
        self._global_step = None
        self._sync_token_queue = None
        self._chief_queue_runner = None
        self._accumulator_list = []

    def compute_gradients(self, *args, **kwargs):
        """The wrapped optimizer's ``compute_gradients``: ``[(gradient, variable), ...]``."""
        return self._opt.compute_gradients(*args, **kwargs)

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Build the accumulators, the chief's update and the token queue; returns the
        worker's ``train_op`` (apply the gradients, then wait for a token)."""
        grads_and_vars = list(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("Must supply at least one variable")
        if global_step is None:
            raise ValueError("Global step is required to check staleness")
        self._global_step = global_step
        train_ops = []
        aggregated_grad = []
        var_list = []

        # The local step lives on this worker (next to an op the device scope put here),
        # not on a ps task: each worker has its own.
        local_anchor = control_flow_ops.no_op()
        with colocate_with(local_anchor):
            self._local_step = Variable(
                initial_value=0,
                trainable=False,
                collections=[GraphKeys.LOCAL_VARIABLES],
                dtype=global_step.dtype.base_dtype,
                name="sync_rep_local_step",
            )
        self.local_step_init_op = state_ops.assign(self._local_step, global_step)
        chief_init_ops = [self.local_step_init_op]
        self.ready_for_local_init_op = report_uninitialized_variables(global_variables())

        # The token queue first: the chief's takes depend on its sign of life.
        with device(global_step.device), name_scope(""):
            sync_token_queue = FIFOQueue(
                -1,
                global_step.dtype.base_dtype,
                shapes=[[]],
                name="sync_token_q",
                shared_name="sync_token_q",
            )
            self._sync_token_queue = sync_token_queue
            chief_alive = sync_tokens.chief_alive(sync_token_queue)

        with name_scope(None, self._name):
            for grad, var in grads_and_vars:
                var_list.append(var)
                with device(var.device):
                    if grad is None:
                        aggregated_grad.append(None)  # passed through
                        continue
                    if not isinstance(grad, Tensor):
                        raise ValueError("Unknown grad type!")
                    grad_accum = ConditionalAccumulator(
                        grad.dtype,
                        shape=var.get_shape(),
                        shared_name=var.name + "/grad_accum",
                    )
                    train_ops.append(grad_accum.apply_grad(grad, local_step=self._local_step))
                    with control_dependencies([chief_alive]):
                        aggregated_grad.append(grad_accum.take_grad(self._replicas_to_aggregate))
                    self._accumulator_list.append((grad_accum, var.device))

            aggregated_grads_and_vars = zip(aggregated_grad, var_list)

            # The update runs on the global step's device.
            with device(global_step.device), name_scope(""):
                update_op = self._opt.apply_gradients(aggregated_grads_and_vars, global_step)

            with device(global_step.device), name_scope(""):
                # A worker waits for a token once its gradients are in.
                with control_dependencies(train_ops):
                    token = sync_tokens.token_dequeue(
                        sync_token_queue, self._missing_chief_timeout_s
                    )
                train_op = state_ops.assign(self._local_step, token)

                with control_dependencies([update_op]):
                    # After the update, one token per replica: each may start its next step.
                    # The tokens hold the *new* global step: read here, after the update.
                    # (TF's graph reads `global_step/read`, which aliases the variable's
                    # buffer; teachflow's values are never changed in place.)
                    tokens = fill([self._tokens_per_step], _read_after(global_step))
                    sync_op = sync_token_queue.enqueue_many((tokens,))

                if self._variable_averages is not None:
                    with control_dependencies([sync_op]), name_scope(""):
                        sync_op = self._variable_averages.apply(self._variables_to_average)

                # Stopping the chief's coordinator also wakes the takes its update waits in.
                cancel_op = control_flow_ops.group(
                    sync_token_queue.close(cancel_pending_enqueues=True),
                    *[acc.cancel_take_grads() for acc, _ in self._accumulator_list],
                    name="sync_token_q_Cancel",
                )
                self._chief_queue_runner = QueueRunner(
                    sync_token_queue, [sync_op], cancel_op=cancel_op
                )
            for accum, dev in self._accumulator_list:
                with device(dev):
                    chief_init_ops.append(accum.set_global_step(global_step, name="SetGlobalStep"))
            self.chief_init_op = control_flow_ops.group(*chief_init_ops)
            self._gradients_applied = True
            return train_op

    def get_chief_queue_runner(self):
        """The QueueRunner the chief must start: it runs the aggregated update in a loop."""
        if self._gradients_applied is False:
            raise ValueError("Should be called after apply_gradients().")
        return self._chief_queue_runner

    def get_slot(self, *args, **kwargs):
        return self._opt.get_slot(*args, **kwargs)

    def variables(self):
        return self._opt.variables()

    def get_slot_names(self, *args, **kwargs):
        return self._opt.get_slot_names(*args, **kwargs)

    def get_init_tokens_op(self, num_tokens=-1):
        """Tokens for the first step (default: ``replicas_to_aggregate`` of them).

        Raises ValueError before ``apply_gradients`` or for too few tokens."""
        if self._gradients_applied is False:
            raise ValueError("get_init_tokens_op() should be called after apply_gradients().")
        tokens_needed = self._replicas_to_aggregate - self._total_num_replicas
        if num_tokens == -1:
            num_tokens = self._replicas_to_aggregate
        elif num_tokens < tokens_needed:
            raise ValueError(
                f"Too few tokens to finish the first step: {num_tokens} (given) vs "
                f"{tokens_needed} (needed)"
            )
        if num_tokens > 0:
            with device(self._global_step.device), name_scope(""):
                tokens = fill([num_tokens], self._global_step)
                return self._sync_token_queue.enqueue_many((tokens,))
        return control_flow_ops.no_op(name="no_init_tokens")

    def make_session_run_hook(self, is_chief, num_tokens=-1):
        """A hook that runs the init ops (and, on the chief, starts the queue runner)."""
        return _SyncReplicasOptimizerHook(self, is_chief, num_tokens)


class _SyncReplicasOptimizerHook(SessionRunHook):
    """After the session is created: local init, then (chief) init tokens and queue runner."""

    def __init__(self, sync_optimizer, is_chief, num_tokens):
        self._sync_optimizer = sync_optimizer
        self._is_chief = is_chief
        self._num_tokens = num_tokens

    def begin(self):
        opt = self._sync_optimizer
        if opt._gradients_applied is False:
            raise ValueError(
                "SyncReplicasOptimizer.apply_gradient should be called before using the hook."
            )
        self._ready_for_local_init_op = opt.ready_for_local_init_op
        if self._is_chief:
            self._local_init_op = opt.chief_init_op
            self._q_runner = opt.get_chief_queue_runner()
            self._init_tokens_op = opt.get_init_tokens_op(self._num_tokens)
        else:
            self._local_init_op = opt.local_step_init_op
            self._q_runner = None
            self._init_tokens_op = None

    def after_create_session(self, session, coord):
        not_ready = session.run(self._ready_for_local_init_op)
        if len(not_ready):
            names = ", ".join(n.decode() if isinstance(n, bytes) else str(n) for n in not_ready)
            raise RuntimeError(
                "Init operations did not make model ready for SyncReplicasOptimizer "
                f"local_init. Init op: {self._local_init_op.name}, error: Variables not "
                f"initialized: {names}"
            )
        session.run(self._local_init_op)
        if self._init_tokens_op is not None:
            session.run(self._init_tokens_op)
        if self._q_runner is not None:
            self._q_runner.create_threads(session, coord=coord, daemon=True, start=True)


def _read_after(global_step):
    """The global step's value read by a new op, so it obeys the enclosing control deps."""
    return global_step.read_value() if isinstance(global_step, Variable) else global_step
