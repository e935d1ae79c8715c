"""Lab 07 — queues and asynchronous communication: the exercises of
``notebooks/07_queues_async.ipynb``."""

from __future__ import annotations

from teachflow.labs.claims import Claim, Claims
from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import Choice, Inspect, Value

SHARED_NAME = "tasks"


def dequeue_wait_s(run_metadata) -> float:
    """How long the traced step's dequeue waited on its queue, in seconds (0 if none ran)."""
    waits = [
        ns.op_end_rel_micros / 1e6
        for d in run_metadata.step_stats.dev_stats
        for ns in d.node_stats
        if "= QueueDequeue" in ns.timeline_label
    ]
    return max(waits, default=0.0)


def claims(waiting, got, producer_delay_s: float = 0.5) -> Claims:
    """The lab's claims about section 6's consumer, which asks before the producer delivers:
    ``waiting`` is its traced step's RunMetadata, ``got`` what it received; the producer
    enqueued ``producer_delay_s`` after the consumer's session was ready."""
    return Claims(
        [
            Claim(
                "the consumer's dequeue waited on the empty queue for the producer: seconds",
                round(dequeue_wait_s(waiting), 2),
                ">=",
                producer_delay_s / 2,
            ),
            Claim("... and then got the first element: elements received", len(got), "==", 1),
        ]
    )


def _check_shared_consumer(graph) -> str | None:
    """A graph of its own whose queue is the producer's: same shared_name, on the ps task."""
    import teachflow as tf
    from teachflow.framework.device_spec import DeviceSpec

    if not isinstance(graph, tf.Graph):
        return f"Hand in the consumer's `tf.Graph`, not a {type(graph).__name__}."
    queues = [op for op in graph.get_operations() if op.type.endswith("QueueV2")]
    if not queues:
        return "The graph has no queue: create one with `tf.FIFOQueue(...)`."
    shared = [q for q in queues if q._attrs.get("shared_name") == SHARED_NAME]
    if not shared:
        names = [q._attrs.get("shared_name") or "(none)" for q in queues]
        return (
            f"Its queue's shared_name is {', '.join(names)}: only the same shared_name makes two "
            "graphs' queues one queue."
        )
    spec = DeviceSpec.from_string(shared[0].device or "")
    if (spec.job, spec.task or 0) != ("ps", 0):
        return (
            f"The queue asks for {shared[0].device or 'no device'}: a shared queue is found on the "
            "task that holds it, the ps task here."
        )
    if not any(op.type.startswith("QueueDequeue") for op in graph.get_operations()):
        return "The consumer never takes anything out: add a dequeue."
    return None


LAB = Lab(
    "07",
    "Queues and asynchronous communication",
    [
        Exercise(
            "up_to_after_close",
            "enqueue_many 1..6, dequeue_many(4), close, dequeue_up_to(4): what comes out last?",
            Value(
                [5, 6],
                mistakes={(6, 5): "A FIFO queue hands elements out in the order they came in."},
            ),
            hints=(
                "dequeue_many(4) took the first four elements, in order: a FIFO queue.",
                "Once a queue is closed, dequeue_up_to returns what is left instead of waiting "
                "for the full count.",
                "Build the queue, run the four ops in that order in one session and print the "
                "result of the last one.",
            ),
            explanation="dequeue_up_to(n) waits for n elements while the queue is open; after "
            "close() it hands over the remaining ones (here 5 and 6), and only an empty closed "
            "queue raises OutOfRangeError.",
            expects="a list of numbers",
        ),
        Exercise(
            "closed_queue",
            "A queue holding two elements is closed: what happens next?",
            Choice(
                "b",
                options="abcd",
                mistakes={
                    "a": "Closing keeps what is already inside: consumers can still drain it.",
                    "c": "A dequeue only blocks on an open queue; a closed one can never be "
                    "filled again, so waiting would be pointless.",
                    "d": "A closed queue refuses every new element, whatever its capacity.",
                },
            ),
            hints=(
                "Two questions: what happens to the elements already inside, and to new ones?",
                "Try it: enqueue two elements, close, then dequeue three times and enqueue once, "
                "catching tf.errors.OpError to see each error's class.",
            ),
            explanation="Closing a queue says 'no more input': the two elements are still "
            "dequeued, then dequeue raises OutOfRangeError (how an input pipeline says it is done) "
            "and enqueue raises CancelledError.",
            expects='a letter: "a", "b", "c" or "d"',
        ),
        Exercise(
            "shared_consumer",
            "A consumer graph of its own that dequeues from the producer's queue on the ps task.",
            Inspect(_check_shared_consumer, expects="the consumer graph"),
            hints=(
                "Two graphs share a queue when it has the same shared_name and lives on the same "
                "task.",
                f"In `with tf.Graph().as_default() as consumer:` create the queue with "
                f'`shared_name="{SHARED_NAME}"` under `tf.device("/job:ps/task:0")`, add a dequeue, '
                "run it on worker 1.",
            ),
            explanation="A queue is state on a task, like a variable: any session on any worker "
            "that names it by its shared_name on that task reaches the same queue, so one client "
            "can feed another.",
            expects="a tf.Graph",
        ),
        Exercise(
            "batches_until_out_of_range",
            "range_input_producer(10, num_epochs=3) batched by 4: how many runs before the loop ends?",
            Value(
                7,
                mistakes={
                    8: "tf.train.batch drops the incomplete last batch unless "
                    "allow_smaller_final_batch=True.",
                    30: "That counts numbers; the loop runs once per batch.",
                    2: "num_epochs=3 sends every number three times.",
                    3: "num_epochs=3 sends every number three times.",
                },
            ),
            hints=(
                "How many numbers does the producer emit in total before it closes its queue?",
                "Run the loop of section 7 with these numbers and count the runs.",
            ),
            explanation="30 numbers make 7 full batches of 4; the 2 left over cannot make a batch, "
            "so the 8th run gets OutOfRangeError and the monitored session ends the loop cleanly.",
        ),
    ],
)
