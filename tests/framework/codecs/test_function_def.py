"""Graphs holding tf.data functions <-> TensorFlow's GraphDef with a function ``library``.

Against TF 2.21's GraphDefs of the same programs (record_data_functions.py): TF's graphs
import and give the elements TF gave; teachflow's exports lay functions out as TF's do,
come back and run identically, and go through every file a TF1 program writes.
(TensorFlow running teachflow's exports: tests/tf_interop/test_data_functions.py.)
"""

import importlib.util
import json
import pathlib

import numpy as np
import pytest
from google.protobuf import text_format

import teachflow as tf
from teachflow.framework.codecs import function_def, graph_def
from teachflow.proto import messages

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "tensorflow"
RECORD = FIXTURES / "data_functions"
_spec = importlib.util.spec_from_file_location(
    "data_functions_programs", FIXTURES / "data_functions_programs.py"
)
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)
RECORDED = json.loads((RECORD / "data_functions.json").read_text())


def build(name):
    """Run program ``name`` in the default graph; returns its fetches, init op and feed."""
    scope = {"tf": tf}
    exec(programs.PROGRAMS[name], scope)  # noqa: S102 - the recorded programs
    nxt = scope["nxt"]
    fetches = list(nxt) if isinstance(nxt, (tuple, list)) else [nxt]
    return [t.name for t in fetches], scope.get("init"), scope.get("feed")


def elements(fetches, init=None, feed=None, sess=None):
    """Every element of the pipeline (until End of sequence), as the recorder writes them."""
    sess = sess or tf.Session()
    if init is not None:
        sess.run(init, feed)
    out = []
    while True:
        try:
            values = sess.run(fetches)
        except tf.errors.OutOfRangeError:
            return out
        out.append([_plain(v) for v in values])


def _plain(value):
    arr = np.asarray(value)
    if arr.dtype.kind in "SO":
        return {"dtype": "string", "value": np.vectorize(lambda b: b.decode())(arr).tolist()}
    return {"dtype": arr.dtype.name, "value": arr.tolist()}


def tf_graph_def(name) -> messages.GraphDef:
    return text_format.Parse((RECORD / f"{name}.pbtxt").read_text(), messages.GraphDef())


# -- the reproducer of the bug --------------------------------------------------------------
def test_a_map_pipeline_writes_functions_to_the_library_as_tensorflow_does():
    ds = tf.data.Dataset.range(10).map(lambda x: x * 2).batch(2)
    ds.make_one_shot_iterator().get_next()
    gd = tf.get_default_graph().as_graph_def()
    nodes = {n.name: n for n in gd.node}
    fdefs = {f.signature.name: f for f in gd.library.function}
    map_fn, factory = (
        nodes["MapDataset"].attr["f"].func,
        nodes["OneShotIterator"].attr["dataset_factory"].func,
    )
    assert set(fdefs) == {map_fn.name, factory.name}
    assert map_fn.attr["_tf_data_function"].b and not factory.attr
    assert gd.versions.min_consumer == function_def.LIBRARY_MIN_CONSUMER == 12
    f = fdefs[map_fn.name]
    assert [(a.name, a.type) for a in f.signature.input_arg] == [("args_0", 9)]
    assert [(a.name, a.type) for a in f.signature.output_arg] == [("identity", 9)]
    assert [(n.name, n.op, list(n.input)) for n in f.node_def] == [
        ("mul/y", "Const", []),
        ("mul", "Mul", ["args_0", "mul/y:output:0"]),
        ("Identity", "Identity", ["mul:z:0"]),
    ]
    assert dict(f.ret) == {"identity": "Identity:output:0"}
    assert f.attr["_tf_data_function"].b and f.attr["_construction_context"].s == b"kEagerRuntime"
    arg = f.arg_attr[0].attr
    assert arg["_user_specified_name"].s == b"args_0"
    assert arg["_output_shapes"].list.shape[0] == messages.TensorShapeProto()
    body = fdefs[factory.name]
    assert body.signature.is_stateful and body.signature.description.startswith("Factory")
    assert dict(body.ret) == {"batchdatasetv2": "BatchDatasetV2:handle:0"}
    # The map inside the factory names the same library function as the graph's own.
    (inner,) = [n for n in body.node_def if n.op == "MapDataset"]
    assert inner.attr["f"].func.name == map_fn.name


@pytest.mark.parametrize("name", sorted(programs.PROGRAMS))
def test_functions_are_laid_out_as_tensorflow_lays_them_out(name):
    build(name)
    gd = tf.get_default_graph().as_graph_def()
    mine = sorted(
        (
            [tf.as_dtype(a.type).name for a in f.signature.input_arg],
            [[a.name, tf.as_dtype(a.type).name] for a in f.signature.output_arg],
            sorted(n.op for n in f.node_def),
        )
        for f in gd.library.function
    )
    theirs = sorted(
        (
            [t for _, t in f["inputs"]],
            f["outputs"],
            # TF's flat_map/interleave bodies end in a NoOp that orders their stateful ops
            # (control_ret); teachflow's bodies have none.
            sorted(op for op in f["ops"] if op != "NoOp"),
        )
        for f in RECORDED[name]["functions"].values()
    )
    assert mine == theirs
    assert gd.versions.min_consumer == RECORDED[name]["min_consumer"]


def test_a_captured_tensor_is_an_argument_named_as_tensorflow_names_it():
    build("map_capture")
    gd = tf.get_default_graph().as_graph_def()
    (f,) = [f for f in gd.library.function if f.signature.name.startswith("map")]
    recorded = next(
        v for k, v in RECORDED["map_capture"]["functions"].items() if "map" in k and "make" not in k
    )
    assert [a.name for a in f.signature.input_arg] == [n for n, _ in recorded["inputs"]]
    assert f.arg_attr[1].attr["_user_specified_name"].s == b"c"


# -- TensorFlow's GraphDefs in teachflow ------------------------------------------------------
@pytest.mark.parametrize("name", sorted(programs.PROGRAMS))
def test_tensorflow_s_graph_defs_import_and_give_tensorflow_s_elements(name):
    rec = RECORDED[name]
    tf.import_graph_def(tf_graph_def(name), name="")
    assert elements(rec["fetches"], rec["init"], rec["feed"]) == rec["elements"]


def test_tensorflow_s_functions_come_back_as_function_attrs():
    gd = tf_graph_def("one_shot_chain")
    nodes = graph_def.node_defs_from_graph_def(gd)
    factory = next(n for n in nodes if n.op == "OneShotIterator").attr["dataset_factory"]
    assert factory.name.startswith("_make_dataset_") and factory.arg_names == ()
    entries = {e[0]: e for e in factory.nodes}
    inner = dict(entries["MapDataset"][4])["f"]
    assert inner.arg_names == ("args_0:0",) and inner.output_names == ("Identity:0",)
    # "RangeDataset:handle:0" is output 0 of RangeDataset: "RangeDataset:0".
    assert entries["MapDataset"][2] == ("RangeDataset:0",)


def test_tensorflow_s_saver_meta_graph_imports_restores_and_runs():
    rec = RECORDED["meta_graph"]
    meta = text_format.Parse((RECORD / "meta_graph.pbtxt").read_text(), messages.MetaGraphDef())
    saver = tf.train.import_meta_graph(meta)
    with tf.Session() as sess:
        saver.restore(sess, str(RECORD / rec["checkpoint"]))
        assert elements(rec["fetches"], rec["init"], rec["feed"], sess) == rec["elements"]


# -- teachflow -> GraphDef -> teachflow -------------------------------------------------------
@pytest.mark.parametrize("name", sorted(programs.PROGRAMS))
def test_teachflow_s_graph_runs_the_same_after_a_round_trip(name):
    rec = RECORDED[name]
    with tf.Graph().as_default():
        fetches, init, feed = build(name)
        assert elements(fetches, init, feed) == rec["elements"]
        data = tf.get_default_graph().as_graph_def().SerializeToString()
    with tf.Graph().as_default() as g:
        tf.import_graph_def(data, name="")
        init_name = None if init is None else init.name
        assert elements(fetches, init_name, feed) == rec["elements"]
        # Written again, the graph is the same message: the codec loses nothing.
        assert g.as_graph_def().SerializeToString() == data


def test_two_one_shot_iterators_get_two_factories():
    a = tf.data.Dataset.range(2).make_one_shot_iterator().get_next()
    b = tf.data.Dataset.range(5, 6).make_one_shot_iterator().get_next()
    gd = tf.get_default_graph().as_graph_def()
    names = sorted(f.signature.name for f in gd.library.function)
    assert names == ["_make_dataset", "_make_dataset_1"]
    with tf.Graph().as_default():
        tf.import_graph_def(gd, name="imported")
        with tf.Session() as sess:
            assert sess.run(["imported/" + a.name, "imported/" + b.name]) == [0, 5]


def test_partition_graphs_of_a_map_pipeline_carry_its_functions():
    ds = tf.data.Dataset.range(3).map(lambda x: x + 1)
    nxt = ds.make_one_shot_iterator().get_next()
    meta = tf.RunMetadata()
    with tf.Session() as sess:
        sess.run(nxt, options=tf.RunOptions(output_partition_graphs=True), run_metadata=meta)
    (part,) = meta.partition_graphs
    assert sorted(f.signature.name for f in part.library.function)[0].startswith("_make_dataset")


def test_an_argument_of_no_fixed_type_is_refused():
    gd = messages.GraphDef()
    f = gd.library.function.add()
    f.signature.name = "poly"
    f.signature.input_arg.add(name="x", type_attr="T")
    gd.node.add(name="m", op="MapDataset").attr["f"].func.name = "poly"
    with pytest.raises(ValueError, match="'poly'.*no fixed type"):
        graph_def.node_defs_from_graph_def(gd)


def test_stripped_op_list_holds_the_ops_of_function_bodies():
    build("map_capture")
    meta = tf.train.export_meta_graph()
    ops = {op.name for op in meta.meta_info_def.stripped_op_list.op}
    assert {"Mul", "Identity", "MapDataset", "RangeDataset", "OneShotIterator"} <= ops
    recorded = text_format.Parse((RECORD / "meta_graph.pbtxt").read_text(), messages.MetaGraphDef())
    assert "Mul" in {op.name for op in recorded.meta_info_def.stripped_op_list.op}


# -- the files a TF1 program writes -----------------------------------------------------------
def _map_pipeline():
    w = tf.Variable(2.0, name="w")
    ds = tf.data.Dataset.range(4).map(lambda x: tf.cast(x, tf.float32) * w)
    return w, ds.make_initializable_iterator()


def test_saver_writes_and_import_meta_graph_reads_a_map_pipeline(tmp_path):
    w, it = _map_pipeline()
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(w.assign(0.5))
        path = tf.train.Saver().save(sess, str(tmp_path / "model.ckpt"))
    assert (tmp_path / "model.ckpt.meta").exists()
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(path + ".meta")
        with tf.Session() as sess:
            saver.restore(sess, path)
            sess.run(it.initializer.name)
            assert [float(sess.run(nxt.name)) for _ in range(4)] == [0.0, 0.5, 1.0, 1.5]


def test_export_meta_graph_and_write_graph_files_read_back(tmp_path):
    _, it = _map_pipeline()
    nxt = it.get_next()
    tf.train.export_meta_graph(str(tmp_path / "g.meta"))
    tf.train.write_graph(tf.get_default_graph(), str(tmp_path), "g.pbtxt", as_text=True)
    tf.train.write_graph(tf.get_default_graph(), str(tmp_path), "g.pb", as_text=False)
    text = text_format.Parse((tmp_path / "g.pbtxt").read_text(), messages.GraphDef())
    binary = messages.GraphDef.FromString((tmp_path / "g.pb").read_bytes())
    assert text == binary and len(binary.library.function) == 1
    for graph in (text, binary):
        with tf.Graph().as_default():
            tf.import_graph_def(graph, name="")
            with tf.Session() as sess:
                sess.run(["w/Assign", it.initializer.name])
                assert [float(sess.run(nxt.name)) for _ in range(2)] == [0.0, 2.0]
    with tf.Graph().as_default():
        tf.train.import_meta_graph(str(tmp_path / "g.meta"))
        assert tf.get_default_graph().get_operation_by_name("MapDataset")


def test_file_writer_writes_the_graph_with_its_library(tmp_path):
    _, it = _map_pipeline()
    it.get_next()
    with tf.Session() as sess:
        writer = tf.summary.FileWriter(str(tmp_path), sess.graph)
        writer.close()
    (events,) = tmp_path.glob("events.out.tfevents.*")
    graphs = [
        messages.GraphDef.FromString(e.graph_def)
        for e in tf.train.summary_iterator(str(events))
        if e.graph_def
    ]
    assert len(graphs) == 1 and len(graphs[0].library.function) == 1


def test_monitored_training_session_checkpoints_a_map_pipeline(tmp_path):
    step = tf.train.get_or_create_global_step()
    ds = tf.data.Dataset.range(100).map(lambda x: tf.cast(x, tf.float32) * 2.0)
    nxt = ds.make_one_shot_iterator().get_next()
    train = tf.assign_add(step, 1)
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path)) as sess:
        values = [sess.run([nxt, train])[0] for _ in range(3)]
    assert values == [0.0, 2.0, 4.0]
    assert list(tmp_path.glob("model.ckpt-*.meta")) and (tmp_path / "graph.pbtxt").exists()
    gd = text_format.Parse((tmp_path / "graph.pbtxt").read_text(), messages.GraphDef())
    assert len(gd.library.function) == 2


def test_a_map_with_a_while_loop_round_trips():
    # The loop's Merge reads its NextIteration, written after it: inputs are named last.
    def triangle(x):
        i0 = tf.constant(0, tf.int64)
        return tf.while_loop(lambda i, a: i < x, lambda i, a: (i + 1, a + i), [i0, i0])[1]

    nxt = tf.data.Dataset.range(5).map(triangle).make_one_shot_iterator().get_next()
    gd = tf.get_default_graph().as_graph_def()
    with tf.Graph().as_default() as g:
        tf.import_graph_def(gd, name="")
        with tf.Session() as sess:
            assert [int(sess.run(nxt.name)) for _ in range(5)] == [0, 0, 1, 3, 6]
        assert g.as_graph_def() == gd
