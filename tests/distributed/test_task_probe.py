"""What a cluster view asks a task: is it up, what devices, what status."""

from teachflow.distributed.task_probe import probe_task, worker_status

TIMEOUT_S = 5.0  # a bound on every call: a bug fails the test instead of hanging it


def test_a_serving_task_is_up_with_its_devices(cluster):
    c = cluster(ps=1, workers=1)
    probe = probe_task("/job:ps/replica:0/task:0", c.address("ps", 0), TIMEOUT_S)
    assert (probe.state, probe.detail) == ("up", "")
    assert [d.name for d in probe.devices] == ["/job:ps/replica:0/task:0/device:CPU:0"]


def test_a_task_nobody_listens_for_is_down_and_unreachable(cluster):
    c = cluster(ps=1, workers=1, down=(("worker", 0),))
    probe = probe_task("/job:worker/replica:0/task:0", c.address("worker", 0), TIMEOUT_S)
    assert (probe.state, probe.detail, probe.devices) == ("down", "unreachable", [])


def test_worker_status_carries_the_get_status_answer(cluster):
    c = cluster(ps=1, workers=1)
    answer = worker_status(c.address("worker", 0), TIMEOUT_S)
    assert answer.state == "up" and answer.response is not None
    names = [d.name for d in answer.response.device_attributes]
    assert names == ["/job:worker/replica:0/task:0/device:CPU:0"]


def test_worker_status_of_a_stopped_task_says_why(cluster):
    c = cluster(ps=1, workers=1, down=(("ps", 0),))
    answer = worker_status(c.address("ps", 0), TIMEOUT_S)
    assert (answer.state, answer.detail, answer.response) == ("down", "unreachable", None)
