"""tf.train.Saver: the save/restore subgraph, checkpoint files, kept checkpoints and errors."""

import os

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import errors
from teachflow.ops import checkpoint_bundle


def _ops(prefix="save/"):
    return {
        op.name: op for op in tf.get_default_graph().get_operations() if op.name.startswith(prefix)
    }


# -- the graph a Saver builds -----------------------------------------------------------------
def test_saver_builds_tf_named_ops():
    tf.Variable([1.0, 2.0], name="v")
    tf.Variable(3, name="w")
    saver = tf.train.Saver()
    ops = _ops()
    assert saver.saver_def.filename_tensor_name == "save/Const:0"
    assert saver.saver_def.save_tensor_name == "save/control_dependency:0"
    assert saver.saver_def.restore_op_name == "save/restore_all"
    assert ops["save/SaveV2"].type == "SaveV2"
    assert ops["save/RestoreV2"].type == "RestoreV2"
    assert ops["save/Assign"].type == "Assign"
    assert ops["save/Const"].type == "PlaceholderWithDefault"
    assert ops["save/filename/input"].type == "Const"
    # Tensors are saved in name order, read from the variables' refs.
    assert [t.name for t in ops["save/SaveV2"].inputs[3:]] == ["v:0", "w:0"]
    assert ops["save/SaveV2"]._attrs["dtypes"] == [tf.float32, tf.int32]
    assert ops["save/RestoreV2"].device == "/device:CPU:0"


def test_sharded_saver_puts_one_save_per_ps_task():
    with tf.device(tf.train.replica_device_setter(ps_tasks=2)):
        tf.Variable([1.0, 2.0], name="v")  # ps task 0
        tf.Variable(3, name="w")  # ps task 1
    saver = tf.train.Saver(sharded=True)
    ops = _ops()
    assert saver.saver_def.save_tensor_name == "save/Identity:0"
    assert saver.saver_def.sharded
    assert ops["save/SaveV2"].device == "/job:ps/task:0/device:CPU:0"
    assert ops["save/SaveV2_1"].device == "/job:ps/task:1/device:CPU:0"
    assert [t.name for t in ops["save/SaveV2_1"].inputs[3:]] == ["w:0"]
    assert ops["save/MergeV2Checkpoints"].device == "/job:ps/task:1/device:CPU:0"
    assert ops["save/RestoreV2_1"].device == "/job:ps/task:1/device:CPU:0"
    assert ops["save/Assign_1"].device == "/job:ps/task:1"
    assert ops["save/restore_all"].type == "NoOp"


def test_a_second_saver_gets_its_own_scope_and_name_argument_is_used():
    tf.Variable(1.0, name="v")
    assert tf.train.Saver().saver_def.restore_op_name == "save/restore_all"
    assert tf.train.Saver().saver_def.restore_op_name == "save_1/restore_all"
    assert tf.train.Saver(name="mine").saver_def.filename_tensor_name == "mine/Const:0"


def test_constructor_errors():
    v = tf.Variable(1.0, name="v")
    with pytest.raises(ValueError, match="No variables to save"):
        tf.train.Saver([])
    with pytest.raises(ValueError, match="At least two variables have the same name: v"):
        tf.train.Saver([v, v])
    with pytest.raises(TypeError):
        tf.train.Saver([tf.constant(1.0)])
    with pytest.raises(ValueError, match="build cannot be deferred"):
        tf.train.Saver([v], defer_build=True)
    with tf.Session() as sess:
        empty = tf.train.Saver([], allow_empty=True)
        assert empty.save(sess, "unused", write_meta_graph=False) is None
    saver = tf.train.Saver([v])
    with pytest.raises(TypeError, match="'sess' must be a Session"):
        saver.save(None, "unused")
    with tf.train.MonitoredSession() as monitored:
        with pytest.raises(TypeError, match="'sess' must be a Session"):
            saver.save(monitored, "unused")


# -- saving and restoring -------------------------------------------------------------------------
def test_save_returns_prefix_and_restore_brings_values_back(sess, tmp_path):
    v = tf.Variable([1.0, 2.0], name="v")
    w = tf.Variable(3, name="w")
    s = tf.Variable([b"ab", b"c"], name="s")
    saver = tf.train.Saver()
    sess.run(tf.global_variables_initializer())
    path = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=100)
    assert path == str(tmp_path / "model.ckpt-100")
    assert sorted(os.listdir(tmp_path)) == [
        "checkpoint",
        "model.ckpt-100.data-00000-of-00001",
        "model.ckpt-100.index",
        "model.ckpt-100.meta",
    ]
    sess.run([v.assign([0.0, 0.0]), w.assign(0), s.assign([b"", b""])])
    saver.restore(sess, path)
    got_v, got_w, got_s = sess.run([v, w, s])
    np.testing.assert_array_equal(got_v, [1.0, 2.0])
    assert got_v.dtype == np.float32
    assert got_w == 3 and isinstance(got_w, np.int32)
    assert got_s.tolist() == [b"ab", b"c"]


def test_restore_into_a_fresh_session_initializes_the_variables(tmp_path):
    v = tf.Variable([[1, 2], [3, 4]], dtype=tf.int64, name="v")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(v.initializer)
        path = saver.save(sess, str(tmp_path / "m"))
    with tf.Session() as sess:
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(v), [[1, 2], [3, 4]])
        assert sess.run(tf.report_uninitialized_variables()).size == 0


def test_global_step_may_be_a_variable_and_pad_step_number(sess, tmp_path):
    step = tf.train.get_or_create_global_step()
    sess.run(step.initializer)
    sess.run(tf.assign_add(step, 7))
    saver = tf.train.Saver(pad_step_number=True)
    assert saver.save(sess, str(tmp_path / "m"), global_step=step) == str(tmp_path / "m-00000007")


def test_max_to_keep_deletes_old_checkpoints_and_updates_state(sess, tmp_path):
    tf.Variable(1.0, name="v")
    saver = tf.train.Saver(max_to_keep=2)
    sess.run(tf.global_variables_initializer())
    prefix = str(tmp_path / "model.ckpt")
    for step in (1, 2, 3):
        saver.save(sess, prefix, global_step=step)
    assert saver.last_checkpoints == [prefix + "-2", prefix + "-3"]
    assert not tf.train.checkpoint_exists(prefix + "-1")
    assert not os.path.exists(prefix + "-1.meta")
    assert tf.train.checkpoint_exists(prefix + "-2")
    with open(tmp_path / "checkpoint") as f:
        assert f.read() == (
            f'model_checkpoint_path: "{prefix}-3"\n'
            f'all_model_checkpoint_paths: "{prefix}-2"\n'
            f'all_model_checkpoint_paths: "{prefix}-3"\n'
        )
    # Saving the same path again moves it to the end instead of listing it twice.
    saver.save(sess, prefix, global_step=2)
    assert saver.last_checkpoints == [prefix + "-3", prefix + "-2"]
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix + "-2"


def test_max_to_keep_none_keeps_every_file(sess, tmp_path):
    tf.Variable(1.0, name="v")
    saver = tf.train.Saver(max_to_keep=None)
    sess.run(tf.global_variables_initializer())
    for step in range(4):
        saver.save(sess, str(tmp_path / "m"), global_step=step, write_meta_graph=False)
    assert saver.last_checkpoints == []
    assert sum(n.endswith(".index") for n in os.listdir(tmp_path)) == 4
    assert tf.train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths == [
        str(tmp_path / "m-3")
    ]


def test_save_relative_paths_and_a_relative_state_file(sess, tmp_path):
    tf.Variable(1.0, name="v")
    sess.run(tf.global_variables_initializer())
    saver = tf.train.Saver(save_relative_paths=True)
    saver.save(sess, str(tmp_path / "rel"), global_step=1)
    with open(tmp_path / "checkpoint") as f:
        assert f.read() == 'model_checkpoint_path: "rel-1"\nall_model_checkpoint_paths: "rel-1"\n'
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == str(tmp_path / "rel-1")
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "rel-1")


def test_sharded_save_locally_is_one_shard_and_restores(sess, tmp_path):
    v = tf.Variable([1.0, 2.0], name="v")
    saver = tf.train.Saver(sharded=True)
    sess.run(v.initializer)
    path = saver.save(sess, str(tmp_path / "m"), global_step=5, write_meta_graph=False)
    assert path == str(tmp_path / "m-5")
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "m-5.data-00000-of-00001", "m-5.index"]
    sess.run(v.assign([9.0, 9.0]))
    saver.restore(sess, path)
    np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])


def test_dict_var_list_names_the_checkpoint_keys(sess, tmp_path):
    v = tf.Variable([1.0, 2.0], name="v")
    u = tf.Variable([[1]], name="u")
    sess.run(tf.global_variables_initializer())
    path = tf.train.Saver({"a": v, "b": u}).save(sess, str(tmp_path / "d"))
    assert tf.train.list_variables(path) == [("a", [2]), ("b", [1, 1])]
    np.testing.assert_array_equal(tf.train.load_variable(path, "a"), [1.0, 2.0])
    # Restoring under another variable's key: a renamed model reads the old checkpoint.
    other = tf.Variable([0.0, 0.0], name="other")
    sess.run(other.initializer)
    tf.train.Saver({"a": other}).restore(sess, path)
    np.testing.assert_array_equal(sess.run(other), [1.0, 2.0])


# -- errors -------------------------------------------------------------------------------------
def test_restore_errors_match_tensorflow(sess, tmp_path):
    v = tf.Variable([1.0, 2.0], name="v")
    w = tf.Variable(3, name="w")
    saver = tf.train.Saver()
    sess.run(tf.global_variables_initializer())
    path = saver.save(sess, str(tmp_path / "m"))
    with pytest.raises(ValueError, match="The passed save_path is not a valid checkpoint: .*nope"):
        saver.restore(sess, str(tmp_path / "nope"))
    with pytest.raises(ValueError, match="Can't load save_path when it is None."):
        saver.restore(sess, None)

    z = tf.Variable(3, name="z")
    sess.run(z.initializer)
    with pytest.raises(errors.NotFoundError) as e:
        tf.train.Saver([z]).restore(sess, path)
    assert e.value.message.startswith(
        "Restoring from checkpoint failed. This is most likely due to a Variable name or other "
        "graph key that is missing from the checkpoint."
    )
    assert "Key z not found in checkpoint" in e.value.message

    with tf.Graph().as_default():
        bigger = tf.Variable([1.0, 2.0, 3.0], name="v")
        as_float = tf.Variable(3.0, name="w")
        with tf.Session() as s2:
            s2.run(tf.global_variables_initializer())
            with pytest.raises(errors.InvalidArgumentError) as e:
                tf.train.Saver([bigger]).restore(s2, path)
            assert "a mismatch between the current graph and the graph" in e.value.message
            assert (
                "Assign requires shapes of both tensors to match. lhs shape= [3] rhs shape= [2]"
                in (e.value.message)
            )
            with pytest.raises(errors.InvalidArgumentError) as e:
                tf.train.Saver([as_float]).restore(s2, path)
            assert "tensor_name = w; expected dtype float does not equal original dtype int32" in (
                e.value.message
            )
    del v, w


def test_save_errors(sess, tmp_path):
    v = tf.Variable(1.0, name="v")
    saver = tf.train.Saver()
    with pytest.raises(errors.FailedPreconditionError, match="uninitialized value v"):
        saver.save(sess, str(tmp_path / "m"))
    sess.run(v.initializer)
    with pytest.raises(ValueError, match="Parent directory of .* doesn't exist, can't save."):
        saver.save(sess, str(tmp_path / "no" / "such" / "m"))
    with pytest.raises(ValueError, match="'latest_filename' collides with 'save_path'"):
        saver.save(sess, str(tmp_path / "checkpoint"))
    with pytest.raises(ValueError, match="must not contain path components"):
        saver.save(sess, str(tmp_path / "m"), latest_filename="a/b")


def test_corrupt_index_is_data_loss(sess, tmp_path):
    v = tf.Variable(1.0, name="v")
    saver = tf.train.Saver()
    sess.run(v.initializer)
    path = saver.save(sess, str(tmp_path / "m"), write_meta_graph=False)
    with open(path + ".index", "wb") as f:
        f.write(b"\x80 not a table")
    with pytest.raises(errors.DataLossError, match="file is too short to be an sstable"):
        saver.restore(sess, path)
    with open(path + ".index", "wb") as f:
        f.write(b"x" * 100)
    with pytest.raises(errors.DataLossError, match="not an sstable \\(bad magic number\\)"):
        saver.restore(sess, path)


# -- checkpoint files without a graph -------------------------------------------------------------
def test_list_and_load_variables_from_a_directory(sess, tmp_path):
    tf.Variable([1.0, 2.0], name="v")
    tf.Variable(3, name="w")
    sess.run(tf.global_variables_initializer())
    tf.train.Saver().save(sess, str(tmp_path / "m"), global_step=1)
    assert tf.train.list_variables(str(tmp_path)) == [("v", [2]), ("w", [])]
    w = tf.train.load_variable(str(tmp_path), "w")
    assert w == 3 and isinstance(w, np.int32)
    assert tf.train.load_variable(str(tmp_path), "v:0").dtype == np.float32
    with pytest.raises(errors.NotFoundError, match="Key zz not found in checkpoint"):
        tf.train.load_variable(str(tmp_path), "zz")
    with pytest.raises(errors.NotFoundError, match="Failed to find any matching files for"):
        tf.train.list_variables(str(tmp_path / "nothing"))
    reader = tf.train.load_checkpoint(str(tmp_path))
    assert reader.get_variable_to_shape_map() == {"v": [2], "w": []}
    assert reader.get_variable_to_dtype_map()["w"] == tf.int32
    assert reader.has_tensor("v") and not reader.has_tensor("x")


def test_latest_checkpoint_is_none_without_state_or_files(tmp_path):
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    assert tf.train.get_checkpoint_state(str(tmp_path)) is None
    tf.train.update_checkpoint_state(str(tmp_path), str(tmp_path / "gone-1"))
    assert tf.train.get_checkpoint_state(str(tmp_path)).model_checkpoint_path == str(
        tmp_path / "gone-1"
    )
    assert tf.train.latest_checkpoint(str(tmp_path)) is None  # no files behind it


def test_checkpoint_state_text_round_trips_odd_paths(tmp_path):
    odd = str(tmp_path / 'a "quoted"\tpath é')
    tf.train.update_checkpoint_state(str(tmp_path), odd, [odd])
    with open(tmp_path / "checkpoint") as f:
        text = f.read()
    assert '\\"quoted\\"\\t' in text and "\\303\\251" in text  # protobuf text escapes
    assert tf.train.get_checkpoint_state(str(tmp_path)).model_checkpoint_path == odd


def test_a_garbled_state_file_is_ignored(tmp_path):
    (tmp_path / "checkpoint").write_text("this is not a checkpoint state\n")
    assert tf.train.get_checkpoint_state(str(tmp_path)) is None


def test_bundle_files_are_tensorflows_table_and_raw_bytes_never_pickle(sess, tmp_path):
    from teachflow.proto import table
    from teachflow.proto import tensor_bundle_pb2 as bundle_pb2

    tf.Variable(np.arange(6, dtype=np.float64).reshape(2, 3), name="m")
    sess.run(tf.global_variables_initializer())
    path = tf.train.Saver().save(sess, str(tmp_path / "m"), write_meta_graph=False)
    rows = table.read_table(open(path + ".index", "rb").read())
    assert [k for k, _ in rows] == [b"", b"m"]
    assert bundle_pb2.BundleHeaderProto.FromString(rows[0][1]).num_shards == 1
    entry = bundle_pb2.BundleEntryProto.FromString(rows[1][1])
    assert entry.dtype == tf.float64.enum and [d.size for d in entry.shape.dim] == [2, 3]
    raw = open(checkpoint_bundle.data_path(path, 0, 1), "rb").read()
    np.testing.assert_array_equal(np.frombuffer(raw, "<f8"), np.arange(6.0))


# -- meta graphs -------------------------------------------------------------------------------
def test_import_meta_graph_rebuilds_graph_variables_and_saver(tmp_path):
    with tf.Graph().as_default():
        v = tf.Variable([1.0, 2.0], name="v")
        out = tf.multiply(v, 2.0, name="out")
        tf.add_to_collection(tf.GraphKeys.TRAIN_OP, out.op)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(v.initializer)
            path = saver.save(sess, str(tmp_path / "m"))
    with tf.Graph().as_default() as g:
        restored = tf.train.import_meta_graph(path + ".meta")
        assert [x.name for x in tf.global_variables()] == ["v:0"]
        assert [x.name for x in tf.trainable_variables()] == ["v:0"]
        assert tf.get_collection(tf.GraphKeys.TRAIN_OP)[0].name == "out"
        with tf.Session() as sess:
            restored.restore(sess, path)
            np.testing.assert_array_equal(sess.run(g.get_tensor_by_name("out:0")), [2.0, 4.0])
            sess.run(tf.global_variables_initializer())  # the rebuilt variable initializes too


def test_import_meta_graph_under_a_scope_without_devices(tmp_path):
    with tf.Graph().as_default():
        with tf.device("/job:ps/task:0"):
            v = tf.Variable(5.0, name="v")
        saver = tf.train.Saver()
        path = str(tmp_path / "m.meta")
        saver.export_meta_graph(path)
        del v
    with tf.Graph().as_default() as g:
        s = tf.train.import_meta_graph(path, clear_devices=True, import_scope="copy")
        assert g.get_operation_by_name("copy/v").device == ""
        assert s.saver_def.restore_op_name == "copy/save/restore_all"


def test_global_step_may_be_a_numpy_integer_a_tensor_or_a_variable(sess, tmp_path):
    # What TF's Saver.save returned for each kind (record_resource_limits.py).
    import json
    import pathlib

    fixture = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/resource_limits/errors.json"
    tf_prefixes = json.loads(fixture.read_text())["saver_global_step"]
    step = tf.Variable(7, dtype=tf.int64, name="global_step")
    tf.Variable(1.0, name="w")
    saver = tf.train.Saver()
    sess.run(tf.global_variables_initializer())
    steps = {
        "int": 50,
        "np.int64": np.int64(50),
        "np.int32": np.int32(51),
        "bool": True,
        "variable": step,
        "tensor": step + 1,
    }
    for kind, value in steps.items():
        path = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=value)
        assert os.path.basename(path) == tf_prefixes[kind], kind
        assert os.path.exists(path + ".index")
    with pytest.raises(TypeError, match="Fetch argument 50.0 has invalid type"):
        saver.save(sess, str(tmp_path / "model.ckpt"), global_step=50.0)


def test_building_a_saver_is_linear_in_the_number_of_variables():
    # Each variable was compared with every one taken before it: 8000 variables took 6 s
    # (4x the time per variable of 500).
    from tests.scaling import growth

    def prepare(n):
        g = tf.Graph()
        with g.as_default():
            variables = [tf.Variable(0.0) for _ in range(n)]

        def build():
            with g.as_default():
                tf.train.Saver(variables)

        return build

    assert growth(prepare, 500, 8000, tries=2) < 2.5


def test_a_variable_saved_under_two_names_is_refused():
    v = tf.Variable(1.0, name="v")
    with pytest.raises(ValueError, match="The same saveable will be restored with two names"):
        tf.train.Saver({"a": v, "b": v})
