"""Lab 09 — parallelizing neural networks on a cluster: the exercises of
``notebooks/09_parallel_training.ipynb``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from teachflow.labs.claims import Claim, Claims
from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import Choice, Inspect, Value


@dataclass(frozen=True, slots=True)
class UpdateDirections:
    """How well each update of `update_directions` pointed downhill: the cosine between the
    update's gradient and the gradient of the whole training set at the parameters it was
    applied to (1 = exactly downhill), one row per seed, one column per global step."""

    sync: np.ndarray
    async_: np.ndarray
    workers: int
    batch_size: int

    def mean_by_seed(self) -> tuple[np.ndarray, np.ndarray]:
        """Each seed's mean cosine over its updates: (sync, async)."""
        return self.sync.mean(axis=1), self.async_.mean(axis=1)


def update_directions(seeds=8, updates=40, workers=3, batch_size=32, learning_rate=0.2):
    """Synchronous against asynchronous updates of the softmax classifier of section 4, on
    `make_blobs`, replayed in one process with a fixed schedule so that only the seeds vary:

    - synchronous: each update is the mean of ``workers`` fresh mini-batch gradients;
    - asynchronous: each update is one mini-batch gradient, computed from the parameters as
      they were ``workers - 1`` updates earlier (the others updated them meanwhile: stale).

    Both use the same learning rate. Returns an `UpdateDirections`; no clock is read, so a
    busy machine changes nothing.
    """
    import teachflow as tf
    from teachflow.examples.datasets import make_blobs, one_batch

    data = make_blobs(seed=0)
    size = data.num_features * data.num_classes + data.num_classes
    graph = tf.Graph()
    with graph.as_default():
        params = tf.placeholder(tf.float32, [size], name="params")
        x = tf.placeholder(tf.float32, [None, data.num_features], name="x")
        y = tf.placeholder(tf.int32, [None], name="y")
        w = tf.reshape(params[: size - data.num_classes], [data.num_features, data.num_classes])
        logits = tf.matmul(x, w) + params[size - data.num_classes :]
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        )
        (gradient,) = tf.gradients(loss, [params])

    def cosine(a, b):
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    with tf.Session(graph=graph) as sess:

        def grad(at, xb, yb):
            return sess.run(gradient, {params: at, x: xb, y: yb})

        def run(sync, seed):
            rng = np.random.default_rng(seed)
            history = [np.zeros(size, np.float32)]
            cosines = []
            for _ in range(updates):
                now = history[-1]
                if sync:
                    batches = [one_batch(data, batch_size, rng) for _ in range(workers)]
                    update = np.mean([grad(now, *b) for b in batches], axis=0)
                else:
                    stale = history[max(0, len(history) - workers)]
                    update = grad(stale, *one_batch(data, batch_size, rng))
                cosines.append(cosine(update, grad(now, data.x_train, data.y_train)))
                history.append(now - learning_rate * update)
            return cosines

        sync = np.array([run(True, s) for s in range(seeds)])
        async_ = np.array([run(False, s) for s in range(seeds)])
    return UpdateDirections(sync, async_, workers, batch_size)


def claims(directions: UpdateDirections) -> Claims:
    """The lab's claim about synchronous updates, from `update_directions`."""
    sync, async_ = directions.mean_by_seed()
    return Claims(
        [
            Claim(
                "a synchronous update points closer to downhill: mean cosine, sync - async",
                round(float(sync.mean() - async_.mean()), 3),
                ">=",
                0.2,
            ),
            Claim(
                "... for every seed: seeds where sync's mean cosine is higher",
                int((sync > async_).sum()),
                "==",
                len(sync),
            ),
        ]
    )


def accuracy_claims(*results, at_least: float = 0.9) -> Claims:
    """Section 1's promise: every data-parallel run reaches ``at_least`` test accuracy,
    however the workers' threads took turns (one claim per `TrainingResult`)."""
    return Claims(
        Claim(f"{r.name} reaches the promised test accuracy", r.accuracy, ">=", at_least)
        for r in results
    )


def straggler_claims(straggler, with_backup) -> Claims:
    """The lab's claims about a straggler, from two `between_graph_sync` results: without
    backup workers and with one, the last worker sleeping after each of its steps."""
    return Claims(
        [
            Claim(
                "a backup worker stops the straggler holding training back: seconds / without",
                round(with_backup.seconds / straggler.seconds, 2),
                "<=",
                0.8,
            ),
            Claim(
                "... because the latecomer's gradients are dropped: unused gradients",
                with_backup.details["unused_gradients"],
                ">=",
                1,
            ),
        ]
    )


def _check_chief_hooks(hooks) -> str | None:
    """The chief's hooks must start the sync optimizer's queue runner (and stop training)."""
    from teachflow.train.session_run_hook import SessionRunHook
    from teachflow.train.sync_replicas_optimizer import _SyncReplicasOptimizerHook

    if isinstance(hooks, SessionRunHook):
        hooks = [hooks]
    if not isinstance(hooks, (list, tuple)):
        return f"Hand in a list of hooks, not a {type(hooks).__name__}."
    sync = [h for h in hooks if isinstance(h, _SyncReplicasOptimizerHook)]
    if not sync:
        return (
            "None of these hooks comes from the SyncReplicasOptimizer: without one, nobody "
            "runs the chief's init ops or starts its queue runner."
        )
    if not any(h._is_chief for h in sync):
        return (
            "That hook is a worker's (`is_chief=False`): it only sets the local step and never "
            "starts the chief's queue runner, so no update ever happens."
        )
    if not any(type(h).__name__ == "StopAtStepHook" for h in hooks):
        return "The training loop never ends: add a hook that stops it at the last step."
    return None


LAB = Lab(
    "09",
    "Parallelizing neural networks on a cluster",
    [
        Exercise(
            "fresh_gradients",
            "After one take_grad, gradients with local steps 0, 1, 2, 0 arrive: how many count?",
            Value(
                2,
                mistakes={
                    4: "Some of these gradients are older than the accumulator's time step.",
                    1: "A gradient *newer* than the time step is not stale: it counts.",
                    0: "Only gradients older than the time step are dropped.",
                },
            ),
            hints=(
                "What did the take do to the accumulator's time step?",
                "Run the accumulator cell of section 2 with these local steps and read "
                "`num_accumulated()`.",
            ),
            explanation="The take advanced the time step from 0 to 1. A gradient computed at "
            "step 0 is stale and dropped; those of steps 1 and 2 are added.",
        ),
        Exercise(
            "chief_hooks",
            "Hand in the hooks the chief passes to MonitoredTrainingSession for 100 sync updates.",
            Inspect(_check_chief_hooks, expects="your list of hooks"),
            hints=(
                "The optimizer itself makes the hook that knows what a chief must start.",
                "`sync_opt.make_session_run_hook(...)` and `tf.train.StopAtStepHook(...)`.",
            ),
            explanation="The chief's hook runs chief_init_op and the init tokens once the session "
            "exists, then starts the queue runner that makes every aggregated update.",
            expects="a list of hooks",
        ),
        Exercise(
            "late_gradient",
            "3 workers, 1 backup: what happens to the gradient that arrives after the update?",
            Choice(
                "b",
                options="abc",
                mistakes={
                    "a": "Its local step is older than the accumulators' time step now.",
                    "c": "Nothing is ever undone: the accumulator just advances its time step.",
                },
            ),
            hints=(
                "Compare the worker's local step with the accumulator's time step after a take.",
                "Look at `unused_gradients` of the straggler runs in section 4.",
            ),
            explanation="The take advanced the time step; the late gradient was computed at an "
            "older step, so the accumulator drops it as stale. That is what lets a backup "
            "worker's slowness cost nothing.",
            expects='a letter, "a" to "c"',
        ),
        Exercise(
            "ps_traffic_ratio",
            "Bytes into one ps task with 3 workers divided by the bytes with 1 worker (same steps).",
            Value(
                3.0,
                rtol=0.02,
                mistakes={
                    1.0: "Each worker sends its own gradients: the ps receives all of them.",
                    9.0: "Each worker step sends one gradient per parameter, once.",
                },
            ),
            hints=(
                "Every worker step pushes one gradient per parameter to the ps.",
                "Divide `ps_bytes_in()[0]` of the 3-worker, 1-ps run of the sweep in section 6 "
                "by that of the 1-worker run.",
            ),
            explanation="N workers push N times the gradients through the same ps link: its "
            "traffic grows linearly with the workers until the link saturates.",
        ),
    ],
)
