"""Plan steps: named records whose counters and successors are the graph's edges."""

import teachflow as tf
from teachflow.runtime.plan import Transfer
from teachflow.runtime.step import Step, count_down


def test_count_down_readies_a_successor_when_its_last_input_arrives():
    a = Step(None, (), 0, False, None, (2,), 0, False)
    b = Step(None, (), 1, False, None, (2,), 0, False)
    pending, ready = [0, 0, 2], []
    count_down(a, pending, ready)
    assert pending == [0, 0, 1] and ready == []
    count_down(b, pending, ready)
    assert pending == [0, 0, 0] and ready == [2]


def test_outputs_is_always_a_tuple_of_slots():
    one = Step(None, (), 3, False, None, (), 0, False)
    two = Step(None, (), (3, 4), True, None, (), 0, False)
    assert one.outputs == (3,) and two.outputs == (3, 4)


def test_the_chapter_example_plan_counts_data_control_and_transfer_edges():
    with tf.device("/cpu:1"):
        a = tf.constant(1.0, name="a")
    b = tf.add(a, 2.0, name="b")
    three = tf.constant(3.0, name="three")  # made inside, it would carry the control edge
    with tf.control_dependencies([b]):
        c = tf.multiply(a, three, name="c")
    with tf.Session(config=tf.ConfigProto(device_count={"CPU": 2})) as sess:
        assert sess.run([b, c]) == [3.0, 3.0]
        plan = sess._prepare([b, c], ())[2]
    by_name = {s.op.name: j for j, s in enumerate(plan.steps)}
    copy = next(j for j, s in enumerate(plan.steps) if isinstance(s.op, Transfer))
    steps = plan.steps
    assert steps[by_name["a"]].successors == (copy,)
    assert steps[copy].num_predecessors == 1
    assert plan.devices[steps[copy].device_index].name.endswith("CPU:0")
    # b waits for the copy and its constant; c for the copy, its constant and b (control).
    assert steps[by_name["b"]].num_predecessors == 2
    assert steps[by_name["c"]].num_predecessors == 3
    assert by_name["c"] in steps[by_name["b"]].successors
    assert plan.pending == [s.num_predecessors for s in steps]
    assert plan.roots == [j for j, s in enumerate(steps) if s.num_predecessors == 0]
