"""tf.saved_model: TensorFlow's SavedModels load and serve in teachflow, and teachflow writes the
very files TensorFlow writes (recorded by tests/fixtures/tensorflow/record_saved_model.py)."""

import importlib.util
import json
import os
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow.proto import messages
from teachflow.proto.tf_wire.saved_model_pb2 import SavedModel

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "tensorflow"
RECORDED = FIXTURES / "saved_model"
VALUES = json.loads((RECORDED / "values.json").read_text())
_spec = importlib.util.spec_from_file_location("programs", FIXTURES / "saved_model_programs.py")
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)
# Softmax of a 3-term product in float32: a few rounding steps.
F32_TOL = 16 * np.finfo(np.float32).eps


def _parse(export_dir) -> SavedModel:
    saved = SavedModel()
    saved.ParseFromString((pathlib.Path(export_dir) / "saved_model.pb").read_bytes())
    return saved


def _nodes(meta):
    return [(n.name, n.op, list(n.input), n.device) for n in meta.graph_def.node]


def _serve(export_dir, key, feed_key, fetch_key, value):
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, [tf.saved_model.tag_constants.SERVING], export_dir)
        sig = meta.signature_def[key]
        return sess.run(sig.outputs[fetch_key].name, {sig.inputs[feed_key].name: value})


def test_a_tensorflow_saved_model_serves_in_teachflow():
    y = _serve(RECORDED / "serving", "serving_default", "x", "y", programs.INPUT)
    np.testing.assert_allclose(y, VALUES["serving"], rtol=F32_TOL, atol=F32_TOL)
    # Assets, a vocabulary table and a main op: the table is filled from this directory's copy.
    ids = _serve(RECORDED / "tagged", "predict", "words", "ids", programs.WORDS)
    assert ids.tolist() == VALUES["tagged"]


def test_simple_save_writes_tensorflow_s_files(tmp_path):
    with tf.Graph().as_default():
        programs.serving_model(tf, str(tmp_path / "serving"))
    assert sorted(os.listdir(tmp_path / "serving")) == ["saved_model.pb", "variables"]
    for name in ("variables.index", "variables.data-00000-of-00001"):
        got = (tmp_path / "serving" / "variables" / name).read_bytes()
        assert got == (RECORDED / "serving" / "variables" / name).read_bytes(), name
    ours, theirs = _parse(tmp_path / "serving"), _parse(RECORDED / "serving")
    assert ours.saved_model_schema_version == theirs.saved_model_schema_version == 1
    (mine,), (tfs,) = ours.meta_graphs, theirs.meta_graphs
    assert list(mine.meta_info_def.tags) == list(tfs.meta_info_def.tags) == ["serve"]
    assert _nodes(mine) == _nodes(tfs)  # the sharded saver's graph too; devices cleared
    assert mine.saver_def == tfs.saver_def
    assert mine.signature_def == tfs.signature_def
    assert sorted(mine.collection_def) == sorted(tfs.collection_def)
    assert [op.name for op in mine.meta_info_def.stripped_op_list.op] == [
        op.name for op in tfs.meta_info_def.stripped_op_list.op
    ]
    y = _serve(tmp_path / "serving", "serving_default", "x", "y", programs.INPUT)
    np.testing.assert_allclose(y, VALUES["serving"], rtol=F32_TOL, atol=F32_TOL)


def test_builder_with_tags_assets_and_main_op_writes_what_tensorflow_writes(tmp_path):
    with tf.Graph().as_default():
        path = programs.tagged_model(tf, str(tmp_path / "tagged"), str(tmp_path))
    assert path == os.fsencode(tmp_path / "tagged" / "saved_model.pb")
    assert (tmp_path / "tagged" / "assets" / "vocab.txt").read_text() == "a\nb\nc\n"
    ours, theirs = _parse(tmp_path / "tagged"), _parse(RECORDED / "tagged")
    assert len(ours.meta_graphs) == len(theirs.meta_graphs) == 2
    for mine, tfs in zip(ours.meta_graphs, theirs.meta_graphs):
        assert list(mine.meta_info_def.tags) == list(tfs.meta_info_def.tags)
        assert _nodes(mine) == _nodes(tfs)
        assert mine.signature_def == tfs.signature_def
        assert sorted(mine.collection_def) == sorted(tfs.collection_def)
        for key in ("saved_model_main_op", "table_initializer", "asset_filepaths"):
            assert mine.collection_def[key] == tfs.collection_def[key], key
        (packed,) = mine.collection_def["saved_model_assets"].any_list.value
        (tf_packed,) = tfs.collection_def["saved_model_assets"].any_list.value
        assert packed == tf_packed  # the AssetFileDef, under TensorFlow's type URL
        asset = messages.AssetFileDef.FromString(packed.value)
        assert asset.filename == "vocab.txt"
    assert (
        _serve(tmp_path / "tagged", "predict", "words", "ids", programs.WORDS).tolist()
        == (VALUES["tagged"])
    )


def test_load_picks_the_meta_graph_with_exactly_those_tags(tmp_path):
    with tf.Graph().as_default():
        programs.tagged_model(tf, str(tmp_path / "tagged"), str(tmp_path))
    with tf.Graph().as_default() as g, tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["gpu", "train"], str(tmp_path / "tagged"))
        assert list(meta.meta_info_def.tags) == ["train", "gpu"]
        assert sess.run("scale:0") == 10  # restored from variables/
        assert sess.run("scaled:0", {"words:0": ["c"]}).tolist() == [20]  # main op ran
        assert [op.name for op in g.get_collection("saved_model_main_op")] == ["group_deps"]
    with tf.Graph().as_default(), tf.Session() as sess:
        with pytest.raises(RuntimeError) as e:
            tf.saved_model.loader.load(sess, ["train"], str(tmp_path / "tagged"))
    assert str(e.value) == (
        "MetaGraphDef associated with tags 'train' could not be found in SavedModel, with "
        "available tags '[{'serve'}, {'train', 'gpu'}]'. To inspect available tag-sets in the "
        "SavedModel, please use the SavedModel CLI: `saved_model_cli`."
    ) or "{'gpu', 'train'}" in str(e.value)


def test_load_into_an_import_scope(tmp_path):
    with tf.Graph().as_default():
        programs.serving_model(tf, str(tmp_path / "m"))
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], str(tmp_path / "m"), import_scope="a")
        sig = meta.signature_def["serving_default"]
        x = tf.saved_model.get_tensor_from_tensor_info(sig.inputs["x"], import_scope="a")
        y = tf.saved_model.get_tensor_from_tensor_info(sig.outputs["y"], import_scope="a")
        assert (x.name, y.name) == ("a/x:0", "a/y:0")
        got = sess.run(y, {x: programs.INPUT})
    np.testing.assert_allclose(got, VALUES["serving"], rtol=F32_TOL, atol=F32_TOL)


def test_what_tensorflow_refuses_teachflow_refuses(tmp_path):
    with pytest.raises(OSError, match=r"SavedModel file does not exist at: .*nope/"):
        tf.saved_model.loader.load(tf.Session(graph=tf.Graph()), ["serve"], str(tmp_path / "nope"))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(AssertionError, match="already exists, and isn't empty"):
        tf.saved_model.builder.SavedModelBuilder(str(tmp_path / "full"))
    builder = tf.saved_model.Builder(str(tmp_path / "m"))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        with pytest.raises(AssertionError, match="has not been saved yet"):
            builder.add_meta_graph(["serve"])
        with tf.Session() as sess:
            with pytest.raises(TypeError, match="as a Python `bool` is not allowed"):
                builder.add_meta_graph_and_variables(sess, ["serve"], main_op=x)  # TF's `or`
            empty = tf.saved_model.build_signature_def({"x": messages.TensorInfo()}, {}, "m")
            with pytest.raises(AssertionError, match="must have one of the 'encoding' fields"):
                builder.add_meta_graph_and_variables(sess, ["serve"], {"s": empty})
            builder.add_meta_graph_and_variables(sess, ["serve"])
            with pytest.raises(AssertionError, match="has already been saved"):
                builder.add_meta_graph_and_variables(sess, ["serve"])
            with pytest.raises(TypeError, match="to be an Operation but got type"):
                builder.add_meta_graph(["train"], main_op=x)
    # No variables: an empty variables/ and no saver, and the model still loads.
    builder.save()
    assert os.listdir(tmp_path / "m" / "variables") == []
    with tf.Graph().as_default(), tf.Session() as sess:
        meta = tf.saved_model.loader.load(sess, ["serve"], str(tmp_path / "m"))
        assert not meta.HasField("saver_def")
    assert tf.saved_model.maybe_saved_model_directory(str(tmp_path / "m"))
    assert not tf.saved_model.contains_saved_model(str(tmp_path))


def test_signatures_as_tensorflow_builds_and_checks_them():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    s = tf.placeholder(tf.string, [None], name="s")
    sp = tf.sparse_placeholder(tf.float32, [None, 4], name="sp")
    sig = tf.saved_model.classification_signature_def(s, s, x)
    assert sig.method_name == "tensorflow/serving/classify"
    assert sorted(sig.outputs) == ["classes", "scores"] and sig.inputs["inputs"].name == "s:0"
    assert tf.saved_model.is_valid_signature(sig)
    assert not tf.saved_model.is_valid_signature(tf.saved_model.build_signature_def({}, {}, "x"))
    reg = tf.saved_model.regression_signature_def(s, x)
    assert tf.saved_model.is_valid_signature(reg) and reg.method_name.endswith("regress")
    info = tf.saved_model.build_tensor_info(sp)
    assert info.coo_sparse.values_tensor_name == "sp/values:0"
    assert [d.size for d in info.tensor_shape.dim] == [-1, 4] and not info.name
    back = tf.saved_model.get_tensor_from_tensor_info(info)
    assert isinstance(back, tf.SparseTensor) and back.indices.name == "sp/indices:0"
    bad = [
        (lambda: tf.saved_model.predict_signature_def({}, {"y": x}), "Prediction `inputs`"),
        (lambda: tf.saved_model.classification_signature_def(x, s, x), "of type string"),
        (lambda: tf.saved_model.classification_signature_def(s, None, None), "both be None"),
        (lambda: tf.saved_model.classification_signature_def(s, x, None), "type 1.`"),
        (lambda: tf.saved_model.classification_signature_def(s, None, s), "float Tensor"),
        (lambda: tf.saved_model.regression_signature_def(x, x), "Found tensors with type 1."),
        (lambda: tf.saved_model.regression_signature_def(s, s), "Found tensors with type 7."),
    ]
    for build, words in bad:
        with pytest.raises(ValueError, match=words.replace(".", r"\.").replace("`", "`")):
            build()
