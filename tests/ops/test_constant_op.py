"""tf.constant and value conversion."""

import numpy as np
import pytest

import teachflow as tf


@pytest.mark.parametrize(
    "value, dtype",
    [
        (1.0, tf.float32),
        (1, tf.int32),
        (2**40, tf.int64),
        (True, tf.bool),
        ("s", tf.string),
        ([1, 2.5], tf.float32),
        ([[1, 2], [3, 4]], tf.int32),
        (np.array([1.0]), tf.float64),
        (np.float32(1), tf.float32),
    ],
)
def test_inferred_dtypes(value, dtype):
    assert tf.constant(value).dtype is dtype


def test_values_shapes_and_fill(sess):
    c = tf.constant(7, shape=[2, 3])
    np.testing.assert_array_equal(sess.run(c), np.full((2, 3), 7, np.int32))
    d = tf.constant([1, 2, 3, 4], shape=[2, 2])
    np.testing.assert_array_equal(sess.run(d), [[1, 2], [3, 4]])
    assert d.shape == tf.TensorShape([2, 2])
    e = tf.constant(1.5, dtype=tf.float64)
    assert sess.run(e).dtype == np.float64


def test_conversion_errors():
    with pytest.raises(TypeError, match="Expected int32, got 1.5"):
        tf.constant(1.5, dtype=tf.int32)
    with pytest.raises(TypeError, match="Too many elements provided"):
        tf.constant([1, 2, 3], shape=[2])
    with pytest.raises(TypeError, match="Failed to convert object"):
        tf.convert_to_tensor(object())


def test_convert_to_tensor_of_tensor_checks_dtype():
    c = tf.constant(1)
    assert tf.convert_to_tensor(c) is c
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        tf.convert_to_tensor(c, dtype=tf.float32)


def test_list_of_tensors_is_packed(sess):
    a = tf.constant(1.0)
    packed = tf.convert_to_tensor([a, 2.0, a])
    assert packed.op.type == "Pack" and packed.shape == tf.TensorShape([3])
    np.testing.assert_array_equal(sess.run(packed), [1.0, 2.0, 1.0])


def test_constants_are_named(sess):
    assert tf.constant(1, name="one").name == "one:0"
    assert tf.constant(1).name == "Const:0"


def test_a_const_whose_value_is_not_its_dtype_is_refused_when_it_runs():
    # A NodeDef from a file or the wire can say dtype float and carry an int32 value: TF
    # imports it and refuses it when the kernel is built (record_resource_limits.py).
    import json
    import pathlib

    from teachflow.framework import importer
    from teachflow.framework.operation import NodeDef

    fixture = pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/resource_limits/errors.json"
    expected = json.loads(fixture.read_text())["const_type_mismatch"]
    g = tf.Graph()
    value = np.array(3, np.int32)
    importer.import_nodes(g, [NodeDef("c", "Const", [], "", {"dtype": tf.float32, "value": value})])
    c = g.get_tensor_by_name("c:0")
    assert c.dtype.name == expected["declared"]
    with tf.Session(graph=g) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(c)
    assert info.value.message.split("\n")[0] == expected["message"]
    assert "{{node c}}" in info.value.message and info.value.op.name == "c"


def test_a_mismatched_const_in_a_tensorflow_graph_def_is_refused():
    from teachflow.proto import messages

    g = tf.Graph()
    with g.as_default():
        tf.constant(3, dtype=tf.int32, name="c")
    graph_def = g.as_graph_def()
    graph_def.node[0].attr["dtype"].type = messages.DataType.Value("DT_FLOAT")
    with tf.Graph().as_default() as g2:
        tf.import_graph_def(graph_def.SerializeToString(), name="")
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match=r"value \(int32\) and dtype"):
                sess.run(g2.get_tensor_by_name("c:0"))


def test_a_known_tensor_shape_converts_to_a_shape_as_tensor_constant():
    # As TF 2.21's compat.v1: tf.reshape(x, tf.TensorShape([3, 2])) and convert_to_tensor.
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.placeholder(tf.float32, [2, 3])
        assert tf.reshape(x, tf.TensorShape([3, 2])).shape.as_list() == [3, 2]
        c = tf.convert_to_tensor(tf.TensorShape([3, 2]))
        assert (c.dtype, c.op.name) == (tf.int32, "shape_as_tensor")
        assert sess.run(c).tolist() == [3, 2]
        assert tf.convert_to_tensor(tf.TensorShape([3, 2]), dtype=tf.int64).dtype == tf.int64
        with pytest.raises(ValueError, match=r"partially known TensorShape \(\?, 2\)"):
            tf.convert_to_tensor(tf.TensorShape([None, 2]))
        with pytest.raises(ValueError, match="partially known TensorShape <unknown>"):
            tf.convert_to_tensor(tf.TensorShape(None))
        with pytest.raises(TypeError, match="Cannot convert a TensorShape to dtype"):
            tf.convert_to_tensor(tf.TensorShape([3]), dtype=tf.float32)


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_a_constant_of_an_np_matrix_is_a_plain_array(sess):
    # The Cookbook's Cholesky recipe builds its constants from np.matrix columns; TF hands
    # back ndarrays, so solution[0][0] is a number, not a 1x2 matrix row.
    a = tf.constant(np.matrix([[1.0, 2.0], [3.0, 4.0]]))
    value = sess.run(tf.matmul(a, np.matrix([[1.0], [1.0]])))
    assert type(value) is np.ndarray and type(sess.run(a)) is np.ndarray
    assert float(value[1][0]) == 7.0


def test_an_empty_bool_constant_is_an_empty_bool_array():
    # TF accepts [] for any dtype (np.array([]) is float64, but holds no element to refuse).
    c = tf.constant([], dtype=tf.bool)
    assert c.dtype == tf.bool and c.shape.as_list() == [0]
    with tf.Session() as sess:
        got = sess.run(c)
    assert got.dtype == np.bool_ and got.shape == (0,)


def test_python_complex_numbers_are_complex128_as_in_tensorflow():
    # TF 2.21: tf.constant(1+2j), tf.constant([1+2j, 3]) and [[1.5, 2j]] are all complex128.
    values = [1 + 2j, [1 + 2j, 3], [[1.5, 2j]]]
    tensors = [tf.constant(v) for v in values] + [tf.convert_to_tensor(2j)]
    assert [t.dtype for t in tensors] == [tf.complex128] * 4
    with tf.Session() as sess:
        got = sess.run(tensors)
    assert got[0] == 1 + 2j and got[1].tolist() == [1 + 2j, 3 + 0j]
    assert got[2].dtype == np.complex128 and got[2].tolist() == [[1.5 + 0j, 2j]]
    assert got[3] == 2j
