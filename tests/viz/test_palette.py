"""The colour tables every view shares: reserved colours, stable assignment, op families."""

import pytest

from teachflow.framework import registry
from teachflow.viz import palette


def test_reserved_colours_follow_dask():
    assert palette.TRANSFER == "#d62728"  # red: a tensor crossing a device or task
    assert palette.IDLE == "#ffffff"
    assert palette.ERROR == "#000000"
    assert set(palette.RESERVED) == {
        palette.TRANSFER,
        palette.IDLE,
        palette.ERROR,
        palette.UNPLACED,
    }


def test_assignable_colours_are_distinct_and_never_reserved():
    colours = [palette.nth_color(i) for i in range(120)]
    assert len(set(colours)) == len(colours)
    assert not set(colours) & set(palette.RESERVED)
    assert all(len(c) == 7 and c.startswith("#") for c in colours)


def test_colour_table_is_the_same_for_the_same_set_in_any_order():
    devices = [f"/job:worker/replica:0/task:{t}/device:GPU:{g}" for t in range(2) for g in range(3)]
    a = palette.color_table(devices)
    b = palette.color_table(list(reversed(devices)))
    assert a == b
    assert len(set(a.values())) == len(devices)
    assert a[devices[0]] == palette.QUALITATIVE[0]


def test_fixed_colours_take_no_slot():
    table = palette.color_table(["unplaced", "/gpu:0", "/gpu:1"], fixed={"unplaced": "#c7c7c7"})
    assert table == {"unplaced": "#c7c7c7", "/gpu:0": "#1f77b4", "/gpu:1": "#ff7f0e"}


def test_devices_sort_by_job_task_type_then_number():
    names = [
        "/job:worker/replica:0/task:1/device:CPU:0",
        "/job:worker/replica:0/task:0/device:GPU:10",
        "/job:worker/replica:0/task:0/device:GPU:2",
        "/job:ps/replica:0/task:0/device:CPU:0",
        "/job:worker/replica:0/task:0/device:CPU:0",
    ]
    assert sorted(names, key=palette.device_sort_key) == [
        "/job:ps/replica:0/task:0/device:CPU:0",
        "/job:worker/replica:0/task:0/device:CPU:0",
        "/job:worker/replica:0/task:0/device:GPU:2",
        "/job:worker/replica:0/task:0/device:GPU:10",
        "/job:worker/replica:0/task:1/device:CPU:0",
    ]
    # Short forms and text that is no device at all still sort, the text last.
    assert sorted(["zzz", "/gpu:1", "/cpu:0"], key=palette.device_sort_key) == [
        "/cpu:0",
        "/gpu:1",
        "zzz",
    ]


@pytest.mark.parametrize(
    "op_type, family",
    [
        ("MatMul", "matrix"),
        ("BatchMatMulV2", "matrix"),
        ("VariableV2", "state"),
        ("Assign", "state"),
        ("FIFOQueueV2", "state"),
        ("ApplyAdam", "training"),
        ("Const", "input"),
        ("Placeholder", "input"),
        ("ReluGrad", "gradient"),
        ("BroadcastGradientArgs", "gradient"),
        ("Relu", "nn"),
        ("Softmax", "nn"),
        ("Sum", "reduction"),
        ("Reshape", "array"),
        ("ScatterNd", "array"),
        ("NoOp", "control"),
        ("RandomUniform", "random"),
        ("Add", "math"),
        ("_Send", "transfer"),
        ("_Recv", "transfer"),
        ("SomethingNew", "other"),
    ],
)
def test_op_families(op_type, family):
    assert palette.op_family(op_type) == family


def test_every_registered_op_has_a_family_colour():
    families = {palette.op_family(t) for t in registry.registered_types()}
    assert families <= set(palette.OP_FAMILY_COLORS)
    assert palette.OP_FAMILY_COLORS["transfer"] == palette.TRANSFER
    others = [t for t in registry.registered_types() if palette.op_family(t) == "other"]
    assert len(others) < 10, others


def test_state_ops_own_state():
    assert palette.is_state_op_type("VariableV2")
    assert palette.is_state_op_type("RandomShuffleQueueV2")
    assert not palette.is_state_op_type("QueueEnqueueV2")  # uses a queue, owns none
    assert not palette.is_state_op_type("Assign")


def test_text_reads_on_its_fill():
    assert palette.text_color("#1f77b4") == palette.TEXT_ON_DARK
    assert palette.text_color("#ffbb78") == palette.TEXT
    assert palette.text_color(palette.UNPLACED) == palette.TEXT


def test_tint_mixes_with_white():
    assert palette.tint("#000000", 0.5) == "#808080"
    assert palette.tint("#1f77b4", 1.0) == "#ffffff"
    assert palette.tint("#1f77b4", 0.0) == "#1f77b4"


def test_a_device_keeps_its_colour_whichever_other_devices_a_view_shows():
    # The cluster view shows every device; the graph only those the step used.
    cluster = [
        "/job:ps/replica:0/task:0/device:CPU:0",
        "/job:worker/replica:0/task:0/device:CPU:0",
        "/job:worker/replica:0/task:1/device:CPU:0",
        "/job:worker/replica:0/task:1/device:GPU:0",
    ]
    graph = palette.color_table([cluster[0], cluster[3]])
    everything = palette.color_table(cluster)
    assert everything[cluster[3]] == graph[cluster[3]]
    assert everything[cluster[0]] == graph[cluster[0]]
    assert len(set(everything.values())) == len(cluster)


def test_short_and_full_device_names_share_one_colour():
    full = "/job:worker/replica:0/task:1/device:GPU:0"
    first = palette.color_table(["/job:worker/task:1/gpu:0"])
    assert palette.color_table([full]) == {full: first["/job:worker/task:1/gpu:0"]}
    assert palette.full_name("/job:worker/task:1/gpu:0") == full
    assert palette.full_name("/job:ps/task:0") == "/job:ps/replica:0/task:0"
    assert palette.full_name("unplaced") == "unplaced"


def test_reset_starts_a_new_table():
    palette.color_table(["/gpu:3"])
    palette.SESSION.reset()
    assert palette.color_table(["/gpu:7"]) == {"/gpu:7": palette.QUALITATIVE[0]}
