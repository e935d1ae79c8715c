"""The cluster drawing: machines, tasks by job, devices, addresses, live status."""

import time
import xml.etree.ElementTree as ET

import pytest

import teachflow as tf
from teachflow.viz.topology import ClusterView, show_cluster

SVG = "{http://www.w3.org/2000/svg}"
# The chapter's figure: a parameter server and a worker on one machine, a worker on another.
CHAPTER_SPEC = {"ps": ["machine-a:2221"], "worker": ["machine-a:2222", "machine-b:2222"]}


def groups(svg, cls):
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == cls]


def texts(svg):
    return [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_the_chapters_cluster_is_two_machines_and_three_tasks():
    view = show_cluster(CHAPTER_SPEC)
    assert isinstance(view, ClusterView)
    assert list(view.machines) == ["machine-a", "machine-b"]
    assert [t.name for t in view.machines["machine-a"]] == [
        "/job:ps/replica:0/task:0",
        "/job:worker/replica:0/task:0",
    ]
    svg = view.svg()
    assert [g.get("data-host") for g in groups(svg, "machine")] == ["machine-a", "machine-b"]
    assert len(groups(svg, "task")) == 3
    words = texts(svg)
    for address in ("machine-a:2221", "machine-a:2222", "machine-b:2222"):
        assert address in words
    assert "job:ps" in words and "job:worker" in words
    # Nobody was asked: no status is shown.
    assert all(g.get("data-status") == "" for g in groups(svg, "task"))


def test_the_view_renders_as_text_svg_and_html():
    view = show_cluster(tf.train.ClusterSpec(CHAPTER_SPEC))
    assert repr(view).splitlines() == [
        "Cluster: 2 machines, 3 tasks (ps: 1, worker: 2)",
        "machine-a",
        "  job ps",
        "    /job:ps/replica:0/task:0  machine-a:2221",
        "  job worker",
        "    /job:worker/replica:0/task:0  machine-a:2222",
        "machine-b",
        "  job worker",
        "    /job:worker/replica:0/task:1  machine-b:2222",
    ]
    assert view._repr_svg_() == view.svg()
    assert view._repr_html_().startswith('<div class="teachflow-cluster"><svg')


def test_loopback_names_are_one_machine():
    view = show_cluster({"worker": ["localhost:1", "127.0.0.1:2"]})
    assert list(view.machines) == ["localhost"]


def test_running_servers_are_up_with_their_devices_and_a_stopped_one_is_down(servers):
    servers.worker1.stop()  # a machine that went away: nobody listens on its port
    start = time.monotonic()
    view = show_cluster(servers.worker)
    assert time.monotonic() - start < 3.0  # tasks are asked at once, 1 s each at most
    status = {t.name: t.status for t in view.tasks}
    assert status == {
        "/job:ps/replica:0/task:0": "up",
        "/job:worker/replica:0/task:0": "up",
        "/job:worker/replica:0/task:1": "down",
    }
    devices = {t.name: [d.name.rsplit("/", 1)[1] for d in t.devices] for t in view.tasks}
    assert devices["/job:worker/replica:0/task:0"] == [
        "device:CPU:0",
        "device:GPU:0",
        "device:GPU:1",
    ]
    # The ps's devices came over gRPC (GetStatus), not from a Server object.
    assert devices["/job:ps/replica:0/task:0"] == ["device:CPU:0"]
    assert devices["/job:worker/replica:0/task:1"] == []

    svg = view.svg()
    tasks = {g.get("data-task"): g for g in groups(svg, "task")}
    assert tasks["/job:worker/replica:0/task:1"].get("data-status") == "down"
    chips = [g.get("data-device") for g in groups(svg, "device")]
    assert "/job:worker/replica:0/task:0/device:GPU:1" in chips
    assert "up" in texts(svg) and "down" in texts(svg)
    assert "3 tasks (ps: 1, worker: 2), 2 up" in repr(view)
    assert "GPU:0 (" in repr(view)  # GPU memory shown in the text


def test_a_list_of_servers_and_a_plain_spec_asked_live(servers):
    view = show_cluster(servers.all)
    assert [t.status for t in view.tasks] == ["up", "up", "up"]
    assert [len(t.devices) for t in view.tasks] == [1, 3, 1]
    view = show_cluster(servers.spec, live=True)
    assert [t.status for t in view.tasks] == ["up", "up", "up"]
    assert show_cluster(servers.spec).tasks[0].status is None


def test_a_local_session_is_one_task_on_this_machine():
    view = show_cluster(tf.Session(config=tf.ConfigProto(simulated_gpus=1)))
    (task,) = view.tasks
    assert task.name == "/job:localhost/replica:0/task:0"
    assert list(view.machines) == ["this machine"]
    assert [d.device_type for d in task.devices] == ["CPU", "GPU"]


def test_anything_else_is_a_type_error():
    with pytest.raises(TypeError, match="ClusterSpec"):
        show_cluster(42)
