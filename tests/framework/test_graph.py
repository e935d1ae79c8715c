"""Graph construction: names, scopes, control dependencies, devices, collections."""

import pytest

import teachflow as tf


def test_default_graph_and_as_default():
    g = tf.Graph()
    assert tf.get_default_graph() is not g
    with g.as_default():
        c = tf.constant(1.0)
        assert tf.get_default_graph() is g
    assert c.graph is g
    assert tf.get_default_graph() is not g


def test_reset_default_graph_inside_nested_graph_is_an_error():
    with tf.Graph().as_default():
        with pytest.raises(AssertionError, match="nested graphs"):
            tf.reset_default_graph()


def test_op_names_are_uniquified_like_tensorflow():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    c = a + b
    d = a + b
    assert [a.name, b.name, c.name, d.name] == ["Const:0", "Const_1:0", "add:0", "add_1:0"]
    with tf.name_scope("layer"):
        e = a + b
    with tf.name_scope("layer"):
        f = a + b
    assert e.name == "layer/add:0"
    assert f.name == "layer_1/add:0"


def test_name_scope_reentry_with_trailing_slash_and_reset():
    with tf.name_scope("outer") as scope:
        pass
    assert scope == "outer/"
    with tf.name_scope(scope):
        x = tf.constant(0, name="x")
    with tf.name_scope("outer"):
        with tf.name_scope(None):
            y = tf.constant(0, name="y")
    assert x.name == "outer/x:0"
    assert y.name == "y:0"


def test_name_scope_default_name():
    with tf.name_scope(None, "default"):
        a = tf.constant(1)
    with tf.name_scope("given", "default"):
        b = tf.constant(1)
    assert a.name == "default/Const:0"
    assert b.name == "given/Const:0"


def test_name_uniquification_is_case_insensitive():
    tf.constant(1, name="foo")
    b = tf.constant(1, name="Foo")
    assert b.op.name == "Foo_1"


def test_invalid_op_name_raises():
    with pytest.raises(ValueError, match="not a valid"):
        tf.constant(1, name="_bad")


def test_get_operation_and_tensor_by_name():
    c = tf.constant(3.0, name="c")
    g = tf.get_default_graph()
    assert g.get_operation_by_name("c") is c.op
    assert g.get_tensor_by_name("c:0") is c
    with pytest.raises(KeyError, match="refers to a Tensor which does not exist"):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(KeyError, match="only has 1 outputs"):
        g.get_tensor_by_name("c:1")
    with pytest.raises(ValueError, match="refers to an Operation, not a Tensor"):
        g.get_tensor_by_name("c")


def test_operation_properties_and_node_def():
    a = tf.constant(1.0, name="a")
    b = tf.constant(2.0, name="b")
    with tf.control_dependencies([a]):
        c = tf.add(a, b, name="c")
    d = tf.identity(b, name="d")
    op = d.op
    assert op.type == "Identity"
    assert list(op.inputs) == [b]
    assert op.outputs == [d]
    assert c.op.control_inputs == []  # a is already a data input
    with tf.control_dependencies([c]):
        e = tf.identity(b, name="e")
    nd = e.op.node_def
    assert nd.name == "e" and nd.op == "Identity"
    assert nd.input == ["b", "^c"]
    assert b.consumers() == [c.op, d.op, e.op]
    assert op.get_attr("T") is tf.float32
    with pytest.raises(ValueError, match="no attr named"):
        op.get_attr("nope")


def test_tensor_repr_shape_dtype():
    c = tf.constant([[1, 2, 3]], name="c")
    assert str(c) == 'Tensor("c:0", shape=(1, 3), dtype=int32)'
    assert repr(c) == "<tf.Tensor 'c:0' shape=(1, 3) dtype=int32>"
    assert c.shape == tf.TensorShape([1, 3]) and c.get_shape().as_list() == [1, 3]
    assert c.dtype is tf.int32 and c.op.graph is c.graph
    p = tf.placeholder(tf.float32, [None, 3])
    assert str(p.shape) == "(?, 3)"  # TF1 prints an unknown dimension as ?
    assert str(p) == 'Tensor("Placeholder:0", shape=(?, 3), dtype=float32)'


def test_tensor_is_not_a_python_bool():
    with pytest.raises(TypeError, match="as a Python `bool` is not allowed"):
        bool(tf.constant(True))


def test_control_dependencies_nesting_and_clearing():
    a = tf.constant(1.0, name="a")
    b = tf.constant(2.0, name="b")
    with tf.control_dependencies([a]):
        with tf.control_dependencies([b]):
            c = tf.constant(3.0, name="c")
        with tf.control_dependencies(None):
            d = tf.constant(4.0, name="d")
    assert [op.name for op in c.op.control_inputs] == ["a", "b"]
    assert d.op.control_inputs == []


def test_control_dependencies_accept_tensors_and_variables_and_skip_dominated_inputs():
    v = tf.Variable(1.0, name="v")
    a = tf.constant(1.0, name="a")
    with tf.control_dependencies([a, v]):
        x = tf.constant(2.0, name="x")
        y = x + 1.0  # x was created in this block: no repeated control inputs
    assert [op.name for op in x.op.control_inputs] == ["a", "v"]
    assert y.op.control_inputs == []


def test_device_strings_are_recorded_and_merged_like_tensorflow():
    a = tf.constant(1.0)
    with tf.device("/gpu:0"):
        b = a * 2.0
    with tf.device("/job:ps"):
        with tf.device("/cpu:0"):
            c = a * 2.0
        with tf.device("/task:1"):
            d = a * 2.0
    with tf.device("/job:ps/task:0/gpu:1"):
        with tf.device(None):
            e = a * 2.0
    assert b.device == "/device:GPU:0"
    assert c.device == "/job:ps/device:CPU:0"
    assert d.device == "/job:ps/task:1"
    assert e.device == ""


def test_device_function_sees_the_inner_scopes_and_its_string_is_kept_raw():
    a = tf.constant(1.0)

    def pick(op):
        return "/gpu:1" if op.type == "Mul" else "/cpu:0"

    with tf.device(pick):
        with tf.device("/job:worker"):
            seen = []
            with tf.device(lambda op: seen.append(op.device) or op.device):
                k = a * 2.0
    assert seen == ["", ""]  # innermost function runs first, for mul/y and mul
    assert k.device == "/gpu:1"


def test_colocate_with_sets_class_attr_and_device():
    with tf.device("/job:ps/task:0"):
        v = tf.Variable(1.0, name="v")
    with tf.device("/job:worker"):
        with tf.colocate_with(v):
            m = tf.constant(3.0, name="m")
    assert m.op.get_attr("_class") == [b"loc:@v"]
    assert m.device == "/job:ps/task:0"
    assert v.value().op.get_attr("_class") == [b"loc:@v"]


def test_collections():
    g = tf.get_default_graph()
    g.add_to_collection("things", 1)
    tf.add_to_collections(["a", "b"], 2)
    assert tf.get_collection("things") == [1]
    assert tf.get_collection("a") == [2] and tf.get_collection("b") == [2]
    tf.get_collection_ref("things").append(3)
    assert tf.get_collection("things") == [1, 3]
    with tf.name_scope("s"):
        v1 = tf.Variable(1.0, name="w")
    v2 = tf.Variable(1.0, name="w")
    assert tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES) == [v1, v2]
    assert tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="s") == [v1]


def test_finalized_graph_refuses_new_ops():
    g = tf.Graph()
    with g.as_default():
        tf.constant(1)
        g.finalize()
        with pytest.raises(RuntimeError, match="Graph is finalized"):
            tf.constant(2)


def test_inputs_from_another_graph_are_rejected():
    a = tf.constant(1.0)
    with tf.Graph().as_default():
        b = tf.constant(2.0)
        with pytest.raises(ValueError, match="same graph"):
            tf.add_n([b, a])


def test_container_scope_sets_variable_container():
    with tf.container("experiment"):
        v = tf.Variable(1.0)
    w = tf.Variable(1.0)
    assert v.op.get_attr("container") == "experiment"
    assert w.op.get_attr("container") == ""


def test_control_dependencies_keep_order_and_drop_duplicates():
    a, b = tf.no_op(name="a"), tf.no_op(name="b")
    x = tf.constant(1.0, name="x")
    with tf.control_dependencies([b, a, b, x]):
        with tf.control_dependencies([a]):
            y = tf.identity(x, name="y")
    assert [c.name for c in y.op.control_inputs] == ["b", "a"]  # x is a data input
    g = tf.group(a, [b, a], x.op, name="g")
    assert [c.name for c in g.control_inputs] == ["a", "b", "x"]
    y.op._add_control_inputs([a, g, g])
    assert [c.name for c in y.op.control_inputs] == ["b", "a", "g"]


def test_grouping_many_ops_takes_time_linear_in_their_number():
    # tf.group, control_dependencies and create_op each looked every op up in a list of
    # the ops before it: grouping 8k ops took 8x the time per op of grouping 1k.
    from tests.scaling import growth

    def prepare(n):
        g = tf.Graph()
        with g.as_default():
            ops = [tf.no_op() for _ in range(n)]

        def group():
            with g.as_default():
                with tf.control_dependencies(ops):
                    tf.group(*ops)
                tf.no_op()._add_control_inputs(ops)

        return group

    assert growth(prepare, 1000, 8000) < 3.0


def test_shape_errors_name_the_node_and_input_shapes_once():
    # Most ops' inference raises bare words and create_op adds TF's suffix; a few (conv,
    # pooling) name the node themselves, and the suffix must then not be added again.
    with pytest.raises(ValueError) as bare:
        tf.matmul(tf.zeros([2, 3]), tf.zeros([2, 3]))
    assert str(bare.value) == (
        "Dimensions must be equal, but are 3 and 2 for 'MatMul' (op: 'MatMul') "
        "with input shapes: [2,3], [2,3]."
    )
    with pytest.raises(ValueError) as named:
        tf.nn.conv2d(tf.zeros([1, 2, 2, 1]), tf.zeros([3, 3, 1, 1]), 1, "VALID")
    message = str(named.value)
    assert message.startswith("Negative dimension size caused by subtracting 3 from 2")
    assert message.count("with input shapes") == 1
    assert message.endswith("for 'Conv2D' (op: 'Conv2D') with input shapes: [1,2,2,1], [3,3,1,1].")
