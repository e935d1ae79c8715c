"""``TensorInfo``: how a SignatureDef names a tensor of the graph (TF's ``saved_model.utils``).

A signature does not hold tensors, only their names, dtype and static shape, so that a server
(TensorFlow Serving, or a loader in another process) can find them in the imported graph:

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 3], name="x")
    >>> info = tf.saved_model.build_tensor_info(x)
    >>> info.name, [d.size for d in info.tensor_shape.dim]
    ('x:0', [-1, 3])
    >>> tf.saved_model.get_tensor_from_tensor_info(info) is x
    True
"""

from __future__ import annotations

from teachflow.framework.codecs.attr_value import shape_to_proto
from teachflow.framework.graph import get_default_graph
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.proto import messages


def build_tensor_info(tensor) -> messages.TensorInfo:
    """The ``TensorInfo`` of a tensor (its name) or a SparseTensor (its three parts' names)."""
    info = messages.TensorInfo(dtype=tensor.dtype.base_dtype.enum)
    info.tensor_shape.CopyFrom(shape_to_proto(tensor.shape))
    if isinstance(tensor, SparseTensor):
        info.coo_sparse.values_tensor_name = tensor.values.name
        info.coo_sparse.indices_tensor_name = tensor.indices.name
        info.coo_sparse.dense_shape_tensor_name = tensor.dense_shape.name
    else:
        info.name = tensor.name
    return info


def get_tensor_from_tensor_info(tensor_info, graph=None, import_scope=None):
    """The tensor (or SparseTensor) ``tensor_info`` names, in ``graph`` (the default graph)
    under ``import_scope``; KeyError when the graph has no such tensor."""
    graph = graph or get_default_graph()

    def tensor(name):
        return graph.get_tensor_by_name(f"{import_scope}/{name}" if import_scope else name)

    encoding = tensor_info.WhichOneof("encoding")
    if encoding == "name":
        return tensor(tensor_info.name)
    if encoding == "coo_sparse":
        coo = tensor_info.coo_sparse
        return SparseTensor(
            tensor(coo.indices_tensor_name),
            tensor(coo.values_tensor_name),
            tensor(coo.dense_shape_tensor_name),
        )
    raise ValueError(f"Invalid TensorInfo.encoding: {encoding}")
