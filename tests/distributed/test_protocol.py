"""The wire format: tensors, attributes, node defs, events and devices survive a round trip
through their protobuf messages (serialized to bytes and parsed back, as over gRPC)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import teachflow as tf
from teachflow.distributed.protocol import graphs, teachflow_pb2, tensors
from teachflow.framework import dtypes
from teachflow.framework.operation import NodeDef
from teachflow.runtime.devices import DeviceAttributes
from teachflow.trace.events import MemoryEvent, OpEvent, StepEvent, TransferEvent, bus

NUMERIC = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8]


def wire(message):
    """The message as the other process sees it: serialized and parsed again."""
    return type(message).FromString(message.SerializeToString())


def round_trip(value, dtype=None):
    return tensors.from_proto(wire(tensors.to_proto(value, dtype)))


def stream(value, chunk_bytes=tensors.DEFAULT_CHUNK_BYTES):
    return tensors.from_chunks(wire(c) for c in tensors.chunks(value, chunk_bytes))


def assert_same_value(got, want):
    assert type(got) is type(want)
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    else:
        assert got == want or (got != got and want != want)  # nan == nan here


# -- tensors -------------------------------------------------------------------------------
@pytest.mark.parametrize("np_type", NUMERIC)
def test_numeric_dtypes_round_trip_with_dtype_shape_and_values(np_type):
    value = (np.arange(24) % 7).astype(np_type).reshape(2, 3, 4)
    for decode in (round_trip, stream):
        got = decode(value)
        assert_same_value(got, value)
        assert got.flags.writeable and got.flags.c_contiguous


def test_bool_tensor_round_trip():
    value = np.array([[True, False], [False, True]])
    assert_same_value(round_trip(value), value)
    assert_same_value(stream(value, chunk_bytes=1), value)


def test_tensor_content_is_little_endian_c_order():
    value = np.array([[1, 2], [3, 4]], dtype=np.int32)
    proto = tensors.to_proto(value.T)  # a transposed (Fortran-ordered) view
    assert proto.tensor_content == np.array([1, 3, 2, 4], dtype="<i4").tobytes()
    assert proto.dtype == teachflow_pb2.DT_INT32
    assert [d.size for d in proto.tensor_shape.dim] == [2, 2]
    big_endian = np.array([1.5, -2.0], dtype=">f8")
    got = round_trip(big_endian)
    assert got.dtype == np.float64 and got.dtype.isnative
    np.testing.assert_array_equal(got, [1.5, -2.0])


@pytest.mark.parametrize(
    "value",
    [
        np.arange(20, dtype=np.float32).reshape(4, 5)[::2, 1::2],
        np.arange(20, dtype=np.int64).reshape(4, 5).T,
        np.arange(10, dtype=np.float16)[::-1],
        np.broadcast_to(np.float64(3.0), (3, 2)),
    ],
    ids=["strided", "transposed", "reversed", "broadcast"],
)
def test_non_contiguous_arrays_arrive_as_their_values(value):
    assert_same_value(round_trip(value), np.array(value))
    assert_same_value(stream(value, chunk_bytes=5), np.array(value))


@pytest.mark.parametrize(
    "value",
    [np.float32(2.5), np.int64(-3), np.bool_(True), np.uint8(255), np.float16(0.5)],
)
def test_zero_d_values_come_back_as_numpy_scalars(value):
    assert_same_value(round_trip(value), value)
    assert_same_value(round_trip(np.array(value)), value)
    assert_same_value(stream(value), value)


def test_python_scalars_take_numpy_dtypes_or_the_given_dtype():
    assert_same_value(round_trip(3), np.int64(3))
    assert_same_value(round_trip(1.5), np.float64(1.5))
    assert_same_value(round_trip(True), np.bool_(True))
    assert_same_value(round_trip(3, tf.float32), np.float32(3.0))
    assert_same_value(round_trip([1, 2], tf.int8), np.array([1, 2], np.int8))
    assert tensors.to_proto(np.float32(1), tf.float32_ref).dtype == teachflow_pb2.DT_FLOAT


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 2, 5)])
def test_empty_tensors_keep_their_shape_and_stream_as_one_chunk(shape):
    value = np.zeros(shape, np.float32)
    assert_same_value(round_trip(value), value)
    parts = list(tensors.chunks(value, chunk_bytes=4))
    assert len(parts) == 1 and parts[0].total_bytes == 0
    assert_same_value(tensors.from_chunks(parts), value)


def test_string_tensors_carry_bytes_including_empty_and_non_ascii():
    value = np.array([[b"", b"abc"], ["héllo".encode(), b"\x00\xff"]], dtype=object)
    for decode in (round_trip, stream):
        got = decode(value)
        assert_same_value(got, value)
        assert all(type(v) is bytes for v in got.flat)
    assert round_trip(b"one") == b"one"
    assert round_trip("naïve") == "naïve".encode()
    assert_same_value(round_trip(np.array(["a", "ü"])), np.array([b"a", "ü".encode()], object))
    assert_same_value(round_trip(np.zeros((0, 2), object)), np.zeros((0, 2), object))
    proto = tensors.to_proto(value)
    assert proto.dtype == teachflow_pb2.DT_STRING and not proto.tensor_content
    assert list(proto.string_val) == [b"", b"abc", "héllo".encode(), b"\x00\xff"]


def test_large_tensor_streams_in_many_chunks_of_at_most_chunk_bytes():
    value = np.random.default_rng(0).standard_normal((257, 1031)).astype(np.float32)
    parts = [wire(c) for c in tensors.chunks(value, chunk_bytes=64 << 10)]
    assert len(parts) == -(-value.nbytes // (64 << 10))
    assert parts[0].HasField("meta") and parts[0].total_bytes == value.nbytes
    assert all(not p.HasField("meta") for p in parts[1:])
    assert all(0 < len(p.data) <= 64 << 10 for p in parts)
    assert_same_value(tensors.from_chunks(iter(parts)), value)


def test_default_chunk_size_is_four_mebibytes():
    value = np.zeros((5 << 20) // 8, np.float64)
    sizes = [len(c.data) for c in tensors.chunks(value)]
    assert sizes == [4 << 20, 1 << 20]


class FakeCupyArray:
    """Quacks like a cupy array: the converter must copy it to the host with .get()."""

    __cuda_array_interface__ = {}

    def __init__(self, host):
        self._host = host

    def get(self):
        return self._host


def test_device_arrays_are_copied_to_the_host_first():
    value = np.arange(6, dtype=np.float32).reshape(3, 2)
    assert_same_value(tensors.from_proto(tensors.to_proto(FakeCupyArray(value))), value)
    assert_same_value(tensors.from_chunks(tensors.chunks(FakeCupyArray(value), 8)), value)


def test_dtype_enums_are_tensorflows_numbers():
    assert tensors.dtype_to_enum(tf.float32) == 1 == teachflow_pb2.DT_FLOAT
    assert tensors.dtype_to_enum(tf.float16) == teachflow_pb2.DT_HALF
    assert tensors.dtype_to_enum(tf.int64_ref) == teachflow_pb2.DT_INT64_REF
    for dt in dtypes.ALL_DTYPES:
        assert tensors.dtype_from_enum(tensors.dtype_to_enum(dt)) is dt
        assert tensors.dtype_from_enum(tensors.dtype_to_enum(dt._as_ref)) is dt._as_ref
    assert tensors.dtype_from_enum(teachflow_pb2.DT_BOOL_REF) is tf.bool._as_ref


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float32, np.int32, np.uint8, np.bool_, np.float64]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
    ),
    st.integers(1, 40),
)
def test_any_array_survives_proto_and_chunked_stream(value, chunk_bytes):
    want = value[()] if value.ndim == 0 else value
    assert_same_value(round_trip(value), want)
    assert_same_value(stream(value, chunk_bytes), want)


# -- tensor validation ---------------------------------------------------------------------
def proto_of(dtype, shape, content=b""):
    p = teachflow_pb2.TensorProto(dtype=dtype, tensor_content=content)
    p.tensor_shape.dim.extend(teachflow_pb2.TensorShapeProto.Dim(size=d) for d in shape)
    return p


@pytest.mark.parametrize(
    "proto, words",
    [
        (proto_of(0, [1], b"\0"), ["Unknown tensor dtype enum 0"]),
        (proto_of(42, [], b""), ["Unknown tensor dtype enum 42"]),
        (proto_of(1, [3], b"\0" * 8), ["8 bytes", "float32", "[3]", "needs 12 bytes"]),
        (proto_of(3, [2, -1], b""), ["negative dimension", "[2, -1]"]),
        (proto_of(7, [2]), ["0 string values", "needs 2"]),
        (teachflow_pb2.TensorProto(dtype=1, tensor_shape={"unknown_rank": True}), ["unknown rank"]),
    ],
    ids=["invalid", "unknown-enum", "short-content", "negative-dim", "strings", "unknown-rank"],
)
def test_malformed_tensor_protos_raise_invalid_argument(proto, words):
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tensors.from_proto(proto)
    for w in words:
        assert w in info.value.message


def test_malformed_streams_raise_invalid_argument():
    parts = list(tensors.chunks(np.arange(10, dtype=np.int32), chunk_bytes=16))
    with pytest.raises(tf.errors.InvalidArgumentError, match="ended after 32 of its 40 bytes"):
        tensors.from_chunks(parts[:-1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="more bytes than its total_bytes"):
        tensors.from_chunks(parts + [teachflow_pb2.TensorChunk(data=b"xx")])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must start with a chunk"):
        tensors.from_chunks(parts[1:])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must start with a chunk"):
        tensors.from_chunks([])
    bad = teachflow_pb2.TensorChunk(meta=proto_of(3, [3]), total_bytes=8, data=b"\0" * 8)
    with pytest.raises(tf.errors.InvalidArgumentError, match="needs 12 bytes"):
        tensors.from_chunks([bad])
    with pytest.raises(ValueError, match="chunk_bytes must be positive"):
        list(tensors.chunks(np.zeros(3), chunk_bytes=0))


# -- attribute values ----------------------------------------------------------------------
ATTR_VALUES = {
    "none": None,
    "true": True,
    "false": False,
    "int": 7,
    "negative-int": -(2**40),
    "zero": 0,
    "float": 0.1,
    "inf": float("-inf"),
    "text": "NHWC",
    "empty-text": "",
    "non-ascii-text": "größe",
    "bytes": b"loc:@v",
    "binary-bytes": b"\x00\xff",
    "dtype": tf.float16,
    "ref-dtype": tf.float32_ref,
    "string-dtype": tf.string,
    "unknown-rank": tf.TensorShape(None),
    "scalar-shape": tf.TensorShape([]),
    "partial-shape": tf.TensorShape([None, 3, None]),
    "list-of-ints": [0, 2, 3],
    "empty-list": [],
    "empty-tuple": (),
    "tuple": (1, "a", b"b"),
    "nested": [[1, 2], ([3.5], None), []],
    "list-of-bytes": [b"loc:@a", b"loc:@b"],
    "numpy-scalar": np.int64(3),
    "numpy-float-scalar": np.float32(1.25),
    "numpy-in-list": [np.int32(1), 2, np.bool_(False)],
    "list-of-dtypes": [tf.int32, tf.bool],
    "list-of-shapes": [tf.TensorShape([1]), tf.TensorShape(None)],
}


@pytest.mark.parametrize("value", ATTR_VALUES.values(), ids=ATTR_VALUES.keys())
def test_attr_values_round_trip_exactly(value):
    got = graphs.attr_from_proto(wire(graphs.attr_to_proto(value)))
    assert type(got) is type(value)
    assert repr(got) == repr(value)
    assert got == value


def test_bool_is_not_an_int_attr():
    assert graphs.attr_to_proto(True).WhichOneof("value") == "b"
    assert graphs.attr_to_proto(1).WhichOneof("value") == "i"
    assert graphs.attr_to_proto("s").WhichOneof("value") == "text"
    assert graphs.attr_to_proto(b"s").WhichOneof("value") == "s"
    assert graphs.attr_to_proto(tf.int32_ref).type == teachflow_pb2.DT_INT32_REF


def test_float_attrs_keep_double_precision_and_nan():
    assert graphs.attr_from_proto(graphs.attr_to_proto(0.1 + 2**-50)) == 0.1 + 2**-50
    assert np.isnan(graphs.attr_from_proto(graphs.attr_to_proto(float("nan"))))


def test_shape_attrs_encode_unknown_dims_as_minus_one():
    pb = graphs.attr_to_proto(tf.TensorShape([None, 4]))
    assert [d.size for d in pb.shape.dim] == [-1, 4] and not pb.shape.unknown_rank
    assert graphs.attr_to_proto(tf.TensorShape(None)).shape.unknown_rank


@pytest.mark.parametrize(
    "value",
    [
        np.array(3.5, np.float32),
        np.arange(6, dtype=np.int64).reshape(2, 3),
        np.array([[True], [False]]),
        np.zeros((0, 4), np.float16),
        np.array(b"x", dtype=object),
        np.array([b"a", "é".encode()], dtype=object),
    ],
    ids=["0d", "2d", "bool", "empty", "0d-string", "strings"],
)
def test_tensor_attrs_come_back_as_read_only_arrays(value):
    value.flags.writeable = False
    got = graphs.attr_from_proto(wire(graphs.attr_to_proto(value)))
    assert isinstance(got, np.ndarray) and got.dtype == value.dtype and got.shape == value.shape
    np.testing.assert_array_equal(got, value)
    assert not got.flags.writeable


@pytest.mark.parametrize(
    "value, name",
    [({"a": 1}, "builtins.dict"), (frozenset([1]), "builtins.frozenset"), (len, "builtin")],
)
def test_unserialisable_attrs_raise_type_error_naming_the_type(value, name):
    with pytest.raises(TypeError, match=name):
        graphs.attr_to_proto(value)


def test_empty_attr_value_is_invalid():
    with pytest.raises(tf.errors.InvalidArgumentError, match="carries no value"):
        graphs.attr_from_proto(teachflow_pb2.AttrValue())


# -- node defs and graph defs --------------------------------------------------------------
def test_node_def_round_trip_keeps_name_op_inputs_device_and_attrs():
    nd = NodeDef(
        "layer/MatMul",
        "MatMul",
        ["x", "w/read:0", "^init"],
        "/job:worker/replica:0/task:1/device:CPU:0",
        {"T": tf.float32, "transpose_a": False, "_class": [b"loc:@w"]},
    )
    got = graphs.node_def_from_proto(wire(graphs.node_def_to_proto(nd)))
    assert got == nd
    assert isinstance(got, NodeDef)


def test_node_def_with_bad_attr_names_node_and_attr():
    nd = NodeDef("n", "Identity", ["x"], "", {"fn": print})
    with pytest.raises(TypeError, match="Attr 'fn' of node 'n' \\(op: 'Identity'\\)"):
        graphs.node_def_to_proto(nd)


def test_graph_def_lists_ops_in_the_given_order_with_version():
    x = tf.constant([1.0, 2.0], name="x")
    first = tf.no_op(name="first")
    with tf.control_dependencies([first]):
        tf.split(tf.square(x, name="sq"), 2, name="halves")
    ops = tf.get_default_graph().get_operations()
    pb = wire(graphs.graph_def(ops[::-1], version=5))
    assert pb.version == 5
    assert [n.name for n in pb.node] == [op.name for op in ops[::-1]]
    nodes = {n.name: n for n in graphs.node_defs_from_graph_def(pb)}
    assert nodes["sq"].input == ["x", "^first"]
    assert nodes["sq"].attr == {"T": tf.float32}
    assert nodes["halves"].attr["num_split"] == 2


def test_every_op_of_a_model_graph_serializes_and_round_trips():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.device("/cpu:0"):
        w = tf.get_variable("w", [3, 2], initializer=tf.glorot_uniform_initializer(seed=1))
    y = tf.nn.relu(tf.matmul(x, w))
    loss = tf.reduce_mean(tf.square(y - tf.constant([[1.0, 0.0]])))
    tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
    tf.global_variables_initializer()
    ops = tf.get_default_graph().get_operations()
    assert len(ops) > 40
    for op in ops:
        got = graphs.node_def_from_proto(wire(graphs.node_def_to_proto(op.node_def)))
        want = op.node_def
        assert (got.name, got.op, got.input, got.device) == (
            want.name,
            want.op,
            want.input,
            want.device,
        )
        assert got.attr.keys() == want.attr.keys()
        for k, v in want.attr.items():
            if isinstance(v, np.ndarray):
                np.testing.assert_array_equal(got.attr[k], v)
                assert got.attr[k].dtype == v.dtype
            else:
                assert type(got.attr[k]) is type(v) and got.attr[k] == v


# -- events and devices --------------------------------------------------------------------
EVENTS = [
    OpEvent(
        3, "/device:CPU:0", "add", "AddV2", 10**18, 10**18 + 5, 140000000000001, 64, ("a", "b:1")
    ),
    OpEvent(0, "", "c", "Const", 0, 0, 0, 0),
    TransferEvent(4, "/device:CPU:0", "/device:GPU:1", "w/read:0", 4096, 100, 250, 7),
    MemoryEvent(4, "/device:GPU:0", "GPU_0_bfc", 123456789, -4096, 0, "mul"),
    StepEvent(9, "start", 5, ("loss:0", "train")),
    StepEvent(9, "end", 77, (), "InvalidArgumentError: bad feed"),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.kind)
def test_events_round_trip_with_their_task(event):
    pb = wire(graphs.event_to_proto(event, task="/job:worker/replica:0/task:1"))
    assert pb.kind == event.kind and pb.task == "/job:worker/replica:0/task:1"
    assert graphs.event_from_proto(pb) == event


def test_event_fields_map_onto_the_message():
    op = graphs.event_to_proto(EVENTS[0])
    assert (op.bytes, list(op.inputs), op.start_ns) == (64, ["a", "b:1"], 10**18)
    mem = graphs.event_to_proto(EVENTS[3])
    assert (mem.start_ns, mem.delta, mem.allocator, mem.live_bytes) == (
        123456789,
        -4096,
        "GPU_0_bfc",
        0,
    )
    step = graphs.event_to_proto(EVENTS[5])
    assert (step.phase, step.error, step.start_ns) == ("end", "InvalidArgumentError: bad feed", 77)
    assert graphs.event_to_proto(EVENTS[2]).bytes == 4096


def test_events_recorded_by_a_real_run_round_trip(sess):
    seen = []
    with bus.subscribed(seen.append):
        sess.run(tf.constant(1.0) + 1.0)
    assert {e.kind for e in seen} >= {"op", "memory", "step"}
    for e in seen:
        assert graphs.event_from_proto(wire(graphs.event_to_proto(e))) == e


def test_unknown_event_kind_is_invalid():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown event kind 'rpc'"):
        graphs.event_from_proto(teachflow_pb2.Event(kind="rpc"))


def test_device_attributes_round_trip():
    attrs = DeviceAttributes(
        "/job:ps/replica:0/task:0/device:GPU:0", "GPU", 16 << 30, 2**64 - 3, "simulated V100"
    )
    pb = wire(graphs.device_attributes_to_proto(attrs))
    assert pb.memory_limit == 16 << 30
    assert graphs.device_attributes_from_proto(pb) == attrs
