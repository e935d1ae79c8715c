"""convert: TensorFlow's tensors, graphs, options, devices and status <-> teachflow's."""

import grpc
import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.protocol import tensors
from teachflow.distributed.tf_wire import convert
from teachflow.proto import messages
from teachflow.runtime.devices import DeviceAttributes


def _tf_proto(dtype, shape, **fields):
    pb = messages.TensorProto(dtype=dtype, **fields)
    pb.tensor_shape.SetInParent()
    for d in shape:
        pb.tensor_shape.dim.add(size=d)
    return pb


@pytest.mark.parametrize(
    ("pb", "expected"),
    [
        (_tf_proto(1, [], float_val=[2.5]), np.float32(2.5)),
        (_tf_proto(3, [3], int_val=[7]), np.array([7, 7, 7], np.int32)),  # last value repeats
        (_tf_proto(9, [2], int64_val=[1, 2]), np.array([1, 2], np.int64)),
        (_tf_proto(10, [2], bool_val=[True, False]), np.array([True, False])),
        (_tf_proto(19, [], half_val=[np.float16(1.5).view(np.uint16)]), np.float16(1.5)),
        (_tf_proto(2, [2], tensor_content=np.array([1.0, 2.0]).tobytes()), np.array([1.0, 2.0])),
        (_tf_proto(8, [], scomplex_val=[1.0, -2.0]), np.complex64(1 - 2j)),
    ],
)
def test_every_encoding_tensorflow_writes_reads_as_numpy(pb, expected):
    got = convert.to_numpy(pb)
    assert got.dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(got, expected)


def test_strings_read_as_an_object_array():
    got = convert.to_numpy(_tf_proto(7, [2], string_val=[b"a", b"bc"]))
    assert got.dtype == object and list(got) == [b"a", b"bc"]


def test_a_malformed_tensor_is_an_invalid_argument():
    bad = _tf_proto(1, [3], tensor_content=b"\x00" * 5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="5 bytes"):
        convert.to_numpy(bad)


@pytest.mark.parametrize(
    "value",
    [np.float32(3.0), np.arange(6, dtype=np.int64).reshape(2, 3), np.array([True, False])],
)
def test_numeric_tensors_go_out_as_tensor_content_like_tensorflow(value):
    pb = convert.to_tensor_proto(value)
    assert pb.tensor_content == np.ascontiguousarray(value).tobytes()
    assert [d.size for d in pb.tensor_shape.dim] == list(np.shape(value))
    assert pb.HasField("tensor_shape")
    np.testing.assert_array_equal(convert.to_numpy(pb), value)


def test_wire_and_tensorflow_tensor_protos_round_trip():
    value = np.arange(4, dtype=np.float32).reshape(2, 2)
    wire = convert.wire_tensor_from_tf(convert.to_tensor_proto(value))
    np.testing.assert_array_equal(tensors.from_proto(wire), value)
    back = convert.tf_tensor_from_wire(wire)
    assert back.dtype == 1 and back.tensor_content == value.tobytes()
    strings = convert.tf_tensor_from_wire(tensors.to_proto(np.array([b"x"], dtype=object)))
    assert list(strings.string_val) == [b"x"]


def test_a_tensorflow_graph_def_becomes_teachflow_node_defs():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0, name="a")
        tf.add(a, 2.0, name="b")
    gd = g.as_graph_def()
    names = [nd.name for nd in convert.node_defs(gd)]
    assert names == ["a", "b/y", "b"]
    wire = convert.wire_graph_def(gd)
    assert [n.op for n in wire.node] == ["Const", "Const", "AddV2"]


def test_a_function_the_library_lacks_is_an_invalid_argument():
    # tf.data's functions are read from the library (tests/framework/codecs/test_function_def.py).
    gd = messages.GraphDef()
    gd.library.function.add().signature.name = "f"
    gd.node.add(name="m", op="MapDataset").attr["f"].func.name = "g"
    with pytest.raises(tf.errors.InvalidArgumentError, match="names the function 'g'"):
        convert.node_defs(gd)


def test_config_and_run_options_keep_the_fields_teachflow_uses():
    config = messages.ConfigProto(
        log_device_placement=True, operation_timeout_in_ms=500, intra_op_parallelism_threads=3
    )
    wire = convert.session_config(config)
    assert wire.log_device_placement and wire.operation_timeout_in_ms == 500
    opts = messages.RunOptions(trace_level=3, output_partition_graphs=True, timeout_in_ms=9)
    w = convert.run_options(opts)
    assert (w.trace_level, w.output_partition_graphs, w.timeout_in_ms) == (3, True, 9)


def test_device_attributes_use_tensorflows_fields():
    attrs = DeviceAttributes("/job:ps/replica:0/task:0/device:CPU:0", "CPU", 1 << 28, 12345)
    pb = convert.device_attributes(attrs)
    assert (pb.name, pb.device_type, pb.memory_limit, pb.incarnation) == (
        "/job:ps/replica:0/task:0/device:CPU:0",
        "CPU",
        1 << 28,
        12345,
    )
    assert pb.HasField("locality")


def test_status_codes_map_to_tf_errors_classes():
    assert convert.error_class(3) is tf.errors.InvalidArgumentError
    assert convert.error_class(9) is tf.errors.FailedPreconditionError
    assert convert.error_class(99) is tf.errors.UnknownError
    assert convert.grpc_code(10) is grpc.StatusCode.ABORTED
    err = convert.error_from_status(5, "no such node")
    assert isinstance(err, tf.errors.NotFoundError) and err.message == "no such node"
    assert convert.status_of(tf.errors.AbortedError(None, None, "gone")) == (10, "gone")
    assert convert.status_of(ValueError("bad"))[0] == 3
