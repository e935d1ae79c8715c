"""Importing NodeDefs rebuilds the same graph: real models are serialized to a GraphDef
message, parsed back, imported into a fresh Graph (in shuffled order) and run; both
graphs must give the same values."""

import random

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.protocol import graphs, teachflow_pb2
from teachflow.framework import importer
from teachflow.framework.operation import NodeDef
from teachflow.proto import messages


def over_the_wire(graph, shuffle_seed=0):
    """The graph's NodeDefs as a server receives them: a serialized GraphDef, any order."""
    data = graphs.graph_def(graph.get_operations(), version=1).SerializeToString()
    nodes = graphs.node_defs_from_graph_def(teachflow_pb2.GraphDef.FromString(data))
    random.Random(shuffle_seed).shuffle(nodes)
    return nodes


def copy_graph(graph):
    copy = tf.Graph()
    created = importer.import_nodes(copy, over_the_wire(graph))
    assert len(created) == len(graph.get_operations())
    assert_same_graph(graph, copy)
    return copy


def assert_same_attr(got, want):
    assert type(got) is type(want)
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    else:
        assert got == want


def assert_same_graph(a, b):
    assert sorted(op.name for op in a.get_operations()) == sorted(
        op.name for op in b.get_operations()
    )
    for op in a.get_operations():
        twin = b.get_operation_by_name(op.name)
        assert (twin.type, twin.device) == (op.type, op.device)
        assert twin.node_def.input == op.node_def.input
        assert twin.node_def.attr.keys() == op.node_def.attr.keys()
        for k, v in op.node_def.attr.items():
            assert_same_attr(twin.get_attr(k), v)
        assert [t.dtype for t in twin.outputs] == [t.dtype for t in op.outputs]
        # A shape refined with set_shape after creation (gradient code does) is not part
        # of a NodeDef, in TensorFlow either: the copy infers it again, maybe less exactly.
        for t_twin, t in zip(twin.outputs, op.outputs, strict=True):
            assert t_twin.shape.is_compatible_with(t.shape)


def run_both(graph, fetches, feed=None, init=None, steps=1):
    """Run ``fetches`` (names) ``steps`` times in the graph and in its imported copy."""
    copy = copy_graph(graph)
    results = []
    for g in (graph, copy):
        with tf.Session(graph=g) as sess:
            if init is not None:
                sess.run(init)
            results.append([sess.run(fetches, feed) for _ in range(steps)])
    return results


def assert_same_results(a, b):
    for x, y in zip(a, b, strict=True):
        if isinstance(x, (list, tuple)):
            assert_same_results(x, y)
        elif x is None:
            assert y is None
        else:
            assert type(x) is type(y)
            if isinstance(x, np.ndarray):
                assert x.dtype == y.dtype
            np.testing.assert_array_equal(x, y)


# -- real graphs ---------------------------------------------------------------------------
def test_math_graph_runs_the_same_after_import():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        n = tf.placeholder(tf.int32, [], name="n")
        y = tf.exp(x) * 2.0 - tf.log(x + 1.0) / 3.0
        fetches = [
            tf.reduce_sum(y, axis=1, name="sum"),
            tf.reduce_mean(y, keepdims=True, name="mean"),
            tf.reduce_max(x, axis=0, name="max"),
            tf.argmax(x, axis=1, name="argmax"),
            tf.cast(x * 10.0, tf.int64, name="cast"),
            tf.pow(x, 2.0, name="pow"),
            tf.where(x > 0.5, x, -x, name="where"),
            tf.cumsum(x, axis=1, exclusive=True, reverse=True, name="cumsum"),
            tf.clip_by_value(x, 0.2, 0.7, name="clip"),
            tf.add_n([x, x, x], name="addn"),
            tf.math.floormod(n + 7, 3, name="mod"),
            tf.logical_and(x > 0.1, tf.logical_not(x > 0.9), name="logic"),
            tf.matmul(x, x, transpose_b=True, name="gram"),
            tf.square(x, name="sq"),
        ]
    names = [t.name for t in fetches]
    feed = {"x:0": np.array([[0.1, 0.5, 0.9], [1.0, 2.0, 3.0]], np.float32), "n:0": 5}
    a, b = run_both(g, names, feed)
    assert_same_results(a, b)


def test_array_and_slicing_graph_runs_the_same_after_import():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(np.arange(24, dtype=np.float32).reshape(2, 3, 4), name="x")
        idx = tf.constant([2, 0], name="idx")
        parts = tf.split(x, [1, 3], axis=2, name="split")
        fetches = [
            x[1:, ::2, -1],
            x[..., tf.newaxis, 1],
            tf.reshape(x, [4, -1], name="reshape"),
            tf.transpose(x, [2, 0, 1], name="transpose"),
            tf.gather(x, idx, axis=1, name="gather"),
            tf.gather_nd(x, [[0, 1], [1, 2]], name="gather_nd"),
            tf.concat([x, x], axis=0, name="concat"),
            parts[1],
            tf.stack(tf.unstack(x, axis=1), axis=2, name="restack"),
            tf.tile(x[:, :1, :2], [2, 1, 3], name="tile"),
            tf.pad(x, [[0, 0], [1, 1], [2, 0]], mode="REFLECT", name="pad"),
            tf.squeeze(tf.expand_dims(x, 0), [0], name="squeeze"),
            tf.one_hot(idx, 4, name="one_hot"),
            tf.reverse(x, [1], name="reverse"),
            tf.fill([2, 2], 7, name="fill"),
            tf.range(1, 10, 3, name="range"),
            tf.linspace(0.0, 1.0, 5, name="linspace"),
            tf.scatter_nd([[1], [3]], [5.0, 6.0], [4], name="scatter_nd"),
            tf.nn.top_k(tf.reshape(x, [-1]), k=3).values,
            tf.boolean_mask(tf.reshape(x, [-1]), tf.reshape(x, [-1]) > 20.0),
            tf.shape(x, out_type=tf.int64, name="shape"),
            tf.constant([b"a", "é".encode(), b""], name="strings"),
            tf.zeros_like(x, name="zeros_like"),
        ]
    a, b = run_both(g, [t.name for t in fetches])
    assert_same_results(a, b)


def test_nn_graph_with_gradients_runs_the_same_after_import():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 4], name="x")
        labels = tf.placeholder(tf.int32, [None], name="labels")
        w = tf.constant(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), name="w")
        logits = tf.nn.bias_add(tf.matmul(x, w), tf.constant([0.1, 0.0, -0.1]), name="logits")
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        )
        mean, var = tf.nn.moments(logits, axes=[0])
        fetches = [
            loss,
            tf.nn.softmax(logits),
            tf.nn.log_softmax(logits),
            tf.nn.relu(logits),
            tf.nn.leaky_relu(logits, alpha=0.3),
            tf.nn.l2_loss(logits),
            mean,
            var,
            tf.nn.dropout(x, keep_prob=0.5, seed=4),
            *tf.gradients(loss, [x, logits]),
        ]
    feed = {"x:0": np.arange(8, dtype=np.float32).reshape(2, 4) / 8, "labels:0": [0, 2]}
    a, b = run_both(g, [t.name for t in fetches], feed)
    assert_same_results(a, b)


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda: tf.train.GradientDescentOptimizer(0.1),
        lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
        lambda: tf.train.AdamOptimizer(0.05),
        lambda: tf.train.RMSPropOptimizer(0.01),
        lambda: tf.train.AdagradOptimizer(0.1),
    ],
    ids=["sgd", "momentum", "adam", "rmsprop", "adagrad"],
)
def test_training_graph_trains_the_same_after_import(make_optimizer):
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(7)
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        y = tf.placeholder(tf.float32, [None, 1], name="y")
        with tf.variable_scope("dense"):
            w = tf.get_variable("w", [3, 1], initializer=tf.glorot_uniform_initializer())
            b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y), name="loss")
        step = tf.train.get_or_create_global_step()
        train = make_optimizer().minimize(loss, global_step=step, name="train")
        init = tf.global_variables_initializer()
    feed = {"x:0": [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], "y:0": [[1.0], [-1.0]]}
    fetches = [loss.name, train.name, w.name, b.name, step.name]
    a, b2 = run_both(g, fetches, feed, init=init.name, steps=4)
    assert_same_results(a, b2)
    assert a[-1][-1] == 4


def test_seeded_random_ops_give_the_same_values_after_import():
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(1234)
        fetches = [
            tf.random_normal([3, 2], seed=1, name="normal"),
            tf.random_uniform([4], minval=-1, maxval=1, seed=2, name="uniform"),
            tf.random_uniform([5], maxval=10, dtype=tf.int32, seed=3, name="int_uniform"),
            tf.truncated_normal([2, 3], stddev=2.0, name="truncated"),
            tf.random_shuffle(tf.range(8), seed=5, name="shuffle"),
            tf.multinomial(tf.log([[0.2, 0.8], [0.5, 0.5]]), 6, seed=6, name="multinomial"),
        ]
    a, b = run_both(g, [t.name for t in fetches], steps=3)
    assert_same_results(a, b)


def test_devices_colocation_and_containers_are_kept_exactly():
    g = tf.Graph()
    with g.as_default():
        with tf.device("/job:ps/task:0"):
            v = tf.Variable(1.0, name="v")
        with tf.colocate_with(v.op):
            c = tf.identity(v, name="c")
        with tf.device(lambda op: "/job:worker/task:1/device:CPU:0"):
            tf.add(c, 1.0, name="d")
    copy = copy_graph(g)
    assert copy.get_operation_by_name("v").device == g.get_operation_by_name("v").device
    assert copy.get_operation_by_name("c").get_attr("_class") == [b"loc:@v"]
    assert copy.get_operation_by_name("d").device == "/job:worker/task:1/device:CPU:0"


# -- how import_nodes builds -----------------------------------------------------------------
def const(name, value=1.0, device="", attr=None):
    value = np.asarray(value, np.float32)
    value.flags.writeable = False
    return NodeDef(name, "Const", [], device, {"dtype": tf.float32, "value": value, **(attr or {})})


def add(name, a, b, *control):
    return NodeDef(name, "AddV2", [a, b, *("^" + c for c in control)], "", {"T": tf.float32})


def test_nodes_are_created_inputs_first_and_returned_in_creation_order():
    g = tf.Graph()
    nodes = [add("s/c", "s/b", "a", "a"), add("s/b", "a", "a"), const("a", 2.0)]
    ops = importer.import_nodes(g, nodes)
    assert [op.name for op in ops] == ["a", "s/b", "s/c"]
    assert g.get_operations() == ops
    c = g.get_operation_by_name("s/c")
    assert [t.name for t in c.inputs] == ["s/b:0", "a:0"]
    assert [op.name for op in c.control_inputs] == ["a"]
    with tf.Session(graph=g) as sess:
        assert sess.run("s/c:0") == np.float32(6.0)


def test_an_already_sorted_list_keeps_its_order():
    nodes = [const("z"), const("y"), add("x", "z", "y"), const("w")]
    ops = importer.import_nodes(tf.Graph(), nodes)
    assert [op.name for op in ops] == ["z", "y", "x", "w"]


def test_inputs_may_name_ops_already_in_the_graph_and_output_indices():
    g = tf.Graph()
    with g.as_default():
        tf.split(tf.constant([1.0, 2.0, 3.0, 4.0]), 2, name="halves")
    ops = importer.import_nodes(g, [add("sum", "halves", "halves:1")])
    assert [t.name for t in ops[0].inputs] == ["halves:0", "halves:1"]
    with tf.Session(graph=g) as sess:
        np.testing.assert_array_equal(sess.run("sum:0"), [4.0, 6.0])


def test_names_devices_and_attrs_are_verbatim_despite_scopes_in_the_target_graph():
    g = tf.Graph()
    with g.as_default():
        first = tf.no_op(name="first")
        with (
            tf.name_scope("outer"),
            tf.device("/gpu:3"),
            tf.control_dependencies([first]),
            g.colocate_with(first),
            g.container("box"),
        ):
            (op,) = importer.import_nodes(g, [const("a", device="/job:x/task:2", attr={"_k": 1})])
    assert op.name == "a" and op.device == "/job:x/task:2"
    assert op.control_inputs == []
    assert set(op.node_def.attr) == {"dtype", "value", "_k"}


def test_imported_names_are_taken_for_later_ops_and_scopes():
    g = tf.Graph()
    importer.import_nodes(g, [const("a"), const("layer/w")])
    with g.as_default():
        assert tf.constant(1.0, name="a").op.name == "a_1"
        with tf.name_scope("layer") as scope:
            assert scope == "layer_1/"


def test_existing_names_are_an_error_unless_skip_existing_extends_the_graph():
    g = tf.Graph()
    importer.import_nodes(g, [const("a"), const("b")])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Node 'a' already exists"):
        importer.import_nodes(g, [const("a")])
    # How a server extends its copy: the whole client graph again, only new nodes built.
    extended = [const("a"), const("b"), add("c", "a", "b"), add("d", "c", "a")]
    ops = importer.import_nodes(g, extended[::-1], skip_existing=True)
    assert [op.name for op in ops] == ["c", "d"]
    assert len(g.get_operations()) == 4


@pytest.mark.parametrize(
    "nodes, words",
    [
        ([add("b", "a", "a")], "Node 'b': Unknown input node 'a'"),
        ([const("a"), add("b", "a", "^ghost")], "Node 'b': Unknown input node '^ghost'"),
        ([NodeDef("x", "Bogus", [], "", {})], "Op type not registered 'Bogus'"),
        ([add("a", "b", "b"), add("b", "a", "a"), const("c")], "cycle among: a, b"),
        ([const("a"), const("a")], "Node 'a' appears twice"),
        (
            [const("a"), add("b", "a", "a:3")],
            "Node 'b': Connecting to invalid output 3 of source node a which has 1 outputs",
        ),
        (
            [const("a", [1.0, 2.0]), const("m", [[1.0, 2.0, 3.0]]), add("b", "a", "m")],
            "Node 'b' (op: 'AddV2') cannot be imported",
        ),
    ],
    ids=["missing", "missing-control", "unknown-op", "cycle", "twice", "bad-index", "infer"],
)
def test_invalid_nodes_raise_invalid_argument(nodes, words):
    g = tf.Graph()
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        importer.import_nodes(g, nodes)
    assert words in info.value.message
    assert g.get_operations() == []  # a failed import leaves the graph as it was


def test_a_failed_import_takes_back_the_ops_it_created():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant([1.0, 2.0], name="a")
    nodes = [add("b", "a", "a"), const("m", [[1.0, 2.0, 3.0]]), add("c", "b", "m")]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Node 'c'"):
        importer.import_nodes(g, nodes)
    assert g.get_operations() == [a.op]
    assert a.consumers() == []
    with g.as_default():
        assert tf.constant(1.0, name="b").op.name == "b"
    with tf.Session(graph=g) as sess:
        np.testing.assert_array_equal(sess.run(a), [1.0, 2.0])


# -- import_graph_def ------------------------------------------------------------------------
def model_nodes():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        with tf.colocate_with(x.op):
            y = tf.multiply(x, 3.0, name="y")
        tf.add(y, 1.0, name="z")
    return [op.node_def for op in g.get_operations()]


def test_import_graph_def_prefixes_names_and_returns_elements():
    nodes = model_nodes()
    x, z = importer.import_graph_def(nodes, return_elements=["x", "z:0"])
    assert x.name == "import/x" and isinstance(x, tf.Operation)
    assert z.name == "import/z:0" and isinstance(z, tf.Tensor)
    g = tf.get_default_graph()
    assert g.get_operation_by_name("import/y").get_attr("_class") == [b"loc:@import/x"]
    (z2,) = importer.import_graph_def(nodes, return_elements=["z:0"])
    assert z2.name == "import_1/z:0"
    (z3,) = importer.import_graph_def(nodes, return_elements=["z:0"], name="")
    assert z3.name == "z:0"
    with tf.Session() as sess:
        assert list(sess.run(z, {"import/x:0": [1.0, 2.0]})) == [4.0, 7.0]


def test_import_graph_def_input_map_rewires_inputs():
    feed = tf.constant([10.0], name="feed")
    (z,) = importer.import_graph_def(
        model_nodes(), input_map={"x": feed}, return_elements=["z:0"], name="m"
    )
    g = tf.get_default_graph()
    assert [t.name for t in g.get_operation_by_name("m/y").inputs][0] == "feed:0"
    with tf.Session() as sess:
        assert list(sess.run(z)) == [31.0]


def test_import_graph_def_errors_are_value_errors():
    with pytest.raises(ValueError, match="not found in graph_def: \\[nope:0\\]"):
        importer.import_graph_def(model_nodes(), input_map={"nope:0": tf.constant(1.0)})
    with pytest.raises(ValueError, match="Requested return tensor 'nope:0' not found"):
        importer.import_graph_def(model_nodes(), return_elements=["nope:0"])
    with pytest.raises(ValueError, match="Unknown input node 'q'"):
        importer.import_graph_def([add("b", "q", "q")])
    with pytest.raises(ValueError, match="must be a Tensor"):
        importer.import_graph_def(model_nodes(), input_map={"x:0": 3.0})
    with pytest.raises(
        ValueError, match="Op type not registered 'Nope' \\(in node 'import_1/a'\\)"
    ):
        importer.import_graph_def(messages.GraphDef(node=[messages.NodeDef(name="a", op="Nope")]))


def test_as_graph_def_round_trips_through_import_graph_def():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(2.0, name="a")
        three = tf.constant(3.0, name="three")
        first = tf.no_op(name="first")
        with tf.control_dependencies([first]):
            b = tf.multiply(a, three, name="b")
    gd = g.as_graph_def()
    assert [n.name for n in gd.node] == ["a", "three", "first", "b"]
    assert list(gd.node[3].input) == ["a", "three", "^first"]
    # TensorFlow's GraphDef: versions as TF 2.21 writes them (the deprecated ``version`` unset).
    assert 'name: "b"' in str(gd) and gd.versions.producer == 2474 and gd.version == 0
    # The binary form parses back into the same message.
    again = type(gd).FromString(gd.SerializeToString())
    assert again == gd
    with tf.Graph().as_default():
        (out,) = tf.import_graph_def(gd, return_elements=["b:0"], name="copy")
        assert out.name == "copy/b:0"
        with tf.Session() as sess:
            assert sess.run(out) == 6.0
    assert b.graph is g


def test_as_graph_def_add_shapes_and_from_version():
    g = tf.Graph()
    with g.as_default():
        tf.zeros([2, 3], name="z")
        version = g.version
        tf.ones([4], name="o")
    shaped = g.as_graph_def(add_shapes=True)
    shapes = shaped.node[0].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shapes.dim] == [2, 3]
    assert [n.name for n in g.as_graph_def(from_version=version).node] == ["o"]


def test_import_graph_def_rejects_other_objects():
    with pytest.raises(TypeError, match="takes a GraphDef"):
        tf.import_graph_def([1, 2])
    with pytest.raises(TypeError, match="not a teachflow.GraphDef"):
        tf.import_graph_def(teachflow_pb2.GraphDef())


def test_write_graph_text_and_binary(tmp_path):
    g = tf.Graph()
    with g.as_default():
        tf.add(tf.constant(1.0, name="a"), 2.0, name="b")
    text = tf.train.write_graph(g, str(tmp_path / "logs"), "g.pbtxt")
    assert text == str(tmp_path / "logs" / "g.pbtxt")
    assert 'name: "b"' in open(text).read()
    binary = tf.train.write_graph(g.as_graph_def(), str(tmp_path), "g.pb", as_text=False)
    gd = messages.GraphDef.FromString(open(binary, "rb").read())
    assert [n.name for n in gd.node] == ["a", "b/y", "b"]


def _chain_node_defs(n, bad_last=False):
    nodes = [NodeDef("n0", "Const", [], "", {"dtype": tf.float32, "value": np.float32(1)})]
    nodes += [
        NodeDef(f"n{i}", "Identity", [f"n{i - 1}"], "", {"T": tf.float32}) for i in range(1, n)
    ]
    if bad_last:
        nodes[-1].input = [f"n{n - 2}:5"]  # an Identity has one output
    return nodes


def test_a_failed_import_takes_back_every_op_it_created():
    g = tf.Graph()
    with g.as_default():
        keep = tf.constant(2.0, name="keep")
    with pytest.raises(tf.errors.InvalidArgumentError, match="invalid output 5 of source node n48"):
        importer.import_nodes(g, _chain_node_defs(50, bad_last=True))
    assert g.get_operations() == [keep.op]
    assert keep.consumers() == []
    importer.import_nodes(g, _chain_node_defs(50))  # the names are free again
    assert len(g.get_operations()) == 51


def test_taking_back_a_failed_import_is_linear_in_its_size():
    # Each created op was removed with list.remove, a scan of the whole graph.
    from tests.scaling import growth

    def prepare(n):
        g = tf.Graph()
        nodes = _chain_node_defs(n, bad_last=True)

        def fail():
            with pytest.raises(tf.errors.InvalidArgumentError):
                importer.import_nodes(g, nodes)

        return fail

    assert growth(prepare, 1000, 16000) < 2.5


def test_an_input_whose_dtype_is_not_its_declared_type_is_refused():
    # TF's importer checks each input against the type attr its OpDef names for it
    # (record_resource_limits.py); without the check the node computed in the input's dtype.
    import json
    import pathlib

    fixture = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/resource_limits/errors.json"
    expected = json.loads(fixture.read_text())["input_type_mismatch"]["message"]
    g = tf.Graph()
    with g.as_default():
        tf.identity(tf.constant(3.0, name="a"), name="b")
    graph_def = g.as_graph_def()
    graph_def.node[1].attr["T"].type = messages.DataType.Value("DT_INT32")
    with tf.Graph().as_default() as g2:
        with pytest.raises(ValueError) as info:
            tf.import_graph_def(graph_def, name="")
        assert g2.get_operations() == []
    assert str(info.value) == expected
    # The same node arriving as teachflow NodeDefs (a worker's RegisterGraph).
    nodes = [
        NodeDef("a", "Const", [], "", {"dtype": tf.float32, "value": np.float32(3)}),
        NodeDef("b", "Identity", ["a"], "", {"T": tf.int32}),
    ]
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected int32"):
        importer.import_nodes(tf.Graph(), nodes)
