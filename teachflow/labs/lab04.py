"""Lab 04 — control dependencies: the exercises of ``notebooks/04_control_dependencies.ipynb``."""

from __future__ import annotations

from teachflow.labs.claims import Claim, Claims
from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import Choice, Inspect, Value

MiB = 2**20
GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
BRANCH_ELEMENTS = 512 * 1024  # 2 MiB of float32 per tensor of two_branches()


def small_gpu(mib: int = 64):
    """A config with one simulated GPU (the ``teaching`` card) limited to ``mib`` MiB."""
    import teachflow as tf
    from teachflow.sim import get_profile

    fraction = mib * MiB / get_profile("teaching").memory_bytes
    return tf.ConfigProto(
        simulated_gpus=1,
        simulated_gpu_profile="teaching",
        gpu_options=tf.GPUOptions(per_process_gpu_memory_fraction=fraction),
    )


def gpu_peak_bytes(fetch, feed_dict=None) -> tuple[object, int]:
    """Run ``fetch`` (in its graph) traced on `small_gpu`: its value and GPU:0's peak bytes."""
    import teachflow as tf

    meta = tf.RunMetadata()
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    with tf.Session(graph=fetch.graph, config=small_gpu()) as sess:
        value = sess.run(fetch, feed_dict, options=options, run_metadata=meta)
    stats = [d for d in meta.step_stats.dev_stats if d.device == GPU0]
    peaks = [m.peak_bytes for d in stats for ns in d.node_stats for m in ns.memory]
    return value, max(peaks, default=0)


def two_branches():
    """The graph of exercise ``lower_the_peak`` (in the default graph), without the fix."""
    import teachflow as tf

    n = BRANCH_ELEMENTS
    with tf.device("/gpu:0"):
        a = tf.fill([n], 1.0, name="a")
        a2 = tf.multiply(a, 2.0, name="a2")
        sa = tf.reduce_sum(a2, name="sa")
        b = tf.fill([n], 2.0, name="b")
        b2 = tf.multiply(b, 3.0, name="b2")
        sb = tf.reduce_sum(b2, name="sb")
        return tf.add(sa, sb, name="out")


def peak_of(run_metadata, device: str = GPU0) -> int:
    """The peak bytes that a traced run recorded on ``device`` (0 if nothing was allocated)."""
    stats = [d for d in run_metadata.step_stats.dev_stats if d.device == device]
    return max((m.peak_bytes for d in stats for ns in d.node_stats for m in ns.memory), default=0)


def claims(memory: dict, links: dict) -> Claims:
    """The lab's claims, from its traced runs.

    ``memory``: ``{False: run_metadata, True: run_metadata}``, `memory_hungry` without and with
    the control dependency; ``links``: the same for section 3's two pulls from the ps, traced
    with ``output_partition_graphs=True`` and replayed here in virtual time.
    """
    from teachflow.sim import virtual_timeline

    steps = {chained: virtual_timeline(md).steps[0] for chained, md in links.items()}
    worker = next(d for d in steps[False].peak_bytes() if "/job:worker/" in d)
    ops = {e.node: e for e in steps[True].events if e.kind == "op"}
    return Claims(
        [
            Claim(
                "delaying `big` takes one 2 MiB tensor off GPU:0's peak: MiB saved",
                round((peak_of(memory[False]) - peak_of(memory[True])) / MiB, 2),
                ">=",
                2.0,
            ),
            Claim(
                "chained, the ps lets p2 go only once s1 is done: start of p2_after_s1 - end "
                "of s1 (µs, virtual time)",
                (ops["p2_after_s1"].start_ns - ops["s1"].end_ns) / 1e3,
                ">=",
                0.0,
            ),
            Claim(
                "chained, the worker holds one 16 MiB tensor at a time: its peak / unchained",
                round(steps[True].peak_bytes()[worker] / steps[False].peak_bytes()[worker], 3),
                "<=",
                0.55,
            ),
            Claim(
                "... but the step is no faster: chained / unchained step (virtual time)",
                round(steps[True].duration_ns / steps[False].duration_ns, 3),
                ">=",
                1.0,
            ),
        ]
    )


def _check_lower_peak(out) -> str | None:
    import teachflow as tf

    if not isinstance(out, tf.Tensor):
        return f"Hand in the output tensor (`out`), not a {type(out).__name__}."
    value, peak = gpu_peak_bytes(out)
    if value != 8.0 * BRANCH_ELEMENTS:
        return "Your graph computes another value: keep both branches and their sum."
    if peak < 2 * MiB:
        return "The branches no longer run on GPU:0: keep them there, the point is its memory."
    if peak > 4 * MiB + 1024:
        return f"GPU:0 still peaked at {peak / MiB:.1f} MiB."
    return None


LAB = Lab(
    "04",
    "Control dependencies",
    [
        Exercise(
            "peak_with_big_4mib",
            "Make `big` 4 MiB: what is GPU:0's peak (MiB) with the control dependency?",
            Value(
                8,
                atol=0.01,
                mistakes={
                    6: "Count every tensor alive at the very end, including the product's result.",
                    4: "That is the 2 MiB case: run it again with the bigger tensor.",
                },
            ),
            hints=(
                "Run `memory_hungry(delay=True, big_elements=1024 * 1024)` traced and plot its memory.",
                "`viz.plot_memory(run_metadata)` marks the peak; or take the largest `peak_bytes` "
                "in GPU:0's node stats, and divide by 2**20.",
            ),
            explanation="At the end, `big` (4 MiB) and the product (4 MiB) must exist at the "
            "same time, so no schedule can go below 8 MiB: delaying `big` only helps while "
            "something else is the biggest thing alive.",
            expects="a number of MiB",
        ),
        Exercise(
            "lower_the_peak",
            "Add a control dependency to two_branches so that GPU:0 peaks at 4 MiB; hand in out.",
            Inspect(_check_lower_peak, expects="your output tensor"),
            hints=(
                "Both `fill` ops are ready at the start, so both 2 MiB tensors are created early.",
                "Make the second branch's first op wait, with `tf.control_dependencies`, until the "
                "first branch has been reduced to a scalar.",
            ),
            explanation="Once `b` waits for `sa`, the first branch's big tensors are freed "
            "before the second branch makes its own: one branch's memory at a time.",
            expects="a tf.Tensor",
        ),
        Exercise(
            "transfer_order",
            "What does the control dependency change in the communication case's timeline?",
            Choice(
                "b",
                options="abc",
                mistakes={
                    "a": "Look at the two red transfer bars with the dependency in place.",
                    "c": "The same two tensors are sent; compare their sizes in both runs.",
                },
            ),
            hints=(
                "Compare the two timelines of section 3: when does each transfer start?",
                "Look at when `s1` finishes and when the second transfer (red arrow) leaves the ps.",
            ),
            explanation="The second pull now starts only after the first has been consumed, so "
            "the two never compete for the link; the bytes moved are the same.",
            expects='a letter, "a" to "c"',
        ),
        Exercise(
            "implicit_dependency",
            "b = a + 1. What changes if control_dependencies([a, b]) becomes ([b])?",
            Choice(
                "a",
                options="abc",
                mistakes={
                    "b": "x waits for b; can b run before a?",
                    "c": "Try it: the graph builds and runs.",
                },
            ),
            hints=(
                "Dependencies are transitive: follow the edges from `x` back to `a`.",
                "Build both versions and compare the order of the nodes in their step stats.",
            ),
            explanation="b cannot run before a, so waiting for b already means waiting for a. "
            "Listing both is redundant but says what you mean, and keeps working if b changes.",
            expects='a letter, "a" to "c"',
        ),
    ],
)
