"""Lab 07 (queues and asynchronous communication): reference answers pass, typical wrong ones
get feedback."""

import threading
import time

import teachflow as tf
from teachflow.labs import lab07
from tests.examples.conftest import start_cluster


def test_up_to_after_close(lab):
    q = tf.FIFOQueue(10, tf.int32, shapes=[[]])
    fill = q.enqueue_many([[1, 2, 3, 4, 5, 6]])
    many, close, up_to = q.dequeue_many(4), q.close(), q.dequeue_up_to(4)
    with tf.Session() as sess:
        sess.run(fill)
        sess.run(many)
        sess.run(close)
        answer = sess.run(up_to)
    assert lab.check("up_to_after_close", answer)
    assert lab.check("up_to_after_close", [5, 6])
    assert "order they came in" in lab.check("up_to_after_close", [6, 5]).feedback
    assert "shape" in lab.check("up_to_after_close", [5, 6, 0, 0]).feedback


def test_closed_queue(lab):
    assert lab.check("closed_queue", "b")
    assert "drain" in lab.check("closed_queue", "a").feedback
    assert "refuses" in lab.check("closed_queue", "d").feedback


def test_shared_consumer(lab):
    with tf.Graph().as_default() as consumer:
        with tf.device("/job:ps/task:0"):
            q = tf.FIFOQueue(10, tf.int32, shapes=[[]], shared_name="tasks", name="tasks")
        q.dequeue_many(3)
    assert lab.check("shared_consumer", consumer)

    with tf.Graph().as_default() as unshared:
        with tf.device("/job:ps/task:0"):
            q = tf.FIFOQueue(10, tf.int32, shapes=[[]], name="tasks")
        q.dequeue()
    assert "same shared_name" in lab.check("shared_consumer", unshared).feedback

    with tf.Graph().as_default() as elsewhere:
        q = tf.FIFOQueue(10, tf.int32, shapes=[[]], shared_name="tasks")
        q.dequeue()
    assert "ps task" in lab.check("shared_consumer", elsewhere).feedback

    with tf.Graph().as_default() as no_dequeue:
        with tf.device("/job:ps/task:0"):
            tf.FIFOQueue(10, tf.int32, shapes=[[]], shared_name="tasks")
    assert "add a dequeue" in lab.check("shared_consumer", no_dequeue).feedback
    assert "tf.Graph" in lab.check("shared_consumer", q).feedback


def test_batches_until_out_of_range(lab):
    numbers = tf.train.range_input_producer(10, num_epochs=3, shuffle=False)
    batch = tf.train.batch([numbers.dequeue()], batch_size=4)
    runs = 0
    with tf.train.MonitoredSession() as sess:
        while not sess.should_stop():
            sess.run(batch)
            runs += 1
    assert lab.check("batches_until_out_of_range", runs)
    assert "allow_smaller_final_batch" in lab.check("batches_until_out_of_range", 8).feedback
    assert "three times" in lab.check("batches_until_out_of_range", 3).feedback


def test_the_waiting_consumer_claims_hold_on_a_busy_machine(busy_machine):
    cluster = start_cluster(ps=1, workers=2)

    def jobs_queue():
        with tf.device("/job:ps/task:0"):
            return tf.FIFOQueue(10, tf.int32, shapes=[[]], shared_name="jobs", name="jobs")

    try:
        producer, consumer = tf.Graph(), tf.Graph()
        with producer.as_default():
            push = jobs_queue().enqueue_many([[10, 20, 30]])
        with consumer.as_default():
            pull = jobs_queue().dequeue()
        meta, got, asking = tf.RunMetadata(), [], threading.Event()
        trace = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, timeout_in_ms=30_000)

        def consume():
            with tf.Session(cluster.target("worker", 1), graph=consumer) as sess:
                asking.set()
                got.append(sess.run(pull, options=trace, run_metadata=meta))

        waiting = threading.Thread(target=consume)
        waiting.start()
        assert asking.wait(30)
        # The lesson's own half second: the time the producer lets pass, not a synchronisation
        # (the claim below measures on the ps how long the dequeue really waited).
        time.sleep(0.5)
        with tf.Session(cluster.target("worker", 0), graph=producer) as sess:
            sess.run(push)
        waiting.join(30)
        assert not waiting.is_alive()
    finally:
        cluster.stop()
    assert got == [10]
    claims = lab07.claims(meta, got)
    assert claims.all_hold, str(claims)
