"""Lab 09 — parallelizing neural networks on a cluster: the exercises of
``notebooks/09_parallel_training.ipynb``."""

from __future__ import annotations

from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import Choice, Inspect, Value


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
