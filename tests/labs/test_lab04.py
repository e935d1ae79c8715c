"""Lab 04 (control dependencies): reference answers pass, typical wrong ones get feedback."""

import teachflow as tf
from teachflow.labs import lab04
from teachflow.labs.lab04 import MiB, gpu_peak_bytes, small_gpu, two_branches
from tests.examples.conftest import start_cluster

TRACE = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)


def memory_hungry(delay, big_elements=512 * 1024):
    """The notebook's graph: a chain of 2 MiB tensors, and ``big`` needed only at the end."""
    n = 512 * 1024
    with tf.device("/gpu:0"):
        if not delay:
            big = tf.fill([big_elements], 3.0, name="big")
        x = tf.fill([n], 1.0, name="x")
        for _ in range(4):
            x = x + 1.0
        if delay:
            with tf.control_dependencies([x.op]):
                big = tf.fill([big_elements], 3.0, name="big")
        return tf.reduce_sum(x) * big


def test_the_notebooks_case_lowers_the_peak_from_6_to_4_mib():
    peaks = {}
    for delay in (False, True):
        tf.reset_default_graph()
        peaks[delay] = round(gpu_peak_bytes(memory_hungry(delay))[1] / MiB, 2)
    assert peaks == {False: 6.0, True: 4.0}


def test_peak_with_big_4mib(lab):
    _, peak = gpu_peak_bytes(memory_hungry(True, 1024 * 1024))
    assert lab.check("peak_with_big_4mib", peak / MiB)
    assert "product" in lab.check("peak_with_big_4mib", 6).feedback
    assert "2 MiB case" in lab.check("peak_with_big_4mib", 4.0).feedback


def fixed_branches():
    n = 512 * 1024
    with tf.device("/gpu:0"):
        a = tf.fill([n], 1.0, name="a")
        sa = tf.reduce_sum(tf.multiply(a, 2.0, name="a2"), name="sa")
        with tf.control_dependencies([sa]):
            b = tf.fill([n], 2.0, name="b")
        sb = tf.reduce_sum(tf.multiply(b, 3.0, name="b2"), name="sb")
        return tf.add(sa, sb, name="out")


def test_lower_the_peak(lab):
    assert lab.check("lower_the_peak", fixed_branches())
    tf.reset_default_graph()
    unfixed = lab.check("lower_the_peak", two_branches())
    assert "6.0 MiB" in unfixed.feedback and unfixed.hint
    tf.reset_default_graph()
    with tf.device("/cpu:0"):
        on_cpu = tf.reduce_sum(tf.fill([512 * 1024], 8.0))
    assert "no longer run on GPU:0" in lab.check("lower_the_peak", on_cpu).feedback
    assert "another value" in lab.check("lower_the_peak", tf.constant(1.0)).feedback
    assert "output tensor" in lab.check("lower_the_peak", 3).feedback


def test_choices(lab):
    assert lab.check("transfer_order", "b")
    assert "same two tensors" in lab.check("transfer_order", "c").feedback
    assert lab.check("implicit_dependency", "a")
    assert "can b run before a" in lab.check("implicit_dependency", "b").feedback


def two_pulls(chained, n=4_000_000):
    """The notebook's section 3: a worker sums two 16 MB variables of the ps."""
    with tf.device("/job:ps/task:0"):
        p1 = tf.Variable(tf.fill([n], 1.0), name="p1")
        p2 = tf.Variable(tf.fill([n], 2.0), name="p2")
    with tf.device("/job:worker/task:0"):
        s1 = tf.reduce_sum(p1, name="s1")
    second = p2
    if chained:
        with tf.device("/job:ps/task:0"), tf.control_dependencies([s1]):
            second = tf.identity(p2, name="p2_after_s1")
    with tf.device("/job:worker/task:0"):
        return s1 + tf.reduce_sum(second, name="s2")


def test_every_claim_of_the_lab_holds_on_a_busy_machine(busy_machine):
    memory = {}
    for delay in (False, True):
        with tf.Graph().as_default():
            out = memory_hungry(delay)
            memory[delay] = tf.RunMetadata()
            with tf.Session(config=small_gpu()) as sess:
                sess.run(out, options=TRACE, run_metadata=memory[delay])
    links = {}
    cluster = start_cluster(ps=1, workers=1)
    try:
        for chained in (False, True):
            with tf.Graph().as_default():
                total = two_pulls(chained)
                with tf.Session(cluster.target("worker", 0)) as sess:
                    sess.run(tf.global_variables_initializer())
                    sess.run(total)
                    links[chained] = tf.RunMetadata()
                    sess.run(total, options=TRACE, run_metadata=links[chained])
    finally:
        cluster.stop()
    claims = lab04.claims(memory=memory, links=links)
    assert len(claims) == 4
    assert claims.all_hold, str(claims)
