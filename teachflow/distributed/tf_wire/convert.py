"""TensorFlow's wire messages <-> what teachflow's master and workers work with.

A TensorFlow peer speaks in TensorFlow's messages (`teachflow.proto.tf_wire`); teachflow's
services speak in teachflow's wire schema (``teachflow.proto``) and numpy. This module is
the one place where the two meet:

- tensors: TensorFlow's ``TensorProto`` in every encoding TF writes (``tensor_content``,
  ``float_val``/``int_val``/``half_val``..., a shorter list whose last value repeats)
  <-> numpy <-> teachflow's wire ``TensorProto``;
- graphs: TensorFlow's ``GraphDef`` (what a TF client's session sends) -> teachflow's
  `NodeDef` records or its wire ``GraphDef``;
- options: TensorFlow's ``ConfigProto``/``RunOptions`` -> teachflow's ``SessionConfig``/
  ``RunOptionsProto`` (the fields teachflow knows; the others are ignored, as a TF
  master ignores what it does not use);
- devices: teachflow's `DeviceAttributes` -> TensorFlow's ``DeviceAttributes``;
- status: TensorFlow's status codes (the gRPC codes, ``error_codes_pb2.Code``) <->
  `tf.errors` classes.

    >>> import numpy as np
    >>> from teachflow.distributed.tf_wire import convert
    >>> from teachflow.proto import messages
    >>> pb = messages.TensorProto(dtype=1, float_val=[2.5])  # TF's encoding of a scalar
    >>> pb.tensor_shape.SetInParent()
    >>> convert.to_numpy(pb)
    array(2.5, dtype=float32)
    >>> convert.to_tensor_proto(np.float32(2.5)).tensor_content
    b'\\x00\\x00 @'
    >>> convert.error_class(3).__name__
    'InvalidArgumentError'
"""

from __future__ import annotations

import grpc
import numpy as np

from teachflow.distributed.protocol import graphs, tensors
from teachflow.distributed.protocol import teachflow_pb2 as pb
from teachflow.framework import errors
from teachflow.framework.codecs import graph_def
from teachflow.proto import messages, tensor_proto
from teachflow.proto.tf_wire import device_attributes_pb2, named_tensor_pb2

__all__ = [
    "to_numpy",
    "to_tensor_proto",
    "to_named_tensor",
    "wire_tensor_from_tf",
    "tf_tensor_from_wire",
    "node_defs",
    "wire_graph_def",
    "session_config",
    "run_options",
    "device_attributes",
    "error_class",
    "grpc_code",
    "status_of",
    "error_from_status",
]


# -- tensors -------------------------------------------------------------------------------
def to_numpy(tensor: messages.TensorProto) -> np.ndarray:
    """The value of TensorFlow's ``TensorProto``, in any encoding TF writes; a malformed
    one (bad dtype, byte count, shape) raises `InvalidArgumentError`, as TF's
    ``Tensor::FromProto`` failing does."""
    try:
        return tensor_proto.make_ndarray(tensor)
    except ValueError as e:
        raise errors.InvalidArgumentError(
            None, None, f"Cannot parse tensor from proto: {e}"
        ) from None


def to_tensor_proto(value, dtype_enum: int | None = None) -> messages.TensorProto:
    """``value`` as TensorFlow's runtime sends a tensor (``Tensor::AsProtoTensorContent``):
    the raw bytes in ``tensor_content`` for every numeric tensor, scalars included;
    one ``string_val`` per element for strings."""
    arr = value if isinstance(value, np.ndarray) else np.asarray(value)
    enum = tensor_proto.enum_of_numpy(arr.dtype) if dtype_enum is None else dtype_enum
    out = messages.TensorProto(dtype=enum)
    out.tensor_shape.SetInParent()
    for d in arr.shape:
        out.tensor_shape.dim.add(size=d)
    if enum == 7:
        out.string_val.extend(
            v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in arr.reshape(-1)
        )
        return out
    wire = np.dtype(tensor_proto.numpy_dtype_of(enum)).newbyteorder("<")
    out.tensor_content = np.ascontiguousarray(arr, dtype=wire).tobytes()
    return out


def to_named_tensor(name: str, value) -> named_tensor_pb2.NamedTensorProto:
    """A fetched value as ``NamedTensorProto`` (what a ``RunStepResponse`` carries)."""
    return named_tensor_pb2.NamedTensorProto(name=name, tensor=to_tensor_proto(value))


def wire_tensor_from_tf(tensor: messages.TensorProto) -> pb.TensorProto:
    """TensorFlow's ``TensorProto`` as teachflow's wire ``TensorProto`` (raw bytes)."""
    return tensors.to_proto(to_numpy(tensor), tensors.dtype_from_enum(tensor.dtype))


def tf_tensor_from_wire(tensor: pb.TensorProto) -> messages.TensorProto:
    """teachflow's wire ``TensorProto`` as TensorFlow's. The two share field numbers for
    dtype, shape, ``tensor_content`` and ``string_val``, and teachflow writes only those,
    so the bytes are TensorFlow's already (``AsProtoTensorContent``'s layout)."""
    out = messages.TensorProto.FromString(tensor.SerializeToString())
    out.tensor_shape.SetInParent()  # a scalar's shape is present and empty, as TF writes it
    return out


# -- graphs --------------------------------------------------------------------------------
def node_defs(tf_graph_def: messages.GraphDef) -> list:
    """teachflow's `NodeDef` records of TensorFlow's ``GraphDef`` (TF 1.x ref variables or
    TF 2.x resource variables, ``_class`` colocation, any ``versions``; the ``library``'s
    functions as the function attrs of tf.data's ops). A function the library lacks, or one
    teachflow cannot read, raises `InvalidArgumentError` naming it."""
    try:
        return graph_def.node_defs_from_graph_def(tf_graph_def)
    except (ValueError, TypeError) as e:
        raise errors.InvalidArgumentError(None, None, str(e)) from None


def wire_graph_def(tf_graph_def: messages.GraphDef) -> pb.GraphDef:
    """TensorFlow's ``GraphDef`` in teachflow's wire schema (what teachflow's master and
    workers register)."""
    nodes = node_defs(tf_graph_def)
    try:
        return pb.GraphDef(node=[graphs.node_def_to_proto(nd) for nd in nodes])
    except TypeError as e:
        raise errors.InvalidArgumentError(None, None, str(e)) from None


# -- options -------------------------------------------------------------------------------
def session_config(config: messages.ConfigProto) -> pb.SessionConfig:
    """The fields of TensorFlow's ``ConfigProto`` teachflow's master uses."""
    return pb.SessionConfig(
        log_device_placement=config.log_device_placement,
        allow_soft_placement=config.allow_soft_placement,
        operation_timeout_in_ms=config.operation_timeout_in_ms,
        inter_op_parallelism_threads=config.inter_op_parallelism_threads,
    )


def run_options(options: messages.RunOptions) -> pb.RunOptionsProto:
    """The fields of TensorFlow's ``RunOptions`` teachflow's master uses (``trace_level``,
    ``timeout_in_ms``, ``output_partition_graphs``, ``report_tensor_allocations_upon_oom``)."""
    return pb.RunOptionsProto(
        trace_level=options.trace_level,
        timeout_in_ms=options.timeout_in_ms,
        output_partition_graphs=options.output_partition_graphs,
        report_tensor_allocations_upon_oom=options.report_tensor_allocations_upon_oom,
    )


# -- devices -------------------------------------------------------------------------------
def device_attributes(attrs) -> device_attributes_pb2.DeviceAttributes:
    """teachflow's `DeviceAttributes` record (or its wire message) as TensorFlow's: the
    full name ``/job:ps/replica:0/task:0/device:CPU:0``, type ``CPU``/``GPU``, memory limit
    in bytes and the device's incarnation. The locality is present and empty, as a TF
    CPU device reports it."""
    memory = getattr(attrs, "memory_limit_bytes", None)
    if memory is None:
        memory = attrs.memory_limit
    out = device_attributes_pb2.DeviceAttributes(
        name=attrs.name,
        device_type=attrs.device_type,
        memory_limit=memory,
        incarnation=attrs.incarnation,
        physical_device_desc=attrs.physical_device_desc,
    )
    out.locality.SetInParent()
    return out


# -- status --------------------------------------------------------------------------------
_GRPC_BY_NUMBER = {c.value[0]: c for c in grpc.StatusCode}


def error_class(code: int) -> type:
    """The `tf.errors` class of a TensorFlow status code (an unknown code: UnknownError)."""
    try:
        return errors.exception_type_from_error_code(int(code))
    except KeyError:
        return errors.UnknownError


def grpc_code(code: int) -> grpc.StatusCode:
    """The gRPC status of a TensorFlow status code: the numbers are the same."""
    return _GRPC_BY_NUMBER.get(int(code), grpc.StatusCode.UNKNOWN)


def status_of(exc: BaseException) -> tuple[int, str]:
    """(TensorFlow status code, message) of an exception: an `OpError` keeps its code;
    any other error is a bad request (INVALID_ARGUMENT), named by its class."""
    if isinstance(exc, errors.OpError):
        return exc.error_code, exc.message
    return errors.INVALID_ARGUMENT, f"{type(exc).__name__}: {exc}"


def error_from_status(code: int, message: str) -> errors.OpError:
    """The `tf.errors` exception a TF client raises for a status."""
    return error_class(code)(None, None, message)
