"""Partitioned variables in checkpoints, as TensorFlow writes and reads them: one entry per
full variable holding each shard as a slice. Recorded from TF 2.21 by
``tests/fixtures/tensorflow/record_partitioned_checkpoints.py`` (same programs, same values):
the shards' SaveSliceInfo, the Saver's graph, the checkpoint's bytes, the reader's view,
restores into other partitionings, init_from_checkpoint and warm_start."""

import base64
import json
import pathlib
import shutil

import numpy as np
import pytest

import teachflow as tf

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow"
RECORDED = FIXTURES / "partitioned_checkpoints"
CASES = json.loads((RECORDED / "cases.json").read_text())
MODEL = CASES["model"]
TF_PREFIX = "model.ckpt"


def value_of(name):
    shape, _, dtype = MODEL[name]
    return (np.arange(np.prod(shape)).reshape(shape) + 10 * len(name)).astype(dtype)


def build_model(partitions=None, only=None):
    """The recorder's variables (``partitions`` overrides some), plus a plain ``v``."""
    made = {}
    for name in ("w", "b", "e", "m", "layer/k"):  # the recorder's order of creation
        if only is not None and name not in only:
            continue
        parts = (partitions or {}).get(name, MODEL[name][1])
        made[name] = tf.get_variable(
            name,
            initializer=tf.constant(value_of(name)),
            partitioner=(lambda p: lambda shape, dtype: p)(parts) if parts else None,
        )
    if only is None:
        made["v"] = tf.Variable([1.0, 2.0, 3.0], name="v")
    return made


def node_record(graph, prefix):
    """The recorder's view of the nodes under ``prefix``: op, inputs, strings, device."""
    nodes = []
    for node in graph.as_graph_def().node:
        if not node.name.startswith(prefix):
            continue
        rec = {"name": node.name, "op": node.op, "input": list(node.input)}
        if node.op == "Const" and node.attr["dtype"].type == tf.string.as_datatype_enum:
            value = tf.make_ndarray(node.attr["value"].tensor)
            rec["value"] = [x.decode() for x in np.asarray(value).reshape(-1)]
        if node.device:
            rec["device"] = node.device
        nodes.append(rec)
    return nodes


@pytest.fixture
def tf_ckpt(tmp_path):
    """A copy of the checkpoint TF 2.21 wrote for build_model()."""
    return str(shutil.copytree(RECORDED / "ckpt", tmp_path / "ckpt") / TF_PREFIX)


def saved_model_files(directory, **saver_kw):
    made = build_model()
    saver = tf.train.Saver(**saver_kw)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return made, saver.save(sess, str(directory / TF_PREFIX), write_meta_graph=False)


# -- saving --------------------------------------------------------------------------------
def test_shards_carry_tensorflows_save_slice_info():
    made = build_model()
    for name, want in CASES["slice_infos"].items():
        got = [
            {
                "var": v.op.name,
                "full_name": v._save_slice_info.full_name,
                "full_shape": v._save_slice_info.full_shape,
                "var_offset": v._save_slice_info.var_offset,
                "var_shape": v._save_slice_info.var_shape,
                "spec": v._save_slice_info.spec,
            }
            for v in made[name]
        ]
        assert got == want, name


def test_saver_graph_is_tensorflows():
    build_model()
    tf.train.Saver()
    # SaveV2 and RestoreV2 name every slice by its full variable and say which slice it
    # is; shards come in name order (m/part_10 before m/part_2), as TF sorts them.
    assert node_record(tf.get_default_graph(), "save/") == CASES["saver_nodes"]


def test_checkpoint_files_are_tensorflows_byte_for_byte(tmp_path):
    saved_model_files(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir() if p.name != "checkpoint")
    assert names == CASES["files"]
    for name in names:
        assert (tmp_path / name).read_bytes() == (RECORDED / "ckpt" / name).read_bytes(), name


def test_sharded_save_merges_slices_from_two_devices(tmp_path):
    def devices(op):
        return "/job:localhost/replica:0/task:0/device:CPU:0" if "part_1" in op.name else ""

    with tf.device(devices):
        build_model(only=["w"])
    saver = tf.train.Saver(sharded=True)
    assert node_record(tf.get_default_graph(), "save/") == CASES["sharded_nodes"]
    (tmp_path / "sharded").mkdir()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = saver.save(sess, str(tmp_path / "sharded" / TF_PREFIX), write_meta_graph=False)
    for name, data in CASES["sharded_files"].items():
        assert (tmp_path / "sharded" / name).read_bytes() == base64.b64decode(data), name
    assert [list(t) for t in tf.train.list_variables(prefix)] == CASES["sharded_reader"][
        "list_variables"
    ]


@pytest.mark.parametrize("form", sorted(CASES["var_lists"]))
def test_var_list_forms_save_as_tensorflow(tmp_path, form):
    made = build_model(only=["w"])
    var_list = {
        "list_of_partitioned": lambda m: [m["w"]],
        "dict_of_partitioned": lambda m: {"renamed": m["w"]},
        "dict_of_slices": lambda m: {"renamed": list(m["w"])},
        "dict_of_one_slice": lambda m: {"one": list(m["w"])[1]},
        "list_of_slices": lambda m: list(m["w"]),
    }[form](made)
    saver = tf.train.Saver(var_list)
    want = CASES["var_lists"][form]
    assert node_record(tf.get_default_graph(), "save/SaveV2/") == want["nodes"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = saver.save(sess, str(tmp_path / form), write_meta_graph=False)
    reader = tf.train.NewCheckpointReader(prefix)
    assert [list(t) for t in tf.train.list_variables(prefix)] == want["reader"]["list_variables"]
    for name, value in want["reader"]["values"].items():
        np.testing.assert_array_equal(reader.get_tensor(name), value)


def test_mixing_slices_and_a_plain_variable_of_one_name_is_an_error():
    made = build_model(only=["w"])
    with tf.variable_scope("other"):
        plain = tf.Variable([1.0], name="w")
    with pytest.raises(ValueError, match="Slices must all be slices"):
        tf.train.Saver({"w": [*made["w"], plain]})
    other = tf.get_variable("x", [4, 2], partitioner=tf.fixed_size_partitioner(2))
    with pytest.raises(ValueError, match="Slices must all be from the same tensor: w != x"):
        tf.train.Saver({"w": [list(made["w"])[0], list(other)[1]]})


# -- reading -------------------------------------------------------------------------------
def test_reader_sees_whole_variables(tf_ckpt):
    want = CASES["reader"]
    reader = tf.train.NewCheckpointReader(tf_ckpt)
    assert [list(t) for t in tf.train.list_variables(tf_ckpt)] == want["list_variables"]
    assert reader.get_variable_to_shape_map() == want["shapes"]
    assert {n: d.name for n, d in reader.get_variable_to_dtype_map().items()} == want["dtypes"]
    # TF's debug_string lists the slices' keys (OrderedCode bytes), not the full names.
    assert reader.debug_string() == want["debug_string"].encode("latin-1")
    for name, value in want["values"].items():
        assert reader.has_tensor(name)
        got = reader.get_tensor(name)
        assert got.dtype == np.dtype(want["dtypes"][name])
        np.testing.assert_array_equal(got, value)
        np.testing.assert_array_equal(tf.train.load_variable(tf_ckpt, name), value)


# -- restoring -----------------------------------------------------------------------------
def restored_values(prefix, partitions=None, only=None):
    made = build_model(partitions, only)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        saver.restore(sess, prefix)
        return {n: sess.run(tf.convert_to_tensor(v)).tolist() for n, v in made.items()}


@pytest.mark.parametrize(
    "case, partitions",
    [
        ("restore_same", None),
        (
            "restore_repartitioned",
            {"w": [3, 1], "b": [4, 1], "e": [1, 2], "m": [5], "layer/k": [1, 2]},
        ),
        ("restore_whole", {n: None for n in MODEL}),
    ],
)
def test_tensorflows_checkpoint_restores_however_partitioned(tf_ckpt, case, partitions):
    assert restored_values(tf_ckpt, partitions) == CASES[case]


def test_repartitioned_restore_graph_is_tensorflows():
    build_model({"w": [3, 1]}, only=["w"])
    tf.train.Saver()
    nodes = node_record(tf.get_default_graph(), "save/RestoreV2")
    assert nodes == CASES["restore_repartitioned_nodes"]


def test_a_whole_variables_checkpoint_restores_into_shards(tmp_path):
    value = np.arange(10.0, dtype=np.float32).reshape(5, 2)
    with tf.Graph().as_default():
        w = tf.Variable(value, name="w")
        with tf.Session() as sess:
            sess.run(w.initializer)
            prefix = tf.train.Saver().save(sess, str(tmp_path / "whole"))
    with tf.Graph().as_default():
        parts = tf.get_variable("w", [5, 2], partitioner=tf.fixed_size_partitioner(3))
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, prefix)
            np.testing.assert_array_equal(sess.run(tf.convert_to_tensor(parts)), value)


@pytest.mark.parametrize("case", sorted(CASES["errors"]))
def test_restore_errors_are_tensorflows(tf_ckpt, case):
    make = {
        "bigger_shape": lambda: tf.get_variable(
            "w", [6, 2], partitioner=tf.fixed_size_partitioner(2)
        ),
        "missing": lambda: tf.get_variable(
            "nope", [4, 2], partitioner=tf.fixed_size_partitioner(2)
        ),
        "dtype": lambda: tf.get_variable(
            "w", [5, 2], dtype=tf.float64, partitioner=tf.fixed_size_partitioner(2)
        ),
    }[case]
    make()
    want = CASES["errors"][case]
    saver = tf.train.Saver()
    with tf.Session() as sess:
        with pytest.raises(getattr(tf.errors, want["class"])) as info:
            saver.restore(sess, tf_ckpt)
    # The kernel's own lines, after TF's "Detected at node" traceback.
    lines = [ln for ln in want["message"].split("\n") if ln.startswith(("tensor_name", "Key "))]
    assert info.value.message.startswith(want["message"].split(" Original error:")[0])
    for line in lines:
        assert line in info.value.message
    assert info.value.message.count(lines[0]) == len(lines)


# -- starting from a checkpoint ------------------------------------------------------------
def test_init_from_checkpoint_reads_slices(tf_ckpt):
    want = CASES["init_from_checkpoint"]
    w = tf.get_variable("w", [5, 2], partitioner=tf.fixed_size_partitioner(3))
    with tf.variable_scope("net"):
        k = tf.get_variable("k", [3, 4], tf.float64, partitioner=tf.fixed_size_partitioner(2))
    tf.train.init_from_checkpoint(tf_ckpt, {"w": "w", "layer/": "net/"})
    graph = tf.get_default_graph()
    nodes = [
        {"name": n.name, "op": n.op, "input": list(n.input), "device": n.device}
        for n in graph.as_graph_def().node
        if "checkpoint_initializer" in n.name
        or (n.op == "Assign" and any("checkpoint_initializer" in i for i in n.input))
    ]
    assert nodes == want["nodes"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(tf.convert_to_tensor(w)).tolist() == want["w"]
        assert sess.run(tf.convert_to_tensor(k)).tolist() == want["k"]


def test_init_from_checkpoint_takes_a_list_of_shards(tf_ckpt):
    parts = tf.get_variable("b2", [130, 1], partitioner=tf.fixed_size_partitioner(3))
    tf.train.init_from_checkpoint(tf_ckpt, {"b": list(parts)})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(tf.convert_to_tensor(parts)).tolist()
    assert got == CASES["init_from_checkpoint"]["b_from_list"]


def test_warm_start_groups_shards_by_their_variable(tf_ckpt):
    w = tf.get_variable("w", [5, 2], partitioner=tf.fixed_size_partitioner(4))
    e2 = tf.get_variable("e2", [2, 6], partitioner=tf.fixed_size_partitioner(2, axis=1))
    tf.train.warm_start(tf_ckpt, ".*", var_name_to_prev_var_name={"e2": "e"})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(tf.convert_to_tensor(w)).tolist() == CASES["warm_start"]["w"]
        assert sess.run(tf.convert_to_tensor(e2)).tolist() == CASES["warm_start"]["e2"]
